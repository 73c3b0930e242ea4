"""Segments as queries: a saved segment's rules → a `Q` on Person.

The export engine narrows its list with `segment_filter(name)`; eligibility (who may get
which channel) is decided elsewhere, so a segment can only ever make a list smaller.
Every rule is a subquery on won opportunities or a column of Person, so the `Q` works
in any `Person.objects.filter(...)` without annotations, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import calendar
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import (
    DecimalField,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextField,
    Value,
)
from django.db.models.functions import Cast
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.utils import timezone

from leadflow.crm.models import Opportunity, Person, Segment
from leadflow.crm.models.segments import FlagChoice, SegmentRules
from leadflow.domain.pipeline import Stage


def segment_filter(name: str, *, at: datetime | None = None) -> Q:
    """The people in the segment called `name`; LookupError when there is none."""
    segment = Segment.objects.filter(name=name).first()
    if segment is None:
        known = ", ".join(Segment.objects.values_list("name", flat=True)[:20]) or "none yet"
        raise LookupError(f'no segment named "{name}" (segments: {known})')
    return rules_filter(segment.parsed_rules, at=at)


def segment_count(rules: SegmentRules, *, at: datetime | None = None) -> int:
    """How many people the rules select right now: the preview on the segments page."""
    return Person.objects.filter(rules_filter(rules, at=at)).count()


def rules_filter(rules: SegmentRules, *, at: datetime | None = None) -> Q:
    now = at or timezone.now()
    q = Q()
    if rules.person_types:
        q &= Q(person_type__in=[t.value for t in rules.person_types])
    if rules.bought_any:
        q &= Q(Exists(_won_with_any(rules.bought_any)))
    if rules.bought_none:
        q &= ~Q(Exists(_won_with_any(rules.bought_none)))
    if rules.min_tenure_months is not None:
        q &= Q(became_client_at__lte=months_before(now, rules.min_tenure_months))
    if rules.max_tenure_months is not None:
        q &= Q(became_client_at__gte=months_before(now, rules.max_tenure_months))
    if rules.min_lifetime_spend is not None:
        q &= Q(pk__in=_lifetime(total__gte=rules.min_lifetime_spend))
    if rules.max_lifetime_spend is not None:
        q &= ~Q(pk__in=_lifetime(total__gt=rules.max_lifetime_spend))
    if rules.min_monthly_spend is not None:
        q &= Q(GreaterThanOrEqual(_monthly(), _money(rules.min_monthly_spend)))
    if rules.max_monthly_spend is not None:
        # No won deal is no monthly spend: within any maximum.
        q &= Q(LessThanOrEqual(_monthly(), _money(rules.max_monthly_spend))) | ~Q(Exists(_won()))
    q &= _flag("client_refunded", rules.refunded)
    q &= _flag("client_late_pay", rules.late_pay)
    return q


def months_before(moment: datetime, months: int) -> datetime:
    """The same day `months` calendar months earlier (the 31st → the month's last day)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def _won() -> QuerySet[Opportunity]:
    return Opportunity.objects.filter(person=OuterRef("pk"), stage=Stage.WON)


def _won_with_any(lines: list[str]) -> QuerySet[Opportunity]:
    # services_bought is a JSON list of service lines, which SegmentRules keeps to words
    # and dashes: the quoted line inside the list's text is an exact element match, and
    # works the same on SQLite (no JSON containment there) and PostgreSQL.
    text = Cast("services_bought", output_field=TextField())
    match = Q()
    for line in lines:
        match |= Q(bought_text__icontains=f'"{line}"')
    return _won().annotate(bought_text=text).filter(match)


def _lifetime(**having: Decimal) -> QuerySet[Any, dict[str, Any]]:
    return (
        Opportunity.objects.filter(stage=Stage.WON, contract_value__isnull=False)
        .values("person_id")
        .annotate(total=Sum("contract_value"))
        .filter(**having)
        .values("person_id")
    )


def _monthly() -> Subquery:
    latest = (
        _won()
        .filter(contract_value__isnull=False)
        .order_by("-closed_at", "-id")
        .values("contract_value")[:1]
    )
    return Subquery(latest, output_field=DecimalField(max_digits=12, decimal_places=2))


def _money(amount: Decimal) -> Value:
    return Value(amount, output_field=DecimalField(max_digits=14, decimal_places=2))


def _flag(field: str, choice: FlagChoice) -> Q:
    if choice is FlagChoice.ANY:
        return Q()
    return Q(**{field: choice is FlagChoice.YES})


__all__ = ["months_before", "rules_filter", "segment_count", "segment_filter"]
