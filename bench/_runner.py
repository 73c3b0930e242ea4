"""What every bench shares: a child process per step (each with its own database
settings, so Django is set up once per world), and a PostgreSQL database made for the
run and dropped after it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def child_env(data_dir: Path, database_url: str | None = None) -> dict[str, str]:
    """This environment without leadflow's own settings, pointed at `data_dir` (and the
    database at `database_url`, SQLite in `data_dir` when None)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADFLOW_")}
    env["LEADFLOW_DATA_DIR"] = str(data_dir)
    env["PYTHONPATH"] = str(Path(__file__).parent)
    if database_url:
        env["LEADFLOW_DATABASE_URL"] = database_url
    return env


def spawn(script: str, task: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    """Run `script --child TASK` and return the JSON its last line printed."""
    done = subprocess.run(
        [sys.executable, script, "--child", json.dumps(task)],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"the {task['task']} step failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@contextmanager
def fresh_postgres(server: str, name: str) -> Iterator[str]:
    """A new, empty database `name` on `server` for the block; yields its URL."""
    import psycopg

    server = server.rstrip("/")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
        try:
            yield f"{server}/{name}"
        finally:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
