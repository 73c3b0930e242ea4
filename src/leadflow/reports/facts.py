"""Funnel facts from history: `refresh(person_ids)` recomputes the LeadFact and
OpportunityFact rows of those people (everyone when None) from the history tables.

Set-based: three aggregate reads (people with their first qualification times,
opportunities with their first stage times), the rest in polars, then the people's old
facts deleted and the new ones inserted in one stream. A service calls it for the one
person it changed, inside its own transaction; a bulk path calls it once for the ids it
wrote; `leadflow report --rebuild` calls it for everyone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.conf import settings
from django.db import connection

from leadflow.crm.models import (
    LeadFact,
    Opportunity,
    OpportunityFact,
    Person,
    QualificationRecord,
    StageChange,
)
from leadflow.domain.funnel import FunnelStage
from leadflow.domain.pipeline import Stage
from leadflow.domain.qualification import QualificationStatus
from leadflow.intake.sql import insert_new
from leadflow.reports import rollups
from leadflow.reports.common import epoch, moment

_INLINE = 500  # up to this many ids go into the query; more go into a temporary table
_SCOPE = "_lf_fact_scope"

# How far the opportunity's current stage shows it got (a lost one says nothing).
STAGE_REACHED: dict[Stage, FunnelStage] = {
    Stage.APPOINTMENT_SET: FunnelStage.APPOINTMENT_SET,
    Stage.NO_SHOW: FunnelStage.APPOINTMENT_SET,
    Stage.CANCELLED: FunnelStage.APPOINTMENT_SET,
    Stage.APPOINTMENT_SAT: FunnelStage.APPOINTMENT_SAT,
    Stage.PROPOSING: FunnelStage.PROPOSING,
    Stage.CONTRACT_SENT: FunnelStage.CONTRACT_SENT,
    Stage.WON: FunnelStage.WON,
    Stage.LOST: FunnelStage.APPOINTMENT_SET,
}
# The stage change that first puts an opportunity in each later stage.
_ENTERED = {
    "sat_at": Stage.APPOINTMENT_SAT,
    "proposing_at": Stage.PROPOSING,
    "contract_sent_at": Stage.CONTRACT_SENT,
}
_OPPORTUNITY_TIMES = ("set_at", "sat_at", "proposing_at", "contract_sent_at")


def local_day(column: str) -> pl.Expr:
    return pl.col(column).dt.convert_time_zone(settings.TIME_ZONE).dt.date()


@dataclass(frozen=True)
class _Scope:
    """The people asked for, as a condition on any column holding a person id."""

    ids: list[int] | None
    table: str | None = None

    def on(self, column: str) -> tuple[str, list[Any]]:
        if self.ids is None:
            return "1 = 1", []
        if self.table is not None:
            return f"{column} IN (SELECT person_id FROM {self.table})", []
        return f"{column} IN ({', '.join(['%s'] * len(self.ids))})", list(self.ids)


@contextmanager
def _scope(person_ids: list[int] | None) -> Iterator[_Scope]:
    if person_ids is None or len(person_ids) <= _INLINE:
        yield _Scope(person_ids)
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_SCOPE}")
        cursor.execute(f"CREATE TEMPORARY TABLE {_SCOPE} (person_id BIGINT PRIMARY KEY)")
        for start in range(0, len(person_ids), 50_000):
            chunk = person_ids[start : start + 50_000]
            cursor.executemany(
                f"INSERT INTO {_SCOPE} (person_id) VALUES (%s)", [(i,) for i in chunk]
            )
    try:
        yield _Scope(person_ids, _SCOPE)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {_SCOPE}")


def _frame(sql: str, params: list[Any], schema: dict[str, Any]) -> pl.DataFrame:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return pl.DataFrame(rows, schema=schema, orient="row")


def _opportunities(scope: _Scope) -> pl.DataFrame:
    o, p, sc = Opportunity._meta.db_table, Person._meta.db_table, StageChange._meta.db_table
    firsts = ", ".join(
        epoch(f"MIN(CASE WHEN sc.after = '{stage.value}' THEN sc.at END)")
        for stage in _ENTERED.values()
    )
    where, params = scope.on("o.person_id")
    sql = (
        f"SELECT o.id, o.person_id, o.setter_id, o.rep_id, p.lead_source_id, "
        f"p.first_campaign_id, {epoch('o.created_at')}, {firsts}, {epoch('o.closed_at')}, "
        f"o.stage, {epoch('o.stage_entered_at')}, o.contract_value "
        f"FROM {o} o JOIN {p} p ON p.id = o.person_id "
        f"LEFT JOIN {sc} sc ON sc.opportunity_id = o.id "
        f"WHERE {where} "
        f"GROUP BY o.id, o.person_id, o.setter_id, o.rep_id, p.lead_source_id, "
        f"p.first_campaign_id, o.created_at, o.closed_at, o.stage, o.stage_entered_at, "
        f"o.contract_value"
    )
    schema = {
        "opportunity_id": pl.Int64,
        "person_id": pl.Int64,
        "setter_id": pl.Int64,
        "rep_id": pl.Int64,
        "source_id": pl.Int64,
        "campaign_id": pl.Int64,
        "set_at": pl.Float64,
        **dict.fromkeys(_ENTERED, pl.Float64),
        "closed_at": pl.Float64,
        "stage": pl.String,
        "stage_entered_at": pl.Float64,
        "value": pl.Float64,
    }
    by_stage = pl.col("stage").replace_strict(
        {s.value: r.rank for s, r in STAGE_REACHED.items()}, return_dtype=pl.Int16
    )
    by_history = [
        pl.when(pl.col(name).is_not_null()).then(pl.lit(STAGE_REACHED[stage].rank, pl.Int16))
        for name, stage in _ENTERED.items()
    ]
    times = (*_OPPORTUNITY_TIMES, "closed_at", "stage_entered_at")
    return (
        _frame(sql, params, schema)
        .with_columns(*(moment(c).alias(c) for c in times))
        .with_columns(
            local_day("set_at").alias("set_on"),
            pl.max_horizontal(by_stage, *by_history).alias("furthest"),
        )
    )


def _leads(scope: _Scope) -> pl.DataFrame:
    p, qr = Person._meta.db_table, QualificationRecord._meta.db_table
    qualified = QualificationStatus.QUALIFIED.value
    records, record_params = scope.on("person_id")
    people, people_params = scope.on("p.id")
    sql = (
        f"SELECT p.id, {epoch('p.became_lead_at')}, p.lead_source_id, p.first_campaign_id, "
        f"p.qualification_status, p.unqualified_reason, "
        f"CASE WHEN p.sweet_spot_id IS NULL THEN 0 ELSE 1 END, "
        f"{epoch('q.qualified_at')}, {epoch('q.sweet_spot_at')} "
        f"FROM {p} p LEFT JOIN ("
        f"SELECT person_id, MIN(CASE WHEN status = '{qualified}' THEN at END) AS qualified_at, "
        f"MIN(CASE WHEN status = '{qualified}' AND sweet_spot <> '' THEN at END) "
        f"AS sweet_spot_at FROM {qr} WHERE {records} "
        f"GROUP BY person_id) q ON q.person_id = p.id "
        f"WHERE p.became_lead_at IS NOT NULL AND {people}"
    )
    schema = {
        "person_id": pl.Int64,
        "lead_at": pl.Float64,
        "source_id": pl.Int64,
        "campaign_id": pl.Int64,
        "status": pl.String,
        "reason": pl.String,
        "sweet_now": pl.Int8,
        "qualified_at": pl.Float64,
        "sweet_spot_at": pl.Float64,
    }
    return _frame(sql, record_params + people_params, schema).with_columns(
        moment("lead_at").alias("lead_at"),
        moment("qualified_at").alias("qualified_at"),
        moment("sweet_spot_at").alias("sweet_spot_at"),
    )


def lead_facts(leads: pl.DataFrame, opportunities: pl.DataFrame) -> pl.DataFrame:
    """One row per lead: its qualification times and its opportunities' firsts."""
    won = pl.col("stage") == Stage.WON.value
    per_person = (
        opportunities.sort("set_at", "opportunity_id")
        .group_by("person_id")
        .agg(
            *(pl.col(c).min() for c in _OPPORTUNITY_TIMES),
            pl.col("closed_at").filter(won).min().alias("won_at"),
            pl.col("value").filter(won).first().alias("won_value"),
            pl.col("furthest").max().alias("opportunity_furthest"),
        )
    )
    qualified_now = pl.col("status") == QualificationStatus.QUALIFIED.value
    # Sweet spot is a tag on a qualified lead, not a step every booked lead passed: it is
    # kept as its own flag, and `furthest` never takes its rank.
    sweet = pl.col("sweet_spot_at").is_not_null() | (qualified_now & (pl.col("sweet_now") == 1))
    by_qualification = (
        pl.when(sweet | pl.col("qualified_at").is_not_null() | qualified_now)
        .then(FunnelStage.QUALIFIED.rank)
        .otherwise(FunnelStage.RAW.rank)
    )
    return leads.join(per_person, on="person_id", how="left").select(
        "person_id",
        "lead_at",
        local_day("lead_at").alias("lead_on"),
        "source_id",
        "campaign_id",
        pl.max_horizontal(by_qualification, pl.col("opportunity_furthest"))
        .cast(pl.Int16)
        .alias("furthest"),
        sweet.alias("sweet_spot"),
        pl.when(pl.col("status") == QualificationStatus.UNQUALIFIED.value)
        .then(pl.col("reason"))
        .alias("unqualified_reason"),
        "qualified_at",
        "sweet_spot_at",
        *_OPPORTUNITY_TIMES,
        "won_at",
        "won_value",
    )


