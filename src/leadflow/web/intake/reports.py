"""An IntakeReport as the doors show it: counts that add up, error lines, rows by page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import polars as pl

from leadflow.intake.options import Outcome

ROWS_PER_PAGE = 100
MAX_ERROR_LINES = 1000  # beyond that the page would be unreadable: the CSV has them all
# The pipeline joins a row's errors with "; " and quotes the value, which may itself hold
# "; ", so a line ends only where the next "row N: " starts.
_ERROR_LINE = re.compile(r"row (\d+): ([^:]+): (.*?)(?=; row \d+: |\Z)", re.DOTALL)


@dataclass(frozen=True)
class ErrorLine:
    row: int
    column: str
    reason: str


def error_lines(detail: str | None) -> list[ErrorLine]:
    """``"row 3: email: "x" is not an email address; row 3: phone: ..."`` → its parts;
    a detail of another shape is one line with an empty column."""
    if not detail:
        return []
    found = [ErrorLine(int(m[1]), m[2].strip(), m[3].strip()) for m in _ERROR_LINE.finditer(detail)]
    return found or [ErrorLine(0, "", detail)]


def counts_table(counts: dict[str, int], read: int) -> list[tuple[str, int]]:
    """Every outcome in a fixed order (zeros too), then the total they add up to."""
    return [*((o.value, counts.get(o.value, 0)) for o in Outcome), ("total", read)]


@dataclass(frozen=True)
class RowsPage:
    rows: list[dict[str, Any]]
    number: int
    pages: int
    total: int  # rows matching the filter

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def _read(report_csv: str) -> pl.DataFrame:
    return pl.read_csv(
        report_csv.encode(), schema={"row": pl.Int64, "outcome": pl.String, "detail": pl.String}
    )


def rows_page(report_csv: str, *, page: int, outcome: str | None) -> RowsPage:
    """One page of the per-row report (its CSV), optionally only rows with one outcome."""
    frame = _read(report_csv)
    if outcome:
        frame = frame.filter(pl.col("outcome") == outcome)
    pages = max(1, -(-frame.height // ROWS_PER_PAGE))
    number = min(max(page, 1), pages)
    part = frame.slice((number - 1) * ROWS_PER_PAGE, ROWS_PER_PAGE)
    return RowsPage(rows=part.to_dicts(), number=number, pages=pages, total=frame.height)


def first_errors(report_csv: str) -> list[str]:
    errors = _read(report_csv).filter(pl.col("outcome") == Outcome.ERROR.value)
    return [str(d) for d in errors["detail"].head(MAX_ERROR_LINES).to_list()]
