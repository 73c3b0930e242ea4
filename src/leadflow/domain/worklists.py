"""Rules of the work queues: how old a raw lead is, whose a task is, and which fact a
person's proposed disqualification is about (PRODUCT.md §2).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from leadflow.domain.calendar import BusinessCalendar
from leadflow.domain.people import Role
from leadflow.domain.profile import Trait
from leadflow.domain.qualification import UnqualifiedReason


def business_ages(
    arrivals: Iterable[date], today: date, calendar: BusinessCalendar
) -> dict[date, int]:
    """For each arrival day, the business days after it up to and including today.

    The same count as `BusinessCalendar.business_days_between`, walking the calendar
    once for a whole page of leads instead of once per lead (a queue page can hold
    leads that waited for years). A day after today is 0 old.
    """
    ages: dict[date, int] = {}
    count = 0
    current = today
    for day in sorted(set(arrivals), reverse=True):
        while current > day:
            if calendar.is_business_day(current):
                count += 1
            current -= timedelta(days=1)
        ages[day] = count
    return ages


def over_age(age_business_days: int, limit_business_days: int) -> bool:
    """The raw-age alert: more than the configured business days without a review.

    Agrees with the dashboard's count (`raw_age_cutoff`): a lead that arrived on the
    cutoff day is `limit + 1` business days old today.
    """
    return age_business_days > limit_business_days


# The fact each reason is about. A stored proposal names a trait: one open proposal per
# trait, and rejecting it waives that trait for the lead. "No budget" is about the budget
# (the switch reason maps to it too, but a person saying "no budget" means money).
# "Other" is about what the company is: a failed company-type rule already reads
# "other" (as employee count, outsourcing and lead source do), and a rejected "other"
# then waives only a company-type rule, never a rule that has a reason of its own.
TRAIT_FOR_REASON: dict[UnqualifiedReason, Trait] = {
    UnqualifiedReason.WRONG_NICHE: Trait.NICHE,
    UnqualifiedReason.OUTSIDE_SERVICE_AREA: Trait.GEOGRAPHY,
    UnqualifiedReason.NOT_DECISION_MAKER: Trait.AUTHORITY,
    UnqualifiedReason.NO_BUDGET: Trait.MONTHLY_BUDGET,
    UnqualifiedReason.NO_NEED_NOW: Trait.NEED,
    UnqualifiedReason.WANTS_WHAT_WE_DONT_SELL: Trait.SERVICES_WANTED,
    UnqualifiedReason.OTHER: Trait.COMPANY_TYPE,
}


def trait_for(reason: UnqualifiedReason) -> Trait:
    return TRAIT_FOR_REASON[reason]


def proposal_detail(reason: UnqualifiedReason, *, by: str, note: str) -> str:
    """What a person's proposal says on every page: the reason, who, and their words."""
    text = f"{reason.label}, proposed by {by}"
    return f"{text}: {note.strip()}" if note.strip() else text


def may_complete_task(
    *,
    task_role: Role,
    assignee_id: int | None,
    user_id: int,
    user_roles: frozenset[Role],
) -> bool:
    """A task is done by the person it is assigned to; an unassigned one by anyone in
    its role. The owner may close any task: they answer for all the work."""
    if Role.OWNER in user_roles:
        return True
    if assignee_id is not None:
        return assignee_id == user_id
    return task_role in user_roles
