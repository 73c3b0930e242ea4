"""Why a lead scores as it does, in words a setter reads on the person page."""

from __future__ import annotations

import math
from dataclasses import dataclass

from leadflow.scoring.features import MISSING


@dataclass(frozen=True)
class Reason:
    """One field's pull on a lead's score, compared with the average lead the model
    learned from: `effect` is in log-odds, positive when it raises the score."""

    field: str
    label: str
    value: str | None  # None: the lead did not give it
    effect: float
    # Set when the model could not learn about this very value: "seldom seen" (pooled
    # with the other rare values) or "new" (never seen in training).
    note: str = ""

    @property
    def raises(self) -> bool:
        return self.effect > 0

    @property
    def text(self) -> str:
        subject = f"no {self.label} given" if self.value is None else f"{self.label} = {self.value}"
        if self.note:
            subject += f" ({self.note})"
        return f"{subject} {'raises' if self.raises else 'lowers'} the score"

    def __str__(self) -> str:
        return self.text


def described_value(value: object) -> str | None:
    """A field's value as a person reads it; None when it was not given."""
    if value is None or value == MISSING:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}"
    return str(value)
