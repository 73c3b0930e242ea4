from __future__ import annotations

from django.db import models


class JobProgress(models.Model):
    """How far a running job has got, for the jobs page: written by the job as it goes
    (jobs.py), read beside django-tasks' own record of the job (keyed by its id)."""

    job_id = models.CharField(max_length=64, unique=True)
    done = models.PositiveBigIntegerField(default=0)
    total = models.PositiveBigIntegerField(null=True, blank=True)  # unknown: a queue
    note = models.CharField(max_length=200, blank=True)  # what `done` counts, or the stage
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"job {self.job_id}: {self.done}"


class WorkerBeat(models.Model):
    """A `leadflow worker` saying it is alive (leadflow.workers): a job left running by a
    worker not heard from for a while is one a kill or a lost machine stopped."""

    worker_id = models.CharField(max_length=64, unique=True)  # as django-tasks-db records it
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"worker {self.worker_id}"
