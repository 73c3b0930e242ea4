"""Work-queue rules (domain/worklists.py): raw-lead age, whose a task is, a proposal's trait."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from leadflow.domain.calendar import BusinessCalendar
from leadflow.domain.people import Role
from leadflow.domain.qualification import REASON_FOR_TRAIT, UnqualifiedReason, reason_for
from leadflow.domain.worklists import (
    business_ages,
    may_complete_task,
    over_age,
    proposal_detail,
    trait_for,
)

US = BusinessCalendar("US")
MONDAY = date(2026, 11, 30)

days = st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31))


def test_a_raw_leads_age_counts_business_days_after_it_arrived_up_to_today() -> None:
    friday, saturday = date(2026, 11, 20), date(2026, 11, 21)
    friday_after_thanksgiving = date(2026, 11, 27)
    ages = business_ages([friday, saturday, friday_after_thanksgiving, MONDAY], MONDAY, US)
    assert ages[friday] == 5  # Mon 23, Tue 24, Wed 25, Fri 27, Mon 30: not Thanksgiving
    assert ages[saturday] == 5
    assert ages[friday_after_thanksgiving] == 1
    assert ages[MONDAY] == 0


@given(arrivals=st.lists(days, max_size=8), today=days)
def test_business_ages_agree_with_the_calendar_one_lead_at_a_time(
    arrivals: list[date], today: date
) -> None:
    ages = business_ages(arrivals, today, US)
    assert ages == {a: US.business_days_between(a, today) for a in arrivals}


def test_the_age_alert_is_past_the_limit_not_at_it() -> None:
    assert not over_age(1, 1)
    assert over_age(2, 1)
    assert not over_age(0, 0)
    assert over_age(1, 0)


def test_a_proposal_is_about_the_fact_its_reason_names() -> None:
    for reason in UnqualifiedReason:
        # The playbook, judging that trait, would give the same reason back.
        assert reason_for(trait_for(reason)) is reason


def test_every_trait_with_a_named_reason_is_reachable_but_the_switch_reason() -> None:
    reachable = {trait_for(r) for r in UnqualifiedReason}
    named = {t for t in REASON_FOR_TRAIT if REASON_FOR_TRAIT[t] is not UnqualifiedReason.NO_BUDGET}
    assert named <= reachable


def test_a_proposal_says_the_reason_who_and_their_words() -> None:
    text = proposal_detail(UnqualifiedReason.NO_BUDGET, by="Ann", note="  frozen till Q3 ")
    assert text == "no budget, proposed by Ann: frozen till Q3"
    assert proposal_detail(UnqualifiedReason.OTHER, by="Ann", note=" ") == "other, proposed by Ann"


def test_a_task_is_done_by_its_assignee_or_by_anyone_in_its_role_when_unassigned() -> None:
    setter = frozenset({Role.SETTER})
    assert may_complete_task(task_role=Role.SETTER, assignee_id=None, user_id=1, user_roles=setter)
    assert may_complete_task(task_role=Role.SETTER, assignee_id=1, user_id=1, user_roles=setter)
    assert not may_complete_task(task_role=Role.SETTER, assignee_id=2, user_id=1, user_roles=setter)
    assert not may_complete_task(
        task_role=Role.MARKETING, assignee_id=None, user_id=1, user_roles=setter
    )


def test_the_owner_may_close_any_task() -> None:
    owner = frozenset({Role.OWNER})
    assert may_complete_task(task_role=Role.REP, assignee_id=9, user_id=1, user_roles=owner)


def test_an_assigned_task_is_not_closed_by_the_rest_of_the_role() -> None:
    assert not may_complete_task(
        task_role=Role.SETTER, assignee_id=2, user_id=1, user_roles=frozenset(Role) - {Role.OWNER}
    )


def test_an_arrival_in_the_future_is_no_age() -> None:
    assert business_ages([MONDAY + timedelta(days=3)], MONDAY, US) == {
        MONDAY + timedelta(days=3): 0
    }
