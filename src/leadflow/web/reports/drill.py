"""The people behind a count of the funnel page: the same facts the count was summed from,
filtered the same way, as one query each (never a loop over rows).

Lead cuts (everyone, source, campaign, month, quarter) read LeadFact by the day the person
became a lead; setter and rep cuts read OpportunityFact by the day the appointment was set,
one row per opportunity, as the funnel counts them. A stage is "reached or passed"
(furthest ≥ its rank), except sweet spot, which is a tag a lead has or not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Case, CharField, Q, QuerySet, Value, When

from leadflow.crm.models import LeadFact, OpportunityFact
from leadflow.domain.funnel import FUNNEL, FunnelStage
from leadflow.domain.qualification import UnqualifiedReason
from leadflow.reports.common import NONE_LABEL, Cut, Window, names

# Not a funnel stage: the leads unqualified now, as the sources table counts them.
UNQUALIFIED = "unqualified"
MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
QUARTER = re.compile(r"(\d{4})-Q([1-4])")
# Ids are 64-bit integers: a longer number names nothing (and would overflow the query).
MAX_ID_DIGITS = 18


@dataclass(frozen=True)
class Drill:
    """Which count to open: a stage (or UNQUALIFIED), the cut and the row's key as the
    funnel page gave them, the period, and the sources table's narrower filters."""

    stage: FunnelStage | None  # None: unqualified
    cut: Cut
    key: str
    window: Window
    source_id: int | None = None
    reason: UnqualifiedReason | None = None

    @property
    def stage_label(self) -> str:
        if self.stage is None:
            return f"Unqualified ({self.reason.label})" if self.reason else "Unqualified"
        return self.stage.label

    def row_label(self) -> str:
        """What the key names: a source's or a person's name, a month, "everyone"."""
        if not self.key:
            return "everyone"
        if self.cut in (Cut.MONTH, Cut.QUARTER):
            return self.key
        found = names(self.cut, [int(self.key)]) if int(self.key) else {}
        return found.get(int(self.key), NONE_LABEL)


def key_error(cut: Cut, key: str) -> str | None:
    """Why `key` cannot be a row of the funnel by `cut`; None when it can."""
    if not key:
        return None
    if cut is Cut.ALL:
        return "the funnel of everyone has no rows to pick: leave the key empty"
    if cut is Cut.MONTH and not MONTH.fullmatch(key):
        return f'"{key}" is not a month like 2026-03'
    if cut is Cut.QUARTER and not QUARTER.fullmatch(key):
        return f'"{key}" is not a quarter like 2026-Q1'
    if cut not in (Cut.MONTH, Cut.QUARTER) and not (
        key.isascii() and key.isdigit() and len(key) <= MAX_ID_DIGITS
    ):
        return f'"{key}" is not the id of a {cut.value}'
    return None


def people_behind(drill: Drill) -> QuerySet[Any]:
    """The facts behind the count, newest first: lead facts or opportunity facts."""
    if drill.cut.is_pipeline:
        return _opportunities(drill)
    return _leads(drill)


def _leads(drill: Drill) -> QuerySet[LeadFact]:
    facts = LeadFact.objects.filter(_days("lead_on", drill.window))
    if drill.stage is None:
        facts = facts.filter(unqualified_reason__isnull=False).exclude(unqualified_reason="")
        if drill.reason is not None:
            facts = facts.filter(unqualified_reason=drill.reason.value)
    elif drill.stage is FunnelStage.SWEET_SPOT:
        facts = facts.filter(sweet_spot=True)
    else:
        facts = facts.filter(furthest__gte=drill.stage.rank)
    if drill.key:
        facts = facts.filter(_lead_key(drill.cut, drill.key))
    if drill.source_id is not None:
        facts = facts.filter(_id("source", drill.source_id))
    return facts.select_related("person", "person__company", "source", "campaign").order_by(
        "-lead_on", "-person_id"
    )


def _opportunities(drill: Drill) -> QuerySet[OpportunityFact]:
    assert drill.stage is not None, "setters and reps count opportunities, never unqualified"
    facts = OpportunityFact.objects.filter(
        _days("set_on", drill.window), furthest__gte=drill.stage.rank
    )
    if drill.key:
        facts = facts.filter(_id(drill.cut.value, int(drill.key)))
    return facts.select_related("person", "person__company", "setter", "rep").order_by(
        "-set_on", "-opportunity_id"
    )


def with_stage_labels(facts: QuerySet[Any]) -> QuerySet[Any]:
    """Each fact's furthest stage by name, worked out by the database."""
    label = Case(
        *(When(furthest=stage.rank, then=Value(stage.label)) for stage in FUNNEL),
        default=Value(""),
        output_field=CharField(),
    )
    labelled: QuerySet[Any] = facts.annotate(furthest_label=label)
    return labelled


def _days(column: str, window: Window) -> Q:
    where = Q()
    if window.start:
        where &= Q(**{f"{column}__gte": window.start})
    if window.end:
        where &= Q(**{f"{column}__lte": window.end})
    return where


def _id(column: str, value: int) -> Q:
    """The funnel keys "none" as 0 (FunnelDay never stores NULL); the facts hold NULL."""
    return Q(**{f"{column}__isnull": True}) if value == 0 else Q(**{f"{column}_id": value})


def _lead_key(cut: Cut, key: str) -> Q:
    if cut in (Cut.SOURCE, Cut.CAMPAIGN):
        return _id(cut.value, int(key))
    if cut is Cut.MONTH:
        found = MONTH.fullmatch(key)
        assert found is not None
        first = date(int(found[1]), int(found[2]), 1)
        return _days("lead_on", Window(first, _month_end(first)))
    found = QUARTER.fullmatch(key)
    assert found is not None
    first = date(int(found[1]), 3 * int(found[2]) - 2, 1)
    return _days("lead_on", Window(first, _month_end(first.replace(month=first.month + 2))))


def _month_end(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
