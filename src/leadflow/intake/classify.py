"""Qualification and temperature for intake rows: the domain core, once per distinct input.

Thousands of rows share a handful of profiles and (activity, wish) pairs, so the domain's
pure functions run once per distinct combination and the answers are joined back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
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


_CENTS = Decimal("0.01")


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
        # As the database stores it (two places), so an explanation written at intake
        # reads like one written from the stored person: "5000.00", never "5000.0".
        monthly_budget=Decimal(str(budget)).quantize(_CENTS) if budget is not None else None,
        outsourcing=Outsourcing(values["outsourcing"]) if text("outsourcing") else None,
        switch_reason=SwitchReason(values["switch_reason"]) if text("switch_reason") else None,
        need=Need(values["need"]) if text("need") else None,
        lead_source=text("lead_source"),
        services_wanted=frozenset(values.get("services_wanted") or ()),
    )


_SLOT = "\ue000{}\ue001"  # private-use marks: never in a describe() of the domain's own


@dataclass(frozen=True)
class _Slot:
    """One criterion of the playbook (a rule, or an avatar's) and the columns it reads."""

    index: int
    criterion: q.Criterion
    rule: bool  # a qualification rule (waivable when soft), not an avatar criterion

    @property
    def columns(self) -> tuple[str, ...]:
        trait = self.criterion.trait
        if trait is Trait.SWITCH_REASON:
            return ("switch_reason", "outsourcing")
        return (trait.value,)

    @property
    def waivable(self) -> bool:
        return self.rule and not self.criterion.hard

    @property
    def mark(self) -> str:
        return _SLOT.format(self.index)


def _slots(playbook: q.Playbook) -> list[_Slot]:
    criteria = [(c, True) for c in playbook.rules] + [
        (c, False) for a in playbook.avatars for c in a.criteria
    ]
    return [_Slot(i, c, rule) for i, (c, rule) in enumerate(criteria)]


def _results(leads: pl.DataFrame, slot: _Slot) -> pl.DataFrame:
    """The slot's verdict and shown value for each row, evaluated once per distinct input."""
    keys = list(slot.columns)
    waived = f"waived_{slot.index}"
    if slot.waivable:
        trait = slot.criterion.trait.value
        leads = leads.with_columns(
            pl.col("waived_traits").list.contains(trait).fill_null(False).alias(waived)
        )
        keys.append(waived)
    distinct = leads.select(keys).unique()
    rows = []
    for values in distinct.iter_rows(named=True):
        result = slot.criterion.evaluate(_profile(values))
        if values.get(waived):
            result = q.waive(result, frozenset({slot.criterion.trait}))
        # The JSON spelling too, for the details document the same slots are filled in.
        encoded = json.dumps(result.actual, ensure_ascii=False)[1:-1]
        rows.append((*values.values(), result.verdict.value, result.actual, encoded))
    verdict, shown, encoded_name = f"v{slot.index}", f"a{slot.index}", f"j{slot.index}"
    table = pl.DataFrame(
        rows,
        schema={**distinct.schema, verdict: pl.String, shown: pl.String, encoded_name: pl.String},
        orient="row",
    )
    return (
        leads.select("row", *keys)
        .join(table, on=keys, how="left", nulls_equal=True)
        .select("row", verdict, shown, encoded_name)
    )


# What qualify_profiles says of each row, besides the row itself.
DECISION_COLUMNS = (
    "status",
    "unqualified_reason",
    "sweet_spot",
    "explanation",
    "details",
    "incomplete",
    "missing",
    "proposal_note",
)


def qualify_profiles(
    leads: pl.DataFrame, playbook: q.Playbook
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The qualification of each row: its row and the DECISION_COLUMNS (details as JSON
    text). Also the proposed disqualifications (row, reason, trait, detail).

    Set-based, with the domain's own words: each criterion is evaluated once per distinct
    value of what it reads, the domain's `judge` runs once per distinct combination of
    verdicts with marked slots for the values, and the rows' values fill the slots.
    """
    slots = _slots(playbook)
    frame = leads.select("row")
    for slot in slots:
        frame = frame.join(_results(leads, slot), on="row", how="left")
    verdicts = [f"v{slot.index}" for slot in slots]
    frame = frame.with_columns(
        (pl.concat_str(verdicts, separator="|") if verdicts else pl.lit("")).alias("verdicts")
    )
    decisions, proposals = _decisions(frame.select("verdicts", *verdicts).unique(), slots, playbook)
    frame = frame.join(decisions, on="verdicts", how="left")
    fills_text, fills_json = [], []
    for slot in slots:
        shown = pl.col(f"a{slot.index}").fill_null("")
        fills_text.append((slot.mark, shown))
        fills_json.append((slot.mark, pl.col(f"j{slot.index}").fill_null("")))
    frame = frame.with_columns(
        explanation=_filled(pl.col("explanation"), fills_text),
        details=_filled(pl.col("details"), fills_json),
        proposal_note=_filled(pl.col("proposal_note"), fills_text),
    )
    proposed = (
        frame.select("row", "verdicts", *(f"a{s.index}" for s in slots))
        .join(proposals, on="verdicts", how="inner")
        .with_columns(detail=_filled(pl.col("detail"), fills_text))
        .select("row", "reason", "trait", "detail")
    )
    return frame.select("row", *DECISION_COLUMNS), proposed


def _filled(template: pl.Expr, fills: list[tuple[str, pl.Expr]]) -> pl.Expr:
    for mark, value in fills:
        template = template.str.replace_all(mark, value, literal=True)
    return template


def _decisions(
    vectors: pl.DataFrame, slots: list[_Slot], playbook: q.Playbook
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The domain's decision for each distinct verdict combination, values left as slots."""
    rules = [s for s in slots if s.rule]
    decided: list[tuple[Any, ...]] = []
    proposed: list[tuple[str, str, str, str]] = []
    for row in vectors.iter_rows(named=True):

        def result(slot: _Slot, row: dict[str, Any] = row) -> q.CriterionResult:
            return q.CriterionResult(slot.criterion, q.Verdict(row[f"v{slot.index}"]), slot.mark)

        fits = []
        start = len(rules)
        for avatar in playbook.avatars:
            end = start + len(avatar.criteria)
            fits.append(q.AvatarFit(avatar.name, tuple(result(s) for s in slots[start:end])))
            start = end
        decision = q.judge(tuple(result(s) for s in rules), tuple(fits))
        details = json.dumps(explanation_details(decision), ensure_ascii=False)
        decided.append(
            (
                row["verdicts"],
                decision.status.value,
                decision.reason.value if decision.reason else None,
                decision.sweet_spot,
                decision.explanation,
                details,
                decision.incomplete,
                ", ".join(t.value.replace("_", " ") for t in decision.missing),
                "; ".join(p.criterion.describe() for p in decision.proposed) or None,
            )
        )
        proposed.extend(
            (
                row["verdicts"],
                p.reason.value,
                p.criterion.criterion.trait.value,
                p.criterion.describe(),
            )
            for p in decision.proposed
        )
    decisions = pl.DataFrame(
        decided,
        schema={
            "verdicts": pl.String,
            "status": pl.String,
            "unqualified_reason": pl.String,
            "sweet_spot": pl.String,
            "explanation": pl.String,
            "details": pl.String,
            "incomplete": pl.Boolean,
            "missing": pl.String,
            "proposal_note": pl.String,
        },
        orient="row",
    )
    proposals = pl.DataFrame(
        proposed,
        schema={
            "verdicts": pl.String,
            "reason": pl.String,
            "trait": pl.String,
            "detail": pl.String,
        },
        orient="row",
    )
    return decisions, proposals


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
