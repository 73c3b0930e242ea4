"""One feature definition: blanks read as missing, leaking columns never read."""

from __future__ import annotations

import polars as pl
import pytest

from leadflow.scoring.datasets import X_EDUCATION_LEAKS, x_education_spec
from leadflow.scoring.features import (
    LEAD_ID,
    MISSING,
    WON,
    FeatureSpec,
    Field,
    FieldKind,
    feature_frame,
)
from tests.scoring.conftest import SMALL_SPEC

pytestmark = pytest.mark.same_on_every_database

X_COLUMNS = [
    "Prospect ID",
    "Lead Number",
    "Lead Origin",
    "Lead Source",
    "Converted",
    "TotalVisits",
    "Specialization",
    "Tags",
    "Lead Quality",
    "Last Activity",
    "Last Notable Activity",
    "City",
]


def test_select_reads_as_missing_like_a_blank() -> None:
    raw = pl.DataFrame(
        {"source": ["Select", "", None, " webinar "], "budget": [1, 2, 3, 4], "need": ["x"] * 4}
    )
    frame = feature_frame(raw, SMALL_SPEC)
    assert frame["source"].to_list() == [MISSING, MISSING, MISSING, "webinar"]


def test_a_number_field_reads_text_and_a_placeholder_as_missing() -> None:
    raw = pl.DataFrame({"source": ["a"] * 3, "budget": ["12", "Select", ""], "need": ["x"] * 3})
    assert feature_frame(raw, SMALL_SPEC)["budget"].to_list() == [12.0, None, None]


def test_the_feature_frame_drops_ids_outcome_and_leaking_columns() -> None:
    raw = pl.DataFrame(
        {
            LEAD_ID: ["a"],
            WON: [1],
            "source": ["webinar"],
            "budget": [1.0],
            "need": ["now"],
            "tags": ["Closed won"],
        }
    )
    assert feature_frame(raw, SMALL_SPEC).columns == ["source", "budget", "need"]


def test_x_education_never_reads_tags_lead_quality_or_last_activities() -> None:
    spec = x_education_spec(X_COLUMNS)
    assert not set(spec.names) & X_EDUCATION_LEAKS
    assert not set(spec.names) & {"Prospect ID", "Lead Number", "Converted"}
    assert spec.names == ("Lead Origin", "Lead Source", "TotalVisits", "Specialization", "City")
    assert spec.field("TotalVisits").kind is FieldKind.NUMBER
    assert "Select" in spec.missing_markers


def test_x_education_reads_google_and_google_lower_case_as_one_source() -> None:
    spec = x_education_spec(X_COLUMNS)
    raw = pl.DataFrame({c: ["x", "x"] for c in spec.names}).with_columns(
        pl.Series("Lead Source", ["Google", "google"]),
        pl.Series("TotalVisits", ["1", "2"]),
    )
    assert feature_frame(raw, spec)["Lead Source"].to_list() == ["google", "google"]


def test_a_spec_refuses_a_field_that_leaks_the_outcome() -> None:
    with pytest.raises(ValueError, match="Tags leak the outcome"):
        FeatureSpec("bad", (Field("Tags", "tags"),), never_read=X_EDUCATION_LEAKS)


def test_scoring_a_frame_without_a_field_says_which() -> None:
    with pytest.raises(ValueError, match="lacks the fields need"):
        feature_frame(pl.DataFrame({"source": ["a"], "budget": [1.0]}), SMALL_SPEC)
