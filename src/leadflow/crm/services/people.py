"""People and their interest: creating a record, recording an activity, consent flags."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from leadflow.crm import adapters
from leadflow.crm.models import Activity, Campaign, Company, ConsentChange, Person, Source, Task
from leadflow.crm.models.work import FOLLOW_UP_TASK
from leadflow.crm.services.avoid import raise_if_avoided
from leadflow.crm.services.common import now_or, record_type_change
from leadflow.crm.services.qualification import qualify_person
from leadflow.domain import consent, people
from leadflow.domain.consent import ConsentFlag
from leadflow.domain.errors import IllegalTransition, OnAvoidList
from leadflow.domain.normalize import (
    email_domain,
    normalize_company_name,
    normalize_email,
    normalize_phone,
)
from leadflow.domain.people import PersonEvent, PersonType, Role
from leadflow.domain.profile import Need, Outsourcing, SwitchReason, authority_from_title
from leadflow.domain.qualification import QualificationStatus
from leadflow.domain.temperature import (
    ActivityKind,
    FollowUpWish,
    Temperature,
    follow_up_for,
    pulls_forward,
    read_temperature,
)
from leadflow.reports import facts


@transaction.atomic
def create_person(
    *,
    by: User | None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    phone: str = "",
    title: str = "",
    company_name: str = "",
    niche: str = "",
    employee_count: int | None = None,
    geography: str = "",
    street: str = "",
    city: str = "",
    region: str = "",
    postcode: str = "",
    country: str = "",
    monthly_budget: Decimal | None = None,
    outsourcing: Outsourcing | None = None,
    switch_reason: SwitchReason | None = None,
    need: Need | None = None,
    services_wanted: list[str] | None = None,
    source: Source | None = None,
    campaign: Campaign | None = None,
    at: datetime | None = None,
) -> Person:
    """A new prospect. It becomes a lead only when an interest activity is recorded.

    Refuses anyone matching an active Avoid entry: Avoid people are never re-added.
    """
    email_normalized = normalize_email(email)
    phone_normalized = normalize_phone(phone)
    raise_if_avoided(email_normalized=email_normalized, phone_normalized=phone_normalized)
    company = None
    if company_name.strip():
        normalized = normalize_company_name(company_name)
        company = Company.objects.filter(normalized_name=normalized).first()
        if company is None:
            company = Company.objects.create(
                name=company_name.strip(),
                normalized_name=normalized,
                domain=email_domain(email_normalized),
                niche=niche,
                employee_count=employee_count,
                geography=geography.upper(),
            )
    authority = authority_from_title(title)
    return Person.objects.create(
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email.strip(),
        email_normalized=email_normalized,
        phone=phone.strip(),
        phone_normalized=phone_normalized,
        title=title.strip(),
        authority=int(authority) if authority is not None else None,
        company=company,
        street=street,
        city=city,
        region=region,
        postcode=postcode,
        country=country.upper(),
        monthly_budget=monthly_budget,
        outsourcing=outsourcing.value if outsourcing else "",
        switch_reason=switch_reason.value if switch_reason else "",
        need=need.value if need else "",
        services_wanted=sorted(services_wanted or []),
        lead_source=source,
        first_campaign=campaign,
        person_type=PersonType.PROSPECT,
        created_at=now_or(at),
        created_by=by,
    )


@transaction.atomic
def record_interest_activity(
    *,
    person: Person,
    kind: ActivityKind,
    wish: FollowUpWish,
    by: User | None,
    campaign: Campaign | None = None,
    problem_indicators: tuple[str, ...] = (),
    note: str = "",
    at: datetime | None = None,
) -> Activity:
    """Record what a person did. The first one turns a prospect into a (Raw) lead; every
    one re-reads the temperature and schedules the temperature's next step."""
    at = now_or(at)
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.person_type == PersonType.AVOID:
        raise OnAvoidList("on the Avoid list: interest is not recorded and never promotes")
    triggers = adapters.triggers()
    activity = Activity.objects.create(
        person=person,
        kind=kind.value,
        wish=wish.value,
        occurred_at=at,
        campaign=campaign,
        source=campaign.source if campaign else person.lead_source,
        problem_indicators=list(problem_indicators),
        temperature=int(triggers[(kind, wish)]),
        note=note,
        recorded_by=by,
    )
    change = people.apply_event(PersonType(person.person_type), PersonEvent.INTEREST_SHOWN)
    became_lead = change.changed
    record_type_change(person, change, by=by, at=at)
    if became_lead:
        person.became_lead_at = at
        person.qualification_status = QualificationStatus.RAW
        person.lead_source = person.lead_source or activity.source
        person.first_campaign = person.first_campaign or campaign
    reading = read_temperature(adapters.interest_activities(person.activities.all()), triggers)
    if reading is not None:
        person.temperature = int(reading.temperature)
        person.temperature_explanation = reading.explanation
        person.has_problem_indicators = reading.has_problem_indicators
    person.save()
    if became_lead:
        qualify_person(person=person, by=by, at=at)
        person.refresh_from_db(fields=["qualification_status"])
    if reading is not None and person.person_type == PersonType.LEAD:
        _schedule_follow_up(person, reading.temperature, at)
    return activity


