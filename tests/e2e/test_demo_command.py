"""`leadflow demo` end to end, as a person runs it: a real process, a real port, real HTTP."""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.same_on_every_database

# Each test here starts its own process with its own SQLite file: no Django test database.
LEADFLOW = [sys.executable, "-m", "leadflow"]


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADFLOW_")}
    env["LEADFLOW_DATA_DIR"] = str(data_dir)
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_demo_no_serve_sets_up_and_exits_and_a_second_run_adds_nothing(tmp_path: Path) -> None:
    first = subprocess.run(
        [*LEADFLOW, "demo", "--no-serve", "--people", "300"],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert first.returncode == 0, first.stderr
    assert (tmp_path / "leadflow.sqlite3").exists()
    assert (tmp_path / "secret_key").exists()
    with sqlite3.connect(tmp_path / "leadflow.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    for role in ("owner", "marketing", "setter", "rep", "admin"):
        assert re.search(rf"\b{role}\b", first.stdout), f"no demo user for {role}"
    second = subprocess.run(
        [*LEADFLOW, "demo", "--no-serve", "--people", "300"],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert second.returncode == 0, second.stderr
    assert "already loaded" in second.stdout


def test_demo_serves_the_web_app_on_the_chosen_port(tmp_path: Path) -> None:
    port = _free_port()
    process = subprocess.Popen(
        [*LEADFLOW, "demo", "--port", str(port), "--people", "300"],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            try:
                response = httpx.get(url + "healthz", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, "leadflow demo exited early"
                time.sleep(0.5)
        else:
            pytest.fail("leadflow demo never answered")
        assert response.status_code == 200
        login = httpx.get(url, follow_redirects=True, timeout=5)
        assert login.status_code == 200
        assert "/login/" in str(login.url)
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/" in output
