"""Temperature: how interested a lead is, judged by what it did (PRODUCT.md §3).

Temperature comes from the activity kind and the follow-up wish the lead expressed,
never from who the lead is or how big its company is: the functions here take no
company facts at all. Triggers and next steps are data with these defaults.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import IntEnum, StrEnum

from leadflow.domain.calendar import BusinessCalendar
from leadflow.domain.qualification import QualificationStatus


class Temperature(IntEnum):
    COLD = 1
    COOL = 2
    WARM = 3
    HOT = 4

    @property
    def label(self) -> str:
        return self.name.lower()


class ActivityKind(StrEnum):
    DOWNLOAD = "download"
    NEWSLETTER_SIGNUP = "newsletter_signup"
    SOCIAL_FOLLOW = "social_follow"
    WEB_FORM = "web_form"
    EVENT_ATTENDED = "event_attended"  # webinar or event
    TRADE_SHOW = "trade_show"
    TRIAL_REGISTRATION = "trial_registration"  # trial account or tool
    INBOUND_CALL = "inbound_call"


class FollowUpWish(StrEnum):
    NONE = "none"  # asked not to be contacted
    NEUTRAL = "neutral"
    ASKED = "asked"


class NextAction(StrEnum):
    NURTURE_ONLY = "nurture_only"
    DRIP_AND_SOFT_OFFER = "drip_and_soft_offer"
    PERSONAL_FOLLOW_UP = "personal_follow_up"
    CALL = "call"


@dataclass(frozen=True)
class NextStep:
    action: NextAction
    within_business_days: int | None  # None: no personal task, the drip does the work

    def __post_init__(self) -> None:
        if self.within_business_days is not None and self.within_business_days < 0:
            raise ValueError("a next step cannot fall due before the activity")

    def describe(self) -> str:
        text = self.action.value.replace("_", " ")
        if self.within_business_days is not None:
            days = self.within_business_days
            text += f" within {days} business day{'s' if days != 1 else ''}"
        return text


LIGHT_KINDS = (
    ActivityKind.DOWNLOAD,
    ActivityKind.NEWSLETTER_SIGNUP,
    ActivityKind.SOCIAL_FOLLOW,
    ActivityKind.WEB_FORM,
)
HEAVY_KINDS = (
    ActivityKind.EVENT_ATTENDED,
    ActivityKind.TRADE_SHOW,
    ActivityKind.TRIAL_REGISTRATION,
    ActivityKind.INBOUND_CALL,
)

Triggers = Mapping[tuple[ActivityKind, FollowUpWish], Temperature]

_WISH_TEMPERATURE = {
    FollowUpWish.NONE: Temperature.COLD,
    FollowUpWish.NEUTRAL: Temperature.COOL,
    FollowUpWish.ASKED: Temperature.WARM,
}

DEFAULT_TRIGGERS: Triggers = {
    **{(kind, wish): temp for kind in LIGHT_KINDS for wish, temp in _WISH_TEMPERATURE.items()},
    **{(kind, wish): Temperature.HOT for kind in HEAVY_KINDS for wish in FollowUpWish},
}

DEFAULT_NEXT_STEPS: Mapping[Temperature, NextStep] = {
    Temperature.COLD: NextStep(NextAction.NURTURE_ONLY, None),
    Temperature.COOL: NextStep(NextAction.DRIP_AND_SOFT_OFFER, None),
    Temperature.WARM: NextStep(NextAction.PERSONAL_FOLLOW_UP, 2),
    Temperature.HOT: NextStep(NextAction.CALL, 1),
}


@dataclass(frozen=True)
class InterestActivity:
    """One thing a lead did. Problem indicators are pains our service solves."""

    kind: ActivityKind
    wish: FollowUpWish
    occurred_on: date
    problem_indicators: tuple[str, ...] = ()


@dataclass(frozen=True)
class TemperatureReading:
    temperature: Temperature
    activity: InterestActivity
    has_problem_indicators: bool
    explanation: str


def temperature_of(
    activity: InterestActivity, triggers: Triggers = DEFAULT_TRIGGERS
) -> Temperature:
    """What this one activity says. A configured table may cover only the pairs it changes;
    the others keep their default, so a new activity kind never breaks a stored table."""
    key = (activity.kind, activity.wish)
    return triggers[key] if key in triggers else DEFAULT_TRIGGERS[key]


def read_temperature(
    activities: Iterable[InterestActivity], triggers: Triggers = DEFAULT_TRIGGERS
) -> TemperatureReading | None:
    """The hottest activity decides; among equals the latest. None if there was no activity."""
    best: tuple[Temperature, date, InterestActivity] | None = None
    problems = False
    for activity in activities:
        problems = problems or bool(activity.problem_indicators)
        key = (temperature_of(activity, triggers), activity.occurred_on, activity)
        if best is None or key[:2] > best[:2]:
            best = key
    if best is None:
        return None
    temp, _, activity = best
    explanation = (
        f"{temp.label}: {activity.kind.value.replace('_', ' ')} on {activity.occurred_on}"
        f", follow-up wish {activity.wish.value}"
    )
    if problems:
        explanation += "; shows problem indicators"
    return TemperatureReading(temp, activity, problems, explanation)


def next_step_for(
    temperature: Temperature, steps: Mapping[Temperature, NextStep] = DEFAULT_NEXT_STEPS
) -> NextStep:
    return steps[temperature] if temperature in steps else DEFAULT_NEXT_STEPS[temperature]


def due_date(step: NextStep, start: date, calendar: BusinessCalendar) -> date | None:
    if step.within_business_days is None:
        return None
    return calendar.add_business_days(start, step.within_business_days)


@dataclass(frozen=True)
class FollowUp:
    """A personal follow-up that a temperature's next step asks a setter for."""

    step: NextStep
    due: date

    @property
    def action(self) -> NextAction:
        return self.step.action


def follow_up_for(
    temperature: Temperature,
    on: date,
    calendar: BusinessCalendar,
    *,
    qualification: QualificationStatus | None,
    steps: Mapping[Temperature, NextStep] = DEFAULT_NEXT_STEPS,
) -> FollowUp | None:
    """The personal follow-up an activity on `on` calls for, or None when the drip does it.

    An unqualified lead gets the drip only: nobody spends calls on it (PRODUCT.md §5).
    """
    if qualification is QualificationStatus.UNQUALIFIED:
        return None
    step = next_step_for(temperature, steps)
    due = due_date(step, on, calendar)
    return None if due is None else FollowUp(step, due)


def pulls_forward(open_due: date | None, follow_up: FollowUp) -> bool:
    """A hotter activity pulls an open follow-up forward; it never pushes one back."""
    return open_due is None or follow_up.due < open_due


def priority_key(
    temperature: Temperature, has_problem_indicators: bool, due: date | None
) -> tuple[int, int, date]:
    """Sort key for work queues: hotter first, problem indicators first, earliest due first."""
    return (-int(temperature), 0 if has_problem_indicators else 1, due or date.max)
