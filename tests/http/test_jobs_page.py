"""The jobs page (issue 9): queued jobs, how each ended, and a retry for a failed one."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.test import Client
from django_tasks import TaskContext, task
from django_tasks_db.management.commands import db_worker as worker_command
from django_tasks_db.models import DBTaskResult
from pytest_django.fixtures import Settings

from leadflow.crm.models import JobProgress, Person, Source
from leadflow.crm.services.playbook import seed_defaults
from leadflow.domain.people import Role
from leadflow.intake import inbox
from leadflow.jobs import ask_for_drain, progress
from tests.api.conftest import user_with

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@task()
def add_up(a: int, b: int) -> int:
    return a + b


@task()
def refuse_to_work(reason: str) -> None:
    raise RuntimeError(reason)


SEEN_WHILE_RUNNING: list[str] = []


@task(takes_context=True)
def halfway(context: TaskContext) -> None:
    """A job that says how far it has got, then looks at the jobs page as an owner would
    while it still runs."""
    progress(context, 1500, total=4000, note="rows written")
    owner = Client()
    owner.force_login(user_with(Role.OWNER, username="watching-owner"))
    SEEN_WHILE_RUNNING.append(owner.get("/jobs/").content.decode())


@pytest.fixture
def queue(settings: Settings, db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.TASKS = DATABASE_QUEUE
    # The worker drops stale connections between jobs; inside a test that would drop the
    # test's own transaction (PostgreSQL). Django's test client keeps it the same way.
    monkeypatch.setattr(worker_command, "close_old_connections", lambda: None)


def work() -> None:
    call_command("db_worker", batch=True, interval=0.01, verbosity=0)


def test_the_page_lists_each_job_with_how_it_ended(client: Client, queue: None) -> None:
    add_up.enqueue(2, 3)
    refuse_to_work.enqueue("the disk is full")
    work()
    client.force_login(user_with(Role.OWNER))
    page = client.get("/jobs/").content.decode()
    assert "add up" in page
    assert "successful" in page
    assert "refuse to work" in page
    assert "<td>RuntimeError: the disk is full</td>" in page
    assert page.count(">Retry</button>") == 1  # only the failed one


def test_a_running_job_shows_how_far_it_has_got(client: Client, queue: None) -> None:
    SEEN_WHILE_RUNNING.clear()
    halfway.enqueue()
    work()
    (while_running,) = SEEN_WHILE_RUNNING
    assert "running" in while_running
    assert "1,500 of 4,000 rows written" in while_running
    client.force_login(user_with(Role.OWNER))
    after = client.get("/jobs/").content.decode()
    assert "successful" in after
    assert "rows written" not in after  # the count is for a job still running


def test_the_webhook_drain_counts_the_calls_it_has_taken_in(queue: None) -> None:
    seed_defaults()
    site = Source.objects.create(name="site", webhook_secret="s" * 32)
    for n in range(3):
        records = inbox.records_for_intake(site, [{"email": f"p{n}@p.example"}])
        assert inbox.accept(site, records, f"sig-{n}") is not None
    ask_for_drain()
    ask_for_drain()  # a drain already waits: not a second one
    assert DBTaskResult.objects.count() == 1
    work()
    (job,) = DBTaskResult.objects.all()
    assert job.status == "SUCCESSFUL"
    assert JobProgress.objects.get(job_id=str(job.pk)).done == 3
    assert Person.objects.count() == 3


def test_a_failed_job_is_queued_again_with_its_arguments(client: Client, queue: None) -> None:
    refuse_to_work.enqueue("try later")
    work()
    failed = DBTaskResult.objects.get()
    client.force_login(user_with(Role.ADMIN))
    response = client.post(f"/jobs/{failed.pk}/retry/")
    assert response.status_code == 302
    again = DBTaskResult.objects.exclude(pk=failed.pk).get()
    assert again.status == "READY"
    assert again.args_kwargs == failed.args_kwargs
    assert DBTaskResult.objects.get(pk=failed.pk).status == "FAILED"  # the failure stays


def test_only_a_failed_job_can_be_retried(client: Client, queue: None) -> None:
    add_up.enqueue(1, 1)
    work()
    done = DBTaskResult.objects.get()
    client.force_login(user_with(Role.OWNER))
    assert client.post(f"/jobs/{done.pk}/retry/").status_code == 404
    assert DBTaskResult.objects.count() == 1


@pytest.mark.parametrize("role", [Role.MARKETING, Role.SETTER, Role.REP])
def test_only_owners_and_admins_see_the_jobs(client: Client, db: None, role: Role) -> None:
    client.force_login(user_with(role))
    assert client.get("/jobs/").status_code == 403


def test_without_a_queue_the_page_says_jobs_run_where_they_are_asked_for(
    client: Client, db: None
) -> None:
    client.force_login(user_with(Role.OWNER))
    page = client.get("/jobs/").content.decode()
    assert "LEADFLOW_TASKS_BACKEND=immediate" in page
    assert "No jobs yet." in page


SEEN_FROM_ANOTHER_CONNECTION: list[tuple[int, int | None, str]] = []


@task(takes_context=True)
def all_in_one_transaction(context: TaskContext) -> None:
    """A job whose work commits at once at the end (so a kill leaves nothing), looked at
    from another connection, as the jobs page in another process would, half-way."""
    with transaction.atomic():
        progress(context, 10, total=40, note="leads re-judged", in_its_transaction=True)
        other = connections.create_connection(DEFAULT_DB_ALIAS)
        try:
            with other.cursor() as cursor:
                cursor.execute(
                    "SELECT done, total, note FROM crm_jobprogress WHERE job_id = %s",
                    [str(context.task_result.id)],
                )
                SEEN_FROM_ANOTHER_CONNECTION.extend(cursor.fetchall())
        finally:
            other.close()


@pytest.mark.django_db(transaction=True)
def test_a_job_working_in_one_transaction_still_shows_its_progress_on_postgresql(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("on SQLite the job's transaction holds the only write lock: no progress")
    settings.TASKS = DATABASE_QUEUE
    monkeypatch.setattr(worker_command, "close_old_connections", lambda: None)
    SEEN_FROM_ANOTHER_CONNECTION.clear()
    all_in_one_transaction.enqueue()
    work()
    assert SEEN_FROM_ANOTHER_CONNECTION == [(10, 40, "leads re-judged")]
