"""More than one machine (issue 9): two web processes and a worker on one PostgreSQL, as
docs/production.md deploys them, under concurrent webhook traffic.

Their work must never collide: every call is taken in exactly once whichever process got
it, a request replayed to the *other* process is still a replay, the same new person sent
to both at once is one person, and the worker's batches are each written once. A short,
bounded load from this process (threads on loopback); bench/load_bench.py measures speed.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.e2e.servers import HTTPS, Process, postgres_database, production_env, serve, start
from tests.e2e.servers import signed_webhook as signed

SECRET = secrets.token_hex(16)
CALLS = 120
REDIS = "redis://127.0.0.1:6379/15"  # a database of Redis's 16 this test empties first
FORM_LIMIT = 6


@dataclass
class Deployment:
    database: str
    web: list[Process]
    worker: Process


def _query(url: str, sql: str) -> list[tuple[object, ...]]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        cursor = connection.execute(sql)
        return cursor.fetchall() if cursor.description else []


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    home = tmp_path_factory.mktemp("many")
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS).flushdb()
    except redis.ConnectionError as error:
        pytest.skip(f"Redis not reachable at {REDIS}: {error}")
    with postgres_database("leadflow_many") as url:
        env = production_env(
            url,
            home / "data",
            LEADFLOW_TASKS_BACKEND="database",
            # All of this traffic comes from one address, to one source.
            LEADFLOW_WEBHOOK_LIMIT_PER_IP="100000",
            LEADFLOW_WEBHOOK_LIMIT_PER_SOURCE="100000",
            # One cache for both processes: a limit counts their requests together.
            LEADFLOW_CACHE_URL=REDIS,
            LEADFLOW_FORM_LIMIT_PER_IP=str(FORM_LIMIT),
        )
        # Migrations once, before the processes start (docs/production.md).
        migrate = start(["migrate"], env, home, "migrate")
        assert migrate.process.wait(timeout=180) == 0, migrate.output()
        _query(
            url,
            "INSERT INTO crm_source (name, field_mapping, webhook_secret) "
            f"VALUES ('site', '{{}}', '{SECRET}')",
        )
        web = [serve(env, home / f"web{n}", name=f"web{n}", workers=1) for n in (1, 2)]
        worker = start(["worker", "--interval", "0.2"], env, home / "worker", "worker")
        try:
            yield Deployment(url, web, worker)
        finally:
            for process in (*web, worker):
                process.stop()


def _send(server: Process, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(
        f"{server.url}/intake/webhook/site", content=body, headers=headers, timeout=60
    )


def _wait_until_taken_in(deployment: Deployment, receipts: list[str]) -> list[dict[str, object]]:
    """Each receipt's outcome, asked of either web process, once none is queued."""
    deadline = time.monotonic() + 120
    while True:
        outcomes = [
            httpx.get(
                f"{deployment.web[n % 2].url}/intake/deliveries/{token}", headers=HTTPS
            ).json()
            for n, token in enumerate(receipts)
        ]
        if all(o["state"] != "queued" for o in outcomes):
            return outcomes
        assert time.monotonic() < deadline, deployment.worker.output()
        time.sleep(0.5)


def test_two_web_processes_and_a_worker_take_every_call_in_exactly_once(
    deployment: Deployment,
) -> None:
    people = [
        signed(SECRET, {"first_name": "Ana", "last_name": f"Many{n}", "email": f"m{n}@ana.example"})
        for n in range(CALLS)
    ]
    # The same new person, sent to both processes at once, by two senders.
    twins = [
        signed(SECRET, {"first_name": "Tess", "email": "twin@tess.example", "note": str(n)})
        for n in range(8)
    ]
    # Every 10th call is also replayed, byte for byte, to the other process.
    jobs = [(deployment.web[n % 2], body, headers) for n, (body, headers) in enumerate(people)]
    jobs += [(deployment.web[(n + 1) % 2], *people[n]) for n in range(0, CALLS, 10)]
    jobs += [(deployment.web[n % 2], body, headers) for n, (body, headers) in enumerate(twins)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda job: _send(*job), jobs))

    assert all(a.status_code in (202, 409) for a in answers), {a.status_code for a in answers}
    statuses = [a.status_code for a in answers]
    assert statuses.count(409) == CALLS // 10  # one of each pair, whichever came second
    receipts = [str(a.json()["delivery"]) for a in answers if a.status_code == 202]
    assert len(set(receipts)) == len(receipts) == CALLS + len(twins)
    outcomes = _wait_until_taken_in(deployment, receipts)
    assert {o["state"] for o in outcomes} == {"written"}

    stored = _query(
        deployment.database,
        "SELECT email_normalized, count(*) FROM crm_person GROUP BY email_normalized",
    )
    assert len(stored) == CALLS + 1
    assert {count for _, count in stored} == {1}
    # Both processes served calls, and the worker wrote them: no job failed.
    for process in deployment.web:
        assert "/intake/webhook/site" in process.output()
    jobs_done = _query(
        deployment.database,
        "SELECT status, count(*) FROM django_tasks_database_dbtaskresult GROUP BY 1",
    )
    statuses_of_jobs = {str(status) for status, _ in jobs_done}
    assert "FAILED" not in statuses_of_jobs, jobs_done
    assert statuses_of_jobs & {"RUNNING", "SUCCESSFUL"}  # a drain lingers a moment for more


