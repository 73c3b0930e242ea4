"""Small worlds for the lead score: hand-made frames, and a CRM history in bulk."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import polars as pl
import pytest

from leadflow.crm.models import Activity, Company, Person, Source
from leadflow.domain.people import PersonType
from leadflow.domain.profile import Need
from leadflow.domain.temperature import ActivityKind, FollowUpWish, Temperature
from leadflow.scoring.features import LEAD_ID, WON, FeatureSpec, Field, FieldKind

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)

SMALL_SPEC = FeatureSpec(
    "small",
    (
        Field("source", "lead source"),
        Field("budget", "monthly budget", FieldKind.NUMBER),
        Field("need", "need"),
    ),
    missing_markers=frozenset({"", "Select"}),
    never_read=frozenset({"tags"}),
)


def small_leads(n: int = 600, seed: int = 3) -> pl.DataFrame:
    """Leads where a webinar and a stated budget make a client far likelier."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        source = rng.choice(["webinar", "rented list", "website"])
        budget = rng.choice([None, 500.0, 2000.0, 5000.0])
        need = rng.choice(["need now", "curious", "Select"])
        odds = {"webinar": 1.0, "rented list": 0.08, "website": 0.3}[source]
        odds *= 0.3 if budget is None else budget / 2000
        odds *= 2.0 if need == "need now" else 1.0
        won = int(rng.random() < odds / (1 + odds))
        rows.append((f"L{i}", won, source, budget, need, "Closed won" if won else "Ringing"))
    return pl.DataFrame(
        rows, schema=[LEAD_ID, WON, "source", "budget", "need", "tags"], orient="row"
    )


@dataclass(frozen=True)
class History:
    people: list[Person]
    won: int


def build_history(*, leads: int, won_share: float, seed: int = 5) -> History:
    """Leads that arrived over the 500 days before NOW, in bulk; webinar leads who need
    help now become clients most often, rented-list leads least."""
    rng = random.Random(seed)
    sources = {
        name: Source.objects.create(name=name) for name in ("webinar", "rented list", "website")
    }
    company = Company.objects.create(name="Acme", normalized_name="acme", niche="legal")
    people = []
    wins = 0
    for i in range(leads):
        source = rng.choice(list(sources))
        need = rng.choice([Need.NEED_NOW, Need.CURIOUS])
        weight = {"webinar": 3.0, "rented list": 0.2, "website": 1.0}[source]
        weight *= 2.0 if need is Need.NEED_NOW else 0.5
        became_lead = NOW - timedelta(days=rng.uniform(1, 500))
        client = rng.random() < won_share * weight
        wins += client
        people.append(
            Person(
                first_name=f"Lead{i}",
                email=f"lead{i}@example.com",
                email_normalized=f"lead{i}@example.com",
                company=company,
                person_type=PersonType.CLIENT if client else PersonType.LEAD,
                lead_source=sources[source],
                need=need,
                monthly_budget=Decimal(rng.choice([0, 800, 3000])) if rng.random() < 0.7 else None,
                services_wanted=["managed-services"] if client else [],
                created_at=became_lead,
                became_lead_at=became_lead,
                became_client_at=became_lead + timedelta(days=30) if client else None,
            )
        )
    stored = Person.objects.bulk_create(people)
    Activity.objects.bulk_create(
        Activity(
            person=p,
            kind=ActivityKind.EVENT_ATTENDED
            if p.lead_source == sources["webinar"]
            else (ActivityKind.DOWNLOAD),
            wish=FollowUpWish.ASKED,
            occurred_at=p.became_lead_at,
            source=p.lead_source,
            temperature=Temperature.HOT,
        )
        for p in stored
    )
    return History(stored, wins)


@pytest.fixture(autouse=True)
def _forget_loaded_models() -> None:
    # Each test's database numbers its models from 1 again: a model cached by id in an
    # earlier test must not answer for this one's.
    from leadflow.scoring import service

    service._loaded.clear()
