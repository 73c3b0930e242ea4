"""`leadflow import-deals` end to end: people first with `leadflow import`, then their deals."""

from __future__ import annotations

import csv
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.e2e.test_demo_command import LEADFLOW, _env

pytestmark = pytest.mark.same_on_every_database


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def _leadflow(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*LEADFLOW, *args],
        env=_env(tmp_path / "data"),
        capture_output=True,
        text=True,
        timeout=300,
    )


def _db(tmp_path: Path) -> sqlite3.Connection:
    return sqlite3.connect(tmp_path / "data" / "leadflow.sqlite3")


def _people(tmp_path: Path) -> None:
    people = _write(
        tmp_path / "contacts.csv",
        [
            ["Name", "E-mail", "Company Name"],
            ["Dana Owens", "dana@owensreyes.com", "Owens & Reyes LLP"],
            ["Sam Lee", "sam@leedental.com", "Lee Dental"],
            ["Ana Ruiz", "ana@ruizlaw.com", "Ruiz Law"],
        ],
    )
    landed = _leadflow(
        tmp_path, "import", str(people), "--campaign", "Old CRM contacts", "--source", "old crm"
    )
    assert landed.returncode == 0, landed.stdout + landed.stderr


DEALS = [
    ["Email", "Deal Stage", "Create Date", "Close Date", "Deal Owner", "Amount", "Lost Reason"],
    ["dana@owensreyes.com", "Closed Won", "2024-01-10", "2024-03-01", "Jane Smith", "$18,000", ""],
    ["sam@leedental.com", "Closed Lost", "2024-02-01", "2024-04-15", "Jane Smith", "", "budget"],
    ["ana@ruizlaw.com", "Negotiation", "2024-05-01", "2024-07-01", "Tom Becker", "9,500", ""],
    ["nobody@example.com", "Closed Won", "2024-01-01", "2024-02-01", "", "", ""],
]


def test_import_deals_moves_history_in_and_a_second_run_adds_nothing(tmp_path: Path) -> None:
    _people(tmp_path)
    deals = _write(tmp_path / "hubspot-deals.csv", DEALS)
    refused = _leadflow(tmp_path, "import-deals", str(deals))
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert 'row 2: stage: unknown stage "Closed Won"' in refused.stdout
    assert "nothing was written" in refused.stdout

    report = tmp_path / "report.csv"
    mapped = [
        "--stage-map",
        "Closed Won=won",
        "--stage-map",
        "Closed Lost=lost",
        "--stage-map",
        "Negotiation=Proposing / negotiating",
        "--default-disposition",
        "nurture",
        "--mode",
        "skip-bad",
    ]
    landed = _leadflow(tmp_path, "import-deals", str(deals), *mapped, "--report", str(report))
    assert landed.returncode == 0, landed.stdout + landed.stderr
    assert "row 5: person: no person with email nobody@example.com" in landed.stdout
    assert "2 setter(s) and rep(s) created as inactive users" in landed.stdout
    assert "1 people became clients" in landed.stdout
    lines = list(csv.reader(report.open(encoding="utf-8")))
    assert [line[:2] for line in lines] == [
        ["row", "outcome"],
        ["2", "created"],
        ["3", "created"],
        ["4", "created"],
        ["5", "error"],
    ]
    with _db(tmp_path) as db:
        stored = db.execute(
            "SELECT p.email, o.stage, o.moved_in_from, o.contract_value FROM crm_opportunity o "
            "JOIN crm_person p ON p.id = o.person_id ORDER BY p.email"
        ).fetchall()
        kinds = dict(db.execute("SELECT email, person_type FROM crm_person").fetchall())
    assert stored == [
        ("ana@ruizlaw.com", "proposing", "hubspot-deals", 9500),
        ("dana@owensreyes.com", "won", "hubspot-deals", 18000),
        ("sam@leedental.com", "lost", "hubspot-deals", None),
    ]
    assert kinds["dana@owensreyes.com"] == "client"

    again = _leadflow(tmp_path, "import-deals", str(deals), *mapped, "--from", "hubspot-deals")
    assert again.returncode == 0, again.stdout + again.stderr
    with _db(tmp_path) as db:
        assert db.execute("SELECT COUNT(*) FROM crm_opportunity").fetchone()[0] == 3
        assert db.execute("SELECT COUNT(*) FROM auth_user").fetchone()[0] == 2


def test_import_deals_dry_run_writes_nothing(tmp_path: Path) -> None:
    _people(tmp_path)
    deals = _write(tmp_path / "deals.csv", DEALS[:2])
    result = _leadflow(
        tmp_path, "import-deals", str(deals), "--stage", "won", "--map", "Deal Stage=note"
    )
    assert result.returncode != 0
    assert "unknown field 'note'" in result.stdout + result.stderr
    dry = _leadflow(
        tmp_path, "import-deals", str(deals), "--stage-map", "Closed Won=won", "--dry-run"
    )
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "dry run: nothing was written" in dry.stdout
    assert "(would be)" in dry.stdout
    with _db(tmp_path) as db:
        assert db.execute("SELECT COUNT(*) FROM crm_opportunity").fetchone()[0] == 0


def test_import_deals_explains_an_unreadable_file_and_a_bad_option(tmp_path: Path) -> None:
    garbage = tmp_path / "deals.csv"
    garbage.write_bytes(b"\x00\x01\x02\xff" * 100)
    unreadable = _leadflow(tmp_path, "import-deals", str(garbage), "--stage", "won")
    assert unreadable.returncode == 2
    assert "Not imported:" in unreadable.stdout
    deals = _write(tmp_path / "d.csv", DEALS)
    bad_map = _leadflow(tmp_path, "import-deals", str(deals), "--stage-map", "Closed Won=wonn")
    assert bad_map.returncode != 0
    assert "wonn" in bad_map.stdout + bad_map.stderr
