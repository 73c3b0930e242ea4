"""The pipeline's writes: book, record the outcome, move, win, lose (PRODUCT.md §4)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from leadflow.crm import adapters
from leadflow.crm.models import (
    Appointment,
    Opportunity,
    Person,
    QualificationRecord,
    StageChange,
    Task,
)
from leadflow.crm.services.avoid import add_to_avoid
from leadflow.crm.services.common import now_or, record_type_change
from leadflow.domain import people, pipeline
from leadflow.domain.errors import IllegalTransition, StaleState
from leadflow.domain.people import PersonEvent, PersonType, Role
from leadflow.domain.pipeline import (
    CLOSED_STAGES,
    OUTCOME_STAGE,
    AppointmentOutcome,
    LostDisposition,
    MoveDetails,
    SalesQualification,
    Stage,
)
from leadflow.domain.qualification import QualificationStatus, UnqualifiedReason
from leadflow.reports import facts

# Tasks that only make sense while we are still trying to get a first appointment.
PROSPECTING_TASKS = [
    Task.Kind.CALL,
    Task.Kind.PERSONAL_FOLLOW_UP,
    Task.Kind.CALLBACK,
    Task.Kind.CONFIRM_DISQUALIFICATION,
]
# A client needs no more qualifying: what was still to be gathered is moot once won.
CLOSED_WHEN_WON = [*PROSPECTING_TASKS, Task.Kind.GATHER_MISSING_INFORMATION]


def _apply_move(
    opportunity: Opportunity, target: Stage, details: MoveDetails, *, by: User | None, at: datetime
) -> StageChange:
    change = pipeline.move(Stage(opportunity.stage), target, details)
    opportunity.stage = target.value
    opportunity.stage_entered_at = at
    if target in CLOSED_STAGES:
        opportunity.closed_at = at
    if target is Stage.LOST:
        opportunity.lost_reason = details.lost_reason.strip()
        opportunity.disposition = details.disposition.value if details.disposition else None
    if target is Stage.WON:
        opportunity.contract_value = details.contract_value
    opportunity.save()
    recorded = StageChange.objects.create(
        opportunity=opportunity,
        before=change.before.value,
        after=change.after.value,
        details=details.to_record(),
        reason=details.reason,
        by=by,
        at=at,
    )
    facts.refresh([opportunity.person_id])
    return recorded


def moved_since(opportunity: Opportunity, seen_at: Stage) -> str:
    """Who moved the deal last, and when: the reason a stale move is refused."""
    last = opportunity.stage_changes.select_related("by").order_by("-at", "-id").first()
    now = Stage(opportunity.stage).label
    if last is None:
        return f"this deal is at {now}, not {seen_at.label}: look at it again and decide"
    who = (last.by.get_full_name() or last.by.get_username()) if last.by else "someone"
    when = timezone.localtime(last.at).strftime("%Y-%m-%d %H:%M")
    return (
        f"{who} moved this deal to {now} at {when}, after you saw it at {seen_at.label}: "
        "look at it again and decide"
    )


def _lock(opportunity: Opportunity) -> Opportunity:
    return Opportunity.objects.select_for_update().select_related("person").get(pk=opportunity.pk)


@transaction.atomic
def book_appointment(
    *,
    person: Person,
    setter: User,
    rep: User,
    scheduled_at: datetime,
    has_problem_we_solve: bool,
    has_authority_to_buy: bool,
    agreed_to_talk_to_sales: bool,
    by: User | None = None,
    reason: str = "",
    at: datetime | None = None,
) -> Appointment:
    """A setter books a first-time appointment: a new opportunity at Appointment set, and
    the shock-and-awe package task that pre-sells the meeting."""
    at = now_or(at)
    person = Person.objects.select_for_update().get(pk=person.pk)
    pipeline.check_can_book(
        person_type=PersonType(person.person_type),
        status=QualificationStatus(person.qualification_status)
        if person.qualification_status
        else None,
        has_open_opportunity=person.opportunities.exclude(
            stage__in=[s.value for s in CLOSED_STAGES]
        ).exists(),
        sql=SalesQualification(has_problem_we_solve, has_authority_to_buy, agreed_to_talk_to_sales),
    )
    opportunity = Opportunity.objects.create(
        person=person,
        stage=Stage.APPOINTMENT_SET,
        stage_entered_at=at,
        setter=setter,
        rep=rep,
        created_at=at,
    )
    StageChange.objects.create(
        opportunity=opportunity,
        before="",
        after=Stage.APPOINTMENT_SET,
        details={"appointment_at": scheduled_at.isoformat()},
        reason=reason or "first-time appointment booked",
        by=by or setter,
        at=at,
    )
    appointment = Appointment.objects.create(
        opportunity=opportunity,
        setter=setter,
        rep=rep,
        scheduled_at=scheduled_at,
        booked_at=at,
        has_problem_we_solve=True,
        has_authority_to_buy=True,
        agreed_to_talk_to_sales=True,
    )
    facts.refresh([person.pk])
    person.tasks.filter(kind__in=PROSPECTING_TASKS, done_at__isnull=True).update(
        done_at=at, note="closed: appointment booked"
    )
    Task.objects.create(
        person=person,
        opportunity=opportunity,
        kind=Task.Kind.SHOCK_AND_AWE,
        role=Role.MARKETING,
        due_on=min(
            adapters.calendar().add_business_days(timezone.localdate(at), 1),
            timezone.localdate(scheduled_at),
        ),
        note=f"pre-sell before the appointment on {scheduled_at:%Y-%m-%d %H:%M}",
        created_at=at,
    )
    return appointment


@transaction.atomic
def record_appointment_outcome(
    *,
    appointment: Appointment,
    outcome: AppointmentOutcome,
    by: User | None,
    callback_on: date | None = None,
    reason: str = "",
    at: datetime | None = None,
) -> Appointment:
    """Sat, no-show, or cancelled with a callback date (which becomes the setter's task)."""
    at = now_or(at)
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.outcome:
        raise IllegalTransition(
            f"this appointment's outcome is already recorded: {appointment.outcome}"
        )
    opportunity = _lock(appointment.opportunity)
    details = MoveDetails(reason=reason, callback_on=callback_on)
    _apply_move(opportunity, OUTCOME_STAGE[outcome], details, by=by, at=at)
    appointment.outcome = outcome.value
    appointment.outcome_at = at
    appointment.callback_on = callback_on
    appointment.save(update_fields=["outcome", "outcome_at", "callback_on"])
    if outcome is AppointmentOutcome.CANCELLED:
        Task.objects.create(
            person=opportunity.person,
            opportunity=opportunity,
            kind=Task.Kind.CALLBACK,
            role=Role.SETTER,
            assignee=appointment.setter,
            due_on=callback_on,
            note="cancelled: call back to rebook" + (f" ({reason})" if reason else ""),
            created_at=at,
        )
    return appointment


@transaction.atomic
def rebook(
    *,
    opportunity: Opportunity,
    scheduled_at: datetime,
    by: User,
    setter: User | None = None,
    rep: User | None = None,
    reason: str = "",
    at: datetime | None = None,
) -> Appointment:
    """After a no-show or a cancellation: a new appointment on the same opportunity."""
    at = now_or(at)
    opportunity = _lock(opportunity)
    previous = opportunity.appointments.order_by("-booked_at", "-id").first()
    setter = setter or (previous.setter if previous else by)
    rep = rep or (previous.rep if previous else by)
    _apply_move(
        opportunity,
        Stage.APPOINTMENT_SET,
        MoveDetails(reason=reason or "rebooked", appointment_at=scheduled_at),
        by=by,
        at=at,
    )
    opportunity.tasks.filter(kind=Task.Kind.CALLBACK, done_at__isnull=True).update(done_at=at)
    return Appointment.objects.create(
        opportunity=opportunity,
        setter=setter,
        rep=rep,
        scheduled_at=scheduled_at,
        booked_at=at,
        has_problem_we_solve=True,
        has_authority_to_buy=True,
        agreed_to_talk_to_sales=True,
    )


@transaction.atomic
def move_stage(
    *,
    opportunity: Opportunity,
    target: Stage,
    by: User | None,
    reason: str = "",
    at: datetime | None = None,
) -> StageChange:
    """Proposing / negotiating and Contract sent. Won, lost and appointment outcomes have
    their own services because they change more than the stage."""
    if target in (Stage.WON, Stage.LOST, *OUTCOME_STAGE.values(), Stage.APPOINTMENT_SET):
        raise IllegalTransition(f"use the {target.label} action: it needs more than a stage move")
    at = now_or(at)
    return _apply_move(_lock(opportunity), target, MoveDetails(reason=reason), by=by, at=at)


@transaction.atomic
def mark_won(
    *,
    opportunity: Opportunity,
    contract_value: Decimal,
    by: User | None,
    services_bought: list[str] | None = None,
    reason: str = "",
    at: datetime | None = None,
) -> Opportunity:
    """Won: the person becomes a Client on the spot and leaves every prospecting campaign."""
    at = now_or(at)
    opportunity = _lock(opportunity)
    _apply_move(
        opportunity,
        Stage.WON,
        MoveDetails(reason=reason, contract_value=contract_value),
        by=by,
        at=at,
    )
    opportunity.services_bought = sorted(services_bought or [])
    opportunity.save(update_fields=["services_bought"])
    person = Person.objects.select_for_update().get(pk=opportunity.person_id)
    change = people.apply_event(PersonType(person.person_type), PersonEvent.DEAL_WON)
    record_type_change(person, change, by=by, at=at)
    if change.changed:
        person.became_client_at = at
    person.save(update_fields=["person_type", "became_client_at"])
    person.tasks.filter(kind__in=CLOSED_WHEN_WON, done_at__isnull=True).update(
        done_at=at, note="closed: deal won"
    )
    return opportunity


@transaction.atomic
def mark_lost(
    *,
    opportunity: Opportunity,
    lost_reason: str,
    disposition: LostDisposition,
    by: User,
    unqualified_reason: UnqualifiedReason = UnqualifiedReason.OTHER,
    at: datetime | None = None,
) -> Opportunity:
    """Lost, with a reason; the person goes back to nurture, to Unqualified, or to Avoid."""
    at = now_or(at)
    if disposition is LostDisposition.AVOID:
        # add_to_avoid closes the open opportunity as lost with disposition avoid.
        add_to_avoid(person=opportunity.person, by=by, reason=lost_reason, at=at)
        return Opportunity.objects.get(pk=opportunity.pk)
    opportunity = close_as_lost(
        opportunity=opportunity, by=by, lost_reason=lost_reason, disposition=disposition, at=at
    )
    person = Person.objects.select_for_update().get(pk=opportunity.person_id)
    if disposition is LostDisposition.UNQUALIFIED and person.person_type == PersonType.LEAD:
        person.qualification_status = QualificationStatus.UNQUALIFIED
        person.unqualified_reason = unqualified_reason.value
        person.sweet_spot = None
        person.qualification_explanation = f"lost and judged not a fit: {lost_reason}"
        person.save(
            update_fields=[
                "qualification_status",
                "unqualified_reason",
                "sweet_spot",
                "qualification_explanation",
            ]
        )
        QualificationRecord.objects.create(
            person=person,
            kind=QualificationRecord.Kind.CONFIRMED,
            status=QualificationStatus.UNQUALIFIED,
            unqualified_reason=unqualified_reason.value,
            reason=person.qualification_explanation,
            details={"opportunity": opportunity.pk},
            by=by,
            at=at,
        )
        facts.refresh([person.pk])
    return opportunity


def close_as_lost(
    *,
    opportunity: Opportunity,
    by: User | None,
    lost_reason: str,
    disposition: LostDisposition,
    at: datetime,
) -> Opportunity:
    """The stage move to Lost alone, shared by mark_lost and add_to_avoid."""
    opportunity = _lock(opportunity)
    details = MoveDetails(reason=lost_reason, lost_reason=lost_reason, disposition=disposition)
    _apply_move(opportunity, Stage.LOST, details, by=by, at=at)
    opportunity.tasks.filter(done_at__isnull=True).update(
        done_at=at, note="closed: opportunity lost"
    )
    return opportunity


@transaction.atomic
def move_opportunity(
    *,
    opportunity: Opportunity,
    target: Stage,
    by: User,
    details: MoveDetails,
    services_bought: list[str] | None = None,
    at: datetime | None = None,
    seen_at: Stage | None = None,
) -> Opportunity:
    """Any move in the table, for a page that moves an opportunity to a chosen stage.

    `seen_at` is the stage the person saw the deal at: when another move came first (two
    reps on one deal), the later one is refused with who moved it and when, instead of
    silently applying a decision made about a stage the deal has left.

    The move is checked against the table first, under the lock, so an illegal one
    changes nothing: mark_lost with disposition avoid would otherwise put a won client on
    Avoid before its own move check ran. Then the service that does what the target
    stage needs takes over.
    """
    at = now_or(at)
    opportunity = _lock(opportunity)
    if seen_at is not None and Stage(opportunity.stage) is not seen_at:
        raise StaleState(moved_since(opportunity, seen_at))
    pipeline.move(Stage(opportunity.stage), target, details)
    if target is Stage.WON and details.contract_value is not None:
        mark_won(
            opportunity=opportunity,
            contract_value=details.contract_value,
            by=by,
            services_bought=services_bought,
            reason=details.reason,
            at=at,
        )
    elif target is Stage.LOST and details.disposition is not None:
        mark_lost(
            opportunity=opportunity,
            lost_reason=details.lost_reason,
            disposition=details.disposition,
            by=by,
            at=at,
        )
    elif target is Stage.APPOINTMENT_SET and details.appointment_at is not None:
        rebook(
            opportunity=opportunity,
            scheduled_at=details.appointment_at,
            by=by,
            reason=details.reason,
            at=at,
        )
    elif target in OUTCOME_STAGE.values():
        _record_outcome_of(opportunity, target, details, by=by, at=at)
    else:
        move_stage(opportunity=opportunity, target=target, by=by, reason=details.reason, at=at)
    return Opportunity.objects.select_related("person").get(pk=opportunity.pk)


def _record_outcome_of(
    opportunity: Opportunity, target: Stage, details: MoveDetails, *, by: User, at: datetime
) -> None:
    appointment = (
        opportunity.appointments.filter(outcome__isnull=True).order_by("-scheduled_at").first()
    )
    if appointment is None:
        raise IllegalTransition(
            f"no appointment is waiting for an outcome, so it cannot be {target.label.lower()}"
        )
    outcome = next(o for o, stage in OUTCOME_STAGE.items() if stage is target)
    record_appointment_outcome(
        appointment=appointment,
        outcome=outcome,
        by=by,
        callback_on=details.callback_on,
        reason=details.reason,
        at=at,
    )
