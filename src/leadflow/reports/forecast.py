"""The pipeline forecast from the facts.

Everything is computed "as of" a moment, from frames of opportunity and lead facts:
the live forecast is as of now; the backtest (leadflow.reports.backtest) cuts history at
past dates and reuses these pieces with only what was known then.

- The win table (leadflow.domain.forecast.WinTable) comes from snapshots of every deal
  every 14 days of its open life: its stage and days in stage then, and whether it was
  won within each horizon. Fitting reads every opportunity fact, so the live forecast
  stores it (ForecastFit) and reuses the newest; `leadflow forecast --refit` refits.
- The nurture history is by month of age: of leads not yet won that old, the share won
  within 1, 2 and 3 months. Live, it is summed from FunnelMonth.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import polars as pl
from django.db import connection, transaction
from django.utils import timezone

from leadflow.crm.models import ForecastFit, FunnelMonth, LeadFact, OpportunityFact
from leadflow.domain.forecast import (
    AGE_EDGES,
    HORIZONS,
    NurtureBucket,
    OpenDeal,
    Outlook,
    Tally,
    WinTable,
    outlook,
)
from leadflow.domain.funnel import FUNNEL, FunnelStage
from leadflow.domain.pipeline import Stage
from leadflow.reports.common import epoch, moment, query
from leadflow.reports.rollups import DAYS_PER_MONTH, month_index

SNAPSHOT_DAYS = 14
HORIZON_MONTHS = tuple(round(days / DAYS_PER_MONTH) for days in HORIZONS)  # 1, 2, 3
MAX_AGE_MONTHS = 36
# Measured by backtest (bench/RESULTS.md): 3 months cut Olist's 90-day error from 42 to
# 36 wins and left the demo's unchanged; shorter halves the history it learns from.
NURTURE_HALF_LIFE_MONTHS = 3.0
_CLOSED = (Stage.WON.value, Stage.LOST.value)
_DAY_US = 86_400 * 1_000_000


# --- reading the facts ------------------------------------------------------------------


def opportunities(*, open_only: bool = False) -> pl.DataFrame:
    """Opportunity facts: person, stage times, stage now, value."""
    times = ("set_at", "sat_at", "proposing_at", "contract_sent_at", "closed_at")
    where = f"stage NOT IN ('{_CLOSED[0]}', '{_CLOSED[1]}')" if open_only else "1 = 1"
    sql = (
        "SELECT person_id, stage, furthest, value, "
        + ", ".join(epoch(t) for t in (*times, "stage_entered_at"))
        + f" FROM {OpportunityFact._meta.db_table} WHERE {where}"
    )
    schema = {
        "person_id": pl.Int64,
        "stage": pl.String,
        "furthest": pl.Int64,
        "value": pl.Float64,
        **dict.fromkeys((*times, "stage_entered_at"), pl.Float64),
    }
    frame = query(sql, [], schema)
    return frame.with_columns(moment(c).alias(c) for c in (*times, "stage_entered_at"))


def _stage_then(at: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """A deal's stage at `at` and when it entered it, from its first stage times."""
    steps = (
        ("contract_sent_at", FunnelStage.CONTRACT_SENT),
        ("proposing_at", FunnelStage.PROPOSING),
        ("sat_at", FunnelStage.APPOINTMENT_SAT),
    )
    stage: pl.Expr = pl.lit(FunnelStage.APPOINTMENT_SET.rank)
    entered: pl.Expr = pl.col("set_at")
    for column, step in reversed(steps):
        reached = pl.col(column).is_not_null() & (pl.col(column) <= at)
        stage = pl.when(reached).then(pl.lit(step.rank)).otherwise(stage)
        entered = pl.when(reached).then(pl.col(column)).otherwise(entered)
    return stage, entered


def _bucket(days: pl.Expr) -> pl.Expr:
    bucket: pl.Expr = pl.lit(0)
    for i, edge in enumerate(AGE_EDGES):
        bucket = pl.when(days >= edge).then(pl.lit(i)).otherwise(bucket)
    return bucket


# --- the win table ----------------------------------------------------------------------


