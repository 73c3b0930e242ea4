"""Everyone an export considers, as one polars frame read set-based.

One SELECT over the people (on PostgreSQL as `COPY (query) TO STDOUT`), plus two small
reads joined in polars: the open opportunities and the active Avoid entries. The frame
holds the channel's contact columns and, for each person, exactly what
`ChannelSubject` holds (see leadflow.crm.adapters.channel_subject, which the tests hold
this reader to).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.conf import settings
from django.db import connection
from django.db.models import Q

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


def _bit(condition: str, bit: int) -> str:
    return f"CASE WHEN {condition} THEN {1 << bit} ELSE 0 END"


def _nonblank(column: str) -> str:
    return f"{column} IS NOT NULL AND {column} <> ''"


# What each flag of _FLAGS is, in SQL over the person row `p`; they travel as the bits of
# one integer, in this order.
_FLAG_SQL = {
    "sweet_spot": "p.sweet_spot_id IS NOT NULL",
    "email_opt_out": "p.email_opt_out",
    "do_not_call": "p.do_not_call",
    "has_email": _nonblank("p.email_normalized"),
    "has_phone": _nonblank("p.phone_normalized"),
    # Person.has_postal_address: street, city and postcode.
    "has_postal_address": "p.street <> '' AND p.city <> '' AND p.postcode <> ''",
    "client_refunded": "p.client_refunded",
    "client_late_pay": "p.client_late_pay",
}
_KIND = ("person_type", "qualification")


@dataclass(frozen=True)
class _Query:
    """The candidates query in parts: one SQL expression per column the readers return
    (see `_schema`), and the FROM and WHERE with their parameters, so each reader can
    shape the SELECT its way. The company's name is not joined here: 1M row lookups cost
    0.5 s on PostgreSQL and 2 s on SQLite, while polars joins the 100k companies in 0.05 s.
    """

    columns: dict[str, str]
    source: str
    where: list[str]
    params: list[Any]

    def sql(self, select: str, *also: str) -> str:
        where = [*self.where, *also]
        return f"SELECT {select} {self.source}" + (f" WHERE {' AND '.join(where)}" if where else "")

    def plain(self, *also: str) -> str:
        return self.sql(", ".join(self.columns.values()), *also)

    @property
    def texts(self) -> list[str]:
        return [n for n in self.columns if n not in ("person_id", "company_id", "bits", *_KIND)]


def _query(channel: Channel, filters: Filters) -> _Query:
    columns = {
        "person_id": "p.id",
        "company_id": "p.company_id",
        "first_name": "p.first_name",
        "last_name": "p.last_name",
        **{c: f"p.{c}" for c in CONTACT_COLUMNS[MEDIUM[channel]]},
        "person_type": "p.person_type",
        "qualification": "p.qualification_status",
        "bits": " + ".join(_bit(_FLAG_SQL[f], i) for i, f in enumerate(_FLAGS)),
    }
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
    return _Query(columns, f"FROM {Person._meta.db_table} p", where, params)


def _schema(query: _Query) -> dict[str, Any]:
    ints = ("person_id", "company_id", "bits")
    return {n: pl.Int64 if n in ints else pl.String for n in query.columns}


def _read(query: _Query) -> pl.DataFrame:
    """The query's rows: person_id, company_id, the texts, person_type, qualification
    and the flag bits."""
    schema = _schema(query)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buffer = io.BytesIO()
            copy_sql = f"COPY ({query.plain()}) TO STDOUT (FORMAT csv)"
            with cursor.cursor.copy(copy_sql, query.params) as copy:
                for block in copy:
                    buffer.write(block)
            buffer.seek(0)
            return pl.read_csv(buffer, has_header=False, new_columns=list(schema), schema=schema)
        cursor.execute(_packed(query), query.params)
        packed = pl.DataFrame(cursor.fetchall(), schema=_PACKED, orient="row")
        # A separator typed into a value would shift every later column. Those rows (in
        # practice none) are read again column by column, so no value is ever altered.
        expected = len(query.texts) - 1
        shifted = pl.col("text").str.count_matches(_SEPARATOR, literal=True) != expected
        frame = _unpacked(packed.filter(~shifted), query)
        odd = packed.filter(shifted)["person_id"].to_list()
        if not odd:
            return frame
        again: list[tuple[Any, ...]] = []
        for start in range(0, len(odd), _REREAD):
            ids = odd[start : start + _REREAD]
            marks = ", ".join(["%s"] * len(ids))
            cursor.execute(query.plain(f"p.id IN ({marks})"), [*query.params, *ids])
            again += cursor.fetchall()
        return pl.concat([frame, pl.DataFrame(again, schema=schema, orient="row")])


# SQLite hands rows to Python one value at a time, and making those objects is most of a
# 1M-row read (measured: 16 values a row, 4.3 s). So on SQLite the row travels as five
# values: the id, the company id, the text columns joined by a unit separator, the flag
# bits, and the type with the qualification; polars unpacks them. The SELECT is flat and
# leaves the values as they are: measured over 1M people, a REPLACE of the separator in
# every value and a wrapping subquery cost 1-2 s.
_SEPARATOR = "\x1f"
_REREAD = 500  # ids per re-read: well under SQLite's limit on parameters
_PACKED = {
    "person_id": pl.Int64,
    "company_id": pl.Int64,
    "text": pl.String,
    "bits": pl.Int64,
    "kind": pl.String,
}


def _packed(query: _Query) -> str:
    column = query.columns
    text = " || char(31) || ".join(f"COALESCE({column[n]}, '')" for n in query.texts)
    kind = f"{column['person_type']} || char(31) || COALESCE({column['qualification']}, '')"
    return query.sql(
        f"{column['person_id']}, {column['company_id']}, {text}, {column['bits']}, {kind}"
    )


def _unpacked(packed: pl.DataFrame, query: _Query) -> pl.DataFrame:
    texts = query.texts
    return (
        packed.select(
            "person_id",
            "company_id",
            pl.col("text").str.split_exact(_SEPARATOR, len(texts) - 1).struct.rename_fields(texts),
            pl.col("kind").str.split_exact(_SEPARATOR, 1).struct.rename_fields(list(_KIND)),
            "bits",
        )
        .unnest("text", "kind")
        .select(list(query.columns))
    )


def _companies(query: _Query) -> pl.DataFrame:
    """Company names for the people the query reads: every company when it reads
    everyone, else only theirs."""
    companies = Company._meta.db_table
    sql, params = f"SELECT id, name FROM {companies}", []
    if query.where:
        sql += f" WHERE id IN ({query.sql('p.company_id')})"
        params = query.params
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return pl.DataFrame(rows, schema={"company_id": pl.Int64, "company": pl.String}, orient="row")


def _open_opportunities() -> pl.Series:
    closed = sorted(s.value for s in CLOSED_STAGES)
    ids = Opportunity.objects.exclude(stage__in=closed).values_list("person_id", flat=True)
    return pl.Series("person_id", list(ids), dtype=pl.Int64)


def _avoid_entries() -> pl.DataFrame:
    """Each Avoid person's entry: since when (the business's local day) and why."""
    rows = AvoidEntry.objects.filter(lifted_at__isnull=True, person__isnull=False).values_list(
        "person_id", "added_at", "reason"
    )
    frame = pl.DataFrame(
        list(rows),
        schema={
            "person_id": pl.Int64,
            "added_at": pl.Datetime("us", "UTC"),
            "avoid_reason": pl.String,
        },
        orient="row",
    )
    local_day = pl.col("added_at").dt.convert_time_zone(settings.TIME_ZONE).dt.date()
    return frame.select("person_id", local_day.cast(pl.String).alias("avoid_since"), "avoid_reason")


def candidates(channel: Channel, filters: Filters | None = None) -> pl.DataFrame:
    """Everyone the export considers, by person id: person_id, the channel's contact
    columns, and the SUBJECT_COLUMNS (flags as booleans; blank text, never null)."""
    filters = filters or Filters()
    query = _query(channel, filters)
    frame = _read(query).join(_companies(query), on="company_id", how="left")
    if filters.person_ids is not None:
        wanted = filters.person_ids.cast(pl.Int64).alias("person_id").to_frame()
        frame = frame.join(wanted.unique(), on="person_id", how="semi")
    avoid = _avoid_entries()
    return (
        frame.join(avoid, on="person_id", how="left")
        .with_columns(
            *(
                ((pl.col("bits") // (1 << i)) % 2).cast(pl.Boolean).alias(f)
                for i, f in enumerate(_FLAGS)
            ),
            pl.col("person_id")
            .is_in(_open_opportunities().implode())
            .alias("has_open_opportunity"),
            pl.col(*NAME_COLUMNS, *CONTACT_COLUMNS[MEDIUM[channel]]).fill_null(""),
            pl.col("qualification").fill_null(""),
            pl.col("avoid_since").fill_null(""),
            pl.col("avoid_reason").fill_null(""),
        )
        .select("person_id", *contact_columns(channel), *SUBJECT_COLUMNS)
        .sort("person_id")  # the same people give the same file, whichever the database
    )
