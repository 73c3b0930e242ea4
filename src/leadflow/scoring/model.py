"""The learned lead score: a regularised logistic regression over the spec's fields,
with calibrated probabilities and its reasons per lead.

Why this shape:

- **Linear, so the reasons are exact.** The score's log-odds is a sum over fields, so
  "source = webinar raises the score" is that field's share of the sum, not a guess.
- **One-hot categories, rare values pooled.** A value seen fewer than `min_frequency`
  times on the training side (most of Olist's 495 landing pages) shares one "rare value"
  coefficient instead of learning from three leads, and the L2 penalty shrinks the rest:
  this is what keeps a high-cardinality field from being memorised, where naive Bayes
  trusts a page seen once.
- **Numbers as quantile bins.** Visits and minutes on site do not act in a straight
  line (no visit and a hundred are both bad signs); equal-count bins from the training
  side let the model learn the shape, and missing is a bin of its own.
- **Chosen by cross-validation on the training side only.** The penalty, the rare-value
  threshold and the bins are picked by log loss over stratified folds of the rows it is
  given; the caller's test side is never seen (the model records which rows it learned
  from, `trained_ids`, so that can be checked).
- **Calibrated.** Platt scaling fitted on out-of-fold predictions
  (`CalibratedClassifierCV(ensemble=False)`): one linear model scores and explains, and
  its probabilities mean what they say ("23% likely") rather than merely ranking.
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    StratifiedKFold,
    cross_val_score,
)
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from leadflow.scoring.features import (
    LEAD_ID,
    MISSING,
    WON,
    FeatureSpec,
    FieldKind,
    bin_labels,
    feature_frame,
    quantile_edges,
)
from leadflow.scoring.reasons import Reason, described_value

SEED = 7

# The grid cross-validation chooses from: L2 strength, rare-value threshold, bins.
PENALTIES = (0.1, 0.3, 1.0, 3.0)
MIN_FREQUENCIES = (5, 20, 50)
BINS = 20
# A field moving the log-odds by less than this (about 5% on the odds) is not a reason.
MIN_EFFECT = 0.05


class QuantileBins(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """A number column as its training-side quantile bin, a category ("bin 3"/missing)."""

    def __init__(self, bins: int = BINS) -> None:
        self.bins = bins

    @staticmethod
    def _column(x: Any) -> npt.NDArray[np.float64]:
        array = x.to_numpy() if isinstance(x, pl.DataFrame) else np.asarray(x)
        return np.asarray(array, dtype=np.float64).reshape(len(array), -1)[:, 0]

    def fit(self, x: Any, y: Any = None) -> QuantileBins:
        self.edges_ = quantile_edges(self._column(x), self.bins)
        return self

    def transform(self, x: Any) -> npt.NDArray[np.object_]:
        return bin_labels(self._column(x), self.edges_).astype(object).reshape(-1, 1)


def _pipeline(spec: FeatureSpec, *, penalty: float, min_frequency: int, bins: int) -> Pipeline:
    parts = []
    for i, field in enumerate(spec.fields):
        encoder: Any
        if field.kind is FieldKind.CATEGORY:
            encoder = OneHotEncoder(
                handle_unknown="infrequent_if_exist", min_frequency=min_frequency
            )
        else:
            encoder = Pipeline(
                [("bins", QuantileBins(bins)), ("onehot", OneHotEncoder(handle_unknown="ignore"))]
            )
        parts.append((f"f{i}", encoder, [field.name]))
    return Pipeline(
        [
            ("encode", ColumnTransformer(parts)),
            (
                "fit",
                # Newton-Cholesky: exact and fast for a few hundred columns.
                LogisticRegression(C=penalty, solver="newton-cholesky", max_iter=200),
            ),
        ]
    )


@dataclass(frozen=True)
class Choice:
    """What cross-validation on the training side picked, and its mean log loss."""

    penalty: float
    min_frequency: int
    bins: int
    log_loss: float

    def describe(self) -> str:
        return (
            f"logistic regression, Platt-calibrated (C={self.penalty:g}, "
            f"rare below {self.min_frequency}, {self.bins} bins)"
        )


def _folds(labels: npt.NDArray[np.int8], seed: int) -> StratifiedKFold:
    smaller = int(min(labels.sum(), labels.size - labels.sum()))
    if smaller < 2:
        raise ValueError("a model needs at least two won and two lost leads to learn from")
    return StratifiedKFold(n_splits=min(5, smaller), shuffle=True, random_state=seed)


def _choose(
    spec: FeatureSpec, frame: pl.DataFrame, labels: npt.NDArray[np.int8], seed: int
) -> Choice:
    folds = _folds(labels, seed)
    best: Choice | None = None
    for penalty, min_frequency in itertools.product(PENALTIES, MIN_FREQUENCIES):
        pipeline = _pipeline(spec, penalty=penalty, min_frequency=min_frequency, bins=BINS)
        scores = cross_val_score(pipeline, frame, labels, cv=folds, scoring="neg_log_loss")
        choice = Choice(penalty, min_frequency, BINS, float(-np.mean(scores)))
        if best is None or choice.log_loss < best.log_loss:
            best = choice
    assert best is not None
    return best


class LearnedScore:
    """A fitted, calibrated lead score; `fit` it on the training side only."""

    def __init__(
        self,
        spec: FeatureSpec,
        calibrated: CalibratedClassifierCV,
        choice: Choice,
        trained_ids: npt.NDArray[Any],
        mean_encoding: npt.NDArray[np.float64],
    ) -> None:
        self.spec = spec
        self.choice = choice
        self.trained_ids = trained_ids
        self._calibrated = calibrated
        self._mean_encoding = mean_encoding

    @classmethod
    def fit(cls, rows: pl.DataFrame, spec: FeatureSpec, *, seed: int = SEED) -> LearnedScore:
        """Learn from `rows` (LEAD_ID, WON and the spec's fields), and from nothing else."""
        frame = feature_frame(rows, spec)
        labels = rows[WON].cast(pl.Int8).to_numpy()
        with warnings.catch_warnings():
            # A fold where the penalty is too weak to settle is scored worse by its log
            # loss and loses the choice; its warning says nothing more.
            warnings.simplefilter("ignore", ConvergenceWarning)
            choice = _choose(spec, frame, labels, seed)
            pipeline = _pipeline(
                spec, penalty=choice.penalty, min_frequency=choice.min_frequency, bins=choice.bins
            )
            calibrated = CalibratedClassifierCV(
                pipeline, method="sigmoid", cv=_folds(labels, seed), ensemble=False
            ).fit(frame, labels)
        fitted = calibrated.calibrated_classifiers_[0].estimator
        mean_encoding = np.asarray(fitted["encode"].transform(frame).mean(axis=0)).ravel()
        return cls(spec, calibrated, choice, rows[LEAD_ID].to_numpy(), mean_encoding)

    @property
    def algorithm(self) -> str:
        return self.choice.describe()

    def predict_proba(self, rows: pl.DataFrame) -> npt.NDArray[np.float64]:
        """Calibrated P(won) per lead, in the rows' order."""
        frame = feature_frame(rows, self.spec)
        return np.asarray(self._calibrated.predict_proba(frame)[:, 1], dtype=np.float64)

    def trained_on(self, ids: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        """Whether each id was among the rows this model learned from."""
        return np.isin(np.asarray(ids), self.trained_ids)

    def reasons(self, rows: pl.DataFrame, *, top: int = 3) -> list[tuple[Reason, ...]]:
        """Each lead's `top` fields by how far they move its score from the average
        lead's, strongest first, each with its sign. Platt scaling is increasing, so a
        field that raises the linear score raises the probability too."""
        frame = feature_frame(rows, self.spec)
        fitted = self._calibrated.calibrated_classifiers_[0].estimator
        encode: ColumnTransformer = fitted["encode"]
        weights = fitted["fit"].coef_[0]
        encoded = encode.transform(frame)
        centred = (
            encoded.multiply(weights).toarray()
            if hasattr(encoded, "multiply")
            else np.asarray(encoded) * weights
        ) - self._mean_encoding * weights
        effects = np.column_stack(
            [
                centred[:, encode.output_indices_[f"f{i}"]].sum(axis=1)
                for i in range(len(self.spec.fields))
            ]
        )
        result = []
        for row, lead in zip(effects, frame.iter_rows(), strict=True):
            strongest = np.argsort(-np.abs(row), kind="stable")
            order = [i for i in strongest if abs(row[i]) >= MIN_EFFECT]
            result.append(
                tuple(
                    Reason(
                        field=self.spec.fields[i].name,
                        label=self.spec.fields[i].label,
                        value=described_value(lead[i]),
                        effect=float(row[i]),
                        note=_note(encode.named_transformers_[f"f{i}"], lead[i]),
                    )
                    for i in order[:top]
                )
            )
        return result


def _note(encoder: Any, value: object) -> str:
    """Whether the model learned about this very value, or only about values like it."""
    if not isinstance(encoder, OneHotEncoder) or value == MISSING:
        return ""
    if value not in set(encoder.categories_[0]):
        return "new"
    infrequent = encoder.infrequent_categories_[0]
    return "seldom seen" if infrequent is not None and value in set(infrequent) else ""
