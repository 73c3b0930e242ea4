"""What an intake run did (or would do) to every row, and the totals that add up."""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import polars as pl

from leadflow.intake.options import Outcome
from leadflow.spreadsheet import write_csv

JSON_ROW = ("row", "outcome", "detail", "person_id")


def report_json(
    rows: list[dict[str, Any]], *, written: bool, reason: str, warnings: list[str]
) -> dict[str, Any]:
    """A report as JSON from its rows (JSON_ROW dicts), for the doors that answer programs:
    totals that add up, every error line, every row."""
    tally = Counter(row["outcome"] for row in rows)
    return {
        "written": written,
        "reason": reason,
        "counts": {o.value: tally.get(o.value, 0) for o in Outcome},
        "read": len(rows),
        "errors": [row["detail"] for row in rows if row["outcome"] == Outcome.ERROR.value],
        "warnings": warnings,
        "rows": rows,
    }


@dataclass(frozen=True)
class IntakeReport:
    rows: pl.DataFrame  # row, outcome, detail, person_id (created or merged into)
    written: bool
    reason: str = ""  # why nothing was written, when nothing was
    warnings: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[Outcome, int]:
        tally = dict(self.rows.group_by("outcome").len().iter_rows())
        return {o: int(tally.get(o.value, 0)) for o in Outcome}

    @property
    def read(self) -> int:
        return self.rows.height

    @property
    def errors(self) -> list[str]:
        return self.rows.filter(pl.col("outcome") == Outcome.ERROR.value)["detail"].to_list()

    def as_json(self) -> dict[str, Any]:
        """The whole report for an API caller: totals, every error line, every row."""
        rows = self.rows.select(*JSON_ROW).to_dicts()
        return report_json(rows, written=self.written, reason=self.reason, warnings=self.warnings)

    def write_csv(self, path: Path) -> None:
        """One line per input row: row, outcome, detail."""
        with path.open("w", newline="", encoding="utf-8") as handle:
            self._write_csv(handle)

    def csv_text(self) -> str:
        """What write_csv writes, as text (kept in the database by the upload page)."""
        out = io.StringIO(newline="")
        self._write_csv(out)
        return out.getvalue()

    def _write_csv(self, handle: TextIO) -> None:
        write_csv(handle, self.rows.select("row", "outcome", "detail"))
