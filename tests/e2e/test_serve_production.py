"""`leadflow serve --production` as an operator runs it: gunicorn with several worker
processes on PostgreSQL, the production settings, collected static files, a graceful stop.

The server is one process started once for the module. The test speaks plain HTTP on
loopback the way the TLS-terminating proxy of docs/production.md does: every request says
``X-Forwarded-Proto: https``, which the server believes because LEADFLOW_PROXY_SSL_HEADER
says so, and the HTTPS redirect stays on for anything that does not say it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

import leadflow
from tests.e2e.servers import free_port, postgres_database, production_env

LEADFLOW = [sys.executable, "-m", "leadflow"]
HTTPS = {"X-Forwarded-Proto": "https"}
WORKERS = 2
TEMPLATES = Path(leadflow.__file__).parent / "web" / "templates"
VEGA = "leadflow/vendor/vega-bundle.min.js"
A_YEAR = 365 * 24 * 3600


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    static_root: Path

    def get(
        self, path: str, *, headers: dict[str, str] | None = None, timeout: float = 10
    ) -> httpx.Response:
        return httpx.get(self.url + path, headers={**HTTPS, **(headers or {})}, timeout=timeout)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def _children(pid: int) -> set[int]:
    """The live processes whose parent is ``pid`` (from /proc: no ps, no psutil)."""
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone while we looked
        state, parent = fields[0], int(fields[1])
        if parent == pid and state != "Z":
            children.add(int(stat.parent.name))
    return children


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _thread_names(pid: int) -> list[str]:
    tasks = (Path("/proc") / str(pid) / "task").iterdir()
    return [(task / "comm").read_text().strip() for task in tasks]


def _postgres_connections(pid: int) -> int:
    """TCP sockets of ``pid`` connected to port 5432 (its fds matched against /proc/net/tcp)."""
    inodes = set()
    for fd in (Path("/proc") / str(pid) / "fd").iterdir():
        with suppress(OSError):
            if (target := os.readlink(fd)).startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
    count = 0
    for table in ("tcp", "tcp6"):
        for line in (Path("/proc") / str(pid) / "net" / table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[2].endswith(":1538") and fields[9] in inodes:  # 0x1538 = 5432
                count += 1
    return count


def _serving_pids(log: str) -> set[int]:
    """The worker pids gunicorn's access log names (the format ends with ``<pid>``)."""
    return {int(pid) for pid in re.findall(r'^\S+ .*" \S+s <(\d+)>$', log, re.MULTILINE)}


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    with postgres_database("leadflow_serve_test") as url:
        yield url


