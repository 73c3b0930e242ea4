"""Conversion by lead-creation cohort (PRODUCT.md §6): qualified leads often buy 6 to 12
months later, so each month's new leads are followed for 1, 3, 6, 12 and 18 months.

A cohort is only given a figure for a horizon it has fully lived through: March's leads
have no "won within 12 months" until next March has ended. Saying "not yet" is what keeps
young cohorts from looking like failures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from leadflow.domain.funnel import Rate
from leadflow.reports.common import Window, lead_cells, query
from leadflow.reports.rollups import DAYS_PER_MONTH

HORIZONS = (1, 3, 6, 12, 18)


@dataclass(frozen=True)
class Cohort:
    month: str  # "2026-03"
    leads: int
    won: dict[int, Rate | None]  # horizon in months → won within it; None: not yet known
    won_so_far: int


def cohorts(window: Window | None = None, *, today: date) -> list[Cohort]:
    window = window or Window()
    cells, params = lead_cells(window)
    sql = (
        f"SELECT CAST(lead_on AS TEXT), won_after_months, SUM(leads) FROM {cells} "
        f"GROUP BY lead_on, won_after_months"
    )
    frame = query(sql, params, {"day": pl.String, "after": pl.Int64, "n": pl.Int64})
    months = (
        frame.with_columns(pl.col("day").str.to_date().dt.truncate("1mo").alias("month"))
        .group_by("month", "after")
        .agg(pl.col("n").sum())
        .sort("month")
    )
    found = []
    for (month,), group in months.group_by("month", maintain_order=True):
        leads = int(group["n"].sum())
        won_rows = group.filter(pl.col("after") >= 0)
        won: dict[int, Rate | None] = {}
        for horizon in HORIZONS:
            if not _lived_through(month, horizon, today):
                won[horizon] = None
                continue
            hits = int(won_rows.filter(pl.col("after") < horizon)["n"].sum())
            won[horizon] = Rate(hits, leads)
        found.append(Cohort(month.strftime("%Y-%m"), leads, won, int(won_rows["n"].sum())))
    return found


def _lived_through(month: date, horizon: int, today: date) -> bool:
    """Has every lead of `month` had `horizon` months to buy by `today`?"""
    next_month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    last_day = next_month - timedelta(days=1)
    return last_day + timedelta(days=horizon * DAYS_PER_MONTH) <= today