def fit_table(opps: pl.DataFrame, cut: datetime) -> WinTable:
    """Win chances by stage and days in stage, from every deal's snapshots before `cut`,
    counting a horizon only where it had fully passed by `cut`."""
    cut_us = int(cut.timestamp() * 1_000_000)
    step_us = SNAPSHOT_DAYS * _DAY_US
    known = opps.filter(pl.col("set_at") < pl.lit(cut).dt.cast_time_unit("us"))
    if known.is_empty():
        return WinTable({})
    set_us = pl.col("set_at").dt.epoch("us")
    end_us = pl.min_horizontal(pl.col("closed_at").dt.epoch("us").fill_null(cut_us), pl.lit(cut_us))
    # Snapshot k is at cut - k * 14 days; a deal is seen at every snapshot while open.
    first_k = ((pl.lit(cut_us) - end_us) // step_us) + 1
    last_k = (pl.lit(cut_us) - set_us) // step_us
    snaps = (
        known.with_columns(pl.int_ranges(first_k, last_k + 1).alias("k"))
        .explode("k")
        .drop_nulls("k")
        .with_columns(
            pl.from_epoch(pl.lit(cut_us) - pl.col("k") * step_us, time_unit="us")
            .dt.replace_time_zone("UTC")
            .alias("at")
        )
    )
    stage, entered = _stage_then(pl.col("at"))
    won = pl.col("stage") == Stage.WON.value
    columns = []
    for i, days in enumerate(HORIZONS):
        horizon = pl.duration(days=days)
        observable = pl.col("at") + horizon <= pl.lit(cut).dt.cast_time_unit("us")
        hit = (
            won
            & (pl.col("closed_at") > pl.col("at"))
            & (pl.col("closed_at") <= pl.col("at") + horizon)
        )
        columns += [
            (hit & observable).sum().alias(f"hits{i}"),
            observable.sum().alias(f"trials{i}"),
        ]
    grouped = (
        snaps.with_columns(
            stage.alias("stage_then"),
            _bucket((pl.col("at") - entered).dt.total_days()).alias("bucket"),
        )
        .group_by("stage_then", "bucket")
        .agg(columns)
    )
    cells = {}
    for row in grouped.iter_rows(named=True):
        cells[(FUNNEL[row["stage_then"]], int(row["bucket"]))] = Tally(
            tuple(int(row[f"hits{i}"]) for i in range(len(HORIZONS))),
            tuple(int(row[f"trials{i}"]) for i in range(len(HORIZONS))),
        )
    return WinTable(cells)


def _average_value(opps: pl.DataFrame, cut: datetime) -> float:
    won = opps.filter(
        (pl.col("stage") == Stage.WON.value)
        & (pl.col("closed_at") <= pl.lit(cut).dt.cast_time_unit("us"))
        & pl.col("value").is_not_null()
    )
    return float(won["value"].mean() or 0.0) if won.height else 0.0  # type: ignore[arg-type]


def open_deals(opps: pl.DataFrame, at: datetime) -> list[OpenDeal]:
    """The deals open at `at`, in the stage they were in then and for how long."""
    moment = pl.lit(at).dt.cast_time_unit("us")
    open_then = opps.filter(
        (pl.col("set_at") <= moment)
        & (pl.col("closed_at").is_null() | (pl.col("closed_at") > moment))
    )
    stage, entered = _stage_then(moment)
    rows = open_then.select(stage.alias("s"), (moment - entered).dt.total_days().alias("d"))
    return [OpenDeal(FUNNEL[s], max(int(d), 0)) for s, d in rows.iter_rows()]


# --- the nurture pool -------------------------------------------------------------------


def nurture(cohorts: pl.DataFrame, pool: pl.DataFrame, cut_month: int) -> list[NurtureBucket]:
    """`cohorts`: lead month index, calendar months to the first win known at the cut
    ("after", -1: none), to that won lead's first appointment ("set_after"), leads. `pool`:
    lead month index and how many of its leads are in nurture at the cut.

    A won lead was in the pipeline, not in nurture, from its first appointment to its
    win: at those ages it is neither counted as alive nor as a nurture win, so the
    nurture chance never counts again what the open deals already forecast."""
    found = []
    ages = (cut_month - pool["month"]).to_list()
    for age in sorted({a for a in ages if 0 <= a <= MAX_AGE_MONTHS}):
        leads = int(pool.filter(cut_month - pl.col("month") == age)["n"].sum())
        hits, trials = [], []
        for months in HORIZON_MONTHS:
            # Cohorts whose months `age` to `age + months - 1` had all ended by the cut's
            # month: their wins in that window are known.
            seen = cohorts.filter(pl.col("month") + age + months <= cut_month)
            # Recent cohorts weigh more: a business's conversion drifts (Olist's doubled
            # within a year), and last quarter's leads say more about next quarter's.
            waited = cut_month - (pl.col("month") + age + months)
            weighted = seen.with_columns(
                (pl.col("n") * 0.5 ** (waited / NURTURE_HALF_LIFE_MONTHS)).alias("w")
            )
            in_deal = (pl.col("set_after") >= 0) & (pl.col("set_after") < age)
            alive = weighted.filter((pl.col("after") < 0) | ((pl.col("after") >= age) & ~in_deal))
            won = alive.filter((pl.col("after") >= age) & (pl.col("after") < age + months))
            hits.append(float(won["w"].sum()))
            trials.append(float(alive["w"].sum()))
        found.append(NurtureBucket(age, leads, Tally(tuple(hits), tuple(trials))))
    return found


def _live_cohorts() -> pl.DataFrame:
    sql = (
        f"SELECT CAST(lead_on AS TEXT), won_in_month, won_set_in_month, SUM(leads) "
        f"FROM {FunnelMonth._meta.db_table} "
        f"GROUP BY lead_on, won_in_month, won_set_in_month"
    )
    schema = {"day": pl.String, "after": pl.Int64, "set_after": pl.Int64, "n": pl.Int64}
    frame = query(sql, [], schema)
    return (
        frame.select(
            month_index(pl.col("day").str.to_date()).alias("month"), "after", "set_after", "n"
        )
        .group_by("month", "after", "set_after")
        .agg(pl.col("n").sum())
    )


def _live_pool(cohorts: pl.DataFrame, open_opps: pl.DataFrame) -> pl.DataFrame:
    """Leads not yet won, by lead month, less those in an open deal (the pipeline part
    counts those). The few busy people's lead days are looked up by their unique index:
    a join from the open deals made SQLite walk every lead fact (1.9 s at 1M leads)."""
    people = open_opps["person_id"].unique().to_list()
    days: list[tuple[str]] = []
    table = LeadFact._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(people), 500):
            chunk = people[start : start + 500]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT CAST(lead_on AS TEXT) FROM {table} WHERE person_id IN ({marks})", chunk
            )
            days += cursor.fetchall()
    busy = (
        pl.DataFrame(days, schema={"day": pl.String}, orient="row")
        .select(month_index(pl.col("day").str.to_date()).alias("month"))
        .group_by("month")
        .agg(pl.len().cast(pl.Int64).alias("busy"))
    )
    waiting = cohorts.filter(pl.col("after") < 0).group_by("month").agg(pl.col("n").sum())
    return waiting.join(busy, on="month", how="left").select(
        "month", (pl.col("n") - pl.col("busy").fill_null(0)).clip(0).alias("n")
    )


