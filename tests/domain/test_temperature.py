"""Temperature, PRODUCT.md §3: from what the lead did, never from who they are."""

from __future__ import annotations

import inspect
import typing
from dataclasses import fields
from datetime import date
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadflow.domain import temperature as temperature_module
from leadflow.domain.calendar import BusinessCalendar
from leadflow.domain.profile import LeadProfile, Trait
from leadflow.domain.qualification import QualificationStatus
from leadflow.domain.temperature import (
    ActivityKind,
    FollowUp,
    FollowUpWish,
    InterestActivity,
    NextAction,
    NextStep,
    Temperature,
    due_date,
    follow_up_for,
    next_step_for,
    priority_key,
    pulls_forward,
    read_temperature,
    temperature_of,
)

US = BusinessCalendar("US")
THURSDAY = date(2026, 3, 12)
FRIDAY = date(2026, 3, 13)
MONDAY = date(2026, 3, 16)

SIMPLE_ACTS = [ActivityKind.DOWNLOAD, ActivityKind.NEWSLETTER_SIGNUP, ActivityKind.SOCIAL_FOLLOW]
HOT_ACTS = [
    ActivityKind.EVENT_ATTENDED,
    ActivityKind.TRADE_SHOW,
    ActivityKind.TRIAL_REGISTRATION,
    ActivityKind.INBOUND_CALL,
]


def _did(
    kind: ActivityKind,
    wish: FollowUpWish = FollowUpWish.NEUTRAL,
    on: date = THURSDAY,
    problems: tuple[str, ...] = (),
) -> InterestActivity:
    return InterestActivity(kind, wish, on, problems)


def _reading_and_step(activity: InterestActivity) -> tuple[Temperature, NextStep, date | None]:
    reading = read_temperature([activity])
    assert reading is not None
    step = next_step_for(reading.temperature)
    return reading.temperature, step, due_date(step, activity.occurred_on, US)


# --- one test per row of the §3 table ------------------------------------------------


@pytest.mark.parametrize("kind", SIMPLE_ACTS)
def test_cold_simple_act_asking_for_no_follow_up_gets_nurture_only(kind: ActivityKind) -> None:
    temperature, step, due = _reading_and_step(_did(kind, FollowUpWish.NONE))

    assert temperature is Temperature.COLD
    assert step.action is NextAction.NURTURE_ONLY
    assert due is None


@pytest.mark.parametrize("kind", SIMPLE_ACTS)
def test_cool_simple_act_neutral_about_follow_up_gets_drip_and_soft_offer(
    kind: ActivityKind,
) -> None:
    temperature, step, due = _reading_and_step(_did(kind, FollowUpWish.NEUTRAL))

    assert temperature is Temperature.COOL
    assert step.action is NextAction.DRIP_AND_SOFT_OFFER
    assert due is None


@pytest.mark.parametrize("kind", SIMPLE_ACTS)
def test_warm_simple_act_asking_for_follow_up_gets_personal_follow_up_in_2_business_days(
    kind: ActivityKind,
) -> None:
    temperature, step, due = _reading_and_step(_did(kind, FollowUpWish.ASKED, on=THURSDAY))

    assert temperature is Temperature.WARM
    assert step.action is NextAction.PERSONAL_FOLLOW_UP
    assert due == MONDAY
    assert step.describe() == "personal follow up within 2 business days"


@pytest.mark.parametrize("wish", list(FollowUpWish))
@pytest.mark.parametrize("kind", HOT_ACTS)
def test_hot_event_trial_or_call_gets_a_call_within_1_business_day(
    kind: ActivityKind, wish: FollowUpWish
) -> None:
    temperature, step, due = _reading_and_step(_did(kind, wish, on=FRIDAY))

    assert temperature is Temperature.HOT
    assert step.action is NextAction.CALL
    assert due == MONDAY
    assert step.describe() == "call within 1 business day"


def test_due_date_skips_us_holidays() -> None:
    # Thanksgiving 2026 is Thursday 26 November.
    hot = next_step_for(Temperature.HOT)
    warm = next_step_for(Temperature.WARM)

    assert due_date(hot, date(2026, 11, 25), US) == date(2026, 11, 27)
    assert due_date(warm, date(2026, 11, 24), US) == date(2026, 11, 27)


def test_due_date_follows_the_configured_country() -> None:
    # Good Friday (3 April 2026) is a bank holiday in Great Britain, a working day in the US.
    hot = next_step_for(Temperature.HOT)

    assert due_date(hot, date(2026, 4, 2), US) == date(2026, 4, 3)
    assert due_date(hot, date(2026, 4, 2), BusinessCalendar("GB")) == date(2026, 4, 6)


# --- several activities --------------------------------------------------------------


