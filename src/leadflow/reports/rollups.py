"""FunnelDay and StageDays kept in step with the facts.

A refresh reads the scope's stored facts before it replaces them and again after, the
same way both times, and applies the difference of their counts: what the old facts
counted comes off, what the new ones count goes on. A full rebuild counts everything
afresh. Counting from stored rows on both sides means a value read back slightly
differently (SQLite keeps times as text) can never leave a count behind.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from django.conf import settings
from django.db import connection

from leadflow.crm.models import FunnelDay, FunnelMonth, LeadFact, OpportunityFact, StageDays
from leadflow.crm.models.funnel import LEAD_CELL_KEYS
from leadflow.domain.funnel import FunnelStage
from leadflow.reports.common import epoch

DAYS_PER_MONTH = 30.436875  # a Gregorian month on average
_STAGE_KEYS = ["transition", "start_month", "days"]


def transition(start: FunnelStage, end: FunnelStage) -> str:
    return f"{start.value}>{end.value}"


# Time in stage: from when a unit entered `start` to when it entered `end`.
LEAD_TRANSITIONS = (
    ("lead_at", "qualified_at", transition(FunnelStage.RAW, FunnelStage.QUALIFIED)),
    ("qualified_at", "set_at", transition(FunnelStage.QUALIFIED, FunnelStage.APPOINTMENT_SET)),
)
OPPORTUNITY_TRANSITIONS = (
    (
        "set_at",
        "sat_at",
        transition(FunnelStage.APPOINTMENT_SET, FunnelStage.APPOINTMENT_SAT),
    ),
    ("sat_at", "proposing_at", transition(FunnelStage.APPOINTMENT_SAT, FunnelStage.PROPOSING)),
    (
        "proposing_at",
        "contract_sent_at",
        transition(FunnelStage.PROPOSING, FunnelStage.CONTRACT_SENT),
    ),
    ("contract_sent_at", "won_at", transition(FunnelStage.CONTRACT_SENT, FunnelStage.WON)),
)


def _read(sql: str, params: list[Any], schema: dict[str, Any]) -> pl.DataFrame:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return pl.DataFrame(rows, schema=schema, orient="row")


def stored_leads(where: str, params: list[Any]) -> pl.DataFrame:
    """The scope's stored lead facts, as the rollups count them."""
    times = ("lead_at", "qualified_at", "set_at", "won_at")
    sql = (
        "SELECT CAST(lead_on AS TEXT), COALESCE(source_id, 0), COALESCE(campaign_id, 0), "
        "furthest, CASE WHEN sweet_spot THEN 1 ELSE 0 END, COALESCE(unqualified_reason, ''), "
        "COALESCE(won_value, 0), "
        + ", ".join(epoch(t) for t in times)
        + f" FROM {LeadFact._meta.db_table} WHERE {where}"
    )
    schema = {
        "lead_on": pl.String,
        "source_id": pl.Int64,
        "campaign_id": pl.Int64,
        "furthest": pl.Int64,
        "sweet_spot": pl.Int8,
        "unqualified_reason": pl.String,
        "won_value": pl.Float64,
        **dict.fromkeys(times, pl.Float64),
    }
    return _read(sql, params, schema).with_columns(
        pl.col("lead_on").str.to_date(), pl.col("sweet_spot").cast(pl.Boolean)
    )


def stored_opportunities(where: str, params: list[Any]) -> pl.DataFrame:
    times = ("set_at", "sat_at", "proposing_at", "contract_sent_at", "closed_at")
    sql = (
        "SELECT stage, "
        + ", ".join(epoch(t) for t in times)
        + f" FROM {OpportunityFact._meta.db_table} WHERE {where}"
    )
    schema = {"stage": pl.String, **dict.fromkeys(times, pl.Float64)}
    won = pl.when(pl.col("stage") == "won").then(pl.col("closed_at"))
    return _read(sql, params, schema).with_columns(won.alias("won_at"))


def _months(start: str, end: str) -> pl.Expr:
    return ((pl.col(end) - pl.col(start)) / 86_400 / DAYS_PER_MONTH).floor().cast(pl.Int64)


def month_index(day: pl.Expr) -> pl.Expr:
    """Months since year 0: subtracting two gives calendar months between them."""
    return day.dt.year().cast(pl.Int64) * 12 + day.dt.month().cast(pl.Int64) - 1


def _calendar_months(end: str) -> pl.Expr:
    """Calendar months from the lead's (local) month to the (local) month of `end`."""
    local = (
        pl.from_epoch((pl.col(end) * 1e6).cast(pl.Int64), time_unit="us")
        .dt.replace_time_zone("UTC")
        .dt.convert_time_zone(settings.TIME_ZONE)
    )
    return month_index(local) - month_index(pl.col("lead_on"))


