"""What the deals endpoints take and give: opportunities, their history and moves,
appointments; and the opaque cursor their lists page with."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from ninja import Field, Schema
from pydantic import field_validator

from leadflow.api.form_errors import invalid
from leadflow.api.schemas import MAX_ID, Input
from leadflow.crm.models import Appointment, Opportunity, Person, StageChange
from leadflow.crm.selectors.appointments import AppointmentLine
from leadflow.crm.selectors.people import who
from leadflow.domain.pipeline import AppointmentOutcome, LostDisposition, Stage

MAX_LIMIT = 200
# The database's largest integer: a larger id would overflow the query rather than miss.


# The days a calendar query can be made for in any time zone without leaving the calendar.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9999, 12, 30)


def in_range(object_id: int) -> bool:
    """Whether an id from a path could name a row (outside it: a 404, not a 500)."""
    return 1 <= object_id <= MAX_ID


# --- answers ------------------------------------------------------------------------------


class UserRef(Schema):
    id: int
    name: str


class PersonRef(Schema):
    id: int
    name: str
    company: str | None = None


class OpportunityOut(Schema):
    id: int
    person: PersonRef
    stage: Stage
    stage_label: str
    is_open: bool
    stage_entered_at: datetime
    created_at: datetime
    closed_at: datetime | None
    setter: UserRef | None
    rep: UserRef | None
    source: str | None = Field(description="the person's lead source")
    lost_reason: str
    disposition: LostDisposition | None
    contract_value: Decimal | None
    services_bought: list[str]


class StageChangeOut(Schema):
    before: Stage | None = Field(description="null for the opening of the opportunity")
    after: Stage
    at: datetime
    by: UserRef | None
    reason: str
    details: dict[str, str]


class MoveOut(Schema):
    stage: Stage
    label: str
    needs: str | None = Field(
        description="what this move asks for, in the pipeline's words; null: nothing"
    )


class AppointmentOut(Schema):
    id: int
    opportunity_id: int
    person: PersonRef
    setter: UserRef
    rep: UserRef
    scheduled_at: datetime
    booked_at: datetime
    outcome: AppointmentOutcome | None
    outcome_at: datetime | None
    callback_on: date | None
    can_record: bool = Field(description="an outcome (sat, no-show, cancelled) may be recorded")


class OpportunityDetail(OpportunityOut):
    history: list[StageChangeOut] = Field(description="every stage change, oldest first")
    moves: list[MoveOut] = Field(description="the moves the pipeline allows from here")
    appointments: list[AppointmentOut]


class OpportunityPage(Schema):
    items: list[OpportunityOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null: last")


class AppointmentPage(Schema):
    items: list[AppointmentOut]
    next_cursor: str | None


# --- requests -----------------------------------------------------------------------------


class Paging(Schema):
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description=f"at most {MAX_LIMIT}")
    cursor: str | None = Field(
        None, max_length=200, description="the `next_cursor` of the page before"
    )


class OpportunityFilters(Paging):
    stage: Stage | None = None
    open: bool | None = Field(None, description="true: open only; false: won or lost only")
    rep: int | None = Field(None, ge=1, le=MAX_ID, description="the rep's user id")
    setter: int | None = Field(None, ge=1, le=MAX_ID, description="the setter's user id")
    source: int | None = Field(None, ge=1, le=MAX_ID, description="the lead source's id")


class AppointmentFilters(Paging):
    day: date | None = Field(
        None, ge=FIRST_DAY, le=LAST_DAY, description="scheduled on this day (local time)"
    )
    rep: int | None = Field(None, ge=1, le=MAX_ID, description="the rep's user id")
    setter: int | None = Field(None, ge=1, le=MAX_ID, description="the setter's user id")


class MoveIn(Input):
    """A move to `stage`; each target asks only what it needs (see `moves` on the
    opportunity): lost a `lost_reason` and a `disposition`, won a `contract_value`
    (and the services bought), cancelled a `callback_on`, a rebooking an
    `appointment_at`."""

    stage: Stage
    from_stage: Stage | None = Field(
        None,
        description="the stage you saw the deal at: if someone moved it since, the move is "
        "a 409 `stale` saying who and when, instead of applying to a stage it has left",
    )
    reason: str = Field("", max_length=500)
    lost_reason: str = Field("", max_length=500)
    disposition: LostDisposition | None = None
    contract_value: Decimal | None = None
    services_bought: list[str] | None = Field(
        None, description="won: what they bought; default: the services they wanted"
    )
    callback_on: date | None = None
    appointment_at: datetime | None = None

    @field_validator("reason")
    @classmethod
    def _printable(cls, value: str) -> str:
        # The other texts go through the board's form, which refuses these; PostgreSQL
        # would refuse this one with a 500.
        if "\x00" in value:
            raise ValueError("null characters are not allowed")
        return value


class BookingIn(Input):
    rep: int = Field(ge=1, le=MAX_ID, description="the sales rep's user id")
    setter: int | None = Field(
        None, ge=1, le=MAX_ID, description="the setter's user id; default: the caller"
    )
    scheduled_at: datetime
    has_problem_we_solve: bool
    has_authority_to_buy: bool
    agreed_to_talk_to_sales: bool
    note: str = Field("", max_length=500)


class OutcomeIn(Input):
    outcome: AppointmentOutcome
    callback_on: date | None = Field(None, description="cancelled: when to call back")
    reason: str = Field("", max_length=500)


# --- from the models ----------------------------------------------------------------------


def user_ref(user: User | None) -> UserRef | None:
    return None if user is None else UserRef(id=user.pk, name=who(user))


def person_ref(person: Person) -> PersonRef:
    return PersonRef(
        id=person.pk, name=str(person), company=person.company.name if person.company else None
    )


def opportunity_out(o: Opportunity) -> dict[str, Any]:
    stage = Stage(o.stage)
    return {
        "id": o.pk,
        "person": person_ref(o.person),
        "stage": stage,
        "stage_label": stage.label,
        "is_open": stage.is_open,
        "stage_entered_at": o.stage_entered_at,
        "created_at": o.created_at,
        "closed_at": o.closed_at,
        "setter": user_ref(o.setter),
        "rep": user_ref(o.rep),
        "source": o.person.lead_source.name if o.person.lead_source else None,
        "lost_reason": o.lost_reason,
        "disposition": o.disposition,
        "contract_value": o.contract_value,
        "services_bought": list(o.services_bought or []),
    }


def stage_change_out(change: StageChange) -> StageChangeOut:
    return StageChangeOut(
        before=Stage(change.before) if change.before else None,
        after=Stage(change.after),
        at=change.at,
        by=user_ref(change.by),
        reason=change.reason,
        details={str(k): str(v) for k, v in (change.details or {}).items()},
    )


def appointment_out(a: Appointment) -> AppointmentOut:
    return AppointmentOut(
        id=a.pk,
        opportunity_id=a.opportunity_id,
        person=person_ref(a.opportunity.person),
        setter=UserRef(id=a.setter.pk, name=who(a.setter)),
        rep=UserRef(id=a.rep.pk, name=who(a.rep)),
        scheduled_at=a.scheduled_at,
        booked_at=a.booked_at,
        outcome=AppointmentOutcome(a.outcome) if a.outcome else None,
        outcome_at=a.outcome_at,
        callback_on=a.callback_on,
        can_record=AppointmentLine(a).can_record,
    )


# --- the cursor ---------------------------------------------------------------------------


def encode_cursor(position: list[Any]) -> str:
    """Where the next page starts, as an opaque token (the last row's sort key)."""
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, shape: tuple[type, ...]) -> list[Any]:
    """The sort key a cursor holds; a 422 for anything this API did not hand out."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        position = json.loads(raw)
    except (binascii.Error, ValueError):
        position = None
    if (
        not isinstance(position, list)
        or len(position) != len(shape)
        or not all(_fits(v, t) for v, t in zip(position, shape, strict=True))
    ):
        raise invalid("query", "cursor", "not a cursor this list handed out")
    return position


def _fits(value: Any, kind: type) -> bool:
    if kind is int:
        return type(value) is int and 0 <= value <= MAX_ID
    return isinstance(value, kind)
