"""An uploaded list between its preview and its run, and the run's report afterwards:
an IntakeUpload row (crm/models/uploads.py), the file's bytes included.

Why the database and not a file under MEDIA_ROOT: the run is a job, and with
LEADFLOW_TASKS_BACKEND=database a worker on another machine runs it; the database is what
every machine shares. Why looked up by uploader: a guessed or leaked token opens nothing
for anyone else, and the uploader may follow a long run from another browser.

Clean-up: the bytes are dropped once a run has written; a run that wrote nothing keeps
them so the user can fix the mapping and run again. Uploads older than ``MAX_AGE``
(abandoned previews, old reports), and a user's beyond their ``MAX_PER_USER`` latest, are
deleted at every new upload, in one DELETE.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from leadflow.crm.models import IntakeUpload, JobProgress, UploadStatus
from leadflow.intake.options import Mode
from leadflow.intake.upload_job import PENDING, run_upload
from leadflow.jobs import jobs_wait_for_a_worker

MAX_AGE = timedelta(hours=24)
MAX_PER_USER = 10
_HEAVY = ("data", "report_csv")  # read only by the pages that show them


def new_upload(
    user: User,
    data: bytes,
    *,
    filename: str,
    campaign: str,
    source: str,
    kind: str,
    mode: str,
    sheet: str,
) -> IntakeUpload:
    """Keep the file and what was chosen with it, under a fresh random token."""
    sweep(user=user)
    return IntakeUpload.objects.create(
        uploaded_by=user,
        data=data,
        filename=filename,
        campaign=campaign,
        source=source,
        kind=kind,
        mode=mode,
        sheet=sheet,
    )


def find_upload(user: User | None, token: str) -> IntakeUpload | None:
    """This user's upload with that token, without its bytes and report; None for anyone
    else's, or one older than a day (swept or about to be)."""
    if user is None:
        return None
    return (
        IntakeUpload.objects.defer(*_HEAVY)
        .filter(token=token, uploaded_by=user, created_at__gte=timezone.now() - MAX_AGE)
        .first()
    )


def upload_bytes(upload: IntakeUpload) -> bytes | None:
    """The file, or None once a run has written it."""
    data = IntakeUpload.objects.filter(pk=upload.pk).values_list("data", flat=True).first()
    return None if data is None else bytes(data)


def keeps_file(upload: IntakeUpload) -> bool:
    return IntakeUpload.objects.filter(pk=upload.pk, data__isnull=False).exists()


def sweep(now: datetime | None = None, *, user: User | None = None) -> int:
    """Delete every upload older than MAX_AGE, whoever uploaded it, and ``user``'s finished
    ones beyond their MAX_PER_USER - 1 latest (room for the one being uploaded): one
    DELETE. How many went."""
    old = Q(created_at__lt=(now or timezone.now()) - MAX_AGE)
    if user is not None:
        latest = IntakeUpload.objects.filter(uploaded_by=user).order_by("-created_at", "-pk")
        old |= (
            Q(uploaded_by=user)
            & ~Q(status__in=PENDING)
            & ~Q(pk__in=latest.values("pk")[: MAX_PER_USER - 1])
        )
    return IntakeUpload.objects.filter(old).delete()[0]


def queue_run(
    upload: IntakeUpload, *, mapping: dict[str, str], mode: Mode, save_mapping: bool
) -> bool:
    """Ask for the upload's run as a job. False when its state changed since the page
    read it (another tab ran it meanwhile): nothing is asked for then.

    On the embedded default the job runs here, before this returns. With a worker the
    row says "queued" and holds the job's id in the transaction that queues the job, so
    a worker never sees a job whose upload does not say so.
    """
    ask = partial(
        run_upload.enqueue,
        upload_id=upload.pk,
        mapping=mapping,
        mode=mode.value,
        save_mapping=save_mapping,
    )
    with transaction.atomic():
        claimed = IntakeUpload.objects.filter(
            pk=upload.pk, status=upload.status, job_id=upload.job_id
        ).update(
            status=UploadStatus.QUEUED.value,
            mapping=mapping,
            mode=mode.value,
            job_id="",
            reason="",
            summary=None,
            report_csv="",
            started_at=None,
            finished_at=None,
        )
        if not claimed:
            return False
        if jobs_wait_for_a_worker():
            job = ask()
            IntakeUpload.objects.filter(pk=upload.pk).update(job_id=str(job.id))
            return True
    job = ask()  # runs now, in its own transactions
    if job.status == TaskResultStatus.FAILED:
        # It stopped where it could not even say so on the row (the database went away
        # under it, say): the job has ended, so the run has.
        IntakeUpload.objects.filter(pk=upload.pk, status__in=PENDING).update(
            status=UploadStatus.FAILED.value,
            reason="the import stopped before it could record why: nothing was written",
            finished_at=timezone.now(),
        )
    return True


@dataclass(frozen=True)
class RunState:
    """Where a queued or running upload's job is, as its report page says it."""

    waits_for_worker: bool  # False: the job runs in the web process that asked for it
    job_status: str  # django-tasks-db's (READY, RUNNING...), "" when it cannot be known
    progress: str  # the job's own account of how far it has got, if it gave one
    ended: bool  # the job is over and the run did not finish: nothing was written

    @property
    def may_run_again(self) -> bool:
        """With a worker, once its job has ended; without one the page cannot tell a run
        under way in another request from one whose process was stopped, so it offers
        and says so."""
        return self.ended or not self.waits_for_worker


def run_state(upload: IntakeUpload) -> RunState:
    """For an upload that is queued or running."""
    if not jobs_wait_for_a_worker():
        return RunState(waits_for_worker=False, job_status="", progress="", ended=False)
    job = _job(upload.job_id)
    if job is None:  # pruned from django-tasks-db's table, or never queued there
        return RunState(waits_for_worker=True, job_status="", progress="", ended=True)
    ended = job.status in (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED)
    told = JobProgress.objects.filter(job_id=upload.job_id).first()
    shown = _progress(told) if told and job.status == TaskResultStatus.RUNNING else ""
    return RunState(waits_for_worker=True, job_status=job.status, progress=shown, ended=ended)


def _job(job_id: str) -> DBTaskResult[..., object] | None:
    if not job_id:
        return None
    try:
        return DBTaskResult.objects.filter(pk=job_id).first()
    except ValidationError:  # not a UUID: an id from the immediate backend
        return None


def _progress(progress: JobProgress) -> str:
    done = f"{progress.done:,} of {progress.total:,}" if progress.total else f"{progress.done:,}"
    return f"{done} {progress.note} (at {timezone.localtime(progress.updated_at):%H:%M:%S})"
