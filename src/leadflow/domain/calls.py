"""A setter's call and what it decides (PRODUCT.md §2, §4, §5).

One call, one outcome. The outcome decides the next step and nothing else: the caller
never disqualifies on the spot ("not interested" only *proposes*, for someone to confirm
on the Confirmations page), and "booked" is finished on the booking page, which checks
the sales-qualified-lead questions. Pure: dates and enums in, a plan with its reason out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from leadflow.domain.calendar import BusinessCalendar
from leadflow.domain.errors import IllegalTransition, MissingDetail
from leadflow.domain.qualification import UnqualifiedReason


class CallOutcome(StrEnum):
    NO_ANSWER = "no_answer"
    CALLBACK = "callback"
    NOT_INTERESTED = "not_interested"
    BOOKED = "booked"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    CallOutcome.NO_ANSWER: "no answer",
    CallOutcome.CALLBACK: "call back",
    CallOutcome.NOT_INTERESTED: "not interested",
    CallOutcome.BOOKED: "booked an appointment",
}

# "Not interested" is most often "no need now"; the caller may pick a truer reason.
DEFAULT_NOT_INTERESTED_REASON = UnqualifiedReason.NO_NEED_NOW


@dataclass(frozen=True)
class CallPlan:
    """What a logged call sets in motion, and the sentence the history keeps."""

    outcome: CallOutcome
    next_call_on: date | None  # the setter's next call to this lead; None: no more calls
    callback_on: date | None  # only for a callback: the day the lead asked for
    proposes: UnqualifiedReason | None  # only for not interested
    summary: str

    @property
    def ends_follow_ups(self) -> bool:
        """A callback replaces the open follow-ups; a "no" ends them. No answer keeps
        them (moved to the retry day), and booking closes them when the booking is made."""
        return self.outcome in (CallOutcome.CALLBACK, CallOutcome.NOT_INTERESTED)


def plan_call(
    outcome: CallOutcome,
    *,
    today: date,
    calendar: BusinessCalendar,
    callback_on: date | None = None,
    reason: UnqualifiedReason | None = None,
    open_follow_up_due: date | None = None,
) -> CallPlan:
    """The next step after a call made today.

    - No answer: try again on the next business day, unless the open follow-up already
      falls due later (a lead called early keeps its planned day).
    - Callback: on the date the lead asked for; it must be given and not in the past.
    - Not interested: no more calls; a disqualification is proposed with `reason`.
    - Booked: no more calls; the appointment is booked on the booking page.

    A date typed for another outcome is ignored rather than refused: the form shows the
    field to every outcome, and a stray date must not stop a setter from logging.
    """
    if outcome is CallOutcome.NO_ANSWER:
        retry = calendar.add_business_days(today, 1)
        if open_follow_up_due is not None and open_follow_up_due > retry:
            retry = open_follow_up_due
        return CallPlan(outcome, retry, None, None, f"no answer; try again on {retry}")
    if outcome is CallOutcome.CALLBACK:
        if callback_on is None:
            raise MissingDetail("a callback needs the date the lead asked to be called")
        if callback_on < today:
            raise IllegalTransition(f"a callback date cannot be in the past ({callback_on})")
        return CallPlan(
            outcome, callback_on, callback_on, None, f"asked to be called back on {callback_on}"
        )
    if outcome is CallOutcome.NOT_INTERESTED:
        proposed = reason or DEFAULT_NOT_INTERESTED_REASON
        return CallPlan(
            outcome,
            None,
            None,
            proposed,
            f"not interested; disqualification proposed ({proposed.label}), to confirm",
        )
    return CallPlan(outcome, None, None, None, "agreed to meet; book the appointment")