@pytest.fixture(scope="module")
def server(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("serve-production")
    # No LEADFLOW_PRODUCTION: --production turns it on.
    env = production_env(database, home / "data")
    port = free_port()
    log = home / "server.log"
    with log.open("wb") as out:
        # In its own directory, so no .env file of the working copy is read.
        process = subprocess.Popen(
            [*LEADFLOW, "serve", "--production", "--workers", str(WORKERS), "--port", str(port)],
            env=env,
            cwd=home,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    served = Server(f"http://127.0.0.1:{port}", process, log, home / "data" / "static")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if served.get("/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, "leadflow serve exited early:\n" + served.output()
            time.sleep(0.25)
        else:
            pytest.fail("leadflow serve --production never answered:\n" + served.output())
        yield served
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_several_worker_processes_serve_requests(server: Server) -> None:
    workers = _children(server.process.pid)
    assert len(workers) == WORKERS, server.output()

    def probe(n: int) -> int:
        # A new connection each: the kernel hands it to whichever worker accepts first.
        return server.get(f"/healthz?probe={n}").status_code

    deadline = time.monotonic() + 15
    with ThreadPoolExecutor(max_workers=16) as pool:
        while len(_serving_pids(server.output())) < WORKERS and time.monotonic() < deadline:
            assert set(pool.map(probe, range(32))) == {200}
    assert _serving_pids(server.output()) == workers, server.output()


def test_the_arbiter_forks_workers_without_a_database_connection_or_a_thread_pool(
    server: Server,
) -> None:
    """Migrations and collectstatic ran in a child of their own: a connection or a polars
    thread pool in the arbiter would be inherited, broken, by every worker it forks."""
    assert _postgres_connections(server.process.pid) == 0
    # Importing polars starts a few helper threads; its pool ("polars-0"...) starts at the
    # first computation.
    pool = [name for name in _thread_names(server.process.pid) if re.match(r"polars-\d", name)]
    assert pool == []


FORK_AFTER_PREPARING = """
import os, signal
import polars as pl
from leadflow.server import in_a_child_process

def compute():
    return pl.DataFrame({"a": range(100_000)}).group_by(pl.col("a") % 7).agg(pl.len()).height

in_a_child_process(compute)
worker = os.fork()
if worker == 0:
    signal.alarm(10)  # a worker forked after polars computed in its parent waits forever
    os._exit(0 if compute() == 7 else 1)
print("worker", os.waitstatus_to_exitcode(os.waitpid(worker, 0)[1]))
try:
    in_a_child_process(lambda: 1 / 0)
except SystemExit as stop:
    print("failed work", stop.code)
"""


def test_a_worker_forked_after_the_preparing_work_can_still_compute_with_polars() -> None:
    done = subprocess.run(
        [sys.executable, "-c", FORK_AFTER_PREPARING], capture_output=True, text=True, timeout=60
    )
    assert "worker 0\nfailed work 1\n" in done.stdout, done.stdout + done.stderr
    assert "ZeroDivisionError" in done.stderr


def test_pages_are_served_with_debug_off_and_plain_http_is_sent_to_https(server: Server) -> None:
    login = server.get("/login/")
    assert login.status_code == 200
    assert 'name="password"' in login.text
    assert "max-age=31536000" in login.headers["Strict-Transport-Security"]

    missing = server.get("/no-such-page/")
    assert missing.status_code == 404
    assert "The requested resource was not found on this server." in missing.text
    assert "URLconf" not in missing.text  # Django's debug 404 lists the URL patterns

    plain = httpx.get(server.url + "/login/", timeout=10)
    assert plain.status_code == 301
    assert plain.headers["Location"] == server.url.replace("http:", "https:") + "/login/"


@pytest.mark.parametrize("page", ["/login/", "/admin/login/", "/api/v1/docs"])
def test_every_static_file_a_page_names_loads_hashed_and_cached_for_good(
    server: Server, page: str
) -> None:
    response = server.get(page)
    assert response.status_code == 200
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', response.text)
    assert assets, f"{page} names no static file"
    for asset in assets:
        served = server.get(asset)
        assert served.status_code == 200, asset
        assert "immutable" in served.headers["Cache-Control"], asset


def test_the_templates_static_files_are_all_collected(server: Server) -> None:
    """The manifest storage refuses a name it did not collect: a template naming a file that
    is not there would be a 500 in production only."""
    manifest = json.loads((server.static_root / "staticfiles.json").read_text())["paths"]
    named = {
        name
        for template in TEMPLATES.rglob("*.html")
        for name in re.findall(r"{% static '([^']+)' %}", template.read_text())
    }
    assert VEGA in named
    assert named - manifest.keys() == set()


def test_the_vega_bundle_is_served_gzipped_with_a_long_cache_header(server: Server) -> None:
    hashed = json.loads((server.static_root / "staticfiles.json").read_text())["paths"][VEGA]
    response = server.get(f"/static/{hashed}", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    cache = response.headers["Cache-Control"]
    assert "immutable" in cache
    assert int(re.search(r"max-age=(\d+)", cache)[1]) >= A_YEAR  # type: ignore[index]
    source = Path(leadflow.__file__).parent / "web" / "static" / VEGA
    assert response.content == source.read_bytes()  # httpx undoes the gzip


def test_the_api_answers_with_its_openapi_document(server: Server) -> None:
    response = server.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "leadflow"


# Last: it stops the module's server.
def test_sigterm_stops_the_server_and_its_workers_within_seconds(server: Server) -> None:
    workers = _children(server.process.pid)
    assert workers
    started = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=15) == 0, server.output()
    assert time.monotonic() - started < 10
    assert not any(_alive(pid) for pid in workers)
    assert "Shutting down: Master" in server.output()
