"""Re-judging every lead after a playbook change (issue 9), from 1M people.

The world is bench/pages_bench.py's (leads in every status, sweet spots, open proposals,
qualification records), built once per database. Then, in one process:

- baseline: the bare SELECT of every lead's stored decision and what qualification reads,
  fetched into Python, with nothing judged or written: the floor a run stands on;
- dry run: read + judge + compare, nothing written;
- rewrite: the service area rule alternates between two region lists before each run, so
  every run changes every lead's explanation (the worst case: every judged lead rewritten,
  with its history row, in one transaction);
- settled: a run right after one, with nothing left to change.

Prints the median seconds and leads/s of each; asserts nothing.

    uv run python bench/requalify_bench.py [--people 1000000] [--runs 3] [--postgres]
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

PG_NAME = "leadflow_requalify_bench"  # never the `test` database
REGIONS = ({"US-LA", "US-OK", "US-TX"}, {"US-LA", "US-TX"})


def _child(task: dict[str, Any]) -> dict[str, Any]:
    os.environ["DJANGO_SETTINGS_MODULE"] = "leadflow.settings"
    import django

    django.setup()
    if task["task"] == "build":
        import pages_bench

        built = pages_bench.build(task["people"])
        return {"seconds": built["seconds"], "rows": built["rows"]}
    from django.contrib.auth.models import User

    from leadflow.crm.models import Criterion
    from leadflow.crm.services.playbook import change_criterion
    from leadflow.crm.services.requalification import requalify_leads
    from leadflow.domain import qualification as q
    from leadflow.domain.profile import Trait

    admin = User.objects.get(username="admin")

    def timed(**kwargs: Any) -> tuple[float, Any]:
        started = time.perf_counter()
        done = requalify_leads(by=admin, **kwargs)
        return time.perf_counter() - started, done

    result: dict[str, Any] = {"baseline": [_baseline() for _ in range(task["runs"])]}
    dry = [timed(dry_run=True) for _ in range(task["runs"])]
    result["dry run"] = {"s": [s for s, _ in dry], "considered": dry[-1][1].considered}
    rewrites, settled = [], []
    for n in range(task["runs"]):
        rule = Criterion.objects.get(avatar=None, trait=Trait.GEOGRAPHY.value)
        regions = frozenset(REGIONS[(n + 1) % 2])
        change_criterion(
            row=rule, by=admin, criterion=q.Criterion(Trait.GEOGRAPHY, q.Operator.ONE_OF, regions)
        )
        rewrites.append(timed())
        settled.append(timed())
    last = rewrites[-1][1]
    result["rewrite"] = {
        "s": [s for s, _ in rewrites],
        "considered": last.considered,
        "changed": [d.changed for _, d in rewrites],
        "moves": last.moves,
        "kept": last.kept_confirmed,
    }
    result["settled"] = {
        "s": [s for s, _ in settled],
        "considered": settled[-1][1].considered,
        "changed": [d.changed for _, d in settled],
    }
    return result


def _baseline() -> float:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.id, p.qualification_status, p.unqualified_reason, p.sweet_spot_id, "
            "p.qualification_explanation, p.incomplete, c.niche, c.company_type, "
            "c.employee_count, c.geography, p.country, p.region, p.authority, "
            "p.monthly_budget, p.outsourcing, p.switch_reason, p.need, p.lead_source_id, "
            "p.services_wanted, p.waived_traits FROM crm_person p "
            "LEFT JOIN crm_company c ON c.id = p.company_id WHERE p.person_type = 'lead'"
        )
        rows = cursor.fetchall()
    del rows
    return time.perf_counter() - started


def bench(label: str, env: dict[str, str], args: argparse.Namespace) -> None:
    built = spawn(__file__, {"task": "build", "people": args.people}, env)
    rows = ", ".join(f"{k} {v:,}" for k, v in built["rows"].items())
    print(f"{label:<9}world built in {built['seconds']:.1f} s: {rows}", flush=True)
    timings = spawn(__file__, {"task": "run", "runs": args.runs}, env)
    base = timings.pop("baseline")
    runs = ", ".join(f"{s:.1f}" for s in base)
    print(f"{label:<9}{'baseline':<10} median {statistics.median(base):>6.1f} s "
          f"(runs: {runs}): every lead read, none judged")  # fmt: skip
    for name, t in timings.items():
        median = statistics.median(t["s"])
        runs = ", ".join(f"{s:.1f}" for s in t["s"])
        rate = t["considered"] / median if median else 0
        changed = f"; changed {', '.join(f'{c:,}' for c in t['changed'])}" if "changed" in t else ""
        print(f"{label:<9}{name:<10} median {median:>6.1f} s (runs: {runs}); "
              f"{t['considered']:,} leads judged, {rate:,.0f} leads/s{changed}",
              flush=True)  # fmt: skip
        if "moves" in t:
            moves = ", ".join(f"{k} {v:,}" for k, v in t["moves"].items())
            print(f"{'':<20}confirmed unqualified kept {t['kept']:,}; {moves}")


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
    work = Path(tempfile.mkdtemp(prefix="leadflow-requalify-bench-"))
    print(f"machine: {os.cpu_count()} CPUs; {args.people:,} people; {args.runs} runs each")
    try:
        if not args.no_sqlite:
            bench("sqlite", child_env(work), args)
        if args.postgres:
            with fresh_postgres(args.postgres_server, PG_NAME) as url:
                bench("postgres", child_env(work / "pg", url), args)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
