"""Acceptance tests on the real datasets in ../shared/data (see its README.md).

Each test runs the real `leadflow` command in its own process, on its own SQLite file.
The data is not part of this repository: without it the tests skip, saying where they
looked. LEADFLOW_SHARED_DATA points them at another copy.
"""

from __future__ import annotations

import csv
import os
import sqlite3
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.test_demo_command import LEADFLOW, _env


def shared_data(*parts: str) -> Path:
    """A file of the shared datasets; skips the test when it is not there."""
    root = Path(
        os.environ.get("LEADFLOW_SHARED_DATA") or Path(__file__).parents[3] / "shared" / "data"
    )
    path = root.joinpath(*parts)
    if not path.is_file():
        pytest.skip(
            f"shared dataset not found: {path} (set LEADFLOW_SHARED_DATA to the folder that "
            "holds olist-marketing-funnel/ and x-education-leads/)"
        )
    return path


@dataclass(frozen=True)
class Run:
    result: subprocess.CompletedProcess[str]
    report: Path

    @property
    def outcomes(self) -> Counter[str]:
        with self.report.open(encoding="utf-8") as handle:
            return Counter(row["outcome"] for row in csv.DictReader(handle))


def leadflow(data_dir: Path, *args: str, report: Path) -> Run:
    """Run `leadflow ...` with a --report, and insist that it succeeded."""
    result = subprocess.run(
        [*LEADFLOW, *args, "--report", str(report)],
        env=_env(data_dir),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return Run(result, report)


def query(data_dir: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(data_dir / "leadflow.sqlite3") as db:
        return db.execute(sql).fetchall()


def scalar(data_dir: Path, sql: str) -> object:
    return query(data_dir, sql)[0][0]
