"""The public lead data the score is measured on (../shared/data, see its README.md).

Both are read as they are, never edited. What each lead is, which fields a model may
read, how the split is made and how temperature is read are decided here, once, for the
bench and the acceptance test alike.
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from leadflow.domain.temperature import Temperature
from leadflow.scoring.evaluation import (
    TEMPERATURE,
    Dataset,
    stratified_split,
    time_split,
)
from leadflow.scoring.features import LEAD_ID, WON, FeatureSpec, Field, FieldKind

X_EDUCATION_FILE = ("x-education-leads", "Leads.csv")
OLIST_LEADS_FILE = ("olist-marketing-funnel", "olist_marketing_qualified_leads_dataset.csv")
OLIST_DEALS_FILE = ("olist-marketing-funnel", "olist_closed_deals_dataset.csv")


def shared_data_root() -> Path:
    """LEADFLOW_SHARED_DATA, else ../shared/data beside this checkout."""
    configured = os.environ.get("LEADFLOW_SHARED_DATA")
    return Path(configured) if configured else Path(__file__).parents[4] / "shared" / "data"


# --- X Education -------------------------------------------------------------------------

# Filled in by a rep after talking to the lead: they carry the outcome (a tag "Closed by
# Horizzon", a last activity "SMS Sent" to a converted lead), so no model reads them.
X_EDUCATION_LEAKS = frozenset({"Tags", "Lead Quality", "Last Activity", "Last Notable Activity"})
_X_IDS = ("Prospect ID", "Lead Number", "Converted")
_X_NUMBERS = frozenset(
    {
        "TotalVisits",
        "Total Time Spent on Website",
        "Page Views Per Visit",
        "Asymmetrique Activity Score",
        "Asymmetrique Profile Score",
    }
)
_X_LABELS = {
    "TotalVisits": "visits to the website",
    "Do Not Email": "do-not-email",
    "Do Not Call": "do-not-call",
    "What is your current occupation": "occupation",
    "What matters most to you in choosing a course": "what matters most",
    "How did you hear about X Education": "how they heard of us",
    "A free copy of Mastering The Interview": "free copy of the interview guide",
}

X_EDUCATION_TEMPERATURE_RULE = (
    "temperature from the kind of action only (PRODUCT.md §3): cold = asked for no "
    "follow-up (Do Not Email or Do Not Call); hot = the enquiry form asking to be called "
    "(Lead Origin 'Lead Add Form' or 'Quick Add Form'); warm = signed up on a landing page "
    "(Landing Page Submission); cool = the rest (API: chat, ads; Lead Import)"
)


def x_education_spec(columns: list[str]) -> FeatureSpec:
    """Every column known at intake: all but the ids, the outcome and the leaks."""
    fields = tuple(
        Field(
            name,
            _X_LABELS.get(name, name.lower()),
            FieldKind.NUMBER if name in _X_NUMBERS else FieldKind.CATEGORY,
            # "Google" and "google" are one source.
            fold_case=name == "Lead Source",
        )
        for name in columns
        if name not in X_EDUCATION_LEAKS and name not in _X_IDS
    )
    return FeatureSpec(
        "X Education",
        fields,
        # `Select` is the form's "not chosen".
        missing_markers=frozenset({"", "Select"}),
        never_read=X_EDUCATION_LEAKS,
    )


def _x_education_temperature() -> pl.Expr:
    opted_out = (pl.col("Do Not Email") == "Yes") | (pl.col("Do Not Call") == "Yes")
    origin = pl.col("Lead Origin")
    return (
        pl.when(opted_out)
        .then(int(Temperature.COLD))
        .when(origin.is_in(["Lead Add Form", "Quick Add Form"]))
        .then(int(Temperature.HOT))
        .when(origin == "Landing Page Submission")
        .then(int(Temperature.WARM))
        .otherwise(int(Temperature.COOL))
        .alias(TEMPERATURE)
    )


def load_x_education(root: Path) -> Dataset:
    # Every column as text: `feature_frame` decides what is a number, the same way for
    # this file and for one lead typed in by hand.
    raw = pl.read_csv(root.joinpath(*X_EDUCATION_FILE), infer_schema_length=0)
    rows = raw.with_columns(
        pl.col("Prospect ID").alias(LEAD_ID),
        pl.col("Converted").cast(pl.Int8).alias(WON),
        _x_education_temperature(),
    )
    return Dataset(
        name="X Education",
        rows=rows,
        spec=x_education_spec(raw.columns),
        split=stratified_split(rows),
        temperature_rule=X_EDUCATION_TEMPERATURE_RULE,
        auc_margin=0.03,
    )


# --- Olist -----------------------------------------------------------------------------

# Only these are known for every lead. Month of the year is left out: the data spans
# less than a year while Olist's won rate climbed from 1% to 14%, so a month stands for
# a stage of that ramp, never for a season the test side could share.
OLIST_SPEC = FeatureSpec(
    "Olist",
    (
        Field("origin", "lead source"),
        Field("landing_page_id", "landing page"),
        Field("first_contact_weekday", "weekday of first contact"),
    ),
)

OLIST_TEMPERATURE_RULE = (
    "no activity data: every lead filled a landing-page form asking to be contacted, so "
    "every lead is warm and temperature ranks nobody (AUC 0.5)"
)


def load_olist(root: Path) -> Dataset:
    leads = pl.read_csv(root.joinpath(*OLIST_LEADS_FILE), infer_schema_length=0)
    won = pl.read_csv(root.joinpath(*OLIST_DEALS_FILE), columns=["mql_id"], infer_schema_length=0)
    rows = leads.with_columns(
        pl.col("mql_id").alias(LEAD_ID),
        pl.col("mql_id").is_in(won["mql_id"].implode()).cast(pl.Int8).alias(WON),
        pl.col("first_contact_date").str.to_date("%Y-%m-%d"),
        pl.lit(int(Temperature.WARM)).alias(TEMPERATURE),
    ).with_columns(pl.col("first_contact_date").dt.strftime("%a").alias("first_contact_weekday"))
    return Dataset(
        name="Olist",
        rows=rows,
        spec=OLIST_SPEC,
        split=time_split(rows, "first_contact_date"),
        temperature_rule=OLIST_TEMPERATURE_RULE,
        auc_margin=-0.01,
    )
