"""The funnel report: how many reached each stage, and the conversion between every pair,
cut by source, campaign, setter, rep or period (PRODUCT.md §6).

Leads are counted by the day they became leads (a cohort: they are followed to wherever
they got, however long it took); setters and reps by the day the appointment was set.
Lead cuts sum the lead cells (FunnelMonth and FunnelDay), pipeline cuts group
OpportunityFact: neither reads the history.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from leadflow.crm.models import OpportunityFact
from leadflow.domain.funnel import (
    FUNNEL,
    PIPELINE,
    Conversion,
    FunnelStage,
    Rate,
    Reach,
    conversions,
)
from leadflow.reports.common import (
    NONE_LABEL,
    Cut,
    Window,
    lead_cells,
    month_of,
    names,
    quarter_of,
    query,
)


@dataclass(frozen=True)
class FunnelRow:
    key: str  # what the drill-down filters on: an id, "2026-03", "2026-Q1", or "" for all
    label: str
    stages: tuple[FunnelStage, ...]
    reach: Reach
    won_value: float = 0.0

    @property
    def reached(self) -> dict[FunnelStage, int]:
        return {s: self.reach.reached(s) for s in self.stages}

    def step(self, stage: FunnelStage) -> Rate | None:
        """From the stage before to this one; None for the first stage. Sweet spot is a
        tag on qualified leads, so the stage after it steps from Qualified, not from it."""
        before = [s for s in self.stages if s.rank < stage.rank and s is not FunnelStage.SWEET_SPOT]
        return self.reach.rate(before[-1], stage) if before else None

    @property
    def overall(self) -> Rate:
        return self.reach.rate(self.stages[0], self.stages[-1])

    def conversions(self) -> list[Conversion]:
        return conversions(self.reach, self.stages)


@dataclass(frozen=True)
class FunnelReport:
    cut: Cut
    window: Window
    stages: tuple[FunnelStage, ...]
    rows: list[FunnelRow]
    total: FunnelRow
    unit: str = field(default="leads")


def funnel(cut: Cut = Cut.ALL, window: Window | None = None) -> FunnelReport:
    window = window or Window()
    counted = _pipeline_counts(cut, window) if cut.is_pipeline else _lead_counts(cut, window)
    stages = PIPELINE if cut.is_pipeline else FUNNEL
    rows = [
        _row(str(key), label, stages, group)
        for (key, label), group in _groups(counted, cut).items()
    ]
    rows.sort(key=lambda r: r.key if cut in (Cut.MONTH, Cut.QUARTER) else r.label.lower())
    total = _row("", "All", stages, counted)
    unit = "opportunities" if cut.is_pipeline else "leads"
    return FunnelReport(cut, window, stages, rows, total, unit)


def _lead_counts(cut: Cut, window: Window) -> pl.DataFrame:
    key = {
        Cut.ALL: "0",
        Cut.SOURCE: "source_id",
        Cut.CAMPAIGN: "campaign_id",
        Cut.MONTH: "CAST(lead_on AS TEXT)",
        Cut.QUARTER: "CAST(lead_on AS TEXT)",
    }[cut]
    grouped = "furthest, sweet_spot" if cut is Cut.ALL else f"{key}, furthest, sweet_spot"
    cells, params = lead_cells(window)
    sql = (
        f"SELECT {key}, furthest, CASE WHEN sweet_spot THEN 1 ELSE 0 END, SUM(leads), "
        f"SUM(won_value) FROM {cells} GROUP BY {grouped}"
    )
    by_day = cut in (Cut.MONTH, Cut.QUARTER)
    schema = {
        "key": pl.String if by_day else pl.Int64,
        "furthest": pl.Int64,
        "sweet": pl.Int64,
        "n": pl.Int64,
        "won_value": pl.Float64,
    }
    frame = query(sql, params, schema)
    if not by_day:
        return frame
    day = pl.col("key").str.to_date()
    return frame.with_columns((month_of(day) if cut is Cut.MONTH else quarter_of(day)).alias("key"))


def _pipeline_counts(cut: Cut, window: Window) -> pl.DataFrame:
    key = "setter_id" if cut is Cut.SETTER else "rep_id"
    where, params = window.where("set_on")
    sql = (
        f"SELECT {key}, furthest, 0, COUNT(*), SUM(CASE WHEN stage = 'won' THEN value END) "
        f"FROM {OpportunityFact._meta.db_table} WHERE {where} GROUP BY {key}, furthest"
    )
    schema = {
        "key": pl.Int64,
        "furthest": pl.Int64,
        "sweet": pl.Int64,
        "n": pl.Int64,
        "won_value": pl.Float64,
    }
    return query(sql, params, schema)


def _groups(counted: pl.DataFrame, cut: Cut) -> dict[tuple[str, str], pl.DataFrame]:
    if cut is Cut.ALL or counted.is_empty():
        return {}
    numbered = counted["key"].dtype == pl.Int64
    by_id = names(cut, counted["key"].drop_nulls().to_list()) if numbered else {}
    groups: dict[tuple[str, str], pl.DataFrame] = {}
    for (key,), group in counted.group_by("key", maintain_order=True):
        if isinstance(key, int):
            label = by_id.get(key, NONE_LABEL) if key else NONE_LABEL
            groups[(str(key or 0), label)] = group
        else:
            groups[(str(key), str(key))] = group
    return groups


def _row(key: str, label: str, stages: tuple[FunnelStage, ...], counted: pl.DataFrame) -> FunnelRow:
    stopped: dict[tuple[FunnelStage, bool], int] = {}
    for rank, sweet, n in counted.group_by("furthest", "sweet").agg(pl.col("n").sum()).iter_rows():
        stopped[(FUNNEL[int(rank)], bool(sweet))] = int(n)
    won_value = float(counted["won_value"].fill_null(0).sum()) if counted.height else 0.0
    return FunnelRow(key, label, stages, Reach(stopped), won_value)
