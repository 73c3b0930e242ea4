"""Reviewing a lead by hand: propose a disqualification, ask for missing information.

The raw review queue's two actions that have no service of their own elsewhere (qualify
and delete-as-spam do). A person's proposal is stored like the playbook's own, so the
Confirmations page and `confirm_disqualification` / `reject_disqualification` treat both
alike; only `proposed_by` tells them apart.
"""

from __future__ import annotations

from datetime import date, datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from leadflow.crm import adapters
from leadflow.crm.models import Person, ProposedDisqualification, Task
from leadflow.crm.selectors.people import who
from leadflow.crm.services.common import now_or
from leadflow.domain import worklists
from leadflow.domain.errors import DomainError, IllegalTransition
from leadflow.domain.people import PersonType, Role
from leadflow.domain.qualification import QualificationStatus, UnqualifiedReason


def review_due(at: datetime) -> date:
    """When a follow-up asked for in review falls due: within the raw-age limit, the
    same deadline the playbook's own confirm and gather tasks get."""
    return adapters.calendar().add_business_days(
        timezone.localdate(at), adapters.business_settings().raw_age_alert_business_days
    )


def _locked_lead(person: Person) -> Person:
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.person_type != PersonType.LEAD:
        raise IllegalTransition(f"only a lead is reviewed; this person is a {person.person_type}")
    return person


def ensure_open_task(
    person: Person,
    kind: Task.Kind,
    *,
    note: str,
    due_on: date,
    at: datetime,
    assignee: User | None = None,
) -> tuple[Task, bool]:
    """The person's open task of this kind, or a new one for the setters. One at a time:
    a second "gather information" task would only split the work."""
    task = person.tasks.filter(kind=kind, done_at__isnull=True).order_by("due_on", "id").first()
    if task is not None:
        return task, False
    task = Task.objects.create(
        person=person,
        kind=kind,
        role=Role.SETTER,
        assignee=assignee,
        due_on=due_on,
        note=note,
        created_at=at,
    )
    return task, True


@transaction.atomic
def propose_disqualification(
    *,
    person: Person,
    reason: UnqualifiedReason,
    by: User,
    note: str = "",
    assignee: User | None = None,
    at: datetime | None = None,
) -> ProposedDisqualification:
    """A person proposes that a lead is not a fit; someone who talked to the lead decides.

    Never disqualifies on its own, even for a hard reason: a person's impression is not
    a rule's verdict (PRODUCT.md §2, "call every lead before you disqualify it"). The
    setters get a "call before disqualifying" task (assigned to `assignee` when the
    proposer already talked to the lead and can settle it).
    """
    at = now_or(at)
    person = _locked_lead(person)
    if person.qualification_status == QualificationStatus.UNQUALIFIED:
        raise IllegalTransition("this lead is already unqualified")
    trait = worklists.trait_for(reason)
    open_one = person.proposals.filter(
        trait=trait.value, status=ProposedDisqualification.Status.OPEN
    ).first()
    if open_one is not None:
        raise DomainError(
            f"a disqualification about {trait.value.replace('_', ' ')} is already proposed "
            f"({open_one.detail}); confirm or reject it on the Confirmations page"
        )
    proposal = ProposedDisqualification.objects.create(
        person=person,
        reason=reason.value,
        trait=trait.value,
        detail=worklists.proposal_detail(reason, by=who(by), note=note),
        proposed_at=at,
        proposed_by=by,
    )
    ensure_open_task(
        person,
        Task.Kind.CONFIRM_DISQUALIFICATION,
        note=proposal.detail,
        due_on=review_due(at),
        at=at,
        assignee=assignee,
    )
    return proposal


def _missing_from_latest_judgment(person: Person) -> list[str]:
    record = person.qualification_records.order_by("-at", "-id").first()
    details = record.details if record is not None and isinstance(record.details, dict) else {}
    missing = details.get("missing", [])
    return [str(t).replace("_", " ") for t in missing] if isinstance(missing, list) else []


@transaction.atomic
def ask_for_missing_information(
    *, person: Person, by: User, note: str = "", at: datetime | None = None
) -> tuple[Task, bool]:
    """The "gather missing information" follow-up for a lead (PRODUCT.md §2), saying what
    the last judgment could not decide on. Returns the task and whether it is new: asking
    twice points at the task already open instead of adding a second."""
    at = now_or(at)
    person = _locked_lead(person)
    missing = _missing_from_latest_judgment(person)
    parts = [f"missing: {', '.join(missing)}" if missing else "complete the record"]
    if note.strip():
        parts.append(note.strip())
    parts.append(f"asked by {who(by)}")
    return ensure_open_task(
        person,
        Task.Kind.GATHER_MISSING_INFORMATION,
        note="; ".join(parts),
        due_on=review_due(at),
        at=at,
    )
