"""Qualify leads, and resolve proposed disqualifications after a conversation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from leadflow.crm import adapters
from leadflow.crm.models import Avatar, Person, ProposedDisqualification, QualificationRecord, Task
from leadflow.crm.services.common import now_or
from leadflow.domain import qualification as q
from leadflow.domain.errors import DomainError, IllegalTransition
from leadflow.domain.people import PersonType, Role
from leadflow.domain.profile import Trait
from leadflow.reports import facts


def explanation_details(result: q.Qualification) -> dict[str, Any]:
    """The whole explanation as JSON for the history row and the person page."""
    return {
        "rules": [r.describe() for r in result.rule_results],
        "avatars": [
            {"avatar": f.avatar, "fits": f.fits, "criteria": [r.describe() for r in f.results]}
            for f in result.avatar_fits
        ],
        "proposed": [
            {"reason": p.reason.value, "criterion": p.criterion.describe()} for p in result.proposed
        ],
        "missing": [t.value for t in result.missing],
    }


@transaction.atomic
def qualify_person(
    *, person: Person, by: User | None, at: datetime | None = None, force: bool = False
) -> q.Qualification | None:
    """Run the playbook over a lead and store the decision with its explanation.

    A disqualification a person confirmed stands until someone re-qualifies with
    force=True: an automatic run never overrules a human who talked to the lead.
    Returns None when nothing was re-judged for that reason.
    """
    at = now_or(at)
    person = (
        Person.objects.select_for_update(of=("self",))
        .select_related("company", "lead_source")
        .get(pk=person.pk)
    )
    if person.person_type != PersonType.LEAD:
        raise IllegalTransition(f"only leads are qualified; this person is a {person.person_type}")
    if not force and _confirmed_unqualified(person):
        return None
    waived = frozenset(Trait(t) for t in person.waived_traits or ())
    result = q.qualify(adapters.lead_profile(person), adapters.playbook(), waived=waived)
    _store(person, result, kind=QualificationRecord.Kind.AUTOMATIC, by=by, at=at)
    _open_proposals(person, result, at)
    _gather_missing_information(person, result, at)
    return result


def _confirmed_unqualified(person: Person) -> bool:
    if person.qualification_status != q.QualificationStatus.UNQUALIFIED:
        return False
    latest = person.qualification_records.order_by("-id").first()
    return latest is not None and latest.kind == QualificationRecord.Kind.CONFIRMED


def _store(
    person: Person,
    result: q.Qualification,
    *,
    kind: QualificationRecord.Kind,
    by: User | None,
    at: datetime,
) -> None:
    person.qualification_status = result.status.value
    person.unqualified_reason = result.reason.value if result.reason else None
    person.sweet_spot = (
        Avatar.objects.filter(name=result.sweet_spot).first() if result.sweet_spot else None
    )
    person.qualification_explanation = result.explanation
    person.incomplete = result.incomplete
    person.save(
        update_fields=[
            "qualification_status",
            "unqualified_reason",
            "sweet_spot",
            "qualification_explanation",
            "incomplete",
            "waived_traits",
        ]
    )
    QualificationRecord.objects.create(
        person=person,
        kind=kind,
        status=result.status.value,
        unqualified_reason=person.unqualified_reason,
        sweet_spot=result.sweet_spot or "",
        details=explanation_details(result),
        reason=result.explanation,
        by=by,
        at=at,
    )
    facts.refresh([person.pk])


def _open_proposals(person: Person, result: q.Qualification, at: datetime) -> None:
    """One open proposal per failed soft trait, and one call task for the setter."""
    open_traits = set(
        person.proposals.filter(status=ProposedDisqualification.Status.OPEN).values_list(
            "trait", flat=True
        )
    )
    new = [
        ProposedDisqualification(
            person=person,
            reason=p.reason.value,
            trait=p.criterion.criterion.trait.value,
            detail=p.criterion.describe(),
            proposed_at=at,
        )
        for p in result.proposed
        if p.criterion.criterion.trait.value not in open_traits
    ]
    ProposedDisqualification.objects.bulk_create(new)
    if new:
        _ensure_task(
            person, Task.Kind.CONFIRM_DISQUALIFICATION, at, "; ".join(p.detail for p in new)
        )


def _gather_missing_information(person: Person, result: q.Qualification, at: datetime) -> None:
    if result.incomplete:
        missing = ", ".join(t.value.replace("_", " ") for t in result.missing)
        _ensure_task(person, Task.Kind.GATHER_MISSING_INFORMATION, at, f"missing: {missing}")


def _ensure_task(person: Person, kind: Task.Kind, at: datetime, note: str) -> None:
    if person.tasks.filter(kind=kind, done_at__isnull=True).exists():
        return
    due = adapters.calendar().add_business_days(
        timezone.localdate(at), adapters.business_settings().raw_age_alert_business_days
    )
    Task.objects.create(
        person=person, kind=kind, role=Role.SETTER, due_on=due, note=note, created_at=at
    )


def _resolve(
    proposal: ProposedDisqualification, status: str, by: User, note: str, at: datetime
) -> ProposedDisqualification:
    proposal = ProposedDisqualification.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != ProposedDisqualification.Status.OPEN:
        raise DomainError(f"this proposal was already {proposal.status}")
    proposal.status = status
    proposal.resolved_by = by
    proposal.resolved_at = at
    proposal.note = note.strip()
    proposal.save(update_fields=["status", "resolved_by", "resolved_at", "note"])
    return proposal


def _close_confirm_task_if_done(person: Person, at: datetime) -> None:
    if not person.proposals.filter(status=ProposedDisqualification.Status.OPEN).exists():
        person.tasks.filter(kind=Task.Kind.CONFIRM_DISQUALIFICATION, done_at__isnull=True).update(
            done_at=at
        )


@transaction.atomic
def confirm_disqualification(
    *, proposal: ProposedDisqualification, by: User, note: str = "", at: datetime | None = None
) -> Person:
    """Someone who talked to the lead agrees: the lead is Unqualified for that reason.
    The lead's other open proposals are settled by this decision too."""
    at = now_or(at)
    proposal = _resolve(proposal, ProposedDisqualification.Status.CONFIRMED, by, note, at)
    person = Person.objects.select_for_update().get(pk=proposal.person_id)
    result = q.confirm_disqualification(
        q.UnqualifiedReason(proposal.reason), proposal.detail, by=by.get_username(), note=note
    )
    _store(person, result, kind=QualificationRecord.Kind.CONFIRMED, by=by, at=at)
    person.proposals.filter(status=ProposedDisqualification.Status.OPEN).update(
        status=ProposedDisqualification.Status.SUPERSEDED, resolved_by=by, resolved_at=at
    )
    _close_confirm_task_if_done(person, at)
    return person


@transaction.atomic
def reject_disqualification(
    *, proposal: ProposedDisqualification, by: User, note: str = "", at: datetime | None = None
) -> Person:
    """Someone who talked to the lead disagrees: the trait is waived and the lead re-judged."""
    at = now_or(at)
    proposal = _resolve(proposal, ProposedDisqualification.Status.REJECTED, by, note, at)
    person = (
        Person.objects.select_for_update(of=("self",))
        .select_related("company", "lead_source")
        .get(pk=proposal.person_id)
    )
    person.waived_traits = sorted({*(person.waived_traits or []), proposal.trait})
    waived = frozenset(Trait(t) for t in person.waived_traits)
    result = q.qualify(adapters.lead_profile(person), adapters.playbook(), waived=waived)
    _store(person, result, kind=QualificationRecord.Kind.REJECTED, by=by, at=at)
    _close_confirm_task_if_done(person, at)
    return person
