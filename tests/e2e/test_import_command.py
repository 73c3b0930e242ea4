"""`leadflow import` end to end: a real process on its own SQLite file."""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

from tests.e2e.test_demo_command import LEADFLOW, _env


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def _import(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*LEADFLOW, "import", *args],
        env=_env(tmp_path / "data"),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_import_command_reports_every_row_and_writes_a_report(tmp_path: Path) -> None:
    source = _write(
        tmp_path / "show.csv",
        [
            ["Name", "E-mail", "Phone Number", "Company Name", "Job Title"],
            ["Dana Owens", "dana@owensreyes.com", "(512) 555-0142", "Owens & Reyes LLP", "CEO"],
            ["Sam Lee", "not-an-email", "", "Lee Dental", "Owner"],
        ],
    )
    report = tmp_path / "report.csv"
    refused = _import(
        tmp_path,
        str(source),
        "--campaign",
        "Dallas expo",
        "--source",
        "trade show",
        "--report",
        str(report),
    )
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "row 3: email" in refused.stdout
    assert "nothing was written" in refused.stdout
    lines = list(csv.reader(report.open(encoding="utf-8")))
    assert lines[0] == ["row", "outcome", "detail"]
    assert [line[:2] for line in lines[1:]] == [["2", "created"], ["3", "error"]]

    landed = _import(
        tmp_path,
        str(source),
        "--campaign",
        "Dallas expo",
        "--source",
        "trade show",
        "--mode",
        "skip-bad",
    )
    assert landed.returncode == 0, landed.stdout + landed.stderr
    assert "created" in landed.stdout


def test_import_command_explains_an_unreadable_file(tmp_path: Path) -> None:
    garbage = tmp_path / "list.csv"
    garbage.write_bytes(b"\x00\x01\x02\xff" * 100)
    result = _import(tmp_path, str(garbage), "--campaign", "X", "--source", "web")
    assert result.returncode == 2
    assert "Not imported:" in result.stdout


def test_import_command_refuses_an_unknown_mode(tmp_path: Path) -> None:
    source = _write(tmp_path / "l.csv", [["Email"], ["a@example.com"]])
    result = _import(
        tmp_path, str(source), "--campaign", "X", "--source", "web", "--mode", "sometimes"
    )
    assert result.returncode != 0
    assert "sometimes" in result.stdout + result.stderr
