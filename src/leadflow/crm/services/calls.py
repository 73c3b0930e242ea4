"""Logging a setter's call: the history row, and the next step its outcome sets.

Every outcome is kept as a `CallLog` (who, when, what, and the next step), "no answer"
included: attempts are how a setter's day is judged, and a lead's call history is what
the next caller reads first.
"""

from __future__ import annotations

from datetime import date, datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone

from leadflow.crm import adapters
from leadflow.crm.models import Person, Task
from leadflow.crm.models.work import CALL_TASK_KINDS, CallLog
from leadflow.crm.services.avoid import active_entry_for
from leadflow.crm.services.common import now_or
from leadflow.crm.services.review import ensure_open_task, propose_disqualification
from leadflow.domain import calls
from leadflow.domain.calls import CallOutcome
from leadflow.domain.channels import Channel, eligibility
from leadflow.domain.errors import NotPermitted
from leadflow.domain.people import PersonType, Role
from leadflow.domain.pipeline import CLOSED_STAGES
from leadflow.domain.qualification import UnqualifiedReason


def check_may_call(person: Person) -> None:
    """Telemarketing eligibility, from the one rule in `domain/channels.py`: a call to
    someone on do-not-call, in an open opportunity or on Avoid is refused, not logged."""
    open_opportunity = person.opportunities.exclude(
        stage__in=[s.value for s in CLOSED_STAGES]
    ).exists()
    avoid_entry = active_entry_for(person) if person.person_type == PersonType.AVOID else None
    subject = adapters.channel_subject(
        person, has_open_opportunity=open_opportunity, avoid_entry=avoid_entry
    )
    decision = eligibility(subject, Channel.TELEMARKETING)
    if not decision.allowed:
        raise NotPermitted(f"{person} may not be called: {decision.explain()}")


@transaction.atomic
def log_call(
    *,
    person: Person,
    by: User,
    outcome: CallOutcome,
    callback_on: date | None = None,
    reason: UnqualifiedReason | None = None,
    note: str = "",
    at: datetime | None = None,
) -> CallLog:
    """Record a call and set its next step (see `domain.calls.plan_call`).

    - no answer: the open follow-ups move to the retry day (one is made if none is open);
    - callback: the open follow-ups end and a callback task for the caller takes over;
    - not interested: the follow-ups end and a disqualification is proposed, with the
      "confirm" task on the caller, who heard the answer;
    - booked: only the log; `book_appointment` closes the follow-ups once booked.
    """
    at = now_or(at)
    person = Person.objects.select_for_update().get(pk=person.pk)
    check_may_call(person)
    follow_ups = person.tasks.filter(kind__in=CALL_TASK_KINDS, done_at__isnull=True)
    plan = calls.plan_call(
        outcome,
        today=timezone.localdate(at),
        calendar=adapters.calendar(),
        callback_on=callback_on,
        reason=reason,
        open_follow_up_due=follow_ups.aggregate(due=Min("due_on"))["due"],
    )
    log = CallLog(
        person=person,
        outcome=outcome.value,
        callback_on=plan.callback_on,
        note=note.strip(),
        reason=plan.summary,
        by=by,
        at=at,
    )
    if plan.ends_follow_ups:
        follow_ups.update(done_at=at, done_by=by)
    if outcome is CallOutcome.NO_ANSWER and plan.next_call_on is not None:
        _retry_on(person, plan.next_call_on, at=at)
    if outcome is CallOutcome.CALLBACK and plan.callback_on is not None:
        log.task = Task.objects.create(
            person=person,
            kind=Task.Kind.CALLBACK,
            role=Role.SETTER,
            assignee=by,
            due_on=plan.callback_on,
            note=f"asked to be called back on {plan.callback_on}"
            + (f": {note.strip()}" if note.strip() else ""),
            created_at=at,
        )
    if plan.proposes is not None:
        log.proposal = propose_disqualification(
            person=person,
            reason=plan.proposes,
            by=by,
            note="not interested on the call" + (f": {note.strip()}" if note.strip() else ""),
            assignee=by,
            at=at,
        )
    log.save()
    return log


def _retry_on(person: Person, day: date, *, at: datetime) -> None:
    """Open follow-ups due before the retry day move to it. With none open, a call task
    for any setter: whoever is free tries again, not only the one who got no answer."""
    open_ones = person.tasks.filter(kind__in=CALL_TASK_KINDS, done_at__isnull=True)
    if open_ones.exists():
        open_ones.filter(Q(due_on__lt=day) | Q(due_on__isnull=True)).update(due_on=day)
        return
    ensure_open_task(
        person,
        Task.Kind.CALL,
        note=f"no answer on {timezone.localdate(at)}: try again",
        due_on=day,
        at=at,
    )
