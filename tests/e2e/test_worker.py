"""Jobs queued in the database and run by `leadflow worker` (issue 9), as an operator
runs them: separate processes sharing one database."""

from __future__ import annotations

import os
import secrets
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.same_on_every_database

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"

LEADFLOW = [sys.executable, "-m", "leadflow"]
RESULTS = "django_tasks_database_dbtaskresult"


def _env(data_dir: Path, backend: str, database_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADFLOW_")}
    env["LEADFLOW_DATA_DIR"] = str(data_dir)
    env["LEADFLOW_TASKS_BACKEND"] = backend
    if database_url:
        env["LEADFLOW_DATABASE_URL"] = database_url
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LEADFLOW, *args], env=env, capture_output=True, text=True, timeout=120)


Query = Callable[[str], list[tuple[Any, ...]]]


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str | None, Query]]:
    """The database the processes share: a SQLite file, or a scratch PostgreSQL one."""
    if request.param == "sqlite":

        def read_sqlite(sql: str) -> list[tuple[Any, ...]]:
            with closing(sqlite3.connect(tmp_path / "leadflow.sqlite3")) as db:
                return list(db.execute(sql))

        yield None, read_sqlite
        return
    psycopg = pytest.importorskip("psycopg")
    name = f"leadflow_worker_{secrets.token_hex(4)}"
    try:
        admin = psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True)
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL not reachable at {PG_SERVER}: {error}")
    with admin:
        admin.execute(f"CREATE DATABASE {name}")
        try:

            def read_pg(sql: str) -> list[tuple[Any, ...]]:
                with psycopg.connect(f"{PG_SERVER}/{name}") as db:
                    return list(db.execute(sql))

            yield f"{PG_SERVER}/{name}", read_pg
        finally:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _statuses(query: Query) -> list[tuple[str, str]]:
    rows = query(f"SELECT task_path, status FROM {RESULTS} ORDER BY task_path")
    return [(path.rsplit(".", 1)[-1], status) for path, status in rows]


def test_queued_jobs_wait_for_a_worker_and_the_worker_runs_each_once(
    tmp_path: Path, database: tuple[str | None, Query]
) -> None:
    url, query = database
    env = _env(tmp_path, "database", url)
    assert _run(["migrate"], env).returncode == 0
    queued = _run(["nightly"], env)
    assert queued.returncode == 0, queued.stderr
    assert "READY" in queued.stdout  # asked for, not run: no worker yet
    jobs = [
        "forget_idempotency_keys",
        "forget_job_progress",
        "refit_forecast",
        "retrain_lead_score",
    ]
    assert _statuses(query) == [(job, "READY") for job in jobs]

    worked = _run(["worker", "--batch", "--interval", "0.1"], env)
    assert worked.returncode == 0, worked.stderr
    assert _statuses(query) == [(job, "SUCCESSFUL") for job in jobs]
    assert query("SELECT COUNT(*) FROM crm_forecastfit") == [(1,)]

    again = _run(["worker", "--batch", "--interval", "0.1"], env)  # nothing left to do
    assert again.returncode == 0, again.stderr
    assert _statuses(query) == [(job, "SUCCESSFUL") for job in jobs]
    assert query("SELECT COUNT(*) FROM crm_forecastfit") == [(1,)]


def test_the_worker_refuses_to_start_when_jobs_run_where_they_are_asked_for(
    tmp_path: Path,
) -> None:
    refused = _run(["worker", "--batch"], _env(tmp_path, "immediate"))
    assert refused.returncode == 1
    assert "LEADFLOW_TASKS_BACKEND=database" in refused.stdout
