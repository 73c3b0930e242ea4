"""The demo world: a seeded, believable Texas MSP with 18 months of history.

`load_demo()` plans the world in pure Python (world.py, through the domain core, so it
cannot contradict the rules) and writes it with bulk inserts (writer.py), all in one
transaction. The demo campaigns mark it as loaded: a second run adds nothing, it only
resets the demo logins' passwords to the printed ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from leadflow.crm import adapters
from leadflow.crm.models import Campaign
from leadflow.crm.services.playbook import seed_defaults
from leadflow.demo.catalog import CAMPAIGNS
from leadflow.demo.plan import Config, PlannedPerson
from leadflow.demo.users import DemoUser, ensure_users, staff
from leadflow.demo.world import plan_world
from leadflow.demo.writer import write_world

__all__ = ["DemoResult", "DemoUser", "demo_loaded", "load_demo"]

_STEPS = 10  # the writer's steps, for the progress bar


@dataclass(frozen=True)
class DemoResult:
    created: bool
    summary: str
    users: list[DemoUser]


def demo_loaded() -> bool:
    return Campaign.objects.filter(name__in=[c.name for c in CAMPAIGNS]).exists()


def load_demo(
    *,
    seed: int = 42,
    people: int = 5000,
    progress: Console | None = None,
    now: datetime | None = None,
) -> DemoResult:
    """Load the demo world unless it is already there; always return the demo logins."""
    now = now or timezone.now()
    seed_defaults()
    with _progress(progress) as bar, transaction.atomic():
        users, logins = ensure_users()
        if demo_loaded():
            return DemoResult(False, "the demo world is already loaded", logins)
        config = Config(
            playbook=adapters.playbook(),
            triggers=adapters.triggers(),
            next_steps=adapters.next_steps(),
            raw_age_alert_days=adapters.business_settings().raw_age_alert_business_days,
            calendar=adapters.calendar(),
        )
        planning = bar.add_task("Planning the demo world", total=people) if bar else None
        world = plan_world(
            seed=seed,
            people=people,
            now=now,
            config=config,
            staff=staff(),
            tick=(lambda: bar.advance(planning)) if bar and planning is not None else None,
        )
        writing = bar.add_task("Writing", total=_STEPS) if bar else None

        def step(what: str) -> None:
            if bar and writing is not None:
                bar.update(writing, description=f"Writing {what}")
                bar.advance(writing)

        counts = write_world(world, users=users, step=step)
        if bar and writing is not None:
            bar.update(writing, description="Written", completed=_STEPS)
    return DemoResult(True, _summary(world.people, counts), logins)


def _summary(people: list[PlannedPerson], counts: dict[str, int]) -> str:
    by_type: dict[str, int] = {}
    for p in people:
        by_type[p.person_type] = by_type.get(p.person_type, 0) + 1
    won = sum(1 for p in people for o in p.opportunities if o.stage == "won")
    return (
        f"{counts['people']:,} people ({by_type.get('prospect', 0):,} prospects, "
        f"{by_type.get('lead', 0):,} leads, {by_type.get('client', 0):,} clients, "
        f"{by_type.get('avoid', 0):,} on Avoid), {counts['campaigns']} campaigns, "
        f"{counts['opportunities']:,} opportunities ({won:,} won), "
        f"{counts['appointments']:,} appointments, {counts['activities']:,} activities, "
        f"{counts['tasks']:,} tasks"
    )


@contextmanager
def _progress(console: Console | None) -> Iterator[Progress | None]:
    if console is None:
        yield None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        yield bar
