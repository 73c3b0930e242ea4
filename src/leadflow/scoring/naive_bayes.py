"""The baseline a learned score must beat: a naive-Bayes frequency scorer, the kind Odoo
CRM uses for its predictive lead scoring.

For every field it counts how often each value occurs among won and among lost leads,
and combines the fields as if they were independent:

    odds(won | lead) = N_won / N_lost * product over fields of P(value | won) / P(value | lost)
    P(value | won)   = (won leads with the value + alpha) / (N_won + alpha * K)

with K the number of values the field took on the training side (missing counts as a
value) and alpha = 1 (Laplace smoothing; Odoo adds 0.1). A value never seen in training says
nothing, so the field is skipped for that lead, as Odoo does. Numbers are counted per
quantile bin of the training side, the same bins for every lead it scores.

Independence is its weakness: correlated fields (a source and the landing page it sends
leads to) are counted twice, and a rare value seen once among the won pushes its leads far
up. The learned model (`model.py`) exists to do better on exactly that.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from leadflow.scoring.features import (
    WON,
    FeatureSpec,
    FieldKind,
    bin_labels,
    feature_frame,
    quantile_edges,
)


@dataclass(frozen=True)
class _Counts:
    # One row per value seen in training: value, log P(value|won) - log P(value|lost).
    log_ratio: pl.DataFrame
    edges: npt.NDArray[np.float64] | None  # for a number field: its training-side bins


def _values(column: pl.Series, edges: npt.NDArray[np.float64] | None) -> pl.Series:
    """A category as it is; a number as its training-side bin."""
    if edges is None:
        return column
    return pl.Series(column.name, bin_labels(column.to_numpy(), edges), dtype=pl.Utf8)


class NaiveBayesScorer:
    """fit(rows) on the training side, then predict_proba(rows) for any leads."""

    def __init__(self, spec: FeatureSpec, *, alpha: float = 1.0, bins: int = 20) -> None:
        if alpha <= 0:
            raise ValueError("Laplace smoothing needs alpha > 0")
        self.spec = spec
        self.alpha = alpha
        self.bins = bins
        self.prior_log_odds = 0.0
        self._counts: dict[str, _Counts] = {}

    def fit(self, rows: pl.DataFrame) -> NaiveBayesScorer:
        won = rows[WON].cast(pl.Boolean)
        n_won = int(won.sum())
        n_lost = rows.height - n_won
        if n_won == 0 or n_lost == 0:
            raise ValueError("naive Bayes needs won and lost leads to learn from")
        self.prior_log_odds = float(np.log(n_won / n_lost))
        frame = feature_frame(rows, self.spec)
        self._counts = {}
        for field in self.spec.fields:
            edges = None
            if field.kind is FieldKind.NUMBER:
                edges = quantile_edges(frame[field.name].to_numpy(), self.bins)
            values = _values(frame[field.name], edges)
            table = (
                pl.DataFrame({"value": values, "won": won})
                .group_by("value")
                .agg(
                    pl.col("won").sum().cast(pl.Float64).alias("n_won"),
                    (~pl.col("won")).sum().cast(pl.Float64).alias("n_lost"),
                )
            )
            k = table.height
            a = self.alpha
            log_ratio = table.select(
                "value",
                (
                    ((pl.col("n_won") + a) / (n_won + a * k)).log()
                    - ((pl.col("n_lost") + a) / (n_lost + a * k)).log()
                ).alias("log_ratio"),
            )
            self._counts[field.name] = _Counts(log_ratio, edges)
        return self

    def log_odds(self, rows: pl.DataFrame) -> npt.NDArray[np.float64]:
        if not self._counts:
            raise ValueError("the scorer has not been fitted")
        frame = feature_frame(rows, self.spec)
        total = np.full(frame.height, self.prior_log_odds)
        for field in self.spec.fields:
            counts = self._counts[field.name]
            values = pl.DataFrame({"value": _values(frame[field.name], counts.edges)})
            ratio = values.join(counts.log_ratio, on="value", how="left", maintain_order="left")[
                "log_ratio"
            ]
            total += ratio.fill_null(0.0).to_numpy()
        return total

    def predict_proba(self, rows: pl.DataFrame) -> npt.NDArray[np.float64]:
        """P(won) per lead, in the rows' order."""
        return sigmoid(self.log_odds(rows))


def sigmoid(log_odds: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    # Clipped: a lead with hundreds of nats of evidence is certain either way, and exp()
    # of more would overflow.
    return 1.0 / (1.0 + np.exp(-np.clip(log_odds, -500.0, 500.0)))