def test_hottest_activity_decides() -> None:
    trial = _did(ActivityKind.TRIAL_REGISTRATION, on=THURSDAY)
    later_downloads = [
        _did(ActivityKind.DOWNLOAD, FollowUpWish.ASKED, on=FRIDAY),
        _did(ActivityKind.NEWSLETTER_SIGNUP, FollowUpWish.NONE, on=MONDAY),
    ]

    reading = read_temperature([*later_downloads, trial])

    assert reading is not None
    assert reading.temperature is Temperature.HOT
    assert reading.activity == trial
    assert "trial registration" in reading.explanation


def test_among_equally_hot_activities_the_latest_is_the_one_shown() -> None:
    older = _did(ActivityKind.DOWNLOAD, FollowUpWish.ASKED, on=THURSDAY)
    newer = _did(ActivityKind.SOCIAL_FOLLOW, FollowUpWish.ASKED, on=MONDAY)

    for order in ([older, newer], [newer, older]):
        reading = read_temperature(order)
        assert reading is not None
        assert reading.activity == newer


def test_lead_that_did_nothing_has_no_temperature() -> None:
    assert read_temperature([]) is None


def test_problem_indicator_on_any_activity_is_shown() -> None:
    reading = read_temperature(
        [
            _did(ActivityKind.EVENT_ATTENDED),
            _did(ActivityKind.DOWNLOAD, problems=("ransomware scare",)),
        ]
    )

    assert reading is not None
    assert reading.has_problem_indicators
    assert "problem indicators" in reading.explanation
    without = read_temperature([_did(ActivityKind.EVENT_ATTENDED)])
    assert without is not None
    assert not without.has_problem_indicators


# --- work-queue order ----------------------------------------------------------------


def test_problem_indicators_sort_first_within_a_temperature() -> None:
    queue = {
        "warm, due first": priority_key(Temperature.WARM, False, THURSDAY),
        "warm, has a pain": priority_key(Temperature.WARM, True, MONDAY),
    }

    assert sorted(queue, key=queue.__getitem__) == ["warm, has a pain", "warm, due first"]


def test_hotter_lead_sorts_before_cooler_even_with_problem_indicators() -> None:
    queue = {
        "warm, has a pain, due first": priority_key(Temperature.WARM, True, THURSDAY),
        "hot, no pain": priority_key(Temperature.HOT, False, MONDAY),
    }

    assert sorted(queue, key=queue.__getitem__) == ["hot, no pain", "warm, has a pain, due first"]


def test_earlier_due_date_sorts_first_among_equals() -> None:
    queue = {
        "later": priority_key(Temperature.HOT, True, MONDAY),
        "no task": priority_key(Temperature.HOT, True, None),
        "sooner": priority_key(Temperature.HOT, True, FRIDAY),
    }

    assert sorted(queue, key=queue.__getitem__) == ["sooner", "later", "no task"]


queue_items = st.tuples(
    st.sampled_from(Temperature),
    st.booleans(),
    st.none() | st.dates(date(2026, 1, 1), date(2026, 12, 31)),
)


@given(st.lists(queue_items, max_size=20))
def test_work_queue_is_hotter_then_pained_then_sooner(
    items: list[tuple[Temperature, bool, date | None]],
) -> None:
    ordered = sorted(items, key=lambda item: priority_key(*item))

    for (t1, p1, d1), (t2, p2, d2) in pairwise(ordered):
        assert t1 >= t2
        if t1 == t2:
            assert p1 or not p2
            if p1 == p2 and d2 is not None:
                assert d1 is not None
                assert d1 <= d2


# --- never from who they are ---------------------------------------------------------

# What §3 says, written out: simple acts by follow-up wish; events, trials and calls hot.
SPEC: dict[tuple[ActivityKind, FollowUpWish], Temperature] = {
    **{
        (kind, wish): temperature
        for kind in [*SIMPLE_ACTS, ActivityKind.WEB_FORM]
        for wish, temperature in [
            (FollowUpWish.NONE, Temperature.COLD),
            (FollowUpWish.NEUTRAL, Temperature.COOL),
            (FollowUpWish.ASKED, Temperature.WARM),
        ]
    },
    **{(kind, wish): Temperature.HOT for kind in HOT_ACTS for wish in FollowUpWish},
}

activities = st.builds(
    InterestActivity,
    kind=st.sampled_from(ActivityKind),
    wish=st.sampled_from(FollowUpWish),
    occurred_on=st.dates(date(2025, 1, 1), date(2027, 12, 31)),
    problem_indicators=st.lists(st.sampled_from(["breach", "downtime", "audit"])).map(tuple),
)

COMPANY_FACTS = {t.value for t in Trait} | {"profile", "lead", "company", "person", "size"}
PUBLIC_FUNCTIONS = [temperature_of, read_temperature, next_step_for, due_date, priority_key]


def test_spec_table_covers_every_activity() -> None:
    assert set(SPEC) == {(kind, wish) for kind in ActivityKind for wish in FollowUpWish}


