"""Faults an operator meets (issue 9): the database going away under a running server, an
import killed half-way, a read-only database. Each must end in a clear answer and nothing
half-written, and work again once the fault is gone."""

from __future__ import annotations

import csv
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.e2e.servers import (
    HTTPS,
    Process,
    postgres_database,
    production_env,
    serve,
    signed_webhook,
    start,
)

SECRET = secrets.token_hex(16)
# Enough that the import is still writing when the test sees it start to (the kill must
# land mid-write); the test fails rather than pass vacuously if it ever finishes first.
ROWS = 12_000


def _admin() -> object:
    psycopg = pytest.importorskip("psycopg")
    return psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True)


def _query(url: str, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        cursor = connection.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def _add_source(url: str, name: str) -> None:
    _query(
        url,
        "INSERT INTO crm_source (name, field_mapping, webhook_secret) VALUES (%s, '{}', %s)",
        (name, SECRET),
    )


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    with postgres_database("leadflow_faults") as url:
        yield url


@pytest.fixture(scope="module")
def server(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Process]:
    home = tmp_path_factory.mktemp("faults")
    served = serve(production_env(database, home / "data"), home)
    _add_source(database, "site")
    try:
        yield served
    finally:
        served.stop()


def _post(server: Process, n: int) -> httpx.Response:
    record = {"first_name": "Dana", "last_name": f"Outage{n}", "email": f"outage-{n}@dana.example"}
    body, headers = signed_webhook(SECRET, record)
    return httpx.post(
        f"{server.url}/intake/webhook/site", content=body, headers=headers, timeout=30
    )


def test_the_database_going_away_is_a_503_with_retry_after_and_nothing_is_lost_after_retry(
    server: Process, database: str
) -> None:
    """PostgreSQL restarting, as each web process sees it: its connections are cut and new
    ones refused. Done to this test's database only (ALLOW_CONNECTIONS false and its
    backends terminated), so the other tests' databases keep running."""
    assert {_post(server, n).status_code for n in range(3)} == {201}
    name = database.rsplit("/", 1)[1]
    with _admin() as admin:  # type: ignore[attr-defined]
        admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        try:
            with ThreadPoolExecutor(max_workers=4) as pool:
                answers = list(pool.map(lambda n: _post(server, n), range(3, 15)))
            assert server.process.poll() is None, "the server died with its database"
            assert httpx.get(server.url + "/healthz", headers=HTTPS).status_code == 200
        finally:
            admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
    assert {a.status_code for a in answers} == {503}, [a.text for a in answers]
    for answer in answers:
        assert int(answer.headers["Retry-After"]) >= 1
        assert answer.json()["code"] == "database_unreachable"
        assert "try again" in answer.json()["message"]
    assert "Traceback" in server.output()  # logged for the operator, not shown to the client

    # The sender retries after Retry-After: everything arrives, once.
    retried = [_post(server, n) for n in range(3, 15)]
    assert {a.status_code for a in retried} == {201}, [a.text for a in retried]
    rows = _query(
        database,
        "SELECT email_normalized, count(*) FROM crm_person WHERE email_normalized LIKE "
        "'outage-%%' GROUP BY 1",
    )
    assert len(rows) == 15
    assert {count for _, count in rows} == {1}


def test_a_read_only_database_is_a_503_that_says_so_and_a_command_says_it_too(
    server: Process, database: str, tmp_path: Path
) -> None:
    name = database.rsplit("/", 1)[1]
    with _admin() as admin:  # type: ignore[attr-defined]
        admin.execute(f"ALTER DATABASE {name} SET default_transaction_read_only = on")
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        try:
            answers = [_post(server, n) for n in range(100, 103)]
            people = tmp_path / "people.csv"
            people.write_text("email,first_name\nro@example.com,Ro\n")
            env = production_env(database, tmp_path / "data")
            command = start(
                ["import", str(people), "--campaign", "c", "--source", "s"], env, tmp_path, "cli"
            )
            command.process.wait(timeout=120)
        finally:
            admin.execute(f"ALTER DATABASE {name} RESET default_transaction_read_only")
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
    assert {a.status_code for a in answers} == {503}
    assert {a.json()["code"] for a in answers} == {"database_read_only"}
    assert "read-only" in answers[-1].json()["message"]
    assert command.process.returncode == 3, command.output()
    assert "the database is read-only" in " ".join(command.output().split())
    assert "Traceback" not in command.output()
    assert _post(server, 104).status_code == 201  # and it takes writes again


def _people_file(path: Path, rows: int) -> None:
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["first_name", "last_name", "email", "company"])
        for n in range(rows):
            writer.writerow(["Kim", f"Killed{n}", f"killed-{n}@k{n % 500}.example", f"Co {n}"])


def _writing_people(url: str) -> bool:
    """Whether another session holds crm_person's write lock: the import is writing."""
    return bool(
        _query(
            url,
            "SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE c.relname = 'crm_person' AND l.mode = 'RowExclusiveLock' "
            "AND l.pid <> pg_backend_pid()",
        )
    )


def _wait_for(what: str, ready: Callable[[], bool], process: Process, seconds: float = 120) -> None:
    """Until `ready()`, so long as `process` runs and `seconds` have not passed."""
    deadline = time.monotonic() + seconds
    while not ready():
        assert process.process.poll() is None, process.output()
        assert time.monotonic() < deadline, f"{what} never happened:\n{process.output()}"
        time.sleep(0.05)


