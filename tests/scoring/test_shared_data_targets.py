"""Issue 7's targets on the real data in ../shared/data, by the evaluation the bench
prints (`bench/score_bench.py`); skipped, saying where it looked, when the data is absent.

These assert AUC and Brier score: they are properties of the split and the model, not of
the machine's speed.
"""

from __future__ import annotations

import pytest

from leadflow.scoring.datasets import (
    OLIST_DEALS_FILE,
    X_EDUCATION_FILE,
    load_olist,
    load_x_education,
)
from leadflow.scoring.evaluation import Evaluation, evaluate
from tests.acceptance.conftest import shared_data

pytestmark = pytest.mark.same_on_every_database


@pytest.fixture(scope="module")
def x_education() -> Evaluation:
    path = shared_data(*X_EDUCATION_FILE)
    return evaluate(load_x_education(path.parents[1]))


@pytest.fixture(scope="module")
def olist() -> Evaluation:
    path = shared_data(*OLIST_DEALS_FILE)
    return evaluate(load_olist(path.parents[1]))


def test_x_education_learned_score_beats_naive_bayes_by_three_points_of_auc(
    x_education: Evaluation,
) -> None:
    learned, naive = x_education.learned, x_education.naive_bayes
    assert learned.auc is not None
    assert naive.auc is not None
    assert learned.auc >= naive.auc + 0.03, (learned, naive)


def test_x_education_learned_score_has_the_lower_brier_score(x_education: Evaluation) -> None:
    assert x_education.learned.brier < x_education.naive_bayes.brier
    assert x_education.meets_target


def test_x_education_split_is_stratified_seventy_thirty(x_education: Evaluation) -> None:
    assert x_education.train_rows + x_education.test_rows == 9240
    assert x_education.test_rows == 2772
    assert x_education.train_won_rate == pytest.approx(x_education.test_won_rate, abs=0.001)
    assert not x_education.model.trained_on(
        load_x_education(shared_data(*X_EDUCATION_FILE).parents[1]).split.test_ids
    ).any()


def test_olist_learned_score_is_within_a_point_of_naive_bayes_auc(olist: Evaluation) -> None:
    learned, naive = olist.learned, olist.naive_bayes
    assert learned.auc is not None
    assert naive.auc is not None
    assert learned.auc >= naive.auc - 0.01, (learned, naive)


def test_olist_learned_score_has_the_lower_brier_score(olist: Evaluation) -> None:
    assert olist.learned.brier < olist.naive_bayes.brier
    assert olist.meets_target


def test_olist_temperature_alone_ranks_nobody(olist: Evaluation) -> None:
    assert olist.temperature.auc == 0.5
    assert olist.train_rows + olist.test_rows == 8000
