"""Translate rows into the domain core's plain values, and the playbook tables into a Playbook."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache

from django.utils import timezone

from leadflow.crm.models import (
    Activity,
    Avatar,
    AvoidEntry,
    BusinessSettings,
    Criterion,
    NextStepSetting,
    Person,
    TemperatureTrigger,
)
from leadflow.domain import qualification as q
from leadflow.domain.calendar import BusinessCalendar
from leadflow.domain.channels import ChannelSubject
from leadflow.domain.people import PersonType
from leadflow.domain.profile import Authority, LeadProfile, Need, Outsourcing, SwitchReason, Trait
from leadflow.domain.temperature import (
    DEFAULT_NEXT_STEPS,
    DEFAULT_TRIGGERS,
    ActivityKind,
    FollowUpWish,
    InterestActivity,
    NextAction,
    NextStep,
    Temperature,
    Triggers,
)


def lead_profile(person: Person) -> LeadProfile:
    company = person.company
    return LeadProfile(
        niche=(company.niche or None) if company else None,
        geography=_geography(person),
        company_type=(company.company_type or None) if company else None,
        employee_count=company.employee_count if company else None,
        authority=Authority(person.authority) if person.authority is not None else None,
        monthly_budget=person.monthly_budget,
        outsourcing=Outsourcing(person.outsourcing) if person.outsourcing else None,
        switch_reason=SwitchReason(person.switch_reason) if person.switch_reason else None,
        need=Need(person.need) if person.need else None,
        lead_source=person.lead_source.name
        if person.lead_source_id and person.lead_source
        else None,
        services_wanted=frozenset(person.services_wanted or ()),
    )


def _geography(person: Person) -> str | None:
    if person.company and person.company.geography:
        return person.company.geography
    if person.country and person.region:
        return f"{person.country}-{person.region}".upper()
    return person.country.upper() or None


def interest_activities(activities: Iterable[Activity]) -> list[InterestActivity]:
    return [
        InterestActivity(
            kind=ActivityKind(a.kind),
            wish=FollowUpWish(a.wish),
            occurred_on=timezone.localdate(a.occurred_at),
            problem_indicators=tuple(a.problem_indicators or ()),
        )
        for a in activities
    ]


def channel_subject(
    person: Person, *, has_open_opportunity: bool, avoid_entry: AvoidEntry | None
) -> ChannelSubject:
    return ChannelSubject(
        person_type=PersonType(person.person_type),
        qualification=(
            q.QualificationStatus(person.qualification_status)
            if person.qualification_status
            else None
        ),
        sweet_spot=person.sweet_spot_id is not None,
        has_open_opportunity=has_open_opportunity,
        email_opt_out=person.email_opt_out,
        do_not_call=person.do_not_call,
        has_email=bool(person.email_normalized),
        has_phone=bool(person.phone_normalized),
        has_postal_address=person.has_postal_address,
        client_refunded=person.client_refunded,
        client_late_pay=person.client_late_pay,
        avoid_since=timezone.localdate(avoid_entry.added_at) if avoid_entry else None,
        avoid_reason=avoid_entry.reason if avoid_entry else "",
    )


def criterion(row: Criterion) -> q.Criterion:
    operator = q.Operator(row.operator)
    value: q.CriterionValue
    if operator in (q.Operator.ONE_OF, q.Operator.NONE_OF):
        items = row.value if isinstance(row.value, list) else [row.value]
        value = frozenset(str(v) for v in items)
    else:
        value = Decimal(str(row.value))
    return q.Criterion(Trait(row.trait), operator, value)


def criterion_value_for_storage(value: q.CriterionValue) -> object:
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    return value


def playbook() -> q.Playbook:
    """The stored rules and active avatars, as the domain's Playbook."""
    rows = list(Criterion.objects.select_related("avatar").order_by("position", "id"))
    rules = tuple(criterion(r) for r in rows if r.avatar_id is None)
    avatars = tuple(
        q.Avatar(a.name, tuple(criterion(r) for r in rows if r.avatar_id == a.pk))
        for a in Avatar.objects.filter(active=True).order_by("priority", "id")
    )
    return q.Playbook(rules=rules, avatars=avatars)


def triggers() -> Triggers:
    stored = {
        (ActivityKind(t.kind), FollowUpWish(t.wish)): Temperature(t.temperature)
        for t in TemperatureTrigger.objects.all()
    }
    return {**DEFAULT_TRIGGERS, **stored}


def next_steps() -> dict[Temperature, NextStep]:
    stored = {
        Temperature(s.temperature): NextStep(NextAction(s.action), s.within_business_days)
        for s in NextStepSetting.objects.all()
    }
    return {**DEFAULT_NEXT_STEPS, **stored}


def business_settings() -> BusinessSettings:
    """The stored settings, or the defaults while none are stored (a read never writes)."""
    return BusinessSettings.objects.filter(id=1).first() or BusinessSettings(id=1)


def calendar() -> BusinessCalendar:
    s = business_settings()
    return _calendar(s.country, s.subdivision or None)


@lru_cache(maxsize=16)
def _calendar(country: str, subdivision: str | None) -> BusinessCalendar:
    # One per country: its holiday tables are built lazily and are worth keeping.
    return BusinessCalendar(country=country, subdivision=subdivision)
