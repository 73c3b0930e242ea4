"""Settings: embedded SQLite by default, PostgreSQL by URL, a secret generated once."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

from leadflow.conf import LeadflowSettings
from leadflow.settings import _database


def test_default_database_is_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    conf = LeadflowSettings(data_dir=tmp_path, database_url=None)
    assert conf.resolved_database_url() == f"sqlite:///{tmp_path / 'leadflow.sqlite3'}"
    config = _database(conf.resolved_database_url())
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]
    assert "foreign_keys=ON" in config["OPTIONS"]["init_command"]


def test_a_postgresql_url_switches_to_postgresql() -> None:
    config = _database("postgresql://postgres@127.0.0.1:5432/test")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("127.0.0.1", 5432, "test")


def test_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = LeadflowSettings(data_dir=tmp_path, secret_key=None).resolved_secret_key()
    second = LeadflowSettings(data_dir=tmp_path, secret_key=None).resolved_secret_key()
    assert first == second
    assert len(first) >= 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_settings_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LEADFLOW_DATABASE_URL", "postgresql://u@db:5432/crm")
    monkeypatch.setenv("LEADFLOW_DATA_DIR", str(tmp_path))
    conf = LeadflowSettings()
    assert conf.resolved_database_url() == "postgresql://u@db:5432/crm"
    assert conf.resolved_data_dir() == tmp_path.resolve()


def test_a_worker_is_taken_for_lost_only_after_several_missed_beats(tmp_path: Path) -> None:
    LeadflowSettings(data_dir=tmp_path, worker_beat_seconds=10, worker_lost_after_seconds=30)
    with pytest.raises(ValueError, match="must be at least 3 x LEADFLOW_WORKER_BEAT_SECONDS"):
        LeadflowSettings(data_dir=tmp_path, worker_beat_seconds=10, worker_lost_after_seconds=29)


@pytest.mark.django_db
def test_foreign_keys_are_enforced_by_the_database() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL always enforces foreign keys")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone()[0] == 1
