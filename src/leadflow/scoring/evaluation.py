"""The held-out comparison: the learned score against naive Bayes and temperature alone.

`evaluate` fits both models on the training side of a dataset's split and measures them
on the test side: AUC (does it rank won leads above lost ones?) and Brier score (the mean
squared error of the probability: is "30% likely" right three times in ten?). The bench
prints it; the acceptance test asserts the issue's targets with it. Nothing here looks
at the test side before the figures are taken.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import train_test_split

from leadflow.scoring.features import LEAD_ID, WON, FeatureSpec
from leadflow.scoring.model import SEED, LearnedScore
from leadflow.scoring.naive_bayes import NaiveBayesScorer

# Each lead's temperature as PRODUCT.md §3 grades it (1 cold .. 4 hot), beside the fields.
TEMPERATURE = "temperature"
TEST_SHARE = 0.3


@dataclass(frozen=True)
class Split:
    """Which leads a model may learn from, and which only measure it."""

    description: str
    train_ids: npt.NDArray[np.generic]
    test_ids: npt.NDArray[np.generic]

    def sides(self, rows: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        train = rows.filter(pl.col(LEAD_ID).is_in(pl.Series(self.train_ids).implode()))
        test = rows.filter(pl.col(LEAD_ID).is_in(pl.Series(self.test_ids).implode()))
        return train, test


def stratified_split(rows: pl.DataFrame, *, seed: int = SEED) -> Split:
    """A fixed-seed 70/30 split with the same won rate on both sides (data without dates)."""
    train, test = train_test_split(
        rows[LEAD_ID].to_numpy(),
        test_size=TEST_SHARE,
        stratify=rows[WON].to_numpy(),
        random_state=seed,
    )
    return Split(f"stratified {1 - TEST_SHARE:.0%}/{TEST_SHARE:.0%}, seed {seed}", train, test)


def time_split(rows: pl.DataFrame, order: str) -> Split:
    """The earliest leads learn, the latest 30% measure: every training lead arrived
    strictly before every test lead, so a day's leads are never split across the sides."""
    ordered = rows.select(LEAD_ID, order).sort(order, LEAD_ID)
    cut = ordered[order][int(ordered.height * (1 - TEST_SHARE))]
    train = ordered.filter(pl.col(order) < cut)
    test = ordered.filter(pl.col(order) >= cut)
    if train.is_empty():
        raise ValueError("every lead arrived at the same time: there is no earlier side")
    return Split(
        f"time-ordered by {order}: before {cut} learns, from {cut} on measures",
        train[LEAD_ID].to_numpy(),
        test[LEAD_ID].to_numpy(),
    )


@dataclass(frozen=True)
class Dataset:
    """Leads with their outcome, the fields a model may read, and how to split them."""

    name: str
    rows: pl.DataFrame  # LEAD_ID, WON, TEMPERATURE and the spec's fields
    spec: FeatureSpec
    split: Split
    temperature_rule: str
    # The target: learned AUC >= naive Bayes AUC + margin, and a lower Brier score.
    auc_margin: float


@dataclass(frozen=True)
class Figures:
    auc: float | None  # None when the side holds only one outcome
    brier: float


def won_rate(rows: pl.DataFrame) -> float:
    return float(rows.select(pl.col(WON).cast(pl.Float64).mean()).item() or 0.0)


def auc(labels: npt.ArrayLike, scores: npt.ArrayLike) -> float | None:
    y = np.asarray(labels)
    return float(roc_auc_score(y, scores)) if 0 < y.sum() < y.size else None


def figures(labels: npt.ArrayLike, probabilities: npt.ArrayLike) -> Figures:
    return Figures(auc(labels, probabilities), float(brier_score_loss(labels, probabilities)))


def temperature_figures(train: pl.DataFrame, test: pl.DataFrame) -> Figures:
    """Temperature alone: leads ranked by temperature (AUC), each temperature's won rate
    on the training side as its probability (Brier)."""
    rates = train.group_by(TEMPERATURE).agg(pl.col(WON).cast(pl.Float64).mean().alias("rate"))
    overall = won_rate(train)
    probabilities = test.join(rates, on=TEMPERATURE, how="left", maintain_order="left")[
        "rate"
    ].fill_null(overall)
    labels = test[WON].to_numpy()
    return Figures(
        auc(labels, test[TEMPERATURE].cast(pl.Float64).to_numpy()),
        float(brier_score_loss(labels, probabilities.to_numpy())),
    )


@dataclass(frozen=True)
class Evaluation:
    dataset: str
    split: str
    train_rows: int
    test_rows: int
    train_won_rate: float
    test_won_rate: float
    learned: Figures
    naive_bayes: Figures
    temperature: Figures
    temperature_rule: str
    auc_margin: float
    model: LearnedScore

    @property
    def meets_target(self) -> bool:
        learned, baseline = self.learned, self.naive_bayes
        if learned.auc is None or baseline.auc is None:
            return False
        return learned.auc >= baseline.auc + self.auc_margin and learned.brier < baseline.brier


def evaluate(dataset: Dataset) -> Evaluation:
    train, test = dataset.split.sides(dataset.rows)
    labels = test[WON].to_numpy()
    model = LearnedScore.fit(train, dataset.spec)
    naive = NaiveBayesScorer(dataset.spec).fit(train)
    return Evaluation(
        dataset=dataset.name,
        split=dataset.split.description,
        train_rows=train.height,
        test_rows=test.height,
        train_won_rate=won_rate(train),
        test_won_rate=won_rate(test),
        learned=figures(labels, model.predict_proba(test)),
        naive_bayes=figures(labels, naive.predict_proba(test)),
        temperature=temperature_figures(train, test),
        temperature_rule=dataset.temperature_rule,
        auc_margin=dataset.auc_margin,
        model=model,
    )
