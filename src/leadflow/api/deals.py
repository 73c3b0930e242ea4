"""``/opportunities`` and ``/appointments``: the pipeline through the API.

Thin adapters over `leadflow.crm.services.pipeline` and the deals pages' selectors. Who
may call what, and whose deals they see, is the pages' rule: the pipeline board and the
appointments page are for owners and reps (a rep sees and moves their own deals, an
owner everyone's); booking is for owners and setters. Whether a move is allowed is the
domain's transition table: an illegal move is a 409 ``illegal_transition``, a move that
lacks what its stage needs a 422 ``missing_detail``, both with the pipeline's reason.
"""

# No `from __future__ import annotations` here: GuardedRouter wraps each view, and
# django-ninja resolves string annotations in the wrapper's module, where `Query` and these
# schemas are unknown. Real annotations need no resolving.

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Status

from leadflow.api.access import GuardedRouter, api_user
from leadflow.api.deals_schemas import (
    AppointmentFilters,
    AppointmentOut,
    AppointmentPage,
    BookingIn,
    MoveIn,
    MoveOut,
    OpportunityDetail,
    OpportunityFilters,
    OpportunityPage,
    OutcomeIn,
    appointment_out,
    decode_cursor,
    encode_cursor,
    in_range,
    opportunity_out,
    stage_change_out,
)
from leadflow.api.errors import ApiError
from leadflow.api.form_errors import failures, invalid, raise_for
from leadflow.crm.models import Appointment, Opportunity
from leadflow.crm.roles import roles_of
from leadflow.crm.selectors import pipeline_board
from leadflow.crm.selectors.appointments import appointment_line, booking_subject
from leadflow.crm.services.pipeline import (
    move_opportunity,
    moved_since,
    record_appointment_outcome,
)
from leadflow.domain import pipeline
from leadflow.domain.errors import MissingDetail, StaleState
from leadflow.domain.people import Role
from leadflow.domain.pipeline import CLOSED_STAGES, MoveDetails, Stage
from leadflow.web.deals import common as pages
from leadflow.web.deals.forms import BookingForm, OutcomeForm, move_form

ACCESS: dict[str, frozenset[Role]] = {
    "opportunities_list": pages.SELLERS,
    "opportunities_get": pages.SELLERS,
    "opportunities_move": pages.SELLERS,
    "appointments_book": pages.BOOKERS,
    "appointments_outcome": pages.SELLERS,
    "appointments_list": pages.SELLERS,
}

router = GuardedRouter(access=ACCESS, tags=["deals"])

_CLOSED = [s.value for s in CLOSED_STAGES]


# --- opportunities ------------------------------------------------------------------------


def _opportunity(request: HttpRequest, opportunity_id: int) -> Opportunity:
    found = (
        pipeline_board.opportunity_for(opportunity_id, rep_id=pages.own_scope(request))
        if in_range(opportunity_id)
        else None
    )
    if found is None:
        raise ApiError(404, "not_found", "no such opportunity among yours")
    return found


def _needs(current: Stage, target: Stage) -> str | None:
    """What the domain asks of a move given nothing (None: a click is enough)."""
    try:
        pipeline.move(current, target)
    except MissingDetail as asked:
        return asked.reason
    return None


def _detail(opportunity: Opportunity) -> dict[str, Any]:
    stage = Stage(opportunity.stage)
    history = opportunity.stage_changes.select_related("by").order_by("at", "id")
    appointments = opportunity.appointments.select_related(
        "opportunity__person__company", "setter", "rep"
    ).order_by("scheduled_at", "id")
    return {
        **opportunity_out(opportunity),
        "history": [stage_change_out(change) for change in history],
        "moves": [
            MoveOut(stage=Stage(m.stage), label=m.label, needs=_needs(stage, Stage(m.stage)))
            for m in pipeline_board.moves_from(stage)
        ],
        "appointments": [appointment_out(a) for a in appointments],
    }


