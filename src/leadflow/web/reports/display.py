"""Report objects laid out for the pages: cells with their drill-down links, the
conversion matrix. Only arranges what the reports computed; nothing here queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse

from leadflow.domain.funnel import FunnelStage, Rate
from leadflow.reports.common import Cut, Window
from leadflow.reports.funnel import FunnelReport, FunnelRow
from leadflow.reports.sources import SourceRow
from leadflow.web.reports.drill import UNQUALIFIED


def drill_url(
    stage: FunnelStage | str, cut: Cut, key: str, window: Window, **narrower: str | int
) -> str:
    """The drill-down page listing the people behind one count."""
    query: dict[str, str | int] = {"stage": str(stage), "by": cut.value, "key": key}
    if window.start:
        query["from"] = window.start.isoformat()
    if window.end:
        query["to"] = window.end.isoformat()
    query.update(narrower)
    return f"{reverse('reports-people')}?{urlencode(query)}"


def funnel_url(cut: Cut, window: Window) -> str:
    """The funnel page by `cut` over `window`."""
    query = {"by": cut.value}
    if window.start:
        query["from"] = window.start.isoformat()
    if window.end:
        query["to"] = window.end.isoformat()
    return f"{reverse('reports')}?{urlencode(query)}"


@dataclass(frozen=True)
class Cell:
    stage: FunnelStage
    count: int
    url: str
    step: Rate | None  # from the stage before; None for the first


@dataclass(frozen=True)
class FunnelLine:
    row: FunnelRow
    cells: list[Cell]
    total: bool


def funnel_lines(report: FunnelReport) -> list[FunnelLine]:
    """One line per row of the cut, then the total."""

    def line(row: FunnelRow, total: bool) -> FunnelLine:
        reached = row.reached
        cells = [
            Cell(stage, reached[stage], drill_url(stage, report.cut, row.key, report.window),
                 row.step(stage))
            for stage in report.stages
        ]  # fmt: skip
        return FunnelLine(row, cells, total)

    return [*(line(row, False) for row in report.rows), line(report.total, True)]


@dataclass(frozen=True)
class Matrix:
    """Conversion from every stage (a line) to every later stage (a column)."""

    label: str
    key: str
    stages: tuple[FunnelStage, ...]
    lines: list[tuple[FunnelStage, list[Rate | None]]]


def conversion_matrices(report: FunnelReport) -> list[Matrix]:
    """The total's matrix first, then one per row of the cut."""
    return [_matrix(row, report.stages) for row in (report.total, *report.rows)]


def _matrix(row: FunnelRow, stages: Sequence[FunnelStage]) -> Matrix:
    found = {(c.start, c.end): c.rate for c in row.conversions()}
    lines = [(start, [found.get((start, end)) for end in stages[1:]]) for start in stages[:-1]]
    return Matrix(row.label, row.key, tuple(stages), lines)


@dataclass(frozen=True)
class SourceLine:
    row: SourceRow
    raw_url: str
    unqualified_url: str
    reasons: list[tuple[str, int, str]]  # label, count, drill-down


def source_lines(rows: Sequence[SourceRow], window: Window) -> list[SourceLine]:
    """Each source-and-campaign row with its counts' drill-downs: by campaign, narrowed to
    the source, so a campaign whose leads came through two sources splits exactly."""

    def url(stage: FunnelStage | str, row: SourceRow, **extra: str) -> str:
        return drill_url(
            stage, Cut.CAMPAIGN, str(row.campaign_id), window, source=row.source_id, **extra
        )

    return [
        SourceLine(
            row,
            url(FunnelStage.RAW, row),
            url(UNQUALIFIED, row),
            [(r.label, n, url(UNQUALIFIED, row, reason=r.value)) for r, n in row.reasons.items()],
        )
        for row in rows
    ]
