"""The learned score: calibrated probabilities, learned from the training side only,
with readable, signed reasons."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from leadflow.scoring.evaluation import (
    TEMPERATURE,
    Dataset,
    evaluate,
    stratified_split,
    time_split,
)
from leadflow.scoring.features import LEAD_ID, WON
from leadflow.scoring.model import LearnedScore
from leadflow.scoring.reasons import Reason
from tests.scoring.conftest import SMALL_SPEC, small_leads

pytestmark = pytest.mark.same_on_every_database


@pytest.fixture(scope="module")
def leads() -> pl.DataFrame:
    return small_leads()


@pytest.fixture(scope="module")
def model(leads: pl.DataFrame) -> LearnedScore:
    return LearnedScore.fit(leads, SMALL_SPEC)


def test_calibrated_probabilities_lie_between_zero_and_one(
    model: LearnedScore, leads: pl.DataFrame
) -> None:
    probabilities = model.predict_proba(leads)
    assert probabilities.shape == (leads.height,)
    assert ((probabilities > 0) & (probabilities < 1)).all()
    # Calibrated: on the leads it learned from, the mean probability is the won rate.
    assert probabilities.mean() == pytest.approx(leads[WON].mean(), abs=0.03)


def test_a_model_never_trains_on_the_test_side_of_the_split(leads: pl.DataFrame) -> None:
    dataset = Dataset(
        name="small",
        rows=leads.with_columns(pl.lit(2).alias(TEMPERATURE)),
        spec=SMALL_SPEC,
        split=stratified_split(leads),
        temperature_rule="constant",
        auc_margin=0.0,
    )
    result = evaluate(dataset)
    assert not result.model.trained_on(dataset.split.test_ids).any()
    assert result.model.trained_on(dataset.split.train_ids).all()
    assert result.train_rows + result.test_rows == leads.height
    assert result.test_rows == len(dataset.split.test_ids)


def test_a_time_split_learns_only_from_leads_that_arrived_before_every_test_lead() -> None:
    rows = pl.DataFrame({LEAD_ID: ["a", "b", "c", "d", "e"], "day": [5, 1, 3, 3, 2]})
    split = time_split(rows, "day")
    # 70% of 5 rows is row 3 of the ordered days 1 2 3 3 5: day 3 and later measure.
    assert sorted(split.train_ids) == ["b", "e"]
    assert sorted(split.test_ids) == ["a", "c", "d"]


def test_the_fields_read_are_the_specs_and_nothing_else(leads: pl.DataFrame) -> None:
    # The leaking "tags" column says exactly who won; a model that read it would be sure.
    model = LearnedScore.fit(leads, SMALL_SPEC)
    flipped = leads.with_columns(
        pl.when(pl.col("tags") == "Ringing")
        .then(pl.lit("Closed won"))
        .otherwise(pl.lit("Ringing"))
        .alias("tags")
    )
    assert np.allclose(model.predict_proba(leads), model.predict_proba(flipped))


def test_top_reasons_are_readable_and_signed(model: LearnedScore) -> None:
    lead = pl.DataFrame({"source": ["webinar"], "budget": [5000.0], "need": ["need now"]})
    cold = pl.DataFrame({"source": ["rented list"], "budget": [None], "need": ["Select"]})
    (warm_reasons,) = model.reasons(lead)
    (cold_reasons,) = model.reasons(cold)
    assert 1 <= len(warm_reasons) <= 3
    by_field = {r.field: r for r in warm_reasons}
    assert by_field["source"].raises
    assert by_field["source"].text == "lead source = webinar raises the score"
    cold_by_field = {r.field: r for r in cold_reasons}
    assert cold_by_field["source"].text == "lead source = rented list lowers the score"
    assert cold_by_field["budget"].text == "no monthly budget given lowers the score"
    # Strongest first.
    effects = [abs(r.effect) for r in warm_reasons]
    assert effects == sorted(effects, reverse=True)


def test_a_value_the_model_never_saw_is_named_as_new() -> None:
    reason = Reason("source", "lead source", "fax blast", -0.4, note="new")
    assert reason.text == "lead source = fax blast (new) lowers the score"
    leads = small_leads()
    model = LearnedScore.fit(leads, SMALL_SPEC)
    (reasons,) = model.reasons(
        pl.DataFrame({"source": ["fax blast"], "budget": [500.0], "need": ["curious"]})
    )
    notes = {r.field: r.note for r in reasons}
    assert notes["source"] == "new"