def funnel_days(leads: pl.DataFrame) -> pl.DataFrame:
    won = pl.col("won_at").is_not_null()
    won_after = pl.when(won).then(_months("lead_at", "won_at"))
    won_in = pl.when(won).then(_calendar_months("won_at"))
    set_in = pl.when(won & pl.col("set_at").is_not_null()).then(_calendar_months("set_at"))
    return (
        leads.with_columns(
            # A win dated before the lead (a moved-in deal) still counts, in month 0.
            won_after.clip(0, 36).fill_null(-1).alias("won_after_months"),
            won_in.clip(0, 36).fill_null(-1).alias("won_in_month"),
            set_in.clip(0, 36).fill_null(-1).alias("won_set_in_month"),
        )
        .group_by(LEAD_CELL_KEYS)
        .agg(pl.len().cast(pl.Int64).alias("leads"), pl.col("won_value").sum())
    )


def stage_days(leads: pl.DataFrame, opportunities: pl.DataFrame) -> pl.DataFrame:
    parts = [
        frame.filter(pl.col(start).is_not_null() & pl.col(end).is_not_null()).select(
            pl.lit(name).alias("transition"),
            pl.from_epoch((pl.col(start) * 1e6).cast(pl.Int64), time_unit="us")
            .dt.replace_time_zone("UTC")
            .dt.convert_time_zone(settings.TIME_ZONE)
            .dt.truncate("1mo")
            .dt.date()
            .alias("start_month"),
            ((pl.col(end) - pl.col(start)) / 86_400).floor().cast(pl.Int64).clip(0).alias("days"),
        )
        for frame, transitions in (
            (leads, LEAD_TRANSITIONS),
            (opportunities, OPPORTUNITY_TRANSITIONS),
        )
        for start, end, name in transitions
    ]
    return pl.concat(parts).group_by(_STAGE_KEYS).agg(pl.len().cast(pl.Int64).alias("units"))


def _difference(new: pl.DataFrame, old: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    values = [c for c in new.columns if c not in keys]
    negated = old.with_columns(-pl.col(c) for c in values)
    summed = pl.concat([new, negated]).group_by(keys).agg(pl.col(c).sum() for c in values)
    return summed.filter(pl.any_horizontal(pl.col(c) != 0 for c in values))


def _upsert(table: str, keys: list[str], delta: pl.DataFrame) -> None:
    if delta.is_empty():
        return
    values = [c for c in delta.columns if c not in keys]
    columns = [*keys, *values]
    quote = connection.ops.quote_name
    marks = ", ".join(["%s"] * len(columns))
    adds = ", ".join(f"{quote(c)} = {table}.{quote(c)} + EXCLUDED.{quote(c)}" for c in values)
    sql = (
        f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) VALUES ({marks}) "
        f"ON CONFLICT ({', '.join(quote(k) for k in keys)}) DO UPDATE SET {adds}"
    )
    rows = delta.select(columns).with_columns(pl.col(pl.Date).cast(pl.String)).rows()
    first = values[0]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
        if (delta[first] < 0).any():  # only a count taken off can reach zero
            cursor.execute(f"DELETE FROM {table} WHERE {quote(first)} = 0")


def apply(
    old: tuple[pl.DataFrame, pl.DataFrame] | None, new: tuple[pl.DataFrame, pl.DataFrame]
) -> None:
    """Move the rollups from counting `old` (stored leads, stored opportunities) to
    counting `new`; with no `old`, count `new` from nothing (a full rebuild)."""
    day, month = FunnelDay._meta.db_table, FunnelMonth._meta.db_table
    stage = StageDays._meta.db_table
    new_days, new_stages = funnel_days(new[0]), stage_days(*new)
    if old is None:
        with connection.cursor() as cursor:
            for table in (day, month, stage):
                cursor.execute(f"DELETE FROM {table}")
        _upsert(day, LEAD_CELL_KEYS, new_days)
        _upsert(month, LEAD_CELL_KEYS, by_month(new_days))
        _upsert(stage, _STAGE_KEYS, new_stages)
        return
    days = _difference(new_days, funnel_days(old[0]), LEAD_CELL_KEYS)
    _upsert(day, LEAD_CELL_KEYS, days)
    _upsert(month, LEAD_CELL_KEYS, by_month(days))
    _upsert(stage, _STAGE_KEYS, _difference(new_stages, stage_days(*old), _STAGE_KEYS))


def by_month(days: pl.DataFrame) -> pl.DataFrame:
    """Day cells (or their changes) summed into month cells."""
    summed = (
        days.with_columns(pl.col("lead_on").dt.truncate("1mo"))
        .group_by(LEAD_CELL_KEYS)
        .agg(pl.col("leads").sum(), pl.col("won_value").sum())
    )
    return summed.filter((pl.col("leads") != 0) | (pl.col("won_value") != 0))
