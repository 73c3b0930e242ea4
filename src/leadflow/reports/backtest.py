"""The forecast's backtest: cut history at past dates, fit and forecast with only what
was known then, and compare with the wins that followed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl
from django.conf import settings
from django.utils import timezone

from leadflow.crm.models import LeadFact
from leadflow.domain.forecast import HORIZONS, BacktestPoint, BacktestSummary, outlook, summarise
from leadflow.domain.pipeline import Stage
from leadflow.reports.common import epoch, moment, query
from leadflow.reports.forecast import (
    MAX_AGE_MONTHS,
    fit_table,
    nurture,
    open_deals,
    opportunities,
)
from leadflow.reports.rollups import month_index


def lead_frame() -> pl.DataFrame:
    """Every lead fact: when it became a lead, its first appointment and first win."""
    sql = (
        f"SELECT person_id, CAST(lead_on AS TEXT), {epoch('lead_at')}, {epoch('set_at')}, "
        f"{epoch('won_at')} FROM {LeadFact._meta.db_table}"
    )
    schema = {
        "person_id": pl.Int64,
        "day": pl.String,
        "lead_at": pl.Float64,
        "set_at": pl.Float64,
        "won_at": pl.Float64,
    }
    return query(sql, [], schema).select(
        "person_id",
        month_index(pl.col("day").str.to_date()).alias("month"),
        pl.col("day").str.to_date().alias("lead_on"),
        *(moment(c).alias(c) for c in ("lead_at", "set_at", "won_at")),
    )


def _months_since_lead(column: str) -> pl.Expr:
    """Calendar months from the lead's month to the month of `column` (as FunnelMonth's
    won_in_month and won_set_in_month count them)."""
    local = pl.col(column).dt.convert_time_zone(settings.TIME_ZONE)
    return (month_index(local) - pl.col("month")).clip(0, MAX_AGE_MONTHS)


def backtest(
    *, cuts: int = 12, now: datetime | None = None, confidence: float = 0.8
) -> tuple[list[BacktestPoint], list[BacktestSummary]]:
    """Cut history at the first of each of the last `cuts` months whose longest horizon
    has passed; at each, fit and forecast with only what was known then, and count the
    wins that followed."""
    now = now or timezone.now()
    opps, leads = opportunities(), lead_frame()
    last = (now - timedelta(days=max(HORIZONS))).date().replace(day=1)
    dates = []
    month = last
    for _ in range(cuts):
        dates.append(month)
        month = (month - timedelta(days=1)).replace(day=1)
    points: list[BacktestPoint] = []
    for day in sorted(dates):
        points += _cut(day, opps, leads, confidence)
    return points, summarise(points)


def _cut(
    day: date, opps: pl.DataFrame, leads: pl.DataFrame, confidence: float
) -> list[BacktestPoint]:
    """Forecast as of midnight UTC starting `day`, knowing only what happened before."""
    cut = datetime(day.year, day.month, day.day, tzinfo=UTC)
    at = pl.lit(cut).dt.cast_time_unit("us")
    known_leads = leads.filter(pl.col("lead_at") < at)
    if known_leads.is_empty():
        return []
    won_by_cut = pl.col("won_at").is_not_null() & (pl.col("won_at") <= at)
    cohorts = (
        known_leads.with_columns(
            pl.when(won_by_cut).then(_months_since_lead("won_at")).otherwise(-1).alias("after"),
            pl.when(won_by_cut & pl.col("set_at").is_not_null())
            .then(_months_since_lead("set_at"))
            .otherwise(-1)
            .alias("set_after"),
        )
        .group_by("month", "after", "set_after")
        .agg(pl.len().cast(pl.Int64).alias("n"))
    )
    open_then = opps.filter(
        (pl.col("set_at") <= at) & (pl.col("closed_at").is_null() | (pl.col("closed_at") > at))
    )
    in_pool = known_leads.filter(
        ~won_by_cut & ~pl.col("person_id").is_in(open_then["person_id"].implode())
    )
    pool = in_pool.group_by("month").agg(pl.len().cast(pl.Int64).alias("n"))
    buckets = nurture(cohorts, pool, day.year * 12 + day.month - 1)
    deals = open_deals(opps, cut)
    table = fit_table(opps, cut)
    found = []
    for result in outlook(deals, table, buckets, average_value=0.0, confidence=confidence):
        end = pl.lit(cut + timedelta(days=result.horizon_days)).dt.cast_time_unit("us")
        won_deals = open_then.filter(
            (pl.col("stage") == Stage.WON.value)
            & (pl.col("closed_at") > at)
            & (pl.col("closed_at") <= end)
        ).height
        nurtured = in_pool.filter(
            pl.col("won_at").is_not_null() & (pl.col("won_at") > at) & (pl.col("won_at") <= end)
        ).height
        found.append(
            BacktestPoint(day.isoformat(), result.horizon_days, result.wins, won_deals + nurtured)
        )
    return found
