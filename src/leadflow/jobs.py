"""Work that runs as tasks of Django's tasks API (django-tasks): the nightly statistics
(the forecast's win table), retraining the learned lead score, list exports asked for
through the API, re-judging every lead after a playbook change, and taking the webhook's
inbox in.

`leadflow nightly` enqueues the nightly ones (NIGHTLY); run it from cron (see README). On
the embedded default the tasks run in the process that enqueues them; with
LEADFLOW_TASKS_BACKEND=database they wait for `leadflow worker`.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections
from django.utils import timezone
from django_tasks import TaskContext, task

from leadflow.crm.models import ExportRecord, JobProgress
from leadflow.crm.services import requalification
from leadflow.domain.channels import Channel
from leadflow.domain.errors import DomainError
from leadflow.exports.candidates import Filters
from leadflow.exports.segments import segment_filter
from leadflow.exports.service import export_channel_list
from leadflow.intake import inbox
from leadflow.reports import forecast
from leadflow.scoring.commands import scheduled_retrain
from leadflow.web.exports.views import export_dir

logger = logging.getLogger(__name__)


@task()
def refit_forecast() -> str:
    fit = forecast.refit()
    return f"forecast win table refitted on {fit.opportunities:,} opportunities"


@task()
def retrain_lead_score() -> str:
    return scheduled_retrain()


@task()
def forget_idempotency_keys() -> str:
    from leadflow.api.idempotency import forget_old_keys

    return f"{forget_old_keys():,} idempotency keys older than a day forgotten"


@task()
def forget_job_progress() -> str:
    """The progress of jobs that ended more than a day ago: only a running job's shows."""
    old = JobProgress.objects.filter(updated_at__lt=timezone.now() - timedelta(days=1))
    return f"{old.delete()[0]:,} job progress records forgotten"


@task(takes_context=True)
def requalify_leads(context: TaskContext, by_id: int | None = None) -> str:
    """Every lead re-judged under the playbook in force (asked for after editing it)."""
    by = User.objects.filter(pk=by_id).first() if by_id is not None else None

    def judged(done: int, total: int) -> None:
        progress(context, done, total=total, note="leads re-judged", in_its_transaction=True)

    return requalification.requalify_leads(by=by, progress=judged).describe()


NIGHTLY = (refit_forecast, retrain_lead_score, forget_idempotency_keys, forget_job_progress)


# --- the webhook's inbox (intake/inbox.py) --------------------------------------------------

# In a worker a drain stays a little while after the inbox empties, so a steady stream of
# webhook calls is taken in by one job rather than thousands; it ends after a while even
# under load, so other jobs queued behind it get their turn.
DRAIN_LINGER_SECONDS = 1.0
DRAIN_AT_MOST_SECONDS = 60.0
_DRAIN_POLL_SECONDS = 0.05
DRAIN_REST_AT_MOST_SECONDS = 2.0


def progress(
    context: TaskContext,
    done: int,
    *,
    total: int | None = None,
    note: str,
    in_its_transaction: bool = False,
) -> None:
    """Tell the jobs page how far this job has got (its own row, written at once). Only
    for jobs a worker runs: the page lists only those.

    A job that does all its work in one transaction (so a kill leaves nothing
    half-written) says `in_its_transaction`: the row then goes through a connection of
    its own, or nobody would see it before the job ends. Not on SQLite, where that
    transaction holds the only write lock: such a job shows no progress there."""
    if not jobs_wait_for_a_worker():
        return
    job_id, now = str(context.task_result.id), timezone.now()
    if not in_its_transaction:
        JobProgress.objects.update_or_create(
            job_id=job_id, defaults={"done": done, "total": total, "note": note, "updated_at": now}
        )
        return
    if connection.vendor == "sqlite":
        return
    side = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with side.cursor() as cursor:
            # Progress is worth no wait: should the job's own transaction hold this row
            # (it wrote progress inside it), give up at once rather than wait on ourselves.
            cursor.execute("SET lock_timeout = '200ms'")
            cursor.execute(
                f"INSERT INTO {JobProgress._meta.db_table} (job_id, done, total, note, updated_at) "
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (job_id) DO UPDATE SET "
                "done = EXCLUDED.done, total = EXCLUDED.total, note = EXCLUDED.note, "
                "updated_at = EXCLUDED.updated_at",
                [job_id, done, total, note[:200], now],
            )
    except DatabaseError:
        logger.warning("job %s: its progress could not be recorded", job_id)
    finally:
        side.close()