def _mentions(hint: object) -> set[object]:
    """The hint and every type nested inside it: Iterable[InterestActivity] names both."""
    found = {hint}
    for arg in typing.get_args(hint):
        found |= _mentions(arg)
    return found


@pytest.mark.parametrize("function", PUBLIC_FUNCTIONS, ids=lambda f: f.__name__)
def test_temperature_never_depends_on_company_size(function: typing.Callable[..., object]) -> None:
    # A reading takes activities, a trigger table, a calendar: nothing about the company.
    parameters = inspect.signature(function).parameters
    hints = typing.get_type_hints(function, vars(temperature_module))
    mentioned = set().union(*(_mentions(h) for h in hints.values()))

    assert not set(parameters) & COMPANY_FACTS
    assert LeadProfile not in mentioned
    assert not any(p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL) for p in parameters.values())


def test_an_activity_records_what_was_done_not_who_did_it() -> None:
    names = {f.name for f in fields(InterestActivity)}

    assert not names & COMPANY_FACTS


@given(
    st.lists(activities, min_size=1, max_size=8).flatmap(
        lambda acts: st.tuples(st.just(acts), st.permutations(acts))
    )
)
def test_temperature_is_the_hottest_kind_and_wish_whatever_the_order(
    lists: tuple[list[InterestActivity], list[InterestActivity]],
) -> None:
    acts, shuffled = lists

    reading = read_temperature(acts)
    again = read_temperature(shuffled)

    assert reading is not None
    assert again is not None
    assert reading.temperature is max(SPEC[(a.kind, a.wish)] for a in acts)
    assert again.temperature is reading.temperature
    assert SPEC[(reading.activity.kind, reading.activity.wish)] is reading.temperature
    assert reading.has_problem_indicators == any(a.problem_indicators for a in acts)


# --- configuration -------------------------------------------------------------------


def test_triggers_are_configurable() -> None:
    # A firm that treats any asked-for download as hot.
    eager = {(ActivityKind.DOWNLOAD, FollowUpWish.ASKED): Temperature.HOT}
    download = _did(ActivityKind.DOWNLOAD, FollowUpWish.ASKED)

    default = read_temperature([download])
    configured = read_temperature([download], eager)

    assert default is not None
    assert configured is not None
    assert default.temperature is Temperature.WARM
    assert configured.temperature is Temperature.HOT


def test_a_partial_trigger_table_keeps_the_defaults_for_the_rest() -> None:
    eager = {(ActivityKind.DOWNLOAD, FollowUpWish.ASKED): Temperature.HOT}

    assert temperature_of(_did(ActivityKind.INBOUND_CALL), eager) is Temperature.HOT
    assert temperature_of(_did(ActivityKind.SOCIAL_FOLLOW), eager) is Temperature.COOL


def test_next_steps_are_configurable() -> None:
    same_day = {Temperature.HOT: NextStep(NextAction.CALL, 0)}

    step = next_step_for(Temperature.HOT, same_day)

    assert due_date(step, FRIDAY, US) == FRIDAY
    assert next_step_for(Temperature.WARM, same_day) == next_step_for(Temperature.WARM)


def test_next_step_cannot_fall_due_before_the_activity() -> None:
    with pytest.raises(ValueError, match="before"):
        NextStep(NextAction.CALL, -1)


def test_unqualified_lead_gets_the_drip_only_never_a_personal_follow_up() -> None:
    calendar = BusinessCalendar("US")
    for status in (None, QualificationStatus.RAW, QualificationStatus.QUALIFIED):
        assert follow_up_for(Temperature.HOT, date(2026, 11, 23), calendar, qualification=status)
    assert (
        follow_up_for(
            Temperature.HOT,
            date(2026, 11, 23),
            calendar,
            qualification=QualificationStatus.UNQUALIFIED,
        )
        is None
    )


def test_follow_up_due_date_follows_the_next_step_in_business_days() -> None:
    hot = follow_up_for(
        Temperature.HOT, date(2026, 11, 25), BusinessCalendar("US"), qualification=None
    )
    warm = follow_up_for(
        Temperature.WARM, date(2026, 11, 25), BusinessCalendar("US"), qualification=None
    )
    cool = follow_up_for(
        Temperature.COOL, date(2026, 11, 25), BusinessCalendar("US"), qualification=None
    )
    assert hot is not None
    assert (hot.action, hot.due) == (NextAction.CALL, date(2026, 11, 27))
    assert warm is not None
    assert (warm.action, warm.due) == (NextAction.PERSONAL_FOLLOW_UP, date(2026, 11, 30))
    assert cool is None


def test_a_hotter_activity_pulls_a_follow_up_forward_never_back() -> None:
    sooner = FollowUp(NextStep(NextAction.CALL, 1), date(2026, 12, 1))
    assert pulls_forward(None, sooner)
    assert pulls_forward(date(2026, 12, 3), sooner)
    assert not pulls_forward(date(2026, 12, 1), sooner)
    assert not pulls_forward(date(2026, 11, 30), sooner)
