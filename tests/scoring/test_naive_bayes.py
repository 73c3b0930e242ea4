"""The naive-Bayes baseline counts values in won and lost leads, Laplace-smoothed."""

from __future__ import annotations

import math

import polars as pl
import pytest

from leadflow.scoring.features import LEAD_ID, WON, FeatureSpec, Field, FieldKind
from leadflow.scoring.naive_bayes import NaiveBayesScorer

pytestmark = pytest.mark.same_on_every_database

SPEC = FeatureSpec("tiny", (Field("source", "lead source"), Field("size", "company size")))

# 2 won, 4 lost.
#   source: webinar won 2 lost 1; list won 0 lost 3           (K = 2)
#   size:   small won 1 lost 2; big won 1 lost 1; (missing) won 0 lost 1   (K = 3)
TINY = pl.DataFrame(
    {
        LEAD_ID: ["a", "b", "c", "d", "e", "f"],
        WON: [1, 1, 0, 0, 0, 0],
        "source": ["webinar", "webinar", "webinar", "list", "list", "list"],
        "size": ["small", "big", "small", "big", "small", None],
    }
)


def _probability(odds: float) -> float:
    return odds / (1 + odds)


def test_naive_bayes_multiplies_laplace_smoothed_frequencies_with_the_prior() -> None:
    scorer = NaiveBayesScorer(SPEC).fit(TINY)
    lead = pl.DataFrame({"source": ["webinar"], "size": ["small"]})
    # prior 2/4; webinar (2+1)/(2+2) over (1+1)/(4+2); small (1+1)/(2+3) over (2+1)/(4+3)
    odds = (2 / 4) * ((3 / 4) / (2 / 6)) * ((2 / 5) / (3 / 7))
    assert scorer.predict_proba(lead)[0] == pytest.approx(_probability(odds))


def test_naive_bayes_reads_missing_as_a_value_of_its_own() -> None:
    scorer = NaiveBayesScorer(SPEC).fit(TINY)
    lead = pl.DataFrame({"source": ["list"], "size": [""]})
    # list (0+1)/(2+2) over (3+1)/(4+2); missing (0+1)/(2+3) over (1+1)/(4+3)
    odds = (2 / 4) * ((1 / 4) / (4 / 6)) * ((1 / 5) / (2 / 7))
    assert scorer.predict_proba(lead)[0] == pytest.approx(_probability(odds))


def test_naive_bayes_skips_a_value_never_seen_in_training() -> None:
    scorer = NaiveBayesScorer(SPEC).fit(TINY)
    lead = pl.DataFrame({"source": ["trade show"], "size": ["big"]})
    # trade show says nothing; big (1+1)/(2+3) over (1+1)/(4+3)
    odds = (2 / 4) * ((2 / 5) / (2 / 7))
    assert scorer.predict_proba(lead)[0] == pytest.approx(_probability(odds))


def test_naive_bayes_counts_numbers_per_training_side_bin() -> None:
    spec = FeatureSpec("numbers", (Field("visits", "visits", FieldKind.NUMBER),))
    rows = pl.DataFrame(
        {LEAD_ID: list("abcd"), WON: [0, 0, 1, 1], "visits": [0.0, 1.0, 10.0, 12.0]}
    )
    scorer = NaiveBayesScorer(spec, bins=2).fit(rows)
    # Two bins split at the median 5.5: the low bin is all lost, the high bin all won.
    low, high = scorer.predict_proba(pl.DataFrame({"visits": [3.0, 50.0]}))
    assert low == pytest.approx(_probability((1 / 4) / (3 / 4)))
    assert high == pytest.approx(_probability((3 / 4) / (1 / 4)))
    assert math.isclose(low + high, 1.0)


def test_naive_bayes_refuses_a_history_with_one_outcome() -> None:
    with pytest.raises(ValueError, match="won and lost"):
        NaiveBayesScorer(SPEC).fit(TINY.with_columns(pl.lit(0).alias(WON)))
