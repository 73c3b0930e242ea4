"""Scheduled work, as tasks of Django's tasks API (django-tasks): the nightly statistics
(the forecast's win table) and retraining the learned lead score.

`leadflow nightly` enqueues both; run it from cron (see README). On the embedded default
the tasks run in that process; a worker backend runs them elsewhere without a change here.
"""

from __future__ import annotations

from django_tasks import task

from leadflow.reports import forecast
from leadflow.scoring.commands import scheduled_retrain


@task()
def refit_forecast() -> str:
    fit = forecast.refit()
    return f"forecast win table refitted on {fit.opportunities:,} opportunities"


@task()
def retrain_lead_score() -> str:
    return scheduled_retrain()


NIGHTLY = (refit_forecast, retrain_lead_score)