# --- the live forecast ------------------------------------------------------------------


@dataclass(frozen=True)
class Forecast:
    as_of: datetime
    fitted_at: datetime
    open_deals: int
    pool: int
    outlooks: list[Outlook]


@transaction.atomic
def refit(now: datetime | None = None) -> ForecastFit:
    """Fit the win table on every opportunity fact and store it."""
    now = now or timezone.now()
    opps = opportunities()
    table = fit_table(opps, now)
    cells = [
        [stage.value, bucket, *tally.hits, *tally.trials]
        for (stage, bucket), tally in sorted(
            table.cells.items(), key=lambda kv: (kv[0][0].rank, kv[0][1])
        )
    ]
    return ForecastFit.objects.create(
        fitted_at=now,
        opportunities=opps.height,
        cells=cells,
        average_value=_average_value(opps, now),
    )


def _table(fit: ForecastFit) -> WinTable:
    n = len(HORIZONS)
    return WinTable(
        {
            (FunnelStage(c[0]), int(c[1])): Tally(tuple(c[2 : 2 + n]), tuple(c[2 + n : 2 + 2 * n]))
            for c in fit.cells
        }
    )


def forecast(*, now: datetime | None = None, confidence: float = 0.8) -> Forecast:
    """Wins and revenue in the next 30/60/90 days, from the newest fit (fitted now when
    there is none)."""
    now = now or timezone.now()
    fit = ForecastFit.objects.order_by("-fitted_at", "-id").first() or refit(now)
    open_opps = opportunities(open_only=True)
    deals = open_deals(open_opps, now)
    cohorts = _live_cohorts()
    pool = _live_pool(cohorts, open_opps)
    local = timezone.localtime(now)
    cut_month = local.year * 12 + local.month - 1
    buckets = nurture(cohorts, pool, cut_month)
    outlooks = outlook(
        deals, _table(fit), buckets, average_value=fit.average_value, confidence=confidence
    )
    return Forecast(now, fit.fitted_at, len(deals), sum(b.leads for b in buckets), outlooks)
