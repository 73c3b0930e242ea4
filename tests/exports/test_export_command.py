"""`leadflow export` end to end: a real process on its own SQLite file."""

from __future__ import annotations

import subprocess
from pathlib import Path

import polars as pl
import pytest

from tests.e2e.test_demo_command import LEADFLOW, _env

pytestmark = pytest.mark.same_on_every_database


def _export(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*LEADFLOW, "export", *args],
        env=_env(tmp_path / "data"),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_export_command_writes_the_list_and_the_excluded_report(tmp_path: Path) -> None:
    out, excluded = tmp_path / "list.csv", tmp_path / "excluded.csv"
    done = _export(tmp_path, "general-email", "--out", str(out), "--excluded", str(excluded))
    assert done.returncode == 0, done.stderr
    said = " ".join(done.stdout.split())  # rich wraps lines to the terminal width
    assert "general-email: 0 people considered" in said
    assert "sha256" in said
    assert pl.read_csv(out).columns[:2] == ["person_id", "first_name"]


def test_export_command_refuses_an_unknown_channel_segment_or_campaign(tmp_path: Path) -> None:
    assert "is not a channel" in _export(tmp_path, "carrier-pigeon").stderr
    segment = _export(tmp_path, "email-drip", "--segment", "Nobody")
    assert segment.returncode == 2
    assert "Nobody" in segment.stdout
    campaign = _export(tmp_path, "email-drip", "--campaign", "Nope")
    assert campaign.returncode == 2
    assert "no campaign named 'Nope'" in " ".join(campaign.stdout.split())
