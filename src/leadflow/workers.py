"""Workers' heartbeats, and the jobs of a worker that stopped without finishing them.

django-tasks-db marks a job RUNNING when a worker takes it and finished when the worker
says so. A worker killed with SIGKILL, or whose machine is lost, never says so: its job
would stay RUNNING for ever, with no way to retry it from the jobs page. So each
`leadflow worker` writes a heartbeat (WorkerBeat) every LEADFLOW_WORKER_BEAT_SECONDS from
a thread of its own, and every worker, when it starts and on each beat, marks FAILED the
running jobs of workers not heard from for LEADFLOW_WORKER_LOST_AFTER_SECONDS, saying why.
Every job writes all or nothing, so nothing of what such a job was writing was kept and
retrying it is safe; an upload's run is marked failed with it, so it can run again.

Only workers that beat are judged: a job taken by a bare `db_worker` is left alone.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from leadflow.crm.models import WorkerBeat
from leadflow.intake import upload_job

logger = logging.getLogger(__name__)

_FORGET_AFTER = timedelta(days=1)


class WorkerLost(Exception):
    """The worker running a job stopped without finishing it (named on failed jobs)."""


LOST = f"{WorkerLost.__module__}.{WorkerLost.__qualname__}"


def new_worker_id() -> str:
    """Unique across machines, and says where to look: host, process, a random part."""
    host = socket.gethostname()[:40]
    return f"{host}-{os.getpid()}-{secrets.token_hex(4)}"


def beat(worker_id: str, *, now: datetime | None = None) -> None:
    now = now or timezone.now()
    WorkerBeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"seen_at": now},
        create_defaults={
            "seen_at": now,
            "started_at": now,
            "host": socket.gethostname()[:255],
            "pid": os.getpid(),
        },
    )


def lost_reason(beat: WorkerBeat) -> str:
    """One line: the jobs page shows a failed job's last line of traceback."""
    heard = timezone.localtime(beat.seen_at)
    return (
        f"WorkerLost: the worker running this job ({beat.worker_id}, process {beat.pid} on "
        f"{beat.host}) stopped without finishing it; last heard from at "
        f"{heard:%Y-%m-%d %H:%M:%S}. It was killed or its machine was lost. Nothing it was "
        "writing was kept: retry the job."
    )


def fail_lost_jobs(
    *, lost_after: timedelta, alive: str = "", now: datetime | None = None
) -> list[str]:
    """Mark FAILED every running job whose worker has not beaten for `lost_after` (never
    `alive`'s: the caller's own); their ids. Few jobs run at once (one per worker), so
    they are read and judged one by one; each is failed only if it is still running."""
    now = now or timezone.now()
    gone = {
        b.worker_id: b
        for b in WorkerBeat.objects.filter(seen_at__lt=now - lost_after).exclude(worker_id=alive)
    }
    failed: list[str] = []
    if gone:
        running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).only("worker_ids")
        for job in running:
            worker = job.worker_ids[-1] if job.worker_ids else None
            if worker not in gone:
                continue
            reason = lost_reason(gone[worker])
            marked = DBTaskResult.objects.filter(pk=job.pk, status=TaskResultStatus.RUNNING).update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                exception_class_path=LOST,
                traceback=reason,
            )
            if marked:
                failed.append(str(job.pk))
                upload_job.job_lost(str(job.pk), reason, at=now)
        WorkerBeat.objects.filter(seen_at__lt=now - _FORGET_AFTER).delete()
    for job_id in failed:
        logger.warning("job %s: its worker stopped without finishing it; marked failed", job_id)
    return failed


@dataclass
class Heartbeat:
    """A worker's beating thread: `start` beats and sweeps once, then keeps at it every
    `every` until `stop`, which forgets this worker (it ended cleanly)."""

    worker_id: str = field(default_factory=new_worker_id)
    every: float = field(default_factory=lambda: float(settings.LEADFLOW_WORKER_BEAT_SECONDS))
    lost_after: timedelta = field(
        default_factory=lambda: timedelta(seconds=settings.LEADFLOW_WORKER_LOST_AFTER_SECONDS)
    )
    _stopping: threading.Event = field(default_factory=threading.Event, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)

    def start(self) -> None:
        self._once()
        self._thread = threading.Thread(target=self._run, name="leadflow-heartbeat", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=self.every + 30)
        try:
            WorkerBeat.objects.filter(worker_id=self.worker_id).delete()
        except DatabaseError:
            logger.warning("worker %s: could not forget its heartbeat", self.worker_id)

    def _run(self) -> None:
        try:
            while not self._stopping.wait(self.every):
                self._once()
        finally:
            connection.close()  # this thread's own connection

    def _once(self) -> None:
        # A beat that cannot be written (the database away, or SQLite's one write lock
        # held by the job) is tried again next time; the worker goes on.
        try:
            beat(self.worker_id)
            fail_lost_jobs(lost_after=self.lost_after, alive=self.worker_id)
        except DatabaseError as error:
            logger.warning("worker %s: heartbeat not written: %s", self.worker_id, error)
