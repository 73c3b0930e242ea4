"""The nightly jobs run through Django's tasks API (issue 7: retraining runs as a command
and as a scheduled job)."""

from __future__ import annotations

from leadflow.crm.models import ForecastFit, LeadScoreModel
from leadflow.jobs import NIGHTLY, refit_forecast, retrain_lead_score
from tests.http.pages import World


def test_the_nightly_refit_stores_a_new_forecast_table(world: World) -> None:
    result = refit_forecast.enqueue()
    assert result.is_finished
    # Every opportunity the world has: two open and one won.
    assert "refitted on 3 opportunities" in str(result.return_value)
    assert ForecastFit.objects.count() == 1


def test_the_nightly_retrain_says_so_when_history_is_too_thin(world: World) -> None:
    result = retrain_lead_score.enqueue()
    assert result.is_finished
    assert result.return_value == "lead score not retrained: too little history"
    assert not LeadScoreModel.objects.exists()


def test_nightly_refits_retrains_and_forgets_old_idempotency_keys() -> None:
    assert {job.name for job in NIGHTLY} == {
        "refit_forecast",
        "retrain_lead_score",
        "forget_idempotency_keys",
        "forget_job_progress",
    }