@router.get(
    "/opportunities",
    response={200: OpportunityPage, **failures(422)},
    operation_id="opportunities_list",
    summary="List opportunities, newest first",
)
def opportunities_list(request: HttpRequest, filters: Query[OpportunityFilters]) -> dict[str, Any]:
    """A rep sees their own opportunities, an owner everyone's; page on with `cursor`."""
    found: QuerySet[Opportunity] = pipeline_board.scoped(pages.own_scope(request))
    if filters.stage is not None:
        found = found.filter(stage=filters.stage.value)
    if filters.open is not None:
        found = (
            found.exclude(stage__in=_CLOSED) if filters.open else found.filter(stage__in=_CLOSED)
        )
    if filters.rep is not None:
        found = found.filter(rep_id=filters.rep)
    if filters.setter is not None:
        found = found.filter(setter_id=filters.setter)
    if filters.source is not None:
        found = found.filter(person__lead_source_id=filters.source)
    if filters.cursor:
        (before,) = decode_cursor(filters.cursor, shape=(int,))
        found = found.filter(pk__lt=before)
    rows = list(
        found.select_related("person__company", "person__lead_source", "rep", "setter").order_by(
            "-pk"
        )[: filters.limit + 1]
    )
    page = rows[: filters.limit]
    return {
        "items": [opportunity_out(o) for o in page],
        "next_cursor": encode_cursor([page[-1].pk]) if len(rows) > filters.limit else None,
    }


@router.get(
    "/opportunities/{opportunity_id}",
    response={200: OpportunityDetail, **failures(404)},
    operation_id="opportunities_get",
    summary="One opportunity, its stage history and the moves allowed from here",
)
def opportunities_get(request: HttpRequest, opportunity_id: int) -> dict[str, Any]:
    return _detail(_opportunity(request, opportunity_id))


def _aware(value: datetime | None) -> datetime | None:
    if value is None or timezone.is_aware(value):
        return value
    return timezone.make_aware(value)


@router.post(
    "/opportunities/{opportunity_id}/moves",
    response={200: OpportunityDetail, **failures(404, 409, 422)},
    operation_id="opportunities_move",
    summary="Move an opportunity to another stage",
)
def opportunities_move(
    request: HttpRequest, opportunity_id: int, payload: MoveIn
) -> dict[str, Any]:
    """Won makes the person a Client; lost with disposition `avoid` puts them on the Avoid
    list; a move to `appointment_set` rebooks after a no-show or a cancellation."""
    user = api_user(request)
    opportunity = _opportunity(request, opportunity_id)
    target = payload.stage
    appointment_at = _aware(payload.appointment_at)
    if payload.from_stage is not None and Stage(opportunity.stage) is not payload.from_stage:
        raise StaleState(moved_since(opportunity, payload.from_stage))
    # The table, then what the target needs: 409 or 422 with the pipeline's reason.
    pipeline.move(
        Stage(opportunity.stage),
        target,
        MoveDetails(
            callback_on=payload.callback_on,
            appointment_at=appointment_at,
            lost_reason=payload.lost_reason,
            disposition=payload.disposition,
            contract_value=payload.contract_value,
        ),
    )
    # Then what the board's form checks beyond the table (no date in the past, a positive
    # amount, services we sell), with its words.
    data: dict[str, Any] = {
        "lost_reason": payload.lost_reason,
        "disposition": payload.disposition.value if payload.disposition else None,
        "contract_value": payload.contract_value,
        "callback_on": payload.callback_on,
        "appointment_at": appointment_at,
        "services": payload.services_bought
        if payload.services_bought is not None
        else list(opportunity.person.services_wanted or []),
    }
    form = raise_for(
        move_form(target, data, opportunity=opportunity),
        where="body",
        names={"services": "services_bought"},
    )
    details = form.details()
    moved = move_opportunity(
        opportunity=opportunity,
        target=target,
        by=user,
        details=replace(details, reason=payload.reason.strip() or details.reason),
        services_bought=form.services_bought(),
        seen_at=payload.from_stage,
    )
    return _detail(moved)


# --- appointments -------------------------------------------------------------------------


