"""The pipeline: one opportunity per sales attempt (PRODUCT.md §4).

An explicit transition table. A move outside it raises IllegalTransition; a move in it
that lacks what the target stage needs raises MissingDetail. Both carry a reason a
person can read, so an adapter can show it as a 4xx or a form error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from leadflow.domain.errors import IllegalTransition, MissingDetail, OnAvoidList
from leadflow.domain.people import PersonType
from leadflow.domain.qualification import QualificationStatus


class Stage(StrEnum):
    APPOINTMENT_SET = "appointment_set"  # first-time appointment: a sales-qualified lead
    APPOINTMENT_SAT = "appointment_sat"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"  # with a callback date
    PROPOSING = "proposing"  # proposing / negotiating
    CONTRACT_SENT = "contract_sent"
    WON = "won"
    LOST = "lost"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def is_open(self) -> bool:
        return self not in CLOSED_STAGES


_LABELS = {
    Stage.APPOINTMENT_SET: "Appointment set",
    Stage.APPOINTMENT_SAT: "Appointment sat",
    Stage.NO_SHOW: "No-show",
    Stage.CANCELLED: "Cancelled (callback)",
    Stage.PROPOSING: "Proposing / negotiating",
    Stage.CONTRACT_SENT: "Contract sent",
    Stage.WON: "Won",
    Stage.LOST: "Lost",
}

CLOSED_STAGES = frozenset({Stage.WON, Stage.LOST})


class AppointmentOutcome(StrEnum):
    SAT = "sat"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


OUTCOME_STAGE = {
    AppointmentOutcome.SAT: Stage.APPOINTMENT_SAT,
    AppointmentOutcome.NO_SHOW: Stage.NO_SHOW,
    AppointmentOutcome.CANCELLED: Stage.CANCELLED,
}


class LostDisposition(StrEnum):
    """Where a lost opportunity's person goes next."""

    NURTURE = "nurture"  # back to an unconverted lead on the drip
    UNQUALIFIED = "unqualified"  # not a fit
    AVOID = "avoid"  # we will never work with them


# Where each stage may go. Rebooking after a no-show or a cancellation opens a new
# appointment on the same opportunity; a revised contract goes back to proposing.
TRANSITIONS: dict[Stage, frozenset[Stage]] = {
    Stage.APPOINTMENT_SET: frozenset(
        {Stage.APPOINTMENT_SAT, Stage.NO_SHOW, Stage.CANCELLED, Stage.LOST}
    ),
    Stage.NO_SHOW: frozenset({Stage.APPOINTMENT_SET, Stage.LOST}),
    Stage.CANCELLED: frozenset({Stage.APPOINTMENT_SET, Stage.LOST}),
    Stage.APPOINTMENT_SAT: frozenset({Stage.PROPOSING, Stage.LOST}),
    Stage.PROPOSING: frozenset({Stage.CONTRACT_SENT, Stage.LOST}),
    Stage.CONTRACT_SENT: frozenset({Stage.WON, Stage.LOST, Stage.PROPOSING}),
    Stage.WON: frozenset(),
    Stage.LOST: frozenset(),
}


@dataclass(frozen=True)
class MoveDetails:
    """What a move may need; each target stage checks only what it needs."""

    reason: str = ""
    callback_on: date | None = None
    appointment_at: datetime | None = None
    lost_reason: str = ""
    disposition: LostDisposition | None = None
    contract_value: Decimal | None = None

    def to_record(self) -> dict[str, str]:
        """What the move carried, as plain strings for a history row."""
        out: dict[str, str] = {}
        if self.callback_on:
            out["callback_on"] = self.callback_on.isoformat()
        if self.appointment_at:
            out["appointment_at"] = self.appointment_at.isoformat()
        if self.lost_reason:
            out["lost_reason"] = self.lost_reason
        if self.disposition:
            out["disposition"] = self.disposition.value
        if self.contract_value is not None:
            out["contract_value"] = str(self.contract_value)
        return out


@dataclass(frozen=True)
class StageChange:
    before: Stage
    after: Stage
    details: MoveDetails


def allowed_moves(stage: Stage) -> frozenset[Stage]:
    return TRANSITIONS[stage]


def move(current: Stage, target: Stage, details: MoveDetails | None = None) -> StageChange:
    """Check one move against the table and the target's needs."""
    details = details or MoveDetails()
    if target not in TRANSITIONS[current]:
        if not current.is_open:
            raise IllegalTransition(f"the opportunity is {current.label.lower()}: it is closed")
        options = ", ".join(s.label for s in sorted(TRANSITIONS[current]))
        raise IllegalTransition(
            f"cannot move from {current.label} to {target.label}; allowed: {options}"
        )
    _check_needs(target, details)
    return StageChange(current, target, details)


def _check_needs(target: Stage, details: MoveDetails) -> None:
    if target is Stage.CANCELLED and details.callback_on is None:
        raise MissingDetail("a cancelled appointment needs a callback date")
    if target is Stage.APPOINTMENT_SET and details.appointment_at is None:
        raise MissingDetail("rebooking needs the new appointment's date and time")
    if target is Stage.LOST:
        if not details.lost_reason.strip():
            raise MissingDetail("a lost opportunity needs a reason")
        if details.disposition is None:
            raise MissingDetail(
                "a lost opportunity needs a disposition: nurture, unqualified or avoid"
            )
    if target is Stage.WON and not _is_positive_amount(details.contract_value):
        raise MissingDetail("a won opportunity needs its contract value (above zero)")


def _is_positive_amount(value: Decimal | None) -> bool:
    # NaN would raise InvalidOperation on `<=` (a 500), and Infinity is no contract value.
    return value is not None and value.is_finite() and value > 0


@dataclass(frozen=True)
class SalesQualification:
    """The three checks that make a qualified lead a sales-qualified one (an FTA)."""

    has_problem_we_solve: bool
    has_authority_to_buy: bool
    agreed_to_talk_to_sales: bool

    def missing(self) -> tuple[str, ...]:
        checks = (
            (self.has_problem_we_solve, "a problem we solve"),
            (self.has_authority_to_buy, "the authority and ability to buy"),
            (self.agreed_to_talk_to_sales, "agreement to talk to sales"),
        )
        return tuple(text for ok, text in checks if not ok)


def check_can_book(
    *,
    person_type: PersonType,
    status: QualificationStatus | None,
    has_open_opportunity: bool,
    sql: SalesQualification,
) -> None:
    """A first-time appointment is for a qualified lead that passes the three SQL checks.

    A client may also book (an upsell is a new sales attempt). One open opportunity at a
    time: a second would split the funnel's counts.
    """
    if person_type is PersonType.AVOID:
        raise OnAvoidList("a person on the Avoid list cannot be booked")
    if person_type is PersonType.PROSPECT:
        raise IllegalTransition("a prospect has shown no interest yet: it is not a lead")
    if person_type is PersonType.LEAD and status is not QualificationStatus.QUALIFIED:
        shown = status.value if status else "not reviewed"
        raise IllegalTransition(f"only a qualified lead can be booked (this lead is {shown})")
    if has_open_opportunity:
        raise IllegalTransition("this person already has an open opportunity")
    missing = sql.missing()
    if missing:
        raise MissingDetail("cannot set an appointment without " + ", ".join(missing))
