"""`leadflow import` end to end: a real process on its own SQLite file."""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

import pytest

from tests.e2e.test_demo_command import LEADFLOW, _env

pytestmark = pytest.mark.same_on_every_database


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


def test_a_mapping_saved_for_a_source_applies_to_its_next_file(tmp_path: Path) -> None:
    header = ["Contact", "Mail Address", "Org"]
    first = _write(tmp_path / "may.csv", [header, ["Dana Owens", "dana@owens.example", "Owens"]])
    maps = ["--map", "Mail Address=email", "--map", "Org=company"]
    saved = _import(
        tmp_path, str(first), "--campaign", "May", "--source", "partner list", *maps,
        "--save-mapping",
    )  # fmt: skip
    assert saved.returncode == 0, saved.stdout + saved.stderr
    assert "Mapping saved" in saved.stdout
    second = _write(tmp_path / "june.csv", [header, ["Sam Lee", "sam@lee.example", "Lee"]])
    report = tmp_path / "june.report.csv"
    landed = _import(
        tmp_path, str(second), "--campaign", "June", "--source", "partner list",
        "--report", str(report),
    )  # fmt: skip
    assert landed.returncode == 0, landed.stdout + landed.stderr
    assert list(csv.reader(report.open(encoding="utf-8")))[1][:2] == ["2", "created"]
    unmapped = _import(tmp_path, str(second), "--campaign", "June", "--source", "other list")
    assert unmapped.returncode == 2  # no saved mapping there: no email column is found
    assert "no email, phone or id column" in unmapped.stdout


def test_list_sheets_names_every_sheet_of_a_workbook(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Attendees"  # type: ignore[union-attr]
    book.create_sheet("No-shows")
    path = tmp_path / "expo.xlsx"
    book.save(path)
    listed = subprocess.run(
        [*LEADFLOW, "import", str(path), "--campaign", "x", "--source", "y", "--list-sheets"],
        env=_env(tmp_path / "data"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert listed.stdout.split() == ["Attendees", "No-shows"]
