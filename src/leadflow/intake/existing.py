"""What the database already holds that intake must match against, as polars frames.

One SELECT per table, read straight from a cursor: no model instances on this path.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import polars as pl
from django.db import connection
from django.utils import timezone

from leadflow.crm.models import Activity, AvoidEntry, Company, Person, Source
from leadflow.intake.sql import drop_temporary, load_temporary

_CHUNK = 5000

PERSON_COLUMNS = (
    "id",
    "first_name",
    "last_name",
    "email",
    "email_normalized",
    "phone",
    "phone_normalized",
    "title",
    "external_id",
    "authority",
    "company_id",
    "street",
    "city",
    "region",
    "postcode",
    "country",
    "person_type",
    "qualification_status",
    "monthly_budget",
    "outsourcing",
    "switch_reason",
    "need",
    "services_wanted",
    "temperature",
    "waived_traits",
    "lead_source_id",
    "first_campaign_id",
    "email_opt_out",
    "do_not_call",
)


_PERSON_TYPES: dict[str, Any] = {
    "id": pl.Int64,
    "authority": pl.Int8,
    "company_id": pl.Int64,
    "monthly_budget": pl.Float64,
    "services_wanted": pl.List(pl.String),
    "temperature": pl.Int8,
    "waived_traits": pl.List(pl.String),
    "lead_source_id": pl.Int64,
    "first_campaign_id": pl.Int64,
    "email_opt_out": pl.Boolean,
    "do_not_call": pl.Boolean,
}


def decoded_json(row: tuple[Any, ...], json_columns: list[int]) -> tuple[Any, ...]:
    """JSON columns come back as text from SQLite and as lists from PostgreSQL."""
    values = list(row)
    for i in json_columns:
        if isinstance(values[i], str):
            values[i] = json.loads(values[i])
    return tuple(values)


def _frame(sql: str, params: Sequence[Any], schema: dict[str, Any]) -> pl.DataFrame:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return pl.DataFrame(rows, schema=schema, orient="row")


def avoid_entries() -> pl.DataFrame:
    """Active Avoid entries: what blocks a row, and the date and reason the report gives."""
    table = AvoidEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT email_normalized, phone_normalized, company_domain, added_at, reason "
            f"FROM {table} WHERE lifted_at IS NULL"
        )
        rows = [
            (email, phone, domain, _local_day(added_at), reason)
            for email, phone, domain, added_at, reason in cursor.fetchall()
        ]
    return pl.DataFrame(
        rows,
        schema={
            "email_normalized": pl.String,
            "phone_normalized": pl.String,
            "company_domain": pl.String,
            "added_at": pl.String,
            "reason": pl.String,
        },
        orient="row",
    )


def _local_day(value: datetime | str) -> str:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return timezone.localdate(value).isoformat()


_KEYS = "_lf_wanted_keys"
# Read everyone's keys instead of looking the file's up once the file has at least a
# quarter as many people as the database: ~3 keys per row cost more to load and join.
_SCAN_RATIO = 4
_KEY_SCHEMA = {
    "person_id": pl.Int64,
    "email_normalized": pl.String,
    "phone_normalized": pl.String,
    "company_normalized": pl.String,
    "first_lower": pl.String,
    "last_lower": pl.String,
    "person_type": pl.String,
    "external_id": pl.String,
}


def _stored_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {Person._meta.db_table}")
        return int(cursor.fetchone()[0])


def person_keys(wanted: pl.DataFrame) -> pl.DataFrame:
    """The match keys (normalized email, phone, external id, company + name) of everyone
    stored who shares one with `wanted` (the file's people, with those columns).

    The file's keys go to a temporary table and the database finds the matches through
    its indexes, so a file of 100k rows reads its few thousand matches, not everyone.
    A file nearly as large as the database is cheaper the other way round: then
    everyone's keys are read in one scan (measured: 1M rows into 1M people).
    """
    people, companies = Person._meta.db_table, Company._meta.db_table
    select = (
        f"SELECT p.id, p.email_normalized, p.phone_normalized, c.normalized_name, "
        f"LOWER(p.first_name), LOWER(p.last_name), p.person_type, p.external_id "
        f"FROM {people} p LEFT JOIN {companies} c ON c.id = p.company_id"
    )
    if wanted.height * _SCAN_RATIO >= _stored_count():
        return _frame(select, [], _KEY_SCHEMA)
    keys = pl.concat(
        [
            _wanted(wanted, "e", "email_normalized"),
            _wanted(wanted, "p", "phone_normalized"),
            _wanted(wanted, "x", "external_id"),
            wanted.filter(
                pl.all_horizontal(
                    pl.col(c).is_not_null() & (pl.col(c) != "")
                    for c in ("company_normalized", "first_name", "last_name")
                )
            ).select(
                kind=pl.lit("n"),
                value=pl.col("company_normalized"),
                first=pl.col("first_name").str.to_lowercase(),
                last=pl.col("last_name").str.to_lowercase(),
            ),
        ]
    ).unique()
    load_temporary(_KEYS, keys, index=("kind", "value"))
    matched = (
        f"SELECT p.id FROM {_KEYS} w JOIN {people} p ON p.email_normalized = w.value "
        f"WHERE w.kind = 'e' "
        f"UNION SELECT p.id FROM {_KEYS} w JOIN {people} p ON p.phone_normalized = w.value "
        f"WHERE w.kind = 'p' "
        f"UNION SELECT p.id FROM {_KEYS} w JOIN {people} p ON p.external_id = w.value "
        f"WHERE w.kind = 'x' "
        # CROSS JOIN fixes SQLite's join order (file keys → company → its people), which
        # it would otherwise start from a scan of everyone; PostgreSQL plans it freely.
        f"UNION SELECT p.id FROM {_KEYS} w "
        f"CROSS JOIN {companies} c CROSS JOIN {people} p "
        f"WHERE w.kind = 'n' AND c.normalized_name = w.value AND p.company_id = c.id "
        f"AND LOWER(p.first_name) = w.first AND LOWER(p.last_name) = w.last"
    )
    try:
        return _frame(f"{select} WHERE p.id IN ({matched})", [], _KEY_SCHEMA)
    finally:
        drop_temporary(_KEYS)


def _wanted(frame: pl.DataFrame, kind: str, column: str) -> pl.DataFrame:
    return frame.filter(pl.col(column).is_not_null()).select(
        kind=pl.lit(kind),
        value=pl.col(column),
        first=pl.lit(None, pl.String),
        last=pl.lit(None, pl.String),
    )


def companies(names: pl.Series) -> pl.DataFrame:
    """The stored companies with these normalized names, and what qualification reads
    from them."""
    table = Company._meta.db_table
    load_temporary(_KEYS, names.drop_nulls().unique().to_frame("value"), index=("value",))
    try:
        return (
            _frame(
                f"SELECT c.id, c.normalized_name, c.niche, c.company_type, c.employee_count, "
                f"c.geography FROM {table} c JOIN {_KEYS} w ON w.value = c.normalized_name",
                [],
                {
                    "company_id": pl.Int64,
                    "company_normalized": pl.String,
                    "old_niche": pl.String,
                    "old_company_type": pl.String,
                    "old_employee_count": pl.Int64,
                    "old_geography": pl.String,
                },
            )
            .sort("company_id")
            .unique("company_normalized", keep="first", maintain_order=True)
        )
    finally:
        drop_temporary(_KEYS)


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def people(ids: Sequence[int]) -> pl.DataFrame:
    """The stored values of the matched people, to fill blanks and to re-judge them."""
    table = Person._meta.db_table
    columns = ", ".join(PERSON_COLUMNS)
    rows: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for chunk in _chunks(ids):
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"SELECT {columns} FROM {table} WHERE id IN ({marks})", list(chunk))
            rows.extend(cursor.fetchall())
    json_columns = [PERSON_COLUMNS.index("services_wanted"), PERSON_COLUMNS.index("waived_traits")]
    rows = [decoded_json(row, json_columns) for row in rows]
    schema = {c: _PERSON_TYPES.get(c, pl.String) for c in PERSON_COLUMNS}
    frame = pl.DataFrame(rows, schema=schema, orient="row")
    sources = pl.DataFrame(
        list(Source.objects.values_list("id", "name")),
        schema={"lead_source_id": pl.Int64, "lead_source": pl.String},
        orient="row",
    )
    frame = frame.join(sources, on="lead_source_id", how="left")
    return frame.rename(
        {c: f"old_{c}" for c in (*PERSON_COLUMNS, "lead_source") if c != "id"}
    ).rename({"id": "person_id"})


def activity_keys(campaign_id: int, person_ids: Sequence[int]) -> pl.DataFrame:
    """The campaign's activities already recorded for these people: a re-import adds none."""
    table = Activity._meta.db_table
    rows: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for chunk in _chunks(person_ids):
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT person_id, kind, occurred_at FROM {table} "
                f"WHERE campaign_id = %s AND person_id IN ({marks})",
                [campaign_id, *chunk],
            )
            rows.extend(cursor.fetchall())
    return pl.DataFrame(
        rows,
        schema={
            "person_id": pl.Int64,
            "activity": pl.String,
            "occurred_at": pl.Datetime("us", "UTC"),
        },
        orient="row",
    )
