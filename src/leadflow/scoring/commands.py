"""Plain functions for the `leadflow score ...` commands and the scheduler.

They take plain values and return text, so the CLI only wires them to typer: Django must
be set up (and the database migrated) before they are called, as every other command does.
A `NotEnoughHistory` (a DomainError) carries the reason to print.
"""

from __future__ import annotations

from typing import Any

from leadflow.crm.models import LeadScoreModel
from leadflow.scoring.service import MIN_WINS, retrain, train_from_crm


def _figure(value: Any) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def summary(stored: LeadScoreModel) -> str:
    """What was trained, on how much, and how it did on the held-out leads."""
    m = stored.metrics if isinstance(stored.metrics, dict) else {}
    naive = m.get("naive_bayes") or {}
    return "\n".join(
        [
            f"Lead score model {stored.pk} trained {stored.trained_at:%Y-%m-%d %H:%M}",
            f"  algorithm:  {stored.algorithm}",
            f"  learned from {stored.training_rows:,} leads ({m.get('train_won', 0):,} "
            "became clients)",
            f"  held out:   {m.get('held_out_rows', 0):,} newest leads "
            f"({m.get('held_out_won', 0):,} became clients)",
            f"  AUC {_figure(m.get('auc'))}, Brier {_figure(m.get('brier'))} on the held-out "
            f"leads (naive Bayes: AUC {_figure(naive.get('auc'))}, "
            f"Brier {_figure(naive.get('brier'))}; "
            f"a constant guess: Brier {_figure(m.get('base_rate_brier'))})",
        ]
    )


def train_command(min_wins: int = MIN_WINS) -> str:
    """`leadflow score train`: train on the CRM's history now and describe the result.

    Raises NotEnoughHistory (a DomainError, `.reason` to print) when there is too little
    history; nothing is stored then.
    """
    return summary(train_from_crm(min_wins=min_wins))


def scheduled_retrain() -> str:
    """The scheduler's job, as text for its log: `retrain()` never raises for too little
    history, it says so."""
    stored = retrain()
    return "lead score not retrained: too little history" if stored is None else summary(stored)
