"""Report benchmark (issue 7): every report, the plan and the forecast over 1M leads,
200k opportunities and ~1M stage changes, on SQLite and PostgreSQL.

The world (bench/_report_data.py) is written straight into the history tables, then the
funnel facts are rebuilt from that history (timed: what `leadflow migrate` does once on
an old database). Each report then runs N times in one process; the script prints the
median ms. The baseline, measured in the same run, is the query the facts replace: a
plain GROUP BY of distinct opportunities per source, month and stage over the history.
Asserts nothing.

    uv run python bench/report_bench.py [--leads 1000000] [--opportunities 200000]
                                        [--runs 5] [--postgres] [--no-sqlite]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any

from _runner import child_env, fresh_postgres, spawn

PG_NAME = "leadflow_report_bench"  # never the `test` database


def _build(task: dict[str, Any]) -> dict[str, Any]:
    import _report_data as data
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import transaction

    from leadflow.crm import models as m
    from leadflow.crm.services.playbook import seed_defaults
    from leadflow.demo.users import ensure_users
    from leadflow.intake.sql import insert_frame
    from leadflow.reports import facts

    call_command("migrate", verbosity=0)
    seed_defaults()
    ensure_users()
    team = {
        r: list(User.objects.filter(groups__name=r).values_list("id", flat=True))
        for r in ("setter", "rep")
    }
    sources = [m.Source.objects.get_or_create(name=f"Bench source {n}")[0] for n in range(8)]
    campaigns = [
        (m.Campaign.objects.get_or_create(name=f"Bench campaign {n}", source=sources[n % 8])[0].pk,
         sources[n % 8].pk)
        for n in range(40)
    ]  # fmt: skip
    avatars = list(m.Avatar.objects.values_list("id", flat=True))
    started = time.perf_counter()
    frames = data.world(
        task["leads"], task["opportunities"], now=datetime.now(UTC),
        sources=[s.pk for s in sources], campaigns=campaigns, avatars=avatars,
        setters=team["setter"], reps=team["rep"],
    )  # fmt: skip
    generated = time.perf_counter() - started
    with transaction.atomic():
        for model, name in (
            (m.Person, "people"),
            (m.QualificationRecord, "records"),
            (m.Opportunity, "opportunities"),
            (m.Appointment, "appointments"),
            (m.StageChange, "stage_changes"),
        ):
            insert_frame(model, frames[name])
    written = time.perf_counter() - started - generated
    started = time.perf_counter()
    with transaction.atomic():
        facts.refresh(None)
    rebuilt = time.perf_counter() - started
    rows = {name: frame.height for name, frame in frames.items()}
    return {"generated": generated, "written": written, "rebuilt": rebuilt, "rows": rows}


def _baseline() -> None:
    from django.db import connection

    from leadflow.crm.models import Opportunity, Person, StageChange

    month = (
        "to_char(sc.at, 'YYYY-MM')" if connection.vendor == "postgresql"
        else "strftime('%Y-%m', sc.at)"
    )  # fmt: skip
    sql = (
        f"SELECT p.lead_source_id, {month}, sc.after, COUNT(DISTINCT o.id) "
        f"FROM {StageChange._meta.db_table} sc "
        f"JOIN {Opportunity._meta.db_table} o ON o.id = sc.opportunity_id "
        f"JOIN {Person._meta.db_table} p ON p.id = o.person_id "
        f"GROUP BY p.lead_source_id, {month}, sc.after"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        cursor.fetchall()


def _reports() -> dict[str, Callable[[], Any]]:
    from django.utils import timezone

    from leadflow.domain.plan import Goal
    from leadflow.reports import cohorts, forecast, funnel, plan, show_rate, sources, stages
    from leadflow.reports.common import Cut

    today = timezone.localdate()
    goal = Goal(by=date(today.year + 1, 6, 30), new_clients=200)
    found: dict[str, Callable[[], Any]] = {"baseline GROUP BY over history": _baseline}
    for cut in Cut:
        found[f"funnel --by {cut.value}"] = partial(funnel.funnel, cut)
    found |= {
        "show-rate": show_rate.show_rates,
        "contracts": show_rate.contract_close,
        "cohorts": lambda: cohorts.cohorts(today=today),
        "time-in-stage": stages.time_in_stage,
        "sources": sources.lead_sources,
        "plan": lambda: plan.plan(goal, today=today),
        "forecast (stored fit)": forecast.forecast,
    }
    return found


def _child(task: dict[str, Any]) -> dict[str, Any]:
    os.environ["DJANGO_SETTINGS_MODULE"] = "leadflow.settings"
    import django

    django.setup()
    if task["task"] == "build":
        return _build(task)
    from leadflow.reports import forecast

    started = time.perf_counter()
    forecast.refit()
    timings: dict[str, Any] = {"forecast refit (nightly)": [(time.perf_counter() - started) * 1000]}
    for name, run in _reports().items():
        times = []
        for _ in range(task["runs"]):
            started = time.perf_counter()
            run()
            times.append((time.perf_counter() - started) * 1000)
        timings[name] = times
    return timings


def bench(label: str, env: dict[str, str], args: argparse.Namespace) -> None:
    built = spawn(
        __file__, {"task": "build", "leads": args.leads, "opportunities": args.opportunities}, env
    )
    rows = ", ".join(f"{k} {v:,}" for k, v in built["rows"].items())
    print(f"{label:<9}world: {rows}; generated {built['generated']:.1f} s, written "
          f"{built['written']:.1f} s, facts rebuilt from history in {built['rebuilt']:.1f} s",
          flush=True)  # fmt: skip
    timings = spawn(__file__, {"task": "reports", "runs": args.runs}, env)
    for name, times in timings.items():
        runs = ", ".join(f"{ms:,.0f}" for ms in times)
        print(f"{label:<9}{name:<32} median {statistics.median(times):>8,.1f} ms (runs: {runs})",
              flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--opportunities", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--postgres", action="store_true", help="also PostgreSQL")
    parser.add_argument("--postgres-server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(json.loads(args.child))))
        return
    work = Path(tempfile.mkdtemp(prefix="leadflow-report-bench-"))
    print(f"machine: {os.cpu_count()} CPUs; {args.leads:,} leads, {args.opportunities:,} "
          f"opportunities; {args.runs} runs per report")  # fmt: skip
    try:
        if not args.no_sqlite:
            bench("sqlite", child_env(work), args)
        if args.postgres:
            with fresh_postgres(args.postgres_server, PG_NAME) as url:
                bench("postgres", child_env(work / "pg", url), args)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("(target: every report ≤ 300 ms, the plan ≤ 100 ms, on both databases)")


if __name__ == "__main__":
    main()
