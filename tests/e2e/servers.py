"""Running leadflow as an operator does, for the end-to-end tests: a PostgreSQL database
of the test's own, and `leadflow serve --production` / `leadflow worker` as processes."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
LEADFLOW = [sys.executable, "-m", "leadflow"]
# What the TLS-terminating proxy of docs/production.md adds; without it, a redirect to https.
HTTPS = {"X-Forwarded-Proto": "https"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def postgres_database(prefix: str) -> Iterator[str]:
    """A new PostgreSQL database for the block (never the `test` database); its URL.

    These tests run servers of their own on PostgreSQL, whatever database the suite runs
    on; they run in the suite's PostgreSQL pass (CI's second), not again on SQLite."""
    if not os.environ.get("LEADFLOW_DATABASE_URL", "").startswith("postgres"):
        pytest.skip(
            "runs servers on a PostgreSQL database of its own: in the PostgreSQL pass "
            "(LEADFLOW_DATABASE_URL=postgresql://...), as CI runs it"
        )
    psycopg = pytest.importorskip("psycopg")
    name = f"{prefix}_{secrets.token_hex(4)}"
    try:
        admin = psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True)
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL not reachable at {PG_SERVER}: {error}")
    with admin:
        admin.execute(f"CREATE DATABASE {name}")
        try:
            yield f"{PG_SERVER}/{name}"
        finally:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def production_env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """This environment without leadflow's settings, plus production ones for loopback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADFLOW_")}
    env |= {
        "LEADFLOW_SECRET_KEY": secrets.token_urlsafe(50),
        "LEADFLOW_ALLOWED_HOSTS": '["127.0.0.1"]',
        "LEADFLOW_PROXY_SSL_HEADER": "X-Forwarded-Proto",
        "LEADFLOW_DATABASE_URL": database_url,
        "LEADFLOW_DATA_DIR": str(data_dir),
        "PYTHONUNBUFFERED": "1",
        **extra,
    }
    return env


@dataclass
class Process:
    """A leadflow process of the test, with its output in a file."""

    process: subprocess.Popen[bytes]
    log: Path
    url: str = ""

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
        if self.process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def start(args: list[str], env: dict[str, str], home: Path, name: str) -> Process:
    """`leadflow ARGS` in its own process group (so a stop reaches its children), run in
    `home` so no .env file of the working copy is read."""
    home.mkdir(parents=True, exist_ok=True)
    log = home / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*LEADFLOW, *args], env=env, cwd=home, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    return Process(process, log)


def serve(env: dict[str, str], home: Path, name: str = "server", workers: int = 2) -> Process:
    """`leadflow serve --production`, once it answers."""
    port = free_port()
    args = ["serve", "--production", "--workers", str(workers), "--port", str(port)]
    served = start(args, env, home, name)
    served.url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(served.url + "/healthz", headers=HTTPS, timeout=2).status_code == 200:
                return served
        except httpx.TransportError:
            pass
        if served.process.poll() is not None:
            pytest.fail(f"leadflow serve exited early:\n{served.output()}")
        time.sleep(0.25)
    served.stop()
    pytest.fail(f"leadflow serve --production never answered:\n{served.output()}")


def signed_webhook(
    secret: str, record: object, at: int | None = None
) -> tuple[bytes, dict[str, str]]:
    """A webhook body and its headers, signed the way the webhook's docstring tells senders."""
    body = json.dumps(record).encode()
    timestamp = str(at if at is not None else int(time.time()))
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    headers = {
        "Content-Type": "application/json",
        "X-Leadflow-Timestamp": timestamp,
        "X-Leadflow-Signature": f"sha256={mac.hexdigest()}",
        **HTTPS,
    }
    return body, headers
