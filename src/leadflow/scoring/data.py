"""The CRM's leads as the score reads them: one frame, read set-based.

Two queries for any number of people (their own and company fields, then their interest
activities in the intake window), joined in polars; never a query per person. Training
reads every lead old enough to have had its chance; the person page reads one person;
both through `lead_rows`, so a lead is described the same way to learn and to be scored.

What a lead did counts only in its first `INTAKE_WINDOW`: an activity months later may be
what the sales team's own work brought about (a client attending the onboarding webinar),
and a score "from what is known at intake" must not learn from it. A young lead is scored
on what it has done so far, the same window cut short.

Temperature is not a field: it is decided by the first activity's kind and follow-up wish
(PRODUCT.md §3), which the model reads as they are.
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl
from django.db.models import F, FloatField, QuerySet
from django.db.models.functions import Cast

from leadflow.crm.models import Activity, Person
from leadflow.domain.people import PersonType
from leadflow.domain.profile import Authority
from leadflow.scoring.features import LEAD_ID, WON, FeatureSpec, Field, FieldKind

INTAKE_WINDOW = timedelta(days=14)
BECAME_LEAD_AT = "became_lead_at"

CRM_SPEC = FeatureSpec(
    "CRM",
    (
        Field("lead_source", "lead source"),
        Field("niche", "niche"),
        Field("company_type", "company type"),
        Field("employee_count", "employee count", FieldKind.NUMBER),
        Field("geography", "geography"),
        Field("authority", "authority"),
        Field("monthly_budget", "monthly budget", FieldKind.NUMBER),
        Field("outsourcing", "IT today"),
        Field("switch_reason", "reason to switch"),
        Field("need", "need"),
        Field("services_wanted", "services wanted"),
        Field("first_activity", "first interest activity"),
        Field("follow_up_wish", "follow-up wish"),
        Field(
            "intake_activities",
            f"interest activities in the first {INTAKE_WINDOW.days} days",
            FieldKind.NUMBER,
        ),
        Field("problem_indicators", "problem indicators"),
    ),
)

_PEOPLE_SCHEMA = pl.Schema(
    {
        LEAD_ID: pl.Int64(),
        BECAME_LEAD_AT: pl.Datetime("us", "UTC"),
        "person_type": pl.Utf8(),
        "became_client_at": pl.Datetime("us", "UTC"),
        "lead_source": pl.Utf8(),
        "niche": pl.Utf8(),
        "company_type": pl.Utf8(),
        "employee_count": pl.Float64(),
        "geography": pl.Utf8(),
        "authority_level": pl.Int64(),
        "monthly_budget": pl.Float64(),
        "outsourcing": pl.Utf8(),
        "switch_reason": pl.Utf8(),
        "need": pl.Utf8(),
        "services": pl.List(pl.Utf8()),
    }
)

_ACTIVITY_SCHEMA = pl.Schema(
    {
        LEAD_ID: pl.Int64(),
        "occurred_at": pl.Datetime("us", "UTC"),
        "activity_id": pl.Int64(),
        "kind": pl.Utf8(),
        "wish": pl.Utf8(),
        "problems": pl.List(pl.Utf8()),
    }
)

_AUTHORITY_LABELS = {int(a): a.label for a in Authority}


def _readable(column: str) -> pl.Expr:
    # Stored enum values ("in_house", "event_attended") read as words on the page.
    return pl.col(column).str.replace_all("_", " ")


def _people(leads: QuerySet[Person]) -> pl.DataFrame:
    rows = leads.annotate(budget=Cast("monthly_budget", FloatField())).values_list(
        "id",
        "became_lead_at",
        "person_type",
        "became_client_at",
        "lead_source__name",
        "company__niche",
        "company__company_type",
        "company__employee_count",
        "company__geography",
        "authority",
        "budget",
        "outsourcing",
        "switch_reason",
        "need",
        "services_wanted",
    )
    return pl.DataFrame(list(rows), schema=_PEOPLE_SCHEMA, orient="row")


def _intake_activities(leads: QuerySet[Person]) -> pl.DataFrame:
    rows = Activity.objects.filter(
        person__in=leads, occurred_at__lte=F("person__became_lead_at") + INTAKE_WINDOW
    ).values_list("person_id", "occurred_at", "id", "kind", "wish", "problem_indicators")
    activities = pl.DataFrame(list(rows), schema=_ACTIVITY_SCHEMA, orient="row")
    return (
        activities.sort(LEAD_ID, "occurred_at", "activity_id")
        .group_by(LEAD_ID)
        .agg(
            _readable("kind").first().alias("first_activity"),
            _readable("wish").first().alias("follow_up_wish"),
            pl.len().cast(pl.Float64).alias("intake_activities"),
            (pl.col("problems").list.len() > 0).any().alias("any_problem"),
        )
    )


def lead_rows(people: QuerySet[Person]) -> pl.DataFrame:
    """One row per person in `people` who ever became a lead: LEAD_ID (the person id),
    BECAME_LEAD_AT, WON (became a client) and the fields of `CRM_SPEC`."""
    leads = people.filter(became_lead_at__isnull=False)
    frame = _people(leads).join(_intake_activities(leads), on=LEAD_ID, how="left")
    return frame.select(
        LEAD_ID,
        BECAME_LEAD_AT,
        (
            (pl.col("person_type") == PersonType.CLIENT.value)
            | pl.col("became_client_at").is_not_null()
        )
        .cast(pl.Int8)
        .alias(WON),
        "lead_source",
        "niche",
        "company_type",
        "employee_count",
        "geography",
        pl.col("authority_level")
        .replace_strict(_AUTHORITY_LABELS, default=None, return_dtype=pl.Utf8)
        .alias("authority"),
        "monthly_budget",
        _readable("outsourcing"),
        _readable("switch_reason"),
        _readable("need"),
        pl.col("services").list.sort().list.join(", ").alias("services_wanted"),
        "first_activity",
        "follow_up_wish",
        pl.col("intake_activities").fill_null(0.0),
        pl.when(pl.col("any_problem"))
        .then(pl.lit("yes"))
        .otherwise(pl.lit("no"))
        .alias("problem_indicators"),
    )
