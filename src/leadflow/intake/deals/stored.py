"""What the database holds that a deal file is matched against, as polars frames.

A few set-based reads (chunked `IN (...)` lists): the people the file names, their deals,
and the team. No model instances on this path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import polars as pl
from django.contrib.auth.models import User

from leadflow.crm.models import Opportunity, Person

_CHUNK = 5000

PEOPLE_SCHEMA: dict[str, Any] = {
    "person_id": pl.Int64,
    "external_id": pl.String,
    "email_normalized": pl.String,
    "person_type": pl.String,
    "became_lead_at": pl.Datetime("us", "UTC"),
    "became_client_at": pl.Datetime("us", "UTC"),
}
DEALS_SCHEMA: dict[str, Any] = {
    "opportunity_id": pl.Int64,
    "person_id": pl.Int64,
    "stage": pl.String,
    "created_at": pl.Datetime("us", "UTC"),
    "closed_at": pl.Datetime("us", "UTC"),
}
USERS_SCHEMA: dict[str, Any] = {
    "user_id": pl.Int64,
    "username": pl.String,
    "email": pl.String,
    "first_name": pl.String,
    "last_name": pl.String,
}


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def people(*, external_ids: Sequence[str], emails: Sequence[str]) -> pl.DataFrame:
    """The stored people with one of these external ids or normalized emails."""
    fields = [
        "id",
        "external_id",
        "email_normalized",
        "person_type",
        "became_lead_at",
        "became_client_at",
    ]
    rows: dict[int, tuple[Any, ...]] = {}
    for lookup, keys in (("external_id__in", external_ids), ("email_normalized__in", emails)):
        for chunk in _chunks(keys):
            for row in Person.objects.filter(**{lookup: chunk}).values_list(*fields):
                rows[row[0]] = row
    return pl.DataFrame(list(rows.values()), schema=PEOPLE_SCHEMA, orient="row")


def deals(person_ids: Sequence[int]) -> pl.DataFrame:
    """Every stored opportunity of these people, worked here or moved in."""
    rows: list[tuple[Any, ...]] = []
    for chunk in _chunks(person_ids):
        rows.extend(
            Opportunity.objects.filter(person_id__in=chunk).values_list(
                "id", "person_id", "stage", "created_at", "closed_at"
            )
        )
    return pl.DataFrame(rows, schema=DEALS_SCHEMA, orient="row")


def users() -> pl.DataFrame:
    """The team, to find a setter or rep the file names by username, email or name."""
    rows = list(User.objects.values_list("id", "username", "email", "first_name", "last_name"))
    return pl.DataFrame(rows, schema=USERS_SCHEMA, orient="row")
