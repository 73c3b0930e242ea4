"""Export benchmark (issue 6): every channel's list, with the excluded report, from 1M people.

The world is bench/pages_bench.py's (people, companies and Avoid entries of
bench/_import_data.py plus leads in every status, sweet spots, opportunities in every
stage), built once per database. Each channel is then exported N times in one process:
read + eligibility + the list CSV + the excluded CSV + the ExportRecord. Prints the
median ms per channel; asserts nothing.

    uv run python bench/export_bench.py [--people 1000000] [--runs 3] [--postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from _runner import child_env, fresh_postgres, spawn

PG_NAME = "leadflow_export_bench"  # never the `test` database


def _child(task: dict[str, Any]) -> dict[str, Any]:
    os.environ["DJANGO_SETTINGS_MODULE"] = "leadflow.settings"
    import django

    django.setup()
    if task["task"] == "build":
        import pages_bench

        built = pages_bench.build(task["people"])
        return {"seconds": built["seconds"], "rows": built["rows"]}
    from leadflow.domain.channels import Channel
    from leadflow.exports.service import export_channel_list

    out = Path(task["dir"])
    timings: dict[str, Any] = {"baseline": {"ms": [_baseline(out) for _ in range(task["runs"])]}}
    for channel in Channel:
        times = []
        for n in range(task["runs"]):
            started = time.perf_counter()
            done = export_channel_list(
                channel=channel,
                out=out / f"{channel.value}-{n}.csv",
                excluded_out=out / f"{channel.value}-{n}-excluded.csv",
            )
            times.append((time.perf_counter() - started) * 1000)
        result = done.result
        timings[channel.value] = {
            "ms": times,
            "considered": result.considered,
            "included": result.included.height,
            "excluded": result.excluded.height,
            "reasons": {k.value: v for k, v in result.excluded_by_reason.items()},
        }
    return timings


# The floor an export stands on: every person's name and postal address written to a file
# with nothing decided. On PostgreSQL a bare COPY (query) TO STDOUT into a file; on SQLite
# the bare query and Python's csv writer.
_BASELINE_SQL = (
    "SELECT id, first_name, last_name, street, city, region, postcode, country FROM crm_person"
)


def _baseline(out: Path) -> float:
    import csv

    from django.db import connection

    path = out / "baseline.csv"
    started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            copy_sql = f"COPY ({_BASELINE_SQL}) TO STDOUT (FORMAT csv)"
            with path.open("wb") as file, cursor.cursor.copy(copy_sql) as copy:
                for block in copy:
                    file.write(block)
        else:
            cursor.execute(_BASELINE_SQL)
            with path.open("w", newline="") as file:
                csv.writer(file).writerows(cursor.fetchall())
    return (time.perf_counter() - started) * 1000


def bench(label: str, env: dict[str, str], work: Path, args: argparse.Namespace) -> None:
    built = spawn(__file__, {"task": "build", "people": args.people}, env)
    rows = ", ".join(f"{k} {v:,}" for k, v in built["rows"].items())
    print(f"{label:<9}world built in {built['seconds']:.1f} s: {rows}", flush=True)
    files = work / f"files-{label}"
    files.mkdir(exist_ok=True)
    timings = spawn(__file__, {"task": "export", "runs": args.runs, "dir": str(files)}, env)
    base = timings.pop("baseline")["ms"]
    print(f"{label:<9}{'baseline':<16} median {statistics.median(base):>7,.0f} ms "
          f"(runs: {', '.join(f'{ms:,.0f}' for ms in base)}): 1M names and addresses "
          "written with nothing decided")  # fmt: skip
    for channel, t in timings.items():
        median = statistics.median(t["ms"])
        runs = ", ".join(f"{ms:,.0f}" for ms in t["ms"])
        adds = "adds up" if t["included"] + t["excluded"] == t["considered"] else "DOES NOT ADD UP"
        print(f"{label:<9}{channel:<16} median {median:>7,.0f} ms (runs: {runs}); "
              f"considered {t['considered']:,} = included {t['included']:,} + excluded "
              f"{t['excluded']:,} ({adds})", flush=True)  # fmt: skip
        print(f"{'':<25}by reason: " + ", ".join(f"{k} {v:,}" for k, v in t["reasons"].items()))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", action="store_true", help="also PostgreSQL")
    parser.add_argument("--postgres-server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(json.loads(args.child))))
        return
    work = Path(tempfile.mkdtemp(prefix="leadflow-export-bench-"))
    print(f"machine: {os.cpu_count()} CPUs; {args.people:,} people; {args.runs} runs per channel")
    try:
        if not args.no_sqlite:
            bench("sqlite", child_env(work), work, args)
        if args.postgres:
            with fresh_postgres(args.postgres_server, PG_NAME) as url:
                bench("postgres", child_env(work / "pg", url), work, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("(target: 1M people considered in ≤ 3 s on SQLite, ≤ 2 s on PostgreSQL)")


if __name__ == "__main__":
    main()
