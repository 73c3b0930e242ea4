"""Qualification and temperature for intake rows: the domain core, once per distinct input.

Thousands of rows share a handful of profiles and (activity, wish) pairs, so the domain's
pure functions run once per distinct combination and the answers are joined back.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import polars as pl

from leadflow.crm.services.qualification import explanation_details
from leadflow.domain import qualification as q
from leadflow.domain.calendar import BusinessCalendar
from leadflow.domain.profile import Authority, LeadProfile, Need, Outsourcing, SwitchReason, Trait
from leadflow.domain.temperature import NextStep, Temperature, Triggers, follow_up_for

PROFILE_COLUMNS = (
    "niche",
    "geography",
    "company_type",
    "employee_count",
    "authority",
    "monthly_budget",
    "outsourcing",
    "switch_reason",
    "need",
    "lead_source",
    "services_wanted",
    "waived_traits",
)


def _profile(values: Mapping[str, Any]) -> LeadProfile:
    def text(name: str) -> str | None:
        value = values.get(name)
        return str(value) if value not in (None, "") else None

    budget = values.get("monthly_budget")
    return LeadProfile(
        niche=text("niche"),
        geography=text("geography"),
        company_type=text("company_type"),
        employee_count=values.get("employee_count"),
        authority=Authority(values["authority"]) if values.get("authority") is not None else None,
        monthly_budget=Decimal(str(budget)) if budget is not None else None,
        outsourcing=Outsourcing(values["outsourcing"]) if text("outsourcing") else None,
        switch_reason=SwitchReason(values["switch_reason"]) if text("switch_reason") else None,
        need=Need(values["need"]) if text("need") else None,
        lead_source=text("lead_source"),
        services_wanted=frozenset(values.get("services_wanted") or ()),
    )


def qualify_profiles(leads: pl.DataFrame, playbook: q.Playbook) -> pl.DataFrame:
    """Add the qualification of each row (status, reason, sweet spot, explanation...)."""
    distinct = leads.select(PROFILE_COLUMNS).unique()
    results: list[dict[str, Any]] = []
    for values in distinct.iter_rows(named=True):
        waived = frozenset(Trait(t) for t in values.get("waived_traits") or ())
        result = q.qualify(_profile(values), playbook, waived=waived)
        results.append(
            {
                **values,
                "status": result.status.value,
                "unqualified_reason": result.reason.value if result.reason else None,
                "sweet_spot": result.sweet_spot,
                "explanation": result.explanation,
                "incomplete": result.incomplete,
                "missing": ", ".join(t.value.replace("_", " ") for t in result.missing),
                "proposals": [
                    {
                        "reason": p.reason.value,
                        "trait": p.criterion.criterion.trait.value,
                        "detail": p.criterion.describe(),
                    }
                    for p in result.proposed
                ],
                "details": explanation_details(result),
            }
        )
    table = pl.DataFrame(
        results,
        schema={
            **{c: distinct.schema[c] for c in PROFILE_COLUMNS},
            "status": pl.String,
            "unqualified_reason": pl.String,
            "sweet_spot": pl.String,
            "explanation": pl.String,
            "incomplete": pl.Boolean,
            "missing": pl.String,
            "proposals": pl.Object,
            "details": pl.Object,
        },
    )
    return leads.join(table, on=list(PROFILE_COLUMNS), how="left", nulls_equal=True)


def temperatures(frame: pl.DataFrame, triggers: Triggers) -> pl.DataFrame:
    """Add `temperature` (int) from each row's (activity, wish)."""
    table = pl.DataFrame(
        [(k.value, w.value, int(t)) for (k, w), t in triggers.items()],
        schema={"activity": pl.String, "wish": pl.String, "temperature": pl.Int8},
        orient="row",
    )
    return frame.join(table, on=["activity", "wish"], how="left")


def follow_ups(
    frame: pl.DataFrame,
    *,
    calendar: BusinessCalendar,
    steps: Mapping[Temperature, NextStep],
) -> pl.DataFrame:
    """Add `follow_up_action`, `follow_up_due`, `follow_up_note`: the next step's task."""
    distinct = frame.select("temperature", "activity_date", "status").unique()
    rows = []
    for temperature, on, status in distinct.iter_rows():
        follow = follow_up_for(
            Temperature(temperature),
            on,
            calendar,
            qualification=q.QualificationStatus(status) if status else None,
            steps=steps,
        )
        rows.append(
            (
                temperature,
                on,
                status,
                follow.action.value if follow else None,
                follow.due if follow else None,
                follow.step.describe() if follow else None,
            )
        )
    table = pl.DataFrame(
        rows,
        schema={
            "temperature": pl.Int8,
            "activity_date": pl.Date,
            "status": pl.String,
            "follow_up_action": pl.String,
            "follow_up_due": pl.Date,
            "follow_up_note": pl.String,
        },
        orient="row",
    )
    return frame.join(
        table, on=["temperature", "activity_date", "status"], how="left", nulls_equal=True
    )
