"""Each report on small hand-made worlds whose right answer is known by hand (issue 7)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import polars as pl
import pytest
from django.utils import timezone

from leadflow.crm.models import Opportunity
from leadflow.crm.services.pipeline import (
    mark_lost,
    mark_won,
    move_stage,
    record_appointment_outcome,
)
from leadflow.domain.forecast import HORIZONS
from leadflow.domain.funnel import FunnelStage
from leadflow.domain.pipeline import AppointmentOutcome, LostDisposition, Stage
from leadflow.domain.plan import Goal
from leadflow.reports import cohorts, forecast, plan, show_rate, stages
from leadflow.reports.common import Window
from tests.http.pages import Staff, World, book, qualified_lead

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def _deal(staff: Staff, n: int, *, at: datetime, days: list[int], end: str) -> Opportunity:
    """A qualified lead booked at `at`, taken through sat, proposing and contract sent
    after days[0..2], then won or lost after days[3]."""
    person = qualified_lead(f"Dee{n}", "Hand", f"Hand Firm {n}", at=at - timedelta(days=1), n=n)
    appointment = book(person, staff.ann, staff.rex, at=at)
    opp = appointment.opportunity
    t = at
    record_appointment_outcome(
        appointment=appointment,
        outcome=AppointmentOutcome.SAT,
        by=staff.rex,
        at=(t := t + timedelta(days=days[0])),
    )
    move_stage(
        opportunity=opp, target=Stage.PROPOSING, by=staff.rex, at=(t := t + timedelta(days=days[1]))
    )
    move_stage(
        opportunity=opp,
        target=Stage.CONTRACT_SENT,
        by=staff.rex,
        at=(t := t + timedelta(days=days[2])),
    )
    t += timedelta(days=days[3])
    if end == "won":
        mark_won(opportunity=opp, contract_value=Decimal(1000 * n), by=staff.rex, at=t)
    elif end == "lost":
        mark_lost(
            opportunity=opp,
            lost_reason="went elsewhere",
            disposition=LostDisposition.NURTURE,
            by=staff.rex,
            at=t,
        )
    return opp


@pytest.fixture
def deals(staff: Staff) -> list[Opportunity]:
    """Five deals, each set on 1 March 2026 at noon:
    sat after 1, 2, 3, 4, 5 days; proposing 1 day later; contract 10 days later; then
    three won and one lost 4 days later, one still out."""
    at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    ends = ["won", "won", "won", "lost", "out"]
    return [
        _deal(staff, n + 20, at=at, days=[n + 1, 1, 10, 4], end=end) for n, end in enumerate(ends)
    ]


def test_time_in_stage_gives_the_median_and_p90_of_each_step(deals: list[Opportunity]) -> None:
    found = {(t.start, t.end): t for t in stages.time_in_stage(Window())}
    sat = found[(FunnelStage.APPOINTMENT_SET, FunnelStage.APPOINTMENT_SAT)]
    assert sat.units == 5
    assert (sat.median_days, sat.p90_days) == (3, 5)
    contract = found[(FunnelStage.PROPOSING, FunnelStage.CONTRACT_SENT)]
    assert (contract.median_days, contract.p90_days) == (10, 10)
    won = found[(FunnelStage.CONTRACT_SENT, FunnelStage.WON)]
    assert won.units == 3  # only wins end this step; the lost and the open do not


def test_contract_sent_to_won_counts_the_decided_and_keeps_the_open_apart(
    deals: list[Opportunity],
) -> None:
    team, [rex] = show_rate.contract_close(Window())
    assert (team.won, team.lost, team.still_out) == (3, 1, 1)
    assert team.verdict.rate.value == pytest.approx(0.75)
    assert team.verdict.flagged  # 75% < 90%
    assert rex.rep.startswith("Rex")


def test_show_rate_counts_sat_over_set_with_outcomes_only(world: World, staff: Staff) -> None:
    # The world: ann booked two (one sat, one still to come); bob one (sat).
    rates = {r.setter: r for r in show_rate.show_rates(Window())}
    ann, bob = rates["Ann Setter"], rates["Bob Setter"]
    assert (ann.sat, ann.set_count, ann.awaiting) == (1, 1, 1)
    assert (bob.sat, bob.set_count) == (1, 1)
    assert ann.verdict.rate.interval is not None


def test_cohorts_count_wins_within_each_horizon_only_once_lived_through(
    deals: list[Opportunity],
) -> None:
    # The deals' leads arrived 28 Feb 2026 and three were won 17-21 March.
    feb = next(
        c for c in cohorts.cohorts(Window(), today=date(2026, 12, 1)) if c.month == "2026-02"
    )
    assert feb.leads == 5
    assert feb.won[1] is not None
    assert (feb.won[1].hits, feb.won[1].trials) == (3, 5)
    assert feb.won[6] is not None
    assert feb.won[12] is None  # February 2026 + 12 months has not passed by December
    assert feb.won_so_far == 3


def test_the_plan_takes_its_rates_from_the_stored_history(deals: list[Opportunity]) -> None:
    rates = plan.RatesFrom(Window(date(2026, 1, 1), date(2026, 6, 1)))
    steps = {(s.start, s.end): s for s in plan.steps(rates)}
    contract = steps[(FunnelStage.CONTRACT_SENT, FunnelStage.WON)]
    assert (contract.hits, contract.trials) == (3, 5)
    result = plan.plan(
        Goal(by=date(2026, 12, 31), new_clients=3), today=date(2026, 6, 1), rates=rates
    )
    assert result.need(FunnelStage.CONTRACT_SENT).point == 5  # 3 / (3/5)


# --- the forecast's pieces on frames made by hand (no database) -------------------------


def _opps(rows: list[tuple[str, int, int | None, str]]) -> pl.DataFrame:
    """(stage, set days before NOW, closed days before NOW or None, person)."""
    frame = pl.DataFrame(
        {
            "person_id": list(range(len(rows))),
            "stage": [r[0] for r in rows],
            "set_at": [NOW - timedelta(days=r[1]) for r in rows],
            "closed_at": [None if r[2] is None else NOW - timedelta(days=r[2]) for r in rows],
        }
    )
    return frame.with_columns(
        pl.col("set_at", "closed_at").cast(pl.Datetime("us", "UTC")),
        *(
            pl.lit(None, pl.Datetime("us", "UTC")).alias(c)
            for c in ("sat_at", "proposing_at", "contract_sent_at")
        ),
    )


def test_the_win_table_counts_deals_won_within_each_horizon_after_each_snapshot() -> None:
    # Set 200 days ago, won 190 days ago: open at the one snapshot 196 days ago, and won
    # 6 days after it, inside every horizon.
    table = forecast.fit_table(_opps([("won", 200, 190, "a")]), NOW)
    [(key, tally)] = table.cells.items()
    assert key == (FunnelStage.APPOINTMENT_SET, 0)
    assert tally.hits == (1, 1, 1)
    assert tally.trials == (1, 1, 1)


def test_a_horizon_not_yet_passed_is_not_counted_as_a_miss() -> None:
    # Open since 20 days ago: seen at the snapshot 14 days ago, whose 30 days have not passed.
    table = forecast.fit_table(_opps([("appointment_set", 20, None, "a")]), NOW)
    assert all(t.trials == (0,) * len(HORIZONS) for t in table.cells.values())


def test_the_open_deals_are_those_open_at_the_cut_in_their_stage_then() -> None:
    frame = _opps(
        [("won", 100, 10, "a"), ("lost", 100, 50, "b"), ("appointment_set", 5, None, "c")]
    )
    deals = forecast.open_deals(frame, NOW - timedelta(days=20))
    assert len(deals) == 1  # the won one was still open 20 days ago; the lost was closed
    assert deals[0].age_days == 80


def test_nurture_chances_leave_out_ages_a_lead_spent_in_a_deal() -> None:
    # Month index 100: 10 leads, 2 won in their third month (one booked in month 2 just
    # before, one booked in month 0 and busy in a deal since); 8 never won.
    cohorts_frame = pl.DataFrame(
        {"month": [100, 100, 100], "after": [-1, 2, 2], "set_after": [-1, 2, 0], "n": [8, 1, 1]}
    )
    pool = pl.DataFrame({"month": [110], "n": [50]})
    [bucket] = forecast.nurture(cohorts_frame, pool, cut_month=112)
    assert bucket.age_months == 2
    assert bucket.leads == 50
    # At age 2: alive are the 8 and the lead booked in month 2 (the one booked in month 0
    # was in its deal): one won of nine within a month. The cohort's window ended 9 months
    # before the cut, three half-lives, so each of its leads weighs 1/8.
    weight = 0.5 ** (9 / forecast.NURTURE_HALF_LIFE_MONTHS)
    assert bucket.history.hits[0] == pytest.approx(1 * weight)
    assert bucket.history.trials[0] == pytest.approx(9 * weight)


def test_the_live_forecast_counts_todays_open_deals(world: World) -> None:
    result = forecast.forecast(now=timezone.now())
    assert result.open_deals == 2  # the world's deals at appointment set and proposing
    assert [o.horizon_days for o in result.outlooks] == list(HORIZONS)