def _schedule_follow_up(person: Person, temperature: Temperature, at: datetime) -> None:
    status = person.qualification_status
    follow_up = follow_up_for(
        temperature,
        timezone.localdate(at),
        adapters.calendar(),
        qualification=QualificationStatus(status) if status else None,
        steps=adapters.next_steps(),
    )
    if follow_up is None:
        return  # the drip does the work: cold and cool leads, unqualified leads
    kind = FOLLOW_UP_TASK[follow_up.action]
    open_task = Task.objects.filter(
        person=person, kind__in=list(FOLLOW_UP_TASK.values()), done_at__isnull=True
    ).first()
    if open_task is None:
        Task.objects.create(
            person=person,
            kind=kind,
            role=Role.SETTER,
            due_on=follow_up.due,
            note=follow_up.step.describe(),
            created_at=at,
        )
    elif pulls_forward(open_task.due_on, follow_up):
        open_task.due_on = follow_up.due
        open_task.kind = kind
        open_task.save(update_fields=["due_on", "kind"])


@transaction.atomic
def set_consent(
    *,
    person: Person,
    flag: ConsentChange.Flag,
    value: bool,
    by: User | None,
    reason: str,
    at: datetime | None = None,
) -> ConsentChange:
    """Email opt-out, do-not-call, refund and late-pay flags: applied at once, kept in history."""
    at = now_or(at)
    setattr(person, flag.value, value)
    person.save(update_fields=[flag.value])
    return ConsentChange.objects.create(
        person=person, flag=flag.value, value=value, by=by, at=at, reason=reason
    )


@transaction.atomic
def change_consent(
    *,
    person: Person,
    wanted: Mapping[ConsentFlag, bool],
    roles: frozenset[Role],
    by: User | None,
    reason: str,
    at: datetime | None = None,
) -> list[ConsentChange]:
    """Set the flags in `wanted` that differ from the stored ones, by hand: each change is
    checked against who may make it (domain.consent) and kept in history with its reason.
    Nothing is written if any change is refused."""
    person = Person.objects.select_for_update(of=("self",)).get(pk=person.pk)
    changed = {f: v for f, v in wanted.items() if getattr(person, f.value) != v}
    for flag, value in changed.items():
        consent.check_change(roles, flag, value, reason)
    return [
        set_consent(
            person=person,
            flag=ConsentChange.Flag(flag.value),
            value=value,
            by=by,
            reason=reason.strip(),
            at=at,
        )
        for flag, value in changed.items()
    ]


@transaction.atomic
def delete_as_spam(*, person: Person, by: User | None) -> Campaign | None:
    """A bogus or spam response is deleted; only a count per campaign is kept (PRODUCT.md §2).

    Only an unreviewed response qualifies: a Raw lead or a prospect, with no opportunity.
    An Avoid person is never deleted. Returns the campaign whose count went up, if any.
    """
    person = (
        Person.objects.select_for_update(of=("self",))
        .select_related("first_campaign")
        .get(pk=person.pk)
    )
    if person.person_type == PersonType.AVOID:
        raise OnAvoidList("an Avoid person is never deleted: the record keeps them off every list")
    unreviewed = person.person_type == PersonType.PROSPECT or (
        person.person_type == PersonType.LEAD
        and person.qualification_status == QualificationStatus.RAW
    )
    if not unreviewed or person.opportunities.exists():
        raise IllegalTransition(
            "only an unreviewed response (a raw lead or a prospect) can be deleted as spam"
        )
    campaign = person.first_campaign
    if campaign is not None:
        Campaign.objects.filter(pk=campaign.pk).update(spam_count=F("spam_count") + 1)
        campaign.refresh_from_db(fields=["spam_count"])
    facts.forget([person.pk])
    person.delete()
    return campaign