def test_a_receipt_says_what_became_of_every_row(deployment: Deployment, tmp_path: Path) -> None:
    body, headers = signed(
        SECRET,
        [
            {"first_name": "Rae", "email": "rae@rae.example"},
            {"first_name": "Bad", "email": "not an email"},
        ],
    )
    answer = _send(deployment.web[0], body, headers)
    assert answer.status_code == 202
    assert answer.json()["status_url"].startswith("/intake/deliveries/")
    (outcome,) = _wait_until_taken_in(deployment, [answer.json()["delivery"]])
    # All-or-nothing per call: the bad row refuses the whole call, and says why.
    assert outcome["state"] == "refused"
    assert outcome["written"] is False
    assert any("row 2" in str(e) for e in outcome["errors"]), outcome  # type: ignore[attr-defined]
    assert (
        _query(deployment.database, "SELECT 1 FROM crm_person WHERE email = 'rae@rae.example'")
        == []
    )


def test_a_rate_limit_counts_the_requests_of_every_process_together(
    deployment: Deployment,
) -> None:
    """With LEADFLOW_CACHE_URL the counters are in Redis: a client alternating between the
    two processes gets the limit once, not once per process."""
    answers = [
        httpx.post(
            f"{deployment.web[n % 2].url}/intake/form/site?format=json",
            data={"first_name": "Lim", "email": f"limit{n}@lim.example"},
            headers=HTTPS,
        ).status_code
        for n in range(2 * FORM_LIMIT)
    ]
    assert answers[FORM_LIMIT:] == [429] * FORM_LIMIT, answers
    assert 429 not in answers[:FORM_LIMIT], answers


def _raw_leads(env: dict[str, str], home: Path) -> int:
    report = start(["report", "funnel", "--format", "json"], env, home, "report")
    assert report.process.wait(timeout=180) == 0, report.output()
    rows = json.loads(report.output()[report.output().index("{") :])["rows"]
    return int(next(row["reached"] for row in rows if row["stage"] == "Raw leads"))


def test_reports_read_from_the_read_replica_when_one_is_given(tmp_path: Path) -> None:
    """LEADFLOW_REPORTS_DATABASE_URL: the reports read there, everything else the primary.
    The "replica" here is a copy of the primary taken after the first import; the second
    import goes to the primary only, so which of the two a report read shows in its count."""
    people = tmp_path / "people.csv"
    with postgres_database("leadflow_primary") as primary:
        server, name = primary.rsplit("/", 1)
        replica = f"{server}/{name}_replica"
        env = production_env(primary, tmp_path / "data")
        try:
            for n, count in ((1, 7), (2, 5)):
                people.write_text(
                    "first_name,last_name,email\n"
                    + "".join(f"Rey,Replica{n}x{i},r{n}-{i}@rey.example\n" for i in range(count))
                )
                args = ["import", str(people), "--campaign", "c", "--source", "s"]
                done = start(args, env, tmp_path, f"import{n}")
                assert done.process.wait(timeout=180) == 0, done.output()
                if n == 1:
                    _query(f"{server}/postgres", f"CREATE DATABASE {name}_replica TEMPLATE {name}")
            assert _raw_leads(env, tmp_path) == 12
            assert _raw_leads(env | {"LEADFLOW_REPORTS_DATABASE_URL": replica}, tmp_path) == 7
        finally:
            _query(f"{server}/postgres", f"DROP DATABASE IF EXISTS {name}_replica WITH (FORCE)")
