"""Import benchmark (issue 4): realistic files into a database that already holds N people.

For each database (SQLite; PostgreSQL with --postgres) a template is built once: migrated,
playbook seeded, N people with their companies and Avoid entries loaded set-based with raw
SQL. Every run then starts from a fresh copy of it, in a fresh process, and times
read_table + run_intake (skip-bad, responses). The baseline imports a small file the way
most CRMs do: get_or_create per row. Prints the median of the runs; asserts nothing.

    uv run python bench/import_bench.py [--rows 100000,1000000] [--existing 1000000]
        [--runs 3] [--baseline-rows 10000] [--postgres] [--profile]
"""

from __future__ import annotations

import abc
import argparse
import contextlib
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import _import_data as data

SEED = 42
PG_TEMPLATE, PG_RUN = "leadflow_bench_template", "leadflow_bench"  # never the `test` database
OUTCOMES = ("created", "merged", "blocked", "spam", "error")


# --- in the child process -------------------------------------------------------------


def _django() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "leadflow.settings"
    import django

    django.setup()


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def build_template(existing: int) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection

    from leadflow.crm.models import AvoidEntry, Company, Person
    from leadflow.crm.services.playbook import seed_defaults

    call_command("migrate", verbosity=0)
    seed_defaults()
    started = time.perf_counter()
    zone = "+00" if connection.vendor == "postgresql" else ""
    companies, people, avoid = data.world(existing, datetime.now(UTC), zone)
    models = ((Company, companies), (Person, people), (AvoidEntry, avoid))
    for model, frame in models:
        known = {f.column for f in model._meta.concrete_fields}
        assert set(frame.columns) <= known, set(frame.columns) - known
    generated = time.perf_counter() - started
    data.load_world(list(models))
    connection.close()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "generated": generated, "people": people.height,
            "companies": companies.height, "avoid": avoid.height}  # fmt: skip


def run_import(path: str, campaign: str, profile: bool) -> dict[str, Any]:
    from leadflow.intake.options import IntakeOptions, ListKind, Mode
    from leadflow.intake.read import read_table
    from leadflow.intake.run import run_intake

    options = IntakeOptions(
        campaign=campaign, source="Trade show", kind=ListKind.RESPONSES, mode=Mode.SKIP_BAD
    )
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    table = read_table(Path(path))
    read_s = time.perf_counter() - started
    marks: list[tuple[str, float]] = [("read and validate", started)]
    report = run_intake(
        table, options, stage=lambda name: marks.append((name, time.perf_counter()))
    )
    seconds = time.perf_counter() - started
    ends = [t for _, t in marks[1:]] + [started + seconds]
    stages: dict[str, float] = {}
    for (name, begin), end in zip(marks, ends, strict=True):  # chunks repeat the last stages
        stages[name] = round(stages.get(name, 0.0) + end - begin, 2)
    if profiler is not None:
        import pstats

        profiler.disable()
        stats = pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative")
        stats.print_stats(r"leadflow|polars/dataframe|django/db/models/query", 45)
    return {"seconds": seconds, "read_s": read_s, "peak_mb": _peak_mb(), "read": report.read,
            "stages": stages,
            "written": report.written, "reason": report.reason, "errors": report.errors[:3],
            "counts": {str(k): v for k, v in report.counts.items()}}  # fmt: skip


def run_baseline(path: str, campaign: str) -> dict[str, Any]:
    """The usual CRM import: per row, get_or_create the company and the person, then
    create an activity. One transaction for the file (the kind version of it)."""
    from django.db import transaction
    from django.utils import timezone

    from leadflow.crm.models import Activity, Campaign, Company, Person, Source

    started = time.perf_counter()
    rows = 0
    with Path(path).open(newline="", encoding="utf-8") as handle, transaction.atomic():
        source, _ = Source.objects.get_or_create(name="Trade show")
        campaign_row, _ = Campaign.objects.get_or_create(name=campaign, defaults={"source": source})
        for row in csv.DictReader(handle):
            rows += 1
            email = (row["E-mail"] or "").strip().lower()
            if not email:
                continue
            company = None
            if name := row["Company Name"].strip():
                company, _ = Company.objects.get_or_create(
                    normalized_name=name.casefold(), defaults={"name": name}
                )
            person, _ = Person.objects.get_or_create(
                email_normalized=email,
                defaults={"first_name": row["First Name"], "last_name": row["Last Name"],
                          "email": row["E-mail"], "phone": row["Phone Number"],
                          "title": row["Job Title"], "company": company,
                          "country": row["Country"][:2], "person_type": "lead",
                          "created_at": timezone.now()},
            )  # fmt: skip
            wish = "asked" if row["Contact me"].lower().startswith("yes") else "neutral"
            Activity.objects.create(
                person=person, kind="trade_show", wish=wish, occurred_at=timezone.now(),
                campaign=campaign_row, source=source, temperature=3,
            )  # fmt: skip
    return {"seconds": time.perf_counter() - started, "rows": rows, "peak_mb": _peak_mb()}


