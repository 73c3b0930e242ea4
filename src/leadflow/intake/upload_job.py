"""The upload page's import as a job (issue 9): the file the preview showed, with the
mapping and the mode the uploader chose, through the same pipeline as every door.

It runs where jobs run (jobs.py): on the embedded default inside the request that asks
for it, so the page shows the report at once as it always did; with
LEADFLOW_TASKS_BACKEND=database in a `leadflow worker`, perhaps on another machine. So it
reads the file from its IntakeUpload row and keeps the report there, never on a disk.

- All or nothing per run, as before: the pipeline writes in one transaction, and the
  row's record of the run (summary, report, the file dropped) commits in that same
  transaction. A job killed half-way leaves nothing written and the row "running"; the
  report page offers to run it again once the job is known to have ended.
- One run at a time per upload: the job claims its row (queued → running) in one
  UPDATE, so a second job for the same upload (a double post, a retry from the jobs page
  after the uploader ran it again) does nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.db import DatabaseError, transaction
from django.utils import timezone
from django_tasks import TaskContext, task

from leadflow.crm.models import IntakeUpload, UploadStatus
from leadflow.intake import mappings
from leadflow.intake.options import IntakeOptions, ListKind, Mode
from leadflow.intake.read import IntakeFileError, read_bytes
from leadflow.intake.report import IntakeReport
from leadflow.intake.run import run_intake
from leadflow.jobs import progress

logger = logging.getLogger(__name__)

# What a job may start from: queued by the upload page, or failed (a retry from the jobs
# page). Not "running": that one is another job's, or an interrupted one the uploader
# queues again from the preview.
CLAIMABLE = (UploadStatus.QUEUED.value, UploadStatus.FAILED.value)
PENDING = (UploadStatus.QUEUED.value, UploadStatus.RUNNING.value)
_REASON_CHARS = 500
_NAME_CHARS = 100  # of the file's name in a progress note (200 characters at most)

# Rows, what is being done with them, and whether inside the import's one transaction.
Progress = Callable[[int, str, bool], None]


@dataclass(frozen=True)
class RunSummary:
    """What the report page needs besides the per-row CSV."""

    written: bool
    reason: str
    warnings: list[str]
    counts: dict[str, int]
    read: int

    @classmethod
    def of(cls, report: IntakeReport) -> RunSummary:
        return cls(
            written=report.written,
            reason=report.reason,
            warnings=list(report.warnings),
            counts={o.value: n for o, n in report.counts.items()},
            read=report.read,
        )

    @classmethod
    def stored(cls, upload: IntakeUpload) -> RunSummary | None:
        return cls(**upload.summary) if isinstance(upload.summary, dict) else None

    def describe(self) -> str:
        counts = ", ".join(f"{n:,} {outcome}" for outcome, n in self.counts.items() if n)
        said = f"{self.read:,} rows: {counts or 'none'}"
        return f"{said}; {self.reason}" if self.reason else said


@task(takes_context=True)
def run_upload(
    context: TaskContext, upload_id: int, mapping: dict[str, str], mode: str, save_mapping: bool
) -> str:
    """Import the upload's file; the outcome is on its row (and its report page)."""
    claimed = IntakeUpload.objects.filter(
        pk=upload_id, status__in=CLAIMABLE, data__isnull=False
    ).update(
        status=UploadStatus.RUNNING.value,
        job_id=str(context.task_result.id),
        started_at=timezone.now(),
        finished_at=None,
    )
    if not claimed:
        return f"upload {upload_id} was not waiting to run (run already, or deleted): nothing done"
    upload = IntakeUpload.objects.select_related("uploaded_by").get(pk=upload_id)

    def told(rows: int, doing: str, inside: bool) -> None:
        note = f"rows in {upload.filename[:_NAME_CHARS]}: {doing}"
        progress(context, rows, note=note, in_its_transaction=inside)

    try:
        return _run(upload, mapping=mapping, mode=Mode(mode), save=save_mapping, told=told)
    except Exception as error:
        logger.exception("intake upload %s: the run stopped", upload_id)
        _stopped(upload_id, error)
        raise  # the job fails too, with its traceback on the jobs page


def _run(
    upload: IntakeUpload, *, mapping: dict[str, str], mode: Mode, save: bool, told: Progress
) -> str:
    try:
        table = read_bytes(
            bytes(upload.data or b""), filename=upload.filename, sheet=upload.sheet or None
        )
        trimmed, overrides = mappings.apply_mapping(table, mapping)
        options = IntakeOptions(
            campaign=upload.campaign,
            source=upload.source,
            kind=ListKind(upload.kind),
            mode=mode,
            mapping=overrides,
        )
        rows = trimmed.frame.height
        told(rows, "read", False)
        with transaction.atomic():
            report = run_intake(
                trimmed, options, by=upload.uploaded_by, stage=lambda stage: told(rows, stage, True)
            )
            summary = RunSummary.of(report)
            _done(upload, report, summary, mapping=mapping, mode=mode)
            if save:
                mappings.save_mapping(upload.source, mapping)
    except IntakeFileError as error:
        _refused(upload, error.reason, mapping=mapping, mode=mode)
        return f"{upload.filename}: refused: {error.reason}"
    return f"{upload.filename}: {summary.describe()}"


def _done(
    upload: IntakeUpload,
    report: IntakeReport,
    summary: RunSummary,
    *,
    mapping: dict[str, str],
    mode: Mode,
) -> None:
    """The run's record, in the run's transaction; the file goes once something was
    written (a run that wrote nothing keeps it, to be run again)."""
    dropped: dict[str, Any] = {"data": None} if report.written else {}
    IntakeUpload.objects.filter(pk=upload.pk).update(
        status=UploadStatus.DONE.value,
        summary=asdict(summary),
        report_csv=report.csv_text(),
        reason="",
        mapping=mapping,
        mode=mode.value,
        finished_at=timezone.now(),
        **dropped,
    )


def _refused(upload: IntakeUpload, reason: str, *, mapping: dict[str, str], mode: Mode) -> None:
    IntakeUpload.objects.filter(pk=upload.pk).update(
        status=UploadStatus.REFUSED.value,
        reason=reason,
        mapping=mapping,
        mode=mode.value,
        finished_at=timezone.now(),
    )


def job_lost(job_id: str, reason: str, *, at: datetime) -> None:
    """Its worker stopped without a word (leadflow.workers): the run it held is over and
    wrote nothing, so the upload may run again."""
    IntakeUpload.objects.filter(job_id=job_id, status__in=PENDING).update(
        status=UploadStatus.FAILED.value, reason=reason[:_REASON_CHARS], finished_at=at
    )


def _stopped(upload_id: int, error: Exception) -> None:
    """Say on the row that the run stopped, if the database still answers; if it does
    not, the row stays "running" and the page goes by the job's own record."""
    reason = f"{type(error).__name__}: {error}"[:_REASON_CHARS]
    try:
        IntakeUpload.objects.filter(pk=upload_id, status__in=PENDING).update(
            status=UploadStatus.FAILED.value, reason=reason, finished_at=timezone.now()
        )
    except DatabaseError:
        logger.warning("intake upload %s: could not record that the run stopped", upload_id)
