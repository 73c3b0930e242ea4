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