def child(spec: dict[str, Any]) -> None:
    _django()
    if spec["task"] == "template":
        result = build_template(spec["existing"])
    elif spec["task"] == "import":
        result = run_import(spec["file"], spec["campaign"], spec.get("profile", False))
    else:
        result = run_baseline(spec["file"], spec["campaign"])
    print(json.dumps(result))


# --- in the parent --------------------------------------------------------------------


class Database(abc.ABC):
    """A template built once, and a fresh copy of it for every run."""

    label = ""

    def __init__(self, work: Path) -> None:
        self.work = work

    def env(self, data_dir: Path) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LEADFLOW_")}
        return {**env, "LEADFLOW_DATA_DIR": str(data_dir)}

    @abc.abstractmethod
    def template_env(self) -> dict[str, str]: ...

    @abc.abstractmethod
    def fresh(self) -> contextlib.AbstractContextManager[dict[str, str]]: ...

    def close(self) -> None:
        return None

    def run(self, spec: dict[str, Any]) -> dict[str, Any]:
        with self.fresh() as env:
            return _spawn(spec, env)


class Sqlite(Database):
    label = "sqlite"

    def template_env(self) -> dict[str, str]:
        return self.env(self.work / "sqlite-template")

    @contextlib.contextmanager
    def fresh(self) -> Iterator[dict[str, str]]:
        run_dir = Path(tempfile.mkdtemp(prefix="run-", dir=self.work))
        name = "leadflow.sqlite3"
        shutil.copyfile(self.work / "sqlite-template" / name, run_dir / name)
        try:
            yield self.env(run_dir)
        finally:
            shutil.rmtree(run_dir)


class Postgres(Database):
    label = "postgres"

    def __init__(self, work: Path, server: str) -> None:
        import psycopg

        super().__init__(work)
        self.server = server.rstrip("/")
        self.admin = psycopg.connect(f"{self.server}/postgres", autocommit=True)
        for name in (PG_RUN, PG_TEMPLATE):
            self.admin.execute(f"DROP DATABASE IF EXISTS {name}")
        self.admin.execute(f"CREATE DATABASE {PG_TEMPLATE}")

    def template_env(self) -> dict[str, str]:
        return {**self.env(self.work), "LEADFLOW_DATABASE_URL": f"{self.server}/{PG_TEMPLATE}"}

    @contextlib.contextmanager
    def fresh(self) -> Iterator[dict[str, str]]:
        self.admin.execute(f"CREATE DATABASE {PG_RUN} TEMPLATE {PG_TEMPLATE}")
        try:
            yield {**self.env(self.work), "LEADFLOW_DATABASE_URL": f"{self.server}/{PG_RUN}"}
        finally:
            self.admin.execute(f"DROP DATABASE IF EXISTS {PG_RUN} WITH (FORCE)")

    def close(self) -> None:
        self.admin.execute(f"DROP DATABASE IF EXISTS {PG_TEMPLATE} WITH (FORCE)")
        self.admin.close()


def _spawn(spec: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(spec)],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if spec.get("profile"):
        print(done.stderr, file=sys.stderr)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or ["failed"]
        where = [line.strip() for line in lines if "/leadflow/" in line][-1:]
        raise RuntimeError(" at ".join([lines[-1], *where]))
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _median_line(results: list[dict[str, Any]]) -> tuple[float, str]:
    times = [r["seconds"] for r in results]
    peaks = [r["peak_mb"] for r in results]
    median = statistics.median(times)
    detail = ", ".join(f"{t:.2f}" for t in times)
    return median, (f"peak {statistics.median(peaks):,.0f} MB (median of {len(results)}: "
                    f"{detail} s; peaks {', '.join(f'{p:,.0f}' for p in peaks)} MB)")  # fmt: skip


