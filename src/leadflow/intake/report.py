"""What an intake run did (or would do) to every row, and the totals that add up."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from leadflow.intake.options import Outcome


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
        return {
            "written": self.written,
            "reason": self.reason,
            "counts": {o.value: n for o, n in self.counts.items()},
            "read": self.read,
            "errors": self.errors,
            "warnings": self.warnings,
            "rows": self.rows.select("row", "outcome", "detail", "person_id").to_dicts(),
        }

    def write_csv(self, path: Path) -> None:
        """One line per input row: row, outcome, detail."""
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["row", "outcome", "detail"])
            writer.writerows(self.rows.select("row", "outcome", "detail").iter_rows())
