"""The upload page with a worker (issue 9): the run is a job queued in the database, the
file travels in the database too, and the report page follows the job until it is done."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tasks_db.management.commands import db_worker as worker_command
from django_tasks_db.models import DBTaskResult
from pytest_django.fixtures import Settings

from leadflow.crm.models import IntakeUpload, Person
from leadflow.crm.services.playbook import seed_defaults
from leadflow.domain.people import Role
from leadflow.intake import upload_job
from leadflow.intake.run import run_intake
from leadflow.workers import Heartbeat, beat
from tests.http.pages import text_of
from tests.http.uploading import HEADER, confirm, counts_on, csv_file, member, person_row, upload

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def web_disk(settings: Settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "web")
    return tmp_path / "web"


@pytest.fixture
def marketer(
    client: Client, db: None, settings: Settings, monkeypatch: pytest.MonkeyPatch, web_disk: Path
) -> Client:
    seed_defaults()
    settings.TASKS = DATABASE_QUEUE
    # The worker drops stale connections between jobs; inside a test that would drop the
    # test's own transaction (PostgreSQL). Django's test client keeps it the same way.
    monkeypatch.setattr(worker_command, "close_old_connections", lambda: None)
    client.force_login(member("mia", Role.MARKETING))
    return client


def work(settings: Settings, tmp_path: Path) -> None:
    """`leadflow worker` on a machine of its own: the database is all it shares."""
    settings.MEDIA_ROOT = str(tmp_path / "worker")
    call_command("db_worker", batch=True, interval=0.01, verbosity=0)


def job_state(client: Client, report_url: str) -> str:
    return text_of(client.get(report_url).content.decode())


def test_a_confirmed_upload_is_queued_and_the_worker_imports_it(
    marketer: Client, settings: Settings, tmp_path: Path
) -> None:
    _, preview_url = upload(marketer, csv_file([person_row(1), person_row(2)]))
    report_url = confirm(marketer, preview_url, {2: "email"})
    assert report_url.endswith("/report/")
    assert not Person.objects.exists()  # nothing is written until the job runs
    job = DBTaskResult.objects.get()
    assert (job.status, job.task_path) == ("READY", "leadflow.intake.upload_job.run_upload")
    assert IntakeUpload.objects.get().job_id == str(job.pk)
    page = marketer.get(report_url).content.decode()
    assert "Queued: waiting for a worker" in text_of(page)
    assert 'hx-trigger="every 2s"' in page  # the page follows the job
    status_url = report_url.replace("/report/", "/status/")
    assert "Queued" in text_of(marketer.get(status_url).content.decode())

    work(settings, tmp_path)

    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert Person.objects.count() == 2
    assert marketer.get(status_url)["HX-Refresh"] == "true"  # the poll reloads the page
    page = marketer.get(report_url).content.decode()
    assert counts_on(page) == {
        "created": 2,
        "merged": 0,
        "blocked": 0,
        "spam": 0,
        "error": 0,
        "total": 2,
    }
    assert "hx-trigger" not in page


def test_the_file_travels_in_the_database_so_a_worker_with_another_disk_can_run_it(
    marketer: Client, settings: Settings, tmp_path: Path, web_disk: Path
) -> None:
    data = csv_file([person_row(1)])
    _, preview_url = upload(marketer, data)
    stored = IntakeUpload.objects.get()
    assert stored.data is not None
    assert bytes(stored.data) == data
    confirm(marketer, preview_url, {2: "email"})
    assert not web_disk.exists() or not list(web_disk.rglob("*"))
    work(settings, tmp_path)  # its MEDIA_ROOT is not the web's
    assert Person.objects.get().email_normalized == "dana1@owensreyes.com"
    stored.refresh_from_db()
    assert (stored.status, stored.data) == ("done", None)


# Committed as it goes: the job reports its stages on a connection of its own (jobs.py),
# which would wait forever behind a test transaction holding the job's progress row.
@pytest.mark.django_db(transaction=True)
def test_the_report_page_says_a_running_import_is_running_and_how_far_it_has_got(
    marketer: Client, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, preview_url = upload(marketer, csv_file([person_row(1), person_row(2)]))
    report_url = confirm(marketer, preview_url, {2: "email"})
    seen: list[str] = []

    def looked_at_while_running(*args: Any, **kwargs: Any) -> Any:
        seen.append(job_state(marketer, report_url))
        seen.append(str(marketer.get(preview_url)["Location"]))
        return run_intake(*args, **kwargs)

    monkeypatch.setattr(upload_job, "run_intake", looked_at_while_running)
    work(settings, tmp_path)
    page, preview_went_to = seen
    assert "Running since" in page
    assert "2 rows in expo.csv: read" in page
    assert preview_went_to == report_url  # no second run while this one goes on
    assert Person.objects.count() == 2


def test_posting_the_preview_twice_queues_one_run(marketer: Client) -> None:
    _, preview_url = upload(marketer, csv_file([person_row(1)]))
    page = marketer.get(preview_url).content.decode()
    columns = re.findall(r'<select name="(column_\d+)"', page)
    form = {**dict.fromkeys(columns, "ignore"), "column_2": "email", "mode": "skip-bad"}
    assert marketer.post(preview_url, form).status_code == 302
    assert marketer.post(preview_url, form).status_code == 302
    assert DBTaskResult.objects.count() == 1


def test_with_a_worker_a_refused_file_shows_its_reason_on_the_report_page(
    marketer: Client, settings: Settings, tmp_path: Path
) -> None:
    _, preview_url = upload(marketer, csv_file([person_row(1)]))
    ignored = {f"column_{i}": "ignore" for i in range(len(HEADER))}
    response = marketer.post(preview_url, {**ignored, "column_0": "first_name", "mode": "skip-bad"})
    assert response.status_code == 302
    work(settings, tmp_path)
    page = job_state(marketer, response["Location"])
    assert "no email, phone or id column" in page
    assert "Back to the preview" in page
    assert IntakeUpload.objects.get().data is not None  # kept, to be run again
    confirm(marketer, preview_url, {2: "email"})
    work(settings, tmp_path)
    assert Person.objects.count() == 1


def test_a_run_whose_job_died_wrote_nothing_and_can_be_run_again(
    marketer: Client, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, preview_url = upload(marketer, csv_file([person_row(1), person_row(2)]))
    report_url = confirm(marketer, preview_url, {2: "email"})

    def dies_after_writing(*args: Any, **kwargs: Any) -> Any:
        run_intake(*args, **kwargs)
        raise SystemExit(1)  # the worker stopped by force: not even the row hears of it

    with monkeypatch.context() as patched:
        patched.setattr(upload_job, "run_intake", dies_after_writing)
        work(settings, tmp_path)
    assert DBTaskResult.objects.get().status == "FAILED"
    assert IntakeUpload.objects.get().status == "running"
    assert not Person.objects.exists()  # the run's transaction rolled back
    page = job_state(marketer, report_url)
    assert "Interrupted" in page
    assert "Run it again" in page
    assert "has not finished" in text_of(marketer.get(preview_url).content.decode())
    confirm(marketer, preview_url, {2: "email"})
    work(settings, tmp_path)
    assert Person.objects.count() == 2
    assert counts_on(marketer.get(report_url).content.decode())["created"] == 2


def test_a_job_retried_after_its_upload_ran_again_does_nothing(
    marketer: Client, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, preview_url = upload(marketer, csv_file([person_row(1)]))
    confirm(marketer, preview_url, {2: "email"})

    def fails(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the disk is full")

    with monkeypatch.context() as patched:
        patched.setattr(upload_job, "run_intake", fails)
        work(settings, tmp_path)
    failed = DBTaskResult.objects.get()
    stored = IntakeUpload.objects.get()
    assert (stored.status, stored.reason) == ("failed", "RuntimeError: the disk is full")
    assert "The import stopped on an error" in job_state(marketer, preview_url + "report/")
    confirm(marketer, preview_url, {2: "email"})  # the uploader runs it again
    work(settings, tmp_path)
    assert Person.objects.count() == 1
    failed.task.enqueue(*failed.args_kwargs["args"], **failed.args_kwargs["kwargs"])
    work(settings, tmp_path)  # as the jobs page's retry would
    assert Person.objects.count() == 1
    retried = DBTaskResult.objects.order_by("-enqueued_at").first()
    assert retried is not None
    assert "not waiting to run" in str(retried.return_value)


def test_an_upload_whose_worker_was_killed_is_failed_by_the_next_and_runs_again_on_retry(
    marketer: Client, settings: Settings, tmp_path: Path
) -> None:
    _, preview_url = upload(marketer, csv_file([person_row(1), person_row(2)]))
    report_url = confirm(marketer, preview_url, {2: "email"})
    job = DBTaskResult.objects.get()
    # What a worker does on taking the job, before it is killed with SIGKILL mid-import.
    job.claim("killed-worker")
    IntakeUpload.objects.update(status="running", job_id=str(job.pk), started_at=timezone.now())
    beat("killed-worker", now=timezone.now() - timedelta(minutes=10))
    assert "Running since" in job_state(marketer, report_url)

    next_worker = Heartbeat(every=3600, lost_after=timedelta(minutes=2))
    next_worker.start()  # sweeps as it starts
    next_worker.stop()

    failed = DBTaskResult.objects.get()
    assert failed.status == "FAILED"
    stored = IntakeUpload.objects.get()
    assert stored.status == "failed"
    assert stored.reason.startswith("WorkerLost: the worker running this job (killed-worker")
    assert "The import stopped on an error" in job_state(marketer, report_url)
    failed.task.enqueue(*failed.args_kwargs["args"], **failed.args_kwargs["kwargs"])
    work(settings, tmp_path)  # as the jobs page's retry would
    assert Person.objects.count() == 2
    assert counts_on(marketer.get(report_url).content.decode())["created"] == 2