def bench(db: Database, files: dict[int, Path], baseline: Path, args: argparse.Namespace) -> None:
    tag = f"{db.label:<9}"
    built = _spawn({"task": "template", "existing": args.existing}, db.template_env())
    loaded = f"{built['people']:,} people, {built['companies']:,} companies, {built['avoid']:,}"
    took = f"{built['seconds']:.1f} s (of which generating {built['generated']:.1f} s)"
    print(f"{tag}template: {loaded} avoid entries loaded in {took}", flush=True)
    speeds: dict[int, float] = {}
    for size, path in files.items():
        head = f"{tag}{size:>9,} rows:"
        try:
            results = [
                db.run({"task": "import", "file": str(path), "campaign": f"Bench {size} #{n}"})
                for n in range(1, args.runs + 1)
            ]
        except RuntimeError as error:
            print(f"{head} FAILED: {error}", flush=True)
            continue
        median, detail = _median_line(results)
        speeds[size] = size / median
        print(f"{head} {median:.2f} s = {size / median:,.0f} rows/s, {detail}")
        one = results[0]
        counts = [one["counts"].get(o, 0) for o in OUTCOMES]
        check = "adds up" if sum(counts) == one["read"] == size else "DOES NOT ADD UP"
        parts = " + ".join(f"{o} {n:,}" for o, n in zip(OUTCOMES, counts, strict=True))
        print(f"{head} outcomes {parts} = {sum(counts):,}; read {one['read']:,} of {size:,}: "
              f"{check}; written={one['written']}; read_table {one['read_s']:.2f} s")  # fmt: skip
        print(
            f"{head} seconds by stage (first run): "
            + ", ".join(f"{k} {v:.2f}" for k, v in one["stages"].items()),
            flush=True,
        )
        if one["errors"]:
            print(f"{head} first errors: {' | '.join(one['errors'])}", flush=True)
    if args.profile and files:
        size, path = max(files.items())
        print(f"{tag}cProfile of one {size:,}-row import: on stderr", flush=True)
        db.run({"task": "import", "file": str(path), "campaign": "Profile", "profile": True})
    if args.baseline_rows <= 0:
        return
    base = [db.run({"task": "baseline", "file": str(baseline), "campaign": f"Base {n}"})
            for n in range(args.runs)]  # fmt: skip
    median, detail = _median_line(base)
    rate = args.baseline_rows / median
    print(f"{tag}baseline {args.baseline_rows:,} rows (per-row ORM get_or_create, one "
          f"transaction): {median:.2f} s = {rate:,.0f} rows/s, {detail}")  # fmt: skip
    for size, speed in speeds.items():
        print(f"{tag}ratio {size:,} rows pipeline ÷ baseline: {speed / rate:,.1f}x "
              f"({speed:,.0f} ÷ {rate:,.0f} rows/s)", flush=True)  # fmt: skip


def write_file(path: Path, rows: int, existing: int, seed: int) -> None:
    started = time.perf_counter()
    n_companies = max(existing // 10, 10)
    data.import_file(rows, existing=existing, n_companies=n_companies, seed=seed).write_csv(path)
    kinds = ", ".join(f"{k} {v:,}" for k, v in data.expected(rows, seed).items())
    print(f"file     {rows:>9,} rows: {path.stat().st_size / 1e6:,.1f} MB in "
          f"{time.perf_counter() - started:.1f} s; rows by kind: {kinds}", flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rows", default="100000,1000000", help="file sizes, comma-separated")
    parser.add_argument("--existing", type=int, default=1_000_000, help="people already stored")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline-rows", type=int, default=10_000)
    parser.add_argument("--postgres", action="store_true", help="also PostgreSQL")
    parser.add_argument("--postgres-server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--profile", action="store_true", help="cProfile one run, largest file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(json.loads(args.child))
        return
    if args.existing < 1000:
        parser.error("--existing must be at least 1000 (1% of them are on Avoid)")
    sizes = [int(s.replace("_", "")) for s in args.rows.split(",") if s.strip()]
    work = Path(tempfile.mkdtemp(prefix="leadflow-import-bench-"))
    try:
        files = {size: work / f"import_{size}.csv" for size in sizes}
        for size, path in files.items():
            write_file(path, size, args.existing, SEED)
        baseline = work / f"baseline_{args.baseline_rows}.csv"
        if args.baseline_rows > 0:
            write_file(baseline, args.baseline_rows, args.existing, SEED + 1000)
        databases: list[Database] = [] if args.no_sqlite else [Sqlite(work)]
        if args.postgres:
            databases.append(Postgres(work, args.postgres_server))
        for db in databases:
            try:
                bench(db, files, baseline, args)
            finally:
                db.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
