"""The reverse funnel from stored history: the rates and stage times of a chosen period,
source or campaign, handed to the domain's `reverse_funnel`.

By default the rates come from the twelve whole calendar months of leads that ended at
least 3 months ago (about 15 to 3 months ago): old enough to have had time to convert,
recent enough to be today's business. Whole months are read from the monthly rollup
alone, never from the daily one (at 1M leads on SQLite, 60 ms instead of 100). Whatever
window is used is reported with the plan.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from leadflow.crm.models import OpportunityFact
from leadflow.domain.funnel import FunnelStage
from leadflow.domain.pipeline import Stage
from leadflow.domain.plan import PATH, DealValues, Goal, ReverseFunnel, Step, reverse_funnel
from leadflow.reports.common import Window, lead_cells, query
from leadflow.reports.stages import median_days, time_in_stage

DEFAULT_MATURITY_DAYS = 90
DEFAULT_SPAN_MONTHS = 12


@dataclass(frozen=True)
class RatesFrom:
    window: Window
    source_id: int | None = None
    campaign_id: int | None = None


def default_rates_window(today: date) -> Window:
    end = (today - timedelta(days=DEFAULT_MATURITY_DAYS)).replace(day=1) - timedelta(days=1)
    months = end.year * 12 + end.month - DEFAULT_SPAN_MONTHS  # the month before the first
    return Window(date(months // 12, months % 12 + 1, 1), end)


def steps(rates: RatesFrom) -> list[Step]:
    """Each step of the path: of the leads that reached its start, how many reached its
    end, with the median days it took."""
    cells, params = lead_cells(rates.window)
    where = "1 = 1"
    if rates.source_id is not None:
        where += " AND source_id = %s"
        params.append(rates.source_id)
    if rates.campaign_id is not None:
        where += " AND campaign_id = %s"
        params.append(rates.campaign_id)
    sql = f"SELECT furthest, SUM(leads) FROM {cells} WHERE {where} GROUP BY furthest"
    frame = query(sql, params, {"furthest": pl.Int64, "n": pl.Int64})
    stopped = {int(rank): int(n) for rank, n in frame.iter_rows()}

    def reached(stage: FunnelStage) -> int:
        return sum(n for rank, n in stopped.items() if rank >= stage.rank)

    medians = median_days(time_in_stage(rates.window))
    return [
        Step(start, end, reached(end), reached(start), medians.get((start, end)))
        for start, end in itertools.pairwise(PATH)
    ]


def deal_values(window: Window) -> DealValues:
    """Won deals with a value, among opportunities set in the window."""
    where, params = window.where("set_on")
    sql = (
        f"SELECT COUNT(value), AVG(value), AVG(value * value) "
        f"FROM {OpportunityFact._meta.db_table} "
        f"WHERE stage = '{Stage.WON.value}' AND value IS NOT NULL AND {where}"
    )
    count, mean, square = query(
        sql, params, {"n": pl.Int64, "mean": pl.Float64, "square": pl.Float64}
    ).row(0)
    if not count:
        return DealValues(0, 0.0, 0.0)
    variance = max(float(square) - float(mean) ** 2, 0.0) * count / max(count - 1, 1)
    return DealValues(int(count), float(mean), variance**0.5)


def plan(goal: Goal, *, today: date, rates: RatesFrom | None = None) -> ReverseFunnel:
    rates = rates or RatesFrom(default_rates_window(today))
    measured = steps(rates)
    values = deal_values(rates.window) if goal.revenue is not None else None
    return reverse_funnel(goal, measured, today=today, deal_values=values)
