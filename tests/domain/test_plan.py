"""The reverse funnel (domain.plan): needs worked back from the goal, with ranges and dates."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from leadflow.domain.errors import MissingDetail
from leadflow.domain.funnel import FunnelStage as S
from leadflow.domain.plan import PATH, DealValues, Goal, Step, reverse_funnel

TODAY = date(2026, 12, 5)


def steps(trials: int = 1000, days: int = 10) -> list[Step]:
    # Every step converts half, except the last (contract → won) at 90%.
    found = []
    for start, end in itertools.pairwise(PATH):
        rate = 0.9 if end is S.WON else 0.5
        found.append(Step(start, end, int(trials * rate), trials, days))
    return found


def test_each_stage_needs_the_next_divided_by_the_rate_between_them() -> None:
    plan = reverse_funnel(Goal(by=date(2027, 6, 30), new_clients=9), steps(), today=TODAY)
    assert plan.need(S.WON).point == 9
    assert plan.need(S.CONTRACT_SENT).point == 10  # 9 / 0.9
    assert plan.need(S.PROPOSING).point == 20
    assert plan.need(S.RAW).point == 320  # 10 · 2⁵


def test_each_need_has_a_range_around_its_point_that_narrows_with_more_history() -> None:
    goal = Goal(by=date(2027, 6, 30), new_clients=9)
    thin = reverse_funnel(goal, steps(trials=40), today=TODAY).need(S.RAW)
    thick = reverse_funnel(goal, steps(trials=40_000), today=TODAY).need(S.RAW)
    assert thin.low <= thin.point <= thin.high
    assert thick.low <= thick.point <= thick.high
    assert (thin.high - thin.low) > (thick.high - thick.low)


def test_dates_work_back_from_the_deadline_through_the_time_in_each_stage() -> None:
    plan = reverse_funnel(Goal(by=date(2027, 6, 30), new_clients=9), steps(days=10), today=TODAY)
    assert plan.need(S.WON).by == date(2027, 6, 30)
    assert plan.need(S.CONTRACT_SENT).by == date(2027, 6, 20)
    assert plan.need(S.RAW).by == date(2027, 6, 30).fromordinal(date(2027, 6, 30).toordinal() - 60)


def test_a_stage_that_should_already_have_happened_is_marked_late() -> None:
    plan = reverse_funnel(Goal(by=date(2026, 12, 20), new_clients=9), steps(days=10), today=TODAY)
    assert plan.need(S.RAW).late
    assert not plan.need(S.WON).late
    assert any("would have had to start" in n for n in plan.notes)


def test_the_bottleneck_is_the_step_that_loses_the_most() -> None:
    measured = steps()
    measured[2] = Step(S.APPOINTMENT_SET, S.APPOINTMENT_SAT, 300, 1000, 5)
    plan = reverse_funnel(Goal(by=date(2027, 6, 30), new_clients=9), measured, today=TODAY)
    assert (plan.bottleneck.start, plan.bottleneck.end) == (S.APPOINTMENT_SET, S.APPOINTMENT_SAT)


def test_a_revenue_goal_becomes_clients_at_the_average_deal() -> None:
    goal = Goal(by=date(2027, 6, 30), revenue=50_000)
    plan = reverse_funnel(goal, steps(), today=TODAY, deal_values=DealValues(100, 5_000, 500))
    assert plan.need(S.WON).point == 10
    assert plan.need(S.WON).low <= 10 <= plan.need(S.WON).high


def test_a_goal_is_clients_or_revenue_and_above_zero() -> None:
    with pytest.raises(MissingDetail):
        Goal(by=TODAY)
    with pytest.raises(MissingDetail):
        Goal(by=TODAY, new_clients=5, revenue=100.0)
    with pytest.raises(MissingDetail):
        Goal(by=TODAY, new_clients=0)
    with pytest.raises(MissingDetail):
        Goal(by=TODAY, revenue=float("nan"))


def test_no_plan_without_history_or_when_nobody_ever_converted() -> None:
    goal = Goal(by=date(2027, 6, 30), new_clients=9)
    with pytest.raises(MissingDetail, match="no history"):
        reverse_funnel(goal, steps()[:-1], today=TODAY)
    stuck = steps()
    stuck[-1] = Step(S.CONTRACT_SENT, S.WON, 0, 50, 5)
    with pytest.raises(MissingDetail, match="nobody has gone"):
        reverse_funnel(goal, stuck, today=TODAY)
    with pytest.raises(MissingDetail, match="no won deal"):
        reverse_funnel(Goal(by=date(2027, 6, 30), revenue=1000.0), steps(), today=TODAY)


def test_a_deadline_too_early_for_the_calendar_is_a_clear_error() -> None:
    with pytest.raises(MissingDetail, match="too early"):
        reverse_funnel(Goal(by=date(1, 1, 5), new_clients=1), steps(days=30), today=TODAY)
