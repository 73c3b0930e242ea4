"""Time in each stage (median and p90 days), from StageDays: how long units took from
entering one stage to entering the next, by the month they entered the first."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from leadflow.crm.models import StageDays
from leadflow.domain.funnel import FunnelStage, percentile
from leadflow.reports.common import Window, query
from leadflow.reports.rollups import LEAD_TRANSITIONS, OPPORTUNITY_TRANSITIONS


@dataclass(frozen=True)
class StageTime:
    start: FunnelStage
    end: FunnelStage
    units: int
    median_days: int | None
    p90_days: int | None
    histogram: dict[int, int]

    @property
    def label(self) -> str:
        return f"{self.start.label} → {self.end.label}"


TRANSITIONS = tuple(name for _, _, name in (*LEAD_TRANSITIONS, *OPPORTUNITY_TRANSITIONS))


def time_in_stage(window: Window | None = None) -> list[StageTime]:
    """Per transition; the window picks units by the month they entered the first stage
    (whole months: a window from 10 March counts everything that entered in March)."""
    window = window or Window()
    months = Window(
        window.start.replace(day=1) if window.start else None,
        window.end,
    )
    where, params = months.where("start_month")
    sql = (
        f"SELECT transition, days, SUM(units) FROM {StageDays._meta.db_table} "
        f"WHERE {where} GROUP BY transition, days"
    )
    frame = query(sql, params, {"transition": pl.String, "days": pl.Int64, "n": pl.Int64})
    found = []
    for name in TRANSITIONS:
        rows = frame.filter(pl.col("transition") == name)
        histogram = {int(d): int(n) for _, d, n in rows.iter_rows()}
        start, end = (FunnelStage(part) for part in name.split(">"))
        found.append(
            StageTime(
                start,
                end,
                sum(histogram.values()),
                percentile(histogram, 0.5),
                percentile(histogram, 0.9),
                histogram,
            )
        )
    return found


def median_days(times: list[StageTime]) -> dict[tuple[FunnelStage, FunnelStage], int]:
    """The median of each transition that has any units."""
    return {(t.start, t.end): t.median_days for t in times if t.median_days is not None}