@router.post(
    "/people/{person_id}/appointments",
    response={201: AppointmentOut, **failures(404, 409, 422)},
    operation_id="appointments_book",
    summary="Book a first-time appointment",
)
def appointments_book(
    request: HttpRequest, person_id: int, payload: BookingIn
) -> Status[AppointmentOut]:
    """A qualified lead, vetted by a setter (the three checks), agreed to meet: opens the
    opportunity at Appointment set and sends the shock-and-awe task. A person on the
    Avoid list is a 409 ``on_avoid_list``; a prospect, an unqualified lead or one already
    in a deal a 409 ``illegal_transition``."""
    user = api_user(request)
    subject = booking_subject(person_id) if in_range(person_id) else None
    if subject is None:
        raise ApiError(404, "not_found", "no such person")
    setter = payload.setter
    if setter is None and Role.SETTER in roles_of(user):
        setter = user.pk
    form = raise_for(
        BookingForm(
            {
                "setter": setter,
                "rep": payload.rep,
                "scheduled_at": _aware(payload.scheduled_at),
                "has_problem_we_solve": payload.has_problem_we_solve,
                "has_authority_to_buy": payload.has_authority_to_buy,
                "agreed_to_talk_to_sales": payload.agreed_to_talk_to_sales,
                "note": payload.note,
            }
        ),
        where="body",
    )
    appointment = form.book(subject.person, by=user)
    return Status(201, appointment_out(appointment))


@router.post(
    "/appointments/{appointment_id}/outcome",
    response={200: AppointmentOut, **failures(404, 409, 422)},
    operation_id="appointments_outcome",
    summary="Record an appointment's outcome: sat, no-show or cancelled",
)
def appointments_outcome(
    request: HttpRequest, appointment_id: int, payload: OutcomeIn
) -> AppointmentOut:
    """Cancelled needs a `callback_on` date, which becomes the setter's callback task."""
    user = api_user(request)
    line = (
        appointment_line(appointment_id, rep_id=pages.own_scope(request))
        if in_range(appointment_id)
        else None
    )
    if line is None:
        raise ApiError(404, "not_found", "no such appointment among yours")
    form = raise_for(
        OutcomeForm(
            {
                "outcome": payload.outcome.value,
                "callback_on": payload.callback_on,
                "reason": payload.reason,
            }
        ),
        where="body",
    )
    outcome, details = form.details()
    recorded = record_appointment_outcome(
        appointment=line.appointment,
        outcome=outcome,
        by=user,
        callback_on=details.callback_on,
        reason=details.reason,
    )
    return appointment_out(recorded)


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@router.get(
    "/appointments",
    response={200: AppointmentPage, **failures(422)},
    operation_id="appointments_list",
    summary="List appointments by the time they are scheduled",
)
def appointments_list(request: HttpRequest, filters: Query[AppointmentFilters]) -> dict[str, Any]:
    """A rep sees the appointments they run, an owner everyone's; `can_record` says
    which still wait for an outcome."""
    found = Appointment.objects.select_related("opportunity__person__company", "setter", "rep")
    scope = pages.own_scope(request)
    if scope is not None:
        found = found.filter(rep_id=scope)
    if filters.day is not None:
        start = _start_of(filters.day)
        found = found.filter(
            scheduled_at__gte=start, scheduled_at__lt=_start_of(filters.day + timedelta(days=1))
        )
    if filters.rep is not None:
        found = found.filter(rep_id=filters.rep)
    if filters.setter is not None:
        found = found.filter(setter_id=filters.setter)
    if filters.cursor:
        at, pk = decode_cursor(filters.cursor, shape=(str, int))
        after = _moment(at)
        found = found.filter(Q(scheduled_at__gt=after) | Q(scheduled_at=after, pk__gt=pk))
    rows = list(found.order_by("scheduled_at", "pk")[: filters.limit + 1])
    page = rows[: filters.limit]
    return {
        "items": [appointment_out(a) for a in page],
        "next_cursor": encode_cursor([page[-1].scheduled_at.isoformat(), page[-1].pk])
        if len(rows) > filters.limit
        else None,
    }


def _moment(text: str) -> datetime:
    """The aware moment an appointments cursor holds."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or timezone.is_naive(moment):
        raise invalid("query", "cursor", "not a cursor this list handed out")
    return moment
