"""How fast the demo world loads, set-based, against the per-row services as a baseline.

Each run gets a fresh SQLite database in its own process. Prints the median of the runs.

    uv run python bench/demo_load.py [--people 5000] [--baseline-people 300] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

_ONE_RUN = r"""
import json, os, sys, time
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "leadflow.settings"
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from leadflow.crm.services.playbook import seed_defaults
seed_defaults()
mode, people = sys.argv[1], int(sys.argv[2])
if mode == "demo":
    from leadflow.demo import load_demo
    started = time.perf_counter()
    load_demo(seed=42, people=people)
    elapsed = time.perf_counter() - started
else:
    # Baseline: the same kind of work one person at a time through the services.
    from leadflow.crm.services.people import create_person, record_interest_activity
    from leadflow.domain.temperature import ActivityKind, FollowUpWish
    started = time.perf_counter()
    for n in range(people):
        person = create_person(
            by=None, first_name="Bench", last_name=str(n), email=f"bench{n}@example.com",
            title="Owner", company_name=f"Bench {n} LLC", niche="legal", employee_count=20,
            geography="US-TX", need=None, services_wanted=["managed-services"],
        )
        record_interest_activity(
            person=person, kind=ActivityKind.DOWNLOAD, wish=FollowUpWish.ASKED, by=None
        )
    elapsed = time.perf_counter() - started
print(json.dumps({"seconds": elapsed, "people": people}))
"""


def _run(mode: str, people: int) -> float:
    with tempfile.TemporaryDirectory() as data_dir:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LEADFLOW_")}
        env["LEADFLOW_DATA_DIR"] = data_dir
        out = subprocess.run(
            [sys.executable, "-c", _ONE_RUN, mode, str(people)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return float(json.loads(out.strip().splitlines()[-1])["seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--baseline-people", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    demo = [_run("demo", args.people) for _ in range(args.runs)]
    base = [_run("per-row", args.baseline_people) for _ in range(args.runs)]
    demo_s, base_s = statistics.median(demo), statistics.median(base)
    print(
        f"demo load, set-based:   {args.people} people in {demo_s * 1000:,.0f} ms "
        f"= {args.people / demo_s:,.0f} people/s (median of {args.runs}: "
        + ", ".join(f"{s:.2f}s" for s in demo)
        + ")"
    )
    print(
        f"baseline, per-row:      {args.baseline_people} people in {base_s * 1000:,.0f} ms "
        f"= {args.baseline_people / base_s:,.0f} people/s (median of {args.runs}: "
        + ", ".join(f"{s:.2f}s" for s in base)
        + ")"
    )
    print(
        "note: a demo person carries its whole history (activities, qualification records, "
        "opportunities, stage changes, tasks); a baseline person carries one activity."
    )


if __name__ == "__main__":
    main()
