"""A logged call's next step (domain/calls.py): pure dates and enums, no database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadflow.domain.calendar import BusinessCalendar
from leadflow.domain.calls import CallOutcome, plan_call
from leadflow.domain.errors import IllegalTransition, MissingDetail
from leadflow.domain.qualification import UnqualifiedReason

US = BusinessCalendar("US")
WEDNESDAY_BEFORE_THANKSGIVING = date(2026, 11, 25)
FRIDAY_AFTER = date(2026, 11, 27)


def test_no_answer_is_tried_again_on_the_next_business_day() -> None:
    plan = plan_call(CallOutcome.NO_ANSWER, today=WEDNESDAY_BEFORE_THANKSGIVING, calendar=US)
    assert plan.next_call_on == FRIDAY_AFTER
    assert plan.summary == "no answer; try again on 2026-11-27"
    assert not plan.ends_follow_ups
    assert plan.proposes is None


def test_no_answer_never_pulls_a_later_planned_call_earlier() -> None:
    later = date(2026, 12, 3)
    plan = plan_call(
        CallOutcome.NO_ANSWER,
        today=WEDNESDAY_BEFORE_THANKSGIVING,
        calendar=US,
        open_follow_up_due=later,
    )
    assert plan.next_call_on == later


def test_no_answer_on_an_overdue_call_moves_it_to_the_retry_day() -> None:
    plan = plan_call(
        CallOutcome.NO_ANSWER,
        today=WEDNESDAY_BEFORE_THANKSGIVING,
        calendar=US,
        open_follow_up_due=date(2026, 11, 2),
    )
    assert plan.next_call_on == FRIDAY_AFTER


def test_a_callback_is_on_the_day_the_lead_asked_for_and_replaces_the_follow_ups() -> None:
    day = date(2026, 12, 7)
    plan = plan_call(
        CallOutcome.CALLBACK, today=WEDNESDAY_BEFORE_THANKSGIVING, calendar=US, callback_on=day
    )
    assert (plan.next_call_on, plan.callback_on) == (day, day)
    assert plan.ends_follow_ups
    assert "2026-12-07" in plan.summary


def test_a_callback_today_is_allowed() -> None:
    today = WEDNESDAY_BEFORE_THANKSGIVING
    plan = plan_call(CallOutcome.CALLBACK, today=today, calendar=US, callback_on=today)
    assert plan.callback_on == today


def test_a_callback_without_a_date_says_what_is_missing() -> None:
    with pytest.raises(MissingDetail, match="needs the date"):
        plan_call(CallOutcome.CALLBACK, today=WEDNESDAY_BEFORE_THANKSGIVING, calendar=US)


def test_a_callback_in_the_past_is_refused() -> None:
    with pytest.raises(IllegalTransition, match="in the past"):
        plan_call(
            CallOutcome.CALLBACK,
            today=WEDNESDAY_BEFORE_THANKSGIVING,
            calendar=US,
            callback_on=date(2026, 11, 24),
        )


def test_not_interested_proposes_no_need_now_unless_told_otherwise() -> None:
    today = WEDNESDAY_BEFORE_THANKSGIVING
    default = plan_call(CallOutcome.NOT_INTERESTED, today=today, calendar=US)
    assert default.proposes is UnqualifiedReason.NO_NEED_NOW
    assert default.ends_follow_ups
    assert default.next_call_on is None
    named = plan_call(
        CallOutcome.NOT_INTERESTED,
        today=today,
        calendar=US,
        reason=UnqualifiedReason.NO_BUDGET,
    )
    assert named.proposes is UnqualifiedReason.NO_BUDGET
    assert "no budget" in named.summary


def test_booked_needs_no_more_calls_and_leaves_the_follow_ups_to_the_booking() -> None:
    plan = plan_call(CallOutcome.BOOKED, today=WEDNESDAY_BEFORE_THANKSGIVING, calendar=US)
    assert plan.next_call_on is None
    assert not plan.ends_follow_ups
    assert plan.proposes is None


@given(
    outcome=st.sampled_from([o for o in CallOutcome if o is not CallOutcome.CALLBACK]),
    stray=st.dates(),
)
def test_a_stray_callback_date_is_ignored_by_every_other_outcome(
    outcome: CallOutcome, stray: date
) -> None:
    plan = plan_call(outcome, today=WEDNESDAY_BEFORE_THANKSGIVING, calendar=US, callback_on=stray)
    assert plan.callback_on is None


@given(today=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)))
def test_the_retry_day_is_always_a_business_day_after_today(today: date) -> None:
    plan = plan_call(CallOutcome.NO_ANSWER, today=today, calendar=US)
    assert plan.next_call_on is not None
    assert plan.next_call_on > today
    assert US.is_business_day(plan.next_call_on)
    assert all(
        not US.is_business_day(today + timedelta(days=d))
        for d in range(1, (plan.next_call_on - today).days)
    )


def test_every_outcome_has_a_label() -> None:
    assert [o.label for o in CallOutcome] == [
        "no answer",
        "call back",
        "not interested",
        "booked an appointment",
    ]
