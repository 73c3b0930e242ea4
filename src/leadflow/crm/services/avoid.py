"""The Avoid list: on it by anyone with a reason, off it only by an admin with a reason."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from leadflow.crm.models import AvoidEntry, Person, ProposedDisqualification, Task
from leadflow.crm.roles import roles_of
from leadflow.crm.services.common import now_or, record_type_change
from leadflow.domain import people
from leadflow.domain.errors import MissingDetail, OnAvoidList
from leadflow.domain.people import PersonType
from leadflow.domain.pipeline import CLOSED_STAGES, LostDisposition


def _same_contact(email_normalized: str | None, phone_normalized: str | None) -> Q:
    """Matches a row with the same normalized email or phone; matches nothing when blank."""
    match = Q(pk__in=[])
    if email_normalized:
        match |= Q(email_normalized=email_normalized)
    if phone_normalized:
        match |= Q(phone_normalized=phone_normalized)
    return match


def active_entry_matching(
    *, email_normalized: str | None, phone_normalized: str | None, company_domain: str = ""
) -> AvoidEntry | None:
    """The active Avoid entry that a new or incoming record matches, if any."""
    match = _same_contact(email_normalized, phone_normalized)
    if company_domain:
        match |= Q(company_domain=company_domain)
    return AvoidEntry.objects.filter(match, lifted_at__isnull=True).order_by("added_at").first()


def active_entry_for(person: Person) -> AvoidEntry | None:
    return person.avoid_entries.filter(lifted_at__isnull=True).first()


def raise_if_avoided(
    *, email_normalized: str | None, phone_normalized: str | None, company_domain: str = ""
) -> None:
    entry = active_entry_matching(
        email_normalized=email_normalized,
        phone_normalized=phone_normalized,
        company_domain=company_domain,
    )
    if entry is not None:
        since = timezone.localdate(entry.added_at)
        raise OnAvoidList(f"on the Avoid list since {since:%Y-%m-%d} ({entry.reason})")


@transaction.atomic
def add_to_avoid(
    *, person: Person, by: User, reason: str, at: datetime | None = None
) -> AvoidEntry:
    """Put a person on Avoid. An open opportunity is lost with disposition avoid; open
    tasks are closed, since nobody may work this person any more."""
    at = now_or(at)
    person = Person.objects.select_for_update().get(pk=person.pk)
    change = people.put_on_avoid(
        PersonType(person.person_type), by=by.get_username(), reason=reason
    )
    open_opportunity = person.opportunities.exclude(
        stage__in=[s.value for s in CLOSED_STAGES]
    ).first()
    if open_opportunity is not None:
        # Imported here: pipeline's lose path calls back into this module for disposition avoid.
        from leadflow.crm.services.pipeline import close_as_lost

        close_as_lost(
            opportunity=open_opportunity,
            by=by,
            lost_reason=f"put on Avoid: {reason}",
            disposition=LostDisposition.AVOID,
            at=at,
        )
    person.type_before_avoid = person.person_type
    record_type_change(person, change, by=by, at=at)
    person.save(update_fields=["person_type", "type_before_avoid"])
    # Nobody works an Avoid person: open tasks end, open proposals are moot.
    Task.objects.filter(person=person, done_at__isnull=True).update(done_at=at)
    ProposedDisqualification.objects.filter(
        person=person, status=ProposedDisqualification.Status.OPEN
    ).update(status=ProposedDisqualification.Status.SUPERSEDED, resolved_by=by, resolved_at=at)
    return AvoidEntry.objects.create(
        person=person,
        email_normalized=person.email_normalized or "",
        phone_normalized=person.phone_normalized or "",
        company_domain="",
        reason=change.reason,
        added_by=by,
        added_at=at,
    )


@transaction.atomic
def lift_avoid(
    *, entry: AvoidEntry, by: User, reason: str, at: datetime | None = None
) -> Person | None:
    """Take an entry off Avoid: admin only, with a reason, audited on the entry and the person."""
    at = now_or(at)
    entry = AvoidEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.lifted_at is not None:
        raise OnAvoidList("this Avoid entry was already lifted")
    person = Person.objects.select_for_update().get(pk=entry.person_id) if entry.person_id else None
    before = PersonType(person.type_before_avoid) if person and person.type_before_avoid else None
    current = PersonType(person.person_type) if person else PersonType.AVOID
    change = people.lift_from_avoid(
        current, actor_roles=roles_of(by), reason=reason, type_before_avoid=before
    )
    entry.lifted_by = by
    entry.lifted_at = at
    entry.lift_reason = change.reason
    entry.save(update_fields=["lifted_by", "lifted_at", "lift_reason"])
    if person is not None:
        record_type_change(person, change, by=by, at=at)
        person.type_before_avoid = ""
        person.save(update_fields=["person_type", "type_before_avoid"])
    return person


@transaction.atomic
def add_avoid_entry(
    *,
    by: User,
    reason: str,
    email_normalized: str = "",
    phone_normalized: str = "",
    company_domain: str = "",
    at: datetime | None = None,
) -> AvoidEntry:
    """Avoid someone who is not in the CRM (a suppression list, a 'never call us' letter):
    any later import or form matching these details is blocked."""
    if not (email_normalized or phone_normalized or company_domain):
        raise MissingDetail("an Avoid entry needs an email, a phone or a company domain to match")
    # The domain's checks for who and why apply to an entry without a person too.
    people.put_on_avoid(PersonType.PROSPECT, by=by.get_username(), reason=reason)
    matched = (
        Person.objects.filter(_same_contact(email_normalized, phone_normalized))
        .exclude(person_type=PersonType.AVOID)
        .first()
    )
    if matched is not None:
        return add_to_avoid(person=matched, by=by, reason=reason, at=at)
    return AvoidEntry.objects.create(
        email_normalized=email_normalized,
        phone_normalized=phone_normalized,
        company_domain=company_domain,
        reason=reason.strip(),
        added_by=by,
        added_at=now_or(at),
    )


__all__ = [
    "active_entry_for",
    "active_entry_matching",
    "add_avoid_entry",
    "add_to_avoid",
    "lift_avoid",
    "raise_if_avoided",
]
