"""Every report as one flat table (columns and rows of plain values): what the CLI prints,
what `--format csv|json` writes, and what each page's CSV download holds."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from leadflow.domain.forecast import BacktestPoint, BacktestSummary
from leadflow.domain.funnel import Rate
from leadflow.domain.plan import ReverseFunnel
from leadflow.reports.cohorts import HORIZONS, Cohort
from leadflow.reports.forecast import Forecast
from leadflow.reports.funnel import FunnelReport
from leadflow.reports.show_rate import ContractClose, SetterShowRate
from leadflow.reports.sources import SourceRow
from leadflow.reports.stages import StageTime
from leadflow.spreadsheet import defuse_cell


@dataclass(frozen=True)
class Table:
    title: str
    columns: list[str]
    rows: list[list[Any]]
    # Columns holding shares (0-1): a screen shows them as percentages, files keep them.
    shares: tuple[str, ...] = ()

    def shown(self) -> list[list[str]]:
        """The rows as text for a screen."""
        at = {self.columns.index(c) for c in self.shares}
        return [
            [
                "" if v is None else f"{v:.1%}" if i in at and isinstance(v, float) else str(v)
                for i, v in enumerate(row)
            ]
            for row in self.rows
        ]

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(self.columns)
        writer.writerows([defuse_cell(v) for v in row] for row in self.rows)
        return out.getvalue()

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def json(self) -> str:
        return json.dumps({"title": self.title, "rows": self.records()}, indent=2, default=str)


def _share(rate: Rate | None) -> float | None:
    return None if rate is None or rate.value is None else round(rate.value, 4)


def _bounds(rate: Rate | None) -> tuple[float | None, float | None]:
    iv = None if rate is None else rate.interval
    return (None, None) if iv is None else (round(iv.low, 4), round(iv.high, 4))


def funnel_table(report: FunnelReport) -> Table:
    """One row per group and stage: how many reached it, and the step from the stage
    before with its 80% interval."""
    columns = [report.cut.value, "stage", "reached", "from previous", "low", "high"]
    rows = []
    for row in [*report.rows, report.total]:
        for stage in report.stages:
            step = row.step(stage)
            rows.append([row.label, stage.label, row.reached[stage], _share(step), *_bounds(step)])
    title = f"Funnel by {report.cut.value} ({report.window.describe()})"
    return Table(title, columns, rows, ("from previous", "low", "high"))


def conversions_table(report: FunnelReport) -> Table:
    """Every ordered pair of stages, for each group of the cut and for all."""
    rows = [
        [row.label, c.start.label, c.end.label, c.rate.hits, c.rate.trials, _share(c.rate),
         *_bounds(c.rate)]
        for row in [*report.rows, report.total]
        for c in row.conversions()
    ]  # fmt: skip
    columns = [report.cut.value, "from", "to", "reached both", "reached from", "conversion",
               "low", "high"]  # fmt: skip
    title = f"Conversion between stages ({report.window.describe()})"
    return Table(title, columns, rows, ("conversion", "low", "high"))


def show_rate_table(rates: Sequence[SetterShowRate]) -> Table:
    rows = [
        [r.setter, r.set_count, r.sat, r.no_show, r.cancelled, r.awaiting,
         _share(r.verdict.rate), *_bounds(r.verdict.rate), "yes" if r.below_threshold else ""]
        for r in rates
    ]  # fmt: skip
    columns = ["setter", "set", "sat", "no-show", "cancelled", "awaiting", "show rate",
               "low", "high", "below threshold"]  # fmt: skip
    return Table("Show rate per setter (sat ÷ set)", columns, rows, ("show rate", "low", "high"))


def contract_table(team: ContractClose, reps: Sequence[ContractClose]) -> Table:
    rows = [
        [c.rep, c.won, c.lost, c.still_out, _share(c.verdict.rate), *_bounds(c.verdict.rate),
         "yes" if c.verdict.flagged else ""]
        for c in [*reps, team]
    ]  # fmt: skip
    columns = ["rep", "won", "lost", "still out", "won share", "low", "high", "below 90%"]
    return Table("Contract sent → won", columns, rows, ("won share", "low", "high"))


def cohort_table(cohorts: Sequence[Cohort]) -> Table:
    columns = ["cohort", "leads", "won so far", *(f"won within {h} mo" for h in HORIZONS)]
    rows = [
        [c.month, c.leads, c.won_so_far, *(_won_within(c, h) for h in HORIZONS)] for c in cohorts
    ]
    return Table("Conversion by lead-creation month", columns, rows, tuple(columns[3:]))


def _won_within(cohort: Cohort, horizon: int) -> float | str | None:
    rate = cohort.won[horizon]
    return "not yet" if rate is None else _share(rate)


def stage_table(times: Sequence[StageTime]) -> Table:
    rows = [[t.label, t.units, t.median_days, t.p90_days] for t in times]
    return Table("Time in stage (days)", ["step", "units", "median", "p90"], rows)


def source_table(sources: Sequence[SourceRow]) -> Table:
    rows = [
        [s.source, s.campaign, s.raw, s.unqualified.hits, _share(s.unqualified),
         "; ".join(f"{r.label} {n}" for r, n in s.reasons.items())]
        for s in sources
    ]  # fmt: skip
    columns = ["source", "campaign", "raw leads", "unqualified", "share unqualified", "reasons"]
    return Table("Raw leads and share unqualified", columns, rows, ("share unqualified",))


def plan_table(plan: ReverseFunnel) -> Table:
    rows = [
        [n.stage.label, n.point, n.low, n.high, n.by.isoformat(), "late" if n.late else ""]
        for n in plan.needs
    ]
    columns = ["stage", "needed", "low", "high", "by", "already late"]
    return Table(f"Reverse funnel ({plan.confidence:.0%} range)", columns, rows)


def forecast_table(forecast: Forecast) -> Table:
    rows = [
        [o.horizon_days, round(o.wins.expected, 1), round(o.wins.low, 1), round(o.wins.high, 1),
         round(o.from_pipeline, 1), round(o.from_nurture, 1), round(o.revenue.expected, 2),
         round(o.revenue.low, 2), round(o.revenue.high, 2)]
        for o in forecast.outlooks
    ]  # fmt: skip
    columns = ["days", "wins", "low", "high", "from open deals", "from nurture", "revenue",
               "revenue low", "revenue high"]  # fmt: skip
    return Table("Pipeline forecast", columns, rows)


def backtest_table(points: Sequence[BacktestPoint], summary: Sequence[BacktestSummary]) -> Table:
    rows: list[list[Any]] = [
        [p.cut, p.horizon_days, round(p.forecast.expected, 1), round(p.forecast.low, 1),
         round(p.forecast.high, 1), p.actual, "yes" if p.covered else "no"]
        for p in points
    ]  # fmt: skip
    rows += [
        [f"all {s.cuts} cuts", s.horizon_days, f"MAE {s.mean_absolute_error:.1f}",
         f"bias {s.bias:+.1f}", "", f"mean {s.mean_actual:.1f}", f"coverage {s.coverage:.0%}"]
        for s in summary
    ]  # fmt: skip
    columns = ["as of", "days", "forecast", "low", "high", "actual", "inside range"]
    return Table("Forecast backtest", columns, rows)
