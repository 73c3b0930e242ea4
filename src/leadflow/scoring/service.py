"""Train the lead score on the CRM's own history, store it, and score people with it.

The label is "became a client" (PRODUCT.md §1: set when a deal is won). Only leads that
became leads at least `MATURITY` ago learn: a lead from last week has not lost, it has
not had its chance yet, and counting it as lost would teach the model that new leads
never buy.

The eligible leads are split by time, like `bench/score_bench.py` splits Olist: the
earliest 70% learn, the latest 30% measure, and the figures stored with the model (AUC,
Brier score) are that held-out side's. The stored model is that train-side fit; it is
**not** refitted on all rows afterwards. The issue's rule is that a model never trains
on the test side, and keeping to it means the figures beside a model are the figures of
that very model, not of a sibling trained on more. The cost is that the newest 30% of
the mature history waits for a later retrain to move the window forward.
"""

from __future__ import annotations

import logging
import pickle
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import polars as pl
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from leadflow.crm.models import LeadScoreModel, Person
from leadflow.domain.errors import DomainError
from leadflow.scoring.data import BECAME_LEAD_AT, CRM_SPEC, lead_rows
from leadflow.scoring.features import LEAD_ID, WON
from leadflow.scoring.reasons import Reason

if TYPE_CHECKING:
    from leadflow.scoring.model import LearnedScore

logger = logging.getLogger(__name__)

MATURITY = timedelta(days=90)
MIN_WINS = 20


class NotEnoughHistory(DomainError):
    """Too few won leads to learn from, or to measure on."""


@dataclass(frozen=True)
class LeadScore:
    """One lead's learned score: beside its temperature, never instead of it."""

    probability: float
    reasons: tuple[Reason, ...]
    model_id: int
    trained_at: datetime

    @property
    def percent(self) -> int:
        return round(self.probability * 100)


def _metrics(model: LearnedScore, train: pl.DataFrame, test: pl.DataFrame) -> dict[str, Any]:
    from leadflow.scoring.evaluation import figures, won_rate
    from leadflow.scoring.naive_bayes import NaiveBayesScorer

    labels = test[WON].to_numpy()
    held_out = figures(labels, model.predict_proba(test))
    naive = figures(labels, NaiveBayesScorer(CRM_SPEC).fit(train).predict_proba(test))
    return {
        "auc": held_out.auc,
        "brier": held_out.brier,
        "held_out_rows": test.height,
        "held_out_won": int(test[WON].sum()),
        "train_rows": train.height,
        "train_won": int(train[WON].sum()),
        # What a constant guess of the training side's won rate would score.
        "base_rate_brier": float(((labels - won_rate(train)) ** 2).mean()),
        "naive_bayes": {"auc": naive.auc, "brier": naive.brier},
        "split": f"time-ordered by {BECAME_LEAD_AT}, latest 30% held out",
        "fit": "training side only",
        "choice": {
            "penalty": model.choice.penalty,
            "min_frequency": model.choice.min_frequency,
            "bins": model.choice.bins,
            "cv_log_loss": model.choice.log_loss,
        },
    }


def train_from_crm(
    *, by: User | None = None, now: datetime | None = None, min_wins: int = MIN_WINS
) -> LeadScoreModel:
    """Train on every lead at least MATURITY old, store the model (active) and return it.

    Raises NotEnoughHistory, saying what is missing, when there are fewer than
    `min_wins` won leads or the earlier side of the split has too few to learn from.
    """
    from leadflow.scoring.evaluation import time_split
    from leadflow.scoring.model import LearnedScore

    now = now or timezone.now()
    cutoff = now - MATURITY
    rows = lead_rows(Person.objects.filter(became_lead_at__lte=cutoff))
    wins = int(rows[WON].sum())
    if wins < min_wins:
        raise NotEnoughHistory(
            f"only {wins} of {rows.height} leads from before {cutoff:%Y-%m-%d} (at least "
            f"{MATURITY.days} days old) became clients; the lead score needs at least "
            f"{min_wins} to learn from"
        )
    train, test = time_split(rows, BECAME_LEAD_AT).sides(rows)
    train_wins = int(train[WON].sum())
    if train_wins < 2 or train.height - train_wins < 2:
        raise NotEnoughHistory(
            f"the earliest 70% of leads hold {train_wins} clients among {train.height} "
            "leads: too few of one outcome to learn from"
        )
    model = LearnedScore.fit(train, CRM_SPEC)
    metrics = _metrics(model, train, test)
    with transaction.atomic():
        stored = LeadScoreModel.objects.create(
            trained_at=now,
            trained_by=by,
            algorithm=model.algorithm[:100],
            features=list(CRM_SPEC.names),
            training_rows=train.height,
            metrics=metrics,
            blob=pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL),
            active=True,
        )
    return stored


def retrain() -> LeadScoreModel | None:
    """The scheduled job: retrain on the history as it stands now.

    Takes no arguments so any scheduler can call it (cron through `leadflow score train`,
    or a task queue later). Run it weekly or monthly: leads mature into the training
    window at MATURITY, so a daily run learns little that is new. A CRM without enough
    won leads yet is not a failure: it logs why and returns None, and the person page
    keeps showing no score until a retrain succeeds.
    """
    try:
        return train_from_crm()
    except NotEnoughHistory as error:
        logger.info("lead score not retrained: %s", error.reason)
        return None


# Unpickled models by LeadScoreModel id: a page view scores with one model load per
# process, not one per request. Only the newest active model is ever asked for, so the
# cache holds one model and drops it when a newer one is stored.
_loaded: dict[int, LearnedScore] = {}
_loading = threading.Lock()


def _newest_active() -> tuple[int, datetime, LearnedScore] | None:
    newest = (
        LeadScoreModel.objects.filter(active=True)
        .order_by("-trained_at", "-id")
        .values_list("id", "trained_at")
        .first()
    )
    if newest is None:
        return None
    model_id, trained_at = newest
    with _loading:
        model = _loaded.get(model_id)
        if model is None:
            blob = LeadScoreModel.objects.values_list("blob", flat=True).get(pk=model_id)
            try:
                # Only train_from_crm writes this column: the bytes are our own.
                model = pickle.loads(bytes(blob))
            except Exception:
                # A model stored by another version of scikit-learn may not load: no
                # score is shown until the next retrain, rather than a broken page.
                logger.exception("lead score model %s could not be loaded", model_id)
                return None
            _loaded.clear()
            _loaded[model_id] = model
    return model_id, trained_at, model


def score_people(person_ids: Iterable[int]) -> dict[int, LeadScore] | None:
    """Each lead's probability of becoming a client and its top three reasons, by the
    newest active model; None when no model has been trained. People who never became
    a lead are left out."""
    active = _newest_active()
    if active is None:
        return None
    model_id, trained_at, model = active
    rows = lead_rows(Person.objects.filter(pk__in=list(person_ids)))
    if rows.is_empty():
        return {}
    probabilities = model.predict_proba(rows)
    reasons = model.reasons(rows)
    return {
        int(person_id): LeadScore(float(p), why, model_id, trained_at)
        for person_id, p, why in zip(rows[LEAD_ID], probabilities, reasons, strict=True)
    }
