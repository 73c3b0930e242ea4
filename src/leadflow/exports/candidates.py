"""Everyone an export considers, as one polars frame read set-based.

One SELECT over the people (on PostgreSQL as `COPY (query) TO STDOUT`), plus two small
reads joined in polars: the open opportunities and the active Avoid entries. The frame
holds the channel's contact columns and, for each person, exactly what
`ChannelSubject` holds (see leadflow.crm.adapters.channel_subject, which the tests hold
this reader to).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import polars as pl
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from leadflow.crm.models import Activity, AvoidEntry, Campaign, Company, Opportunity, Person
from leadflow.domain.channels import MEDIUM, Channel, Medium
from leadflow.domain.errors import DomainError
from leadflow.domain.pipeline import CLOSED_STAGES

NAME_COLUMNS = ("first_name", "last_name", "company")
CONTACT_COLUMNS: dict[Medium, tuple[str, ...]] = {
    Medium.EMAIL: ("email",),
    Medium.PHONE: ("phone",),
    Medium.MAIL: ("street", "city", "region", "postcode", "country"),
}
# The inputs of `eligibility`, named as ChannelSubject names them.
SUBJECT_COLUMNS = (
    "person_type",
    "qualification",
    "sweet_spot",
    "has_open_opportunity",
    "email_opt_out",
    "do_not_call",
    "has_email",
    "has_phone",
    "has_postal_address",
    "client_refunded",
    "client_late_pay",
    "avoid_since",
    "avoid_reason",
)
_FLAGS = (
    "sweet_spot",
    "email_opt_out",
    "do_not_call",
    "has_email",
    "has_phone",
    "has_postal_address",
    "client_refunded",
    "client_late_pay",
)


class NoSuchCampaign(DomainError):
    pass


@dataclass(frozen=True)
class Filters:
    """What restricts the candidates. `person_ids` and `where` are the segment hook: a
    saved segment gives either a frame/series of person ids or a Q over Person."""

    campaign: str | None = None
    person_ids: pl.Series | None = None
    where: Q | None = None

    def describe(self) -> dict[str, Any]:
        return {"campaign": self.campaign} if self.campaign else {}


def contact_columns(channel: Channel) -> tuple[str, ...]:
    return (*NAME_COLUMNS, *CONTACT_COLUMNS[MEDIUM[channel]])


def _nonblank(column: str) -> str:
    return f"CASE WHEN {column} IS NULL OR {column} = '' THEN 0 ELSE 1 END"


def _flag(column: str) -> str:
    return f"CASE WHEN {column} THEN 1 ELSE 0 END"


def _query(channel: Channel, filters: Filters) -> tuple[str, list[Any]]:
    people, companies = Person._meta.db_table, Company._meta.db_table
    contact = [f"p.{c}" for c in CONTACT_COLUMNS[MEDIUM[channel]]]
    select = [
        "p.id",
        "p.first_name",
        "p.last_name",
        "c.name",
        *contact,
        "p.person_type",
        "p.qualification_status",
        "CASE WHEN p.sweet_spot_id IS NULL THEN 0 ELSE 1 END",
        _flag("p.email_opt_out"),
        _flag("p.do_not_call"),
        _nonblank("p.email_normalized"),
        _nonblank("p.phone_normalized"),
        # Person.has_postal_address: street, city and postcode.
        "CASE WHEN p.street <> '' AND p.city <> '' AND p.postcode <> '' THEN 1 ELSE 0 END",
        _flag("p.client_refunded"),
        _flag("p.client_late_pay"),
    ]
    # Named c0, c1...: the SQLite reader packs the row by these names (see _packed).
    named = ", ".join(f"{expression} AS c{i}" for i, expression in enumerate(select))
    sql = f"SELECT {named} FROM {people} p LEFT JOIN {companies} c ON c.id = p.company_id"
    where: list[str] = []
    params: list[Any] = []
    if filters.campaign is not None:
        campaign = Campaign.objects.filter(name=filters.campaign).first()
        if campaign is None:
            raise NoSuchCampaign(f"no campaign named {filters.campaign!r}")
        # Came from it (first campaign) or responded to it (an activity of it).
        where.append(
            f"(p.first_campaign_id = %s OR p.id IN "
            f"(SELECT person_id FROM {Activity._meta.db_table} WHERE campaign_id = %s))"
        )
        params += [campaign.pk, campaign.pk]
    if filters.where is not None:
        subquery, sub_params = (
            Person.objects.filter(filters.where).values("id").query.sql_with_params()
        )
        where.append(f"p.id IN ({subquery})")
        params += list(sub_params)
    if where:
        sql += " WHERE " + " AND ".join(where)
    return sql, params


def _schema(channel: Channel) -> dict[str, Any]:
    text = dict.fromkeys(("first_name", "last_name", "company"), pl.String)
    contact = dict.fromkeys(CONTACT_COLUMNS[MEDIUM[channel]], pl.String)
    return {
        "person_id": pl.Int64,
        **text,
        **contact,
        "person_type": pl.String,
        "qualification": pl.String,
        **dict.fromkeys(_FLAGS, pl.Int8),
    }


def _read(sql: str, params: Sequence[Any], schema: dict[str, Any]) -> pl.DataFrame:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buffer = io.BytesIO()
            with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)", params) as copy:
                for block in copy:
                    buffer.write(block)
            buffer.seek(0)
            return pl.read_csv(buffer, has_header=False, new_columns=list(schema), schema=schema)
        cursor.execute(_packed(sql, schema), params)
        return _unpacked(pl.DataFrame(cursor.fetchall(), schema=_PACKED, orient="row"), schema)


# SQLite hands rows to Python one value at a time, and making those objects is most of a
# 1M-row read (measured: 16 values a row, 4.3 s). So on SQLite the row travels as four
# values: the id, the text columns joined by a unit separator, the 0/1 flags as the bits
# of one integer, and the type with the qualification; polars unpacks them.
_SEPARATOR = "\x1f"
_PACKED = {"person_id": pl.Int64, "text": pl.String, "bits": pl.Int64, "kind": pl.String}


def _packed(sql: str, schema: dict[str, Any]) -> str:
    names = list(schema)
    texts = [
        n for n in names if schema[n] == pl.String and n not in ("person_type", "qualification")
    ]
    flags = [n for n in names if schema[n] == pl.Int8]
    column = {n: f"c{i}" for i, n in enumerate(names)}
    # A separator inside a value would shift every later column: it becomes a space.
    text = " || char(31) || ".join(
        f"REPLACE(COALESCE({column[n]}, ''), char(31), ' ')" for n in texts
    )
    bits = " + ".join(f"{column[n]} * {1 << i}" for i, n in enumerate(flags))
    kind = f"{column['person_type']} || char(31) || COALESCE({column['qualification']}, '')"
    return f"SELECT {column['person_id']}, {text}, {bits}, {kind} FROM ({sql}) AS candidate"


def _unpacked(packed: pl.DataFrame, schema: dict[str, Any]) -> pl.DataFrame:
    names = list(schema)
    texts = [
        n for n in names if schema[n] == pl.String and n not in ("person_type", "qualification")
    ]
    flags = [n for n in names if schema[n] == pl.Int8]
    return (
        packed.select(
            "person_id",
            pl.col("text").str.split_exact(_SEPARATOR, len(texts) - 1).struct.rename_fields(texts),
            *(
                ((pl.col("bits") // (1 << i)) % 2).cast(pl.Int8).alias(n)
                for i, n in enumerate(flags)
            ),
            pl.col("kind")
            .str.split_exact(_SEPARATOR, 1)
            .struct.rename_fields(["person_type", "qualification"]),
        )
        .unnest("text", "kind")
        .select(names)
    )


def _open_opportunities() -> pl.Series:
    closed = sorted(s.value for s in CLOSED_STAGES)
    ids = Opportunity.objects.exclude(stage__in=closed).values_list("person_id", flat=True)
    return pl.Series("person_id", list(ids), dtype=pl.Int64)


def _local_day(value: datetime) -> str:
    if timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return timezone.localdate(value).isoformat()


def _avoid_entries() -> pl.DataFrame:
    rows = AvoidEntry.objects.filter(lifted_at__isnull=True, person__isnull=False).values_list(
        "person_id", "added_at", "reason"
    )
    return pl.DataFrame(
        [(pid, _local_day(added), reason) for pid, added, reason in rows],
        schema={"person_id": pl.Int64, "avoid_since": pl.String, "avoid_reason": pl.String},
        orient="row",
    )


def candidates(channel: Channel, filters: Filters | None = None) -> pl.DataFrame:
    """Everyone the export considers: person_id, the channel's contact columns, and the
    SUBJECT_COLUMNS (flags as booleans; blank text, never null, in the text inputs)."""
    filters = filters or Filters()
    sql, params = _query(channel, filters)
    frame = _read(sql, params, _schema(channel))
    if filters.person_ids is not None:
        wanted = filters.person_ids.cast(pl.Int64).alias("person_id").to_frame()
        frame = frame.join(wanted.unique(), on="person_id", how="semi")
    avoid = _avoid_entries()
    return (
        frame.join(avoid, on="person_id", how="left")
        .with_columns(
            *(pl.col(f).cast(pl.Boolean) for f in _FLAGS),
            pl.col("person_id")
            .is_in(_open_opportunities().implode())
            .alias("has_open_opportunity"),
            pl.col("qualification").fill_null(""),
            pl.col("avoid_since").fill_null(""),
            pl.col("avoid_reason").fill_null(""),
        )
        .select("person_id", *contact_columns(channel), *SUBJECT_COLUMNS)
    )