def refresh(person_ids: Iterable[int] | None = None) -> None:
    """Recompute the facts of these people (everyone when None) from history, and the
    rollups with them. The caller holds the transaction: facts change together with the
    history they come from."""
    ids = None if person_ids is None else sorted(set(person_ids))
    if ids == []:
        return
    with _scope(ids) as scope:
        opportunities = _opportunities(scope)
        facts = lead_facts(_leads(scope), opportunities)
        where, params = scope.on("person_id")
        old = None if ids is None else _stored(where, params)
        with connection.cursor() as cursor:
            for model in (OpportunityFact, LeadFact):
                cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE {where}", params)
        insert_new(OpportunityFact, opportunities)
        insert_new(LeadFact, facts)
        rollups.apply(old, _stored(where, params))


def forget(person_ids: Iterable[int]) -> None:
    """Take these people out of the facts and the rollups: for people about to be
    deleted (spam), whose facts would otherwise vanish with them and leave their counts."""
    ids = sorted(set(person_ids))
    if not ids:
        return
    with _scope(ids) as scope:
        where, params = scope.on("person_id")
        old = _stored(where, params)
        with connection.cursor() as cursor:
            for model in (OpportunityFact, LeadFact):
                cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE {where}", params)
        rollups.apply(old, (old[0].clear(), old[1].clear()))


def _stored(where: str, params: list[Any]) -> tuple[pl.DataFrame, pl.DataFrame]:
    return rollups.stored_leads(where, params), rollups.stored_opportunities(where, params)


def ensure_built() -> bool:
    """Build every fact once on a database that has history but no facts yet (one from
    before facts existed); True when it did."""
    if (
        LeadFact.objects.exists()
        or not Person.objects.filter(became_lead_at__isnull=False).exists()
    ):
        return False
    refresh(None)
    return True