def test_an_import_killed_while_writing_leaves_nothing_and_runs_again_cleanly(
    tmp_path: Path,
) -> None:
    with postgres_database("leadflow_killed") as url:
        env = production_env(url, tmp_path / "data")
        migrate = start(["migrate"], env, tmp_path, "migrate")
        assert migrate.process.wait(timeout=180) == 0, migrate.output()
        people = tmp_path / "people.csv"
        _people_file(people, ROWS)
        args = ["import", str(people), "--campaign", "spring", "--source", "list"]
        killed = start(args, env, tmp_path, "killed")
        _wait_for("the import writing", lambda: _writing_people(url), killed, seconds=240)
        killed.stop(signal.SIGKILL)
        assert killed.process.returncode == -signal.SIGKILL

        def stored() -> int:
            (count,) = _query(url, "SELECT count(*) FROM crm_person")[0]
            return int(str(count))

        assert stored() == 0
        assert _query(url, "SELECT count(*) FROM crm_activity")[0][0] == 0

        again = start([*args, "--report", str(tmp_path / "report.csv")], env, tmp_path, "again")
        assert again.process.wait(timeout=600) == 0, again.output()
        with (tmp_path / "report.csv").open() as report:
            outcomes = [row["outcome"] for row in csv.DictReader(report)]
        # Every row is reported once, and every person created is stored once (a generated
        # name like "Killed1111" is a keyboard mash to the spam rules: dropped, not lost).
        assert len(outcomes) == ROWS
        assert outcomes.count("created") > ROWS * 0.95
        assert stored() == outcomes.count("created")
        duplicates = _query(
            url, "SELECT 1 FROM crm_person GROUP BY email_normalized HAVING count(*) > 1"
        )
        assert duplicates == []


def _django(env: dict[str, str], home: Path, code: str) -> str:
    """Run `code` in a process of its own with leadflow's settings; its output."""
    setup = "import django; django.setup()\n"
    done = subprocess.run(
        [sys.executable, "-c", setup + code],
        env={**env, "DJANGO_SETTINGS_MODULE": "leadflow.settings"},
        cwd=home,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip()


def _job(url: str, job_id: str) -> tuple[str, str]:
    ((status, traceback),) = _query(
        url, "SELECT status, traceback FROM django_tasks_database_dbtaskresult WHERE id = %s",
        (job_id,),
    )  # fmt: skip
    return str(status), str(traceback)


def test_a_worker_killed_during_an_import_leaves_nothing_and_the_retry_runs_cleanly(
    tmp_path: Path,
) -> None:
    """kill -9 a `leadflow worker` mid-import: nothing of the import is kept; the next
    worker marks the job failed, saying its worker was lost; a retry imports every row
    once."""
    with postgres_database("leadflow_killed_worker") as url:
        env = production_env(
            url,
            tmp_path / "data",
            LEADFLOW_TASKS_BACKEND="database",
            LEADFLOW_WORKER_BEAT_SECONDS="0.5",
            LEADFLOW_WORKER_LOST_AFTER_SECONDS="3",
        )
        migrate = start(["migrate"], env, tmp_path, "migrate")
        assert migrate.process.wait(timeout=180) == 0, migrate.output()
        people = tmp_path / "people.csv"
        _people_file(people, ROWS)
        job_id = _django(
            env,
            tmp_path,
            "from pathlib import Path\n"
            "from django.contrib.auth.models import User\n"
            "from leadflow.crm.models import IntakeUpload\n"
            "from leadflow.intake.options import Mode\n"
            "from leadflow.web.intake.store import new_upload, queue_run\n"
            "user = User.objects.create_user('mia')\n"
            f"data = Path({str(people)!r}).read_bytes()\n"
            "upload = new_upload(user, data, filename='people.csv', campaign='spring',\n"
            "    source='list', kind='responses', mode='skip-bad', sheet='')\n"
            "queue_run(upload, mapping={}, mode=Mode.SKIP_BAD, save_mapping=False)\n"
            "print(IntakeUpload.objects.get(pk=upload.pk).job_id)\n",
        )
        killed = start(["worker", "--interval", "0.1"], env, tmp_path, "killed-worker")
        _wait_for("the import writing", lambda: _writing_people(url), killed, seconds=240)
        killed.stop(signal.SIGKILL)
        assert killed.process.returncode == -signal.SIGKILL
        assert _query(url, "SELECT count(*) FROM crm_person")[0][0] == 0
        assert _job(url, job_id)[0] == "RUNNING"  # nobody has said otherwise yet

        worker = start(["worker", "--interval", "0.1"], env, tmp_path, "next-worker")
        try:
            _wait_for("the lost job failed", lambda: _job(url, job_id)[0] == "FAILED", worker)
            reason = _job(url, job_id)[1]
            assert "WorkerLost: the worker running this job" in reason
            assert "retry the job" in reason
            ((upload_status,),) = _query(url, "SELECT status FROM crm_intakeupload")
            assert upload_status == "failed"

            _django(
                env,
                tmp_path,
                "from django_tasks_db.models import DBTaskResult\n"
                f"failed = DBTaskResult.objects.get(pk={job_id!r})\n"
                "asked = failed.args_kwargs\n"
                "failed.task.enqueue(*asked['args'], **asked['kwargs'])\n",
            )  # as the jobs page's retry does

            def imported() -> bool:
                rows = _query(url, "SELECT status FROM crm_intakeupload")
                return rows == [("done",)]

            _wait_for("the retried import", imported, worker, seconds=300)
        finally:
            worker.stop()
        ((created, duplicated),) = _query(
            url,
            "SELECT count(*), count(*) - count(DISTINCT email_normalized) FROM crm_person",
        )
        assert int(str(created)) > ROWS * 0.95
        assert duplicated == 0
        ((summary,),) = _query(url, "SELECT summary FROM crm_intakeupload")
        assert summary["counts"]["created"] == created  # type: ignore[index]
