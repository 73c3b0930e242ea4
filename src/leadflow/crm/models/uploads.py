from __future__ import annotations

import secrets
from enum import StrEnum

from django.contrib.auth.models import User
from django.db import models
from django.utils import timezone

from leadflow.crm.models.choices import choices, one_of

_TOKEN_BYTES = 24


def new_upload_token() -> str:
    """Random and URL-safe: the upload's pages are addressed by it, and a token says
    nothing about another one."""
    return secrets.token_urlsafe(_TOKEN_BYTES)


class UploadStatus(StrEnum):
    UPLOADED = "uploaded"  # read once and previewed; nothing asked for yet
    QUEUED = "queued"  # its run is a job waiting to start
    RUNNING = "running"
    DONE = "done"  # ran: the summary says whether anything was written
    REFUSED = "refused"  # the pipeline refused the whole file: `reason` says why
    FAILED = "failed"  # the job stopped on an error: nothing was written


class IntakeUpload(models.Model):
    """A list uploaded on the upload page, from its preview to its run's report
    (web/intake/upload.py); the run is a job (intake/upload_job.py).

    The file's bytes are kept here, not in a file under MEDIA_ROOT: with
    LEADFLOW_TASKS_BACKEND=database the run is taken by a `leadflow worker`, perhaps on
    another machine, and the database is the one thing every machine shares (a web
    machine's disk is not). A list is at most 50 MB (forms.MAX_UPLOAD_BYTES); the pages
    that look an upload up leave `data` and `report_csv` unread unless they show them.

    Only the uploader may open it (`uploaded_by`): a guessed or leaked token opens
    nothing for anyone else. The bytes are dropped once a run has written; a run that
    wrote nothing (refused, errors in all-or-nothing mode, failed) keeps them, so the
    uploader can change the mapping or the mode and run it again. Uploads older than a
    day are deleted (web/intake/store.py).
    """

    token = models.CharField(max_length=64, unique=True, default=new_upload_token)
    uploaded_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(max_length=255)
    campaign = models.CharField(max_length=200)
    source = models.CharField(max_length=100)
    kind = models.CharField(max_length=20)  # intake.options.ListKind
    mode = models.CharField(max_length=20)  # intake.options.Mode, the last one chosen
    sheet = models.CharField(max_length=100, blank=True)
    # Header → field or "ignore": the last run's choice, offered again on the preview.
    mapping = models.JSONField(default=dict, blank=True)
    data = models.BinaryField(null=True, editable=False)  # None once a run has written
    status = models.CharField(
        max_length=10, choices=choices(UploadStatus), default=UploadStatus.UPLOADED.value
    )
    job_id = models.CharField(max_length=64, blank=True)  # the task's id (django-tasks)
    reason = models.TextField(blank=True)  # why it was refused, or the error that stopped it
    summary = models.JSONField(null=True, blank=True)  # upload_job.RunSummary, once done
    report_csv = models.TextField(blank=True)  # row, outcome, detail: one line per row
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)  # of the latest run
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [one_of("status", UploadStatus, name="intake_upload_status_known")]

    def __str__(self) -> str:
        return f"upload {self.filename} ({self.status})"
