"""The jobs page (issue 9): what was queued, what ran, how it ended, and a retry for a
job that failed. Owners and admins (they keep the system running); marketing sees the
exports it asked for on the exports page.

Jobs are listed from django-tasks-db's table, so the page has something to show only
when jobs are queued (LEADFLOW_TASKS_BACKEND=database); with jobs run where they are
asked for, it says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe
from django_tasks_db.models import DBTaskResult

from leadflow.crm.models import JobProgress
from leadflow.domain.people import Role
from leadflow.jobs import jobs_wait_for_a_worker
from leadflow.web.access import role_required

JOB_KEEPERS = frozenset({Role.OWNER, Role.ADMIN})
SHOWN = 100


@dataclass(frozen=True)
class JobLine:
    id: str
    name: str
    status: str
    enqueued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    took: timedelta | None
    outcome: str
    may_retry: bool
    progress: str = ""  # a running job's own account of how far it has got


def _line(result: DBTaskResult[..., object], progress: JobProgress | None = None) -> JobLine:
    took = None
    if result.started_at and result.finished_at:
        took = result.finished_at - result.started_at
    if result.status == "FAILED":
        # A traceback's last line names the exception and says what it said.
        last = (result.traceback or "").strip().splitlines()[-1:]
        outcome = last[0] if last else result.exception_class_path.rsplit(".", 1)[-1]
    elif result.status == "SUCCESSFUL":
        outcome = "" if result.return_value is None else str(result.return_value)
    else:
        outcome = ""
    return JobLine(
        id=str(result.pk),
        name=result.task_path.rsplit(".", 1)[-1].replace("_", " "),
        status=result.status.lower(),
        enqueued_at=result.enqueued_at,
        started_at=result.started_at,
        finished_at=result.finished_at,
        took=took,
        outcome=outcome[:500],
        may_retry=result.status == "FAILED",
        progress=_progress(progress) if progress and result.status == "RUNNING" else "",
    )


def _progress(progress: JobProgress) -> str:
    done = f"{progress.done:,} of {progress.total:,}" if progress.total else f"{progress.done:,}"
    return f"{done} {progress.note} (at {timezone.localtime(progress.updated_at):%H:%M:%S})"


@require_safe
@role_required(JOB_KEEPERS)
def jobs(request: HttpRequest) -> HttpResponse:
    results = list(DBTaskResult.objects.order_by("-enqueued_at")[:SHOWN])
    running = [str(r.pk) for r in results if r.status == "RUNNING"]
    progress = {p.job_id: p for p in JobProgress.objects.filter(job_id__in=running)}
    context = {
        "jobs": [_line(r, progress.get(str(r.pk))) for r in results],
        "queued": jobs_wait_for_a_worker(),
        "shown": SHOWN,
    }
    return render(request, "web/jobs/jobs.html", context)


@require_POST
@role_required(JOB_KEEPERS)
def retry(request: HttpRequest, job_id: str) -> HttpResponse:
    """Queue the failed job again with the same arguments; the failure stays listed."""
    failed = DBTaskResult.objects.filter(pk=job_id, status="FAILED").first()
    if failed is None:
        raise Http404("no failed job with that id")
    again = failed.task.enqueue(*failed.args_kwargs["args"], **failed.args_kwargs["kwargs"])
    messages.success(request, f"{_line(failed).name} queued again ({again.id}).")
    return redirect(reverse("jobs"))
