"""A worker that stops without finishing its job (kill -9, a lost machine): its job is
marked failed with the reason, to be retried, by the workers still beating (issue 9)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult
from pytest_django.fixtures import Settings

from leadflow.crm.models import WorkerBeat
from leadflow.domain.people import Role
from leadflow.workers import LOST, Heartbeat, beat, fail_lost_jobs
from tests.api.conftest import user_with

pytestmark = pytest.mark.django_db

LOST_AFTER = timedelta(minutes=2)


@task()
def long_job(n: int) -> int:
    return n


@pytest.fixture
def queue(settings: Settings) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def running(worker_id: str, n: int = 1) -> DBTaskResult[..., object]:
    """A job a worker has taken and not finished."""
    job = DBTaskResult.objects.get(pk=long_job.enqueue(n).id)
    job.claim(worker_id)
    return job


def heard_from(worker_id: str, ago: timedelta) -> None:
    beat(worker_id, now=timezone.now() - ago)


def status(job: DBTaskResult[..., object]) -> str:
    return str(DBTaskResult.objects.get(pk=job.pk).status)


def test_a_job_of_a_worker_not_heard_from_is_failed_saying_why(queue: None) -> None:
    job = running("gone-1")
    heard_from("gone-1", LOST_AFTER + timedelta(seconds=1))
    assert fail_lost_jobs(lost_after=LOST_AFTER) == [str(job.pk)]
    failed = DBTaskResult.objects.get(pk=job.pk)
    assert failed.status == "FAILED"
    assert failed.exception_class_path == LOST
    assert failed.finished_at is not None
    assert "stopped without finishing it" in failed.traceback
    assert "gone-1" in failed.traceback
    assert "Nothing it was writing was kept: retry the job." in failed.traceback


def test_a_job_of_a_worker_that_beats_is_left_running(queue: None) -> None:
    job = running("alive-1")
    heard_from("alive-1", LOST_AFTER - timedelta(seconds=5))
    assert fail_lost_jobs(lost_after=LOST_AFTER) == []
    assert status(job) == "RUNNING"


def test_a_worker_never_fails_its_own_job(queue: None) -> None:
    job = running("me")
    heard_from("me", LOST_AFTER * 10)  # its beats could not be written for a while
    assert fail_lost_jobs(lost_after=LOST_AFTER, alive="me") == []
    assert status(job) == "RUNNING"


def test_a_job_taken_by_a_worker_that_never_beats_is_not_judged(queue: None) -> None:
    job = running("bare-db-worker")
    heard_from("someone-else", LOST_AFTER * 10)
    assert fail_lost_jobs(lost_after=LOST_AFTER) == []
    assert status(job) == "RUNNING"


def test_only_running_jobs_are_failed(queue: None) -> None:
    done = running("gone-2")
    done.set_successful(1)
    heard_from("gone-2", LOST_AFTER * 2)
    assert fail_lost_jobs(lost_after=LOST_AFTER) == []
    assert status(done) == "SUCCESSFUL"


def test_a_job_retaken_by_a_live_worker_is_judged_by_that_one(queue: None) -> None:
    job = running("gone-3")
    job.claim("alive-3")  # retaken: the last worker named is the one running it
    heard_from("gone-3", LOST_AFTER * 2)
    heard_from("alive-3", timedelta(seconds=1))
    assert fail_lost_jobs(lost_after=LOST_AFTER) == []
    assert status(job) == "RUNNING"


def test_the_heartbeat_beats_at_start_and_forgets_itself_when_stopped(queue: None) -> None:
    job = running("gone-4")
    heard_from("gone-4", timedelta(hours=1))
    heart = Heartbeat(every=3600, lost_after=LOST_AFTER)
    heart.start()
    try:
        mine = WorkerBeat.objects.get(worker_id=heart.worker_id)
        assert timezone.now() - mine.seen_at < timedelta(minutes=1)
        assert status(job) == "FAILED"  # swept as the worker started
    finally:
        heart.stop()
    assert not WorkerBeat.objects.filter(worker_id=heart.worker_id).exists()


def test_a_lost_job_is_shown_failed_with_its_reason_and_can_be_retried(
    queue: None, client: Client
) -> None:
    job = running("gone-5", n=7)
    heard_from("gone-5", LOST_AFTER * 2)
    fail_lost_jobs(lost_after=LOST_AFTER)
    client.force_login(user_with(Role.OWNER))
    page = client.get("/jobs/").content.decode()
    assert "WorkerLost: the worker running this job (gone-5" in page
    assert client.post(f"/jobs/{job.pk}/retry/").status_code == 302
    again = DBTaskResult.objects.exclude(pk=job.pk).get()
    assert (again.status, again.args_kwargs) == ("READY", job.args_kwargs)