@task(takes_context=True)
def drain_webhook_inbox(context: TaskContext, linger: bool = False) -> str:
    """Take the queued webhook deliveries in through the intake pipeline."""
    started = last_taken = time.monotonic()
    taken = 0
    while True:
        began = time.monotonic()
        if batch := inbox.take_in_batch():
            taken += batch
            last_taken = time.monotonic()
            progress(context, taken, note="webhook calls taken in")
            if not linger:
                continue  # until the inbox is empty
        now = time.monotonic()
        idle, long = now - last_taken > DRAIN_LINGER_SECONDS, now - started > DRAIN_AT_MOST_SECONDS
        if not linger or idle or long:
            break
        # A run of the pipeline costs about as much for one person as for a hundred: rest
        # three times as long as the last batch took, so under load the batches grow and
        # the drain keeps to a quarter of a core instead of taking a whole one for a few
        # people at a time (the web processes need the rest to answer).
        rest = 3 * (now - began) if batch else _DRAIN_POLL_SECONDS
        time.sleep(min(DRAIN_REST_AT_MOST_SECONDS, max(_DRAIN_POLL_SECONDS, rest)))
    return f"{taken:,} webhook deliveries taken in"


def ask_for_drain() -> None:
    """Have the inbox drained: at once on the embedded default (the task runs here), else
    by a worker — unless a drain is already waiting for one, which will see this delivery
    too (it is committed before we look). A drain already running is not enough: it may
    be about to stop."""
    if not jobs_wait_for_a_worker():
        drain_webhook_inbox.enqueue(linger=False)
        return
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.ready().filter(task_path=drain_webhook_inbox.module_path)
    if not waiting.exists():
        drain_webhook_inbox.enqueue(linger=True)


def jobs_wait_for_a_worker() -> bool:
    """LEADFLOW_TASKS_BACKEND=database: jobs wait in the database for `leadflow worker`,
    rather than running in the process that asks for them."""
    return str(settings.TASKS["default"]["BACKEND"]).startswith("django_tasks_db")


# --- list exports -------------------------------------------------------------------------

# Where an export's files are kept: the exports page's folder, under a random name, so a
# name on disk says nothing and guesses nothing.
_KEPT_NAME = re.compile(r"[0-9a-f]{32}\.(csv|xlsx)")
KEPT_VIA = ("web", "api")


@task()
def export_list(
    *,
    channel: str,
    campaign: str | None = None,
    segment: str | None = None,
    file_format: str = "csv",
    exported_by_id: int | None = None,
    via: str = "api",
) -> dict[str, Any]:
    """Export `channel`'s list through the same service as `leadflow export` and the
    exports page, keep the list and the excluded report as files, and answer
    ``{"export_id": …}``, or ``{"error": reason}`` when the export cannot be made (a
    segment deleted since, more rows than an Excel sheet holds)."""
    token = secrets.token_hex(16)
    folder = export_dir()
    try:
        filters = Filters(campaign=campaign)
        described: dict[str, Any] = {}
        if segment:
            filters = replace(filters, where=segment_filter(segment))
            described["segment"] = segment
        folder.mkdir(parents=True, exist_ok=True)
        done = export_channel_list(
            channel=Channel(channel),
            filters=filters,
            out=folder / f"{token}.{file_format}",
            excluded_out=folder / f"{token}-excluded.{file_format}",
            exported_by=User.objects.filter(pk=exported_by_id).first() if exported_by_id else None,
            via=via,
            described=described,
        )
    except DomainError as error:
        return {"error": error.reason}
    except LookupError as error:
        return {"error": str(error.args[0]) if error.args else "no such segment"}
    except OSError as error:
        return {"error": f"the export files could not be written: {error.strerror}"}
    return {"export_id": done.record.pk}


def kept_file(record: ExportRecord, kind: str) -> Path | None:
    """Where an export's `kind` file ("list" or "excluded") is kept, or None for a CLI
    export (its files are wherever the command line put them)."""
    if record.via not in KEPT_VIA or not _KEPT_NAME.fullmatch(record.file_name):
        return None
    listed = export_dir() / record.file_name
    if kind == "list":
        return listed
    return listed.with_name(f"{listed.stem}-excluded{listed.suffix}")
