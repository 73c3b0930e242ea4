"""The pipeline forecast (domain.forecast): chances by stage and age, ranges, backtests."""

from __future__ import annotations

import pytest

from leadflow.domain.forecast import (
    HORIZONS,
    BacktestPoint,
    NurtureBucket,
    OpenDeal,
    Range,
    Tally,
    WinTable,
    age_bucket,
    outlook,
    summarise,
)
from leadflow.domain.funnel import FunnelStage as S

H = len(HORIZONS)


def tally(hits: int, trials: int) -> Tally:
    return Tally((hits,) * H, (trials,) * H)


def test_a_deals_chance_depends_on_its_stage_and_its_age_in_stage() -> None:
    table = WinTable(
        {
            (S.CONTRACT_SENT, age_bucket(3)): tally(900, 1000),
            (S.CONTRACT_SENT, age_bucket(200)): tally(50, 1000),
            (S.APPOINTMENT_SET, age_bucket(3)): tally(100, 1000),
        }
    )
    fresh = table.probability(S.CONTRACT_SENT, 3, 0)
    stale = table.probability(S.CONTRACT_SENT, 200, 0)
    assert fresh > 0.85
    assert stale < 0.1
    assert table.probability(S.APPOINTMENT_SET, 3, 0) == pytest.approx(0.1, abs=0.01)


def test_a_thin_bucket_borrows_from_its_whole_stage() -> None:
    table = WinTable(
        {(S.PROPOSING, 0): tally(500, 1000), (S.PROPOSING, age_bucket(100)): tally(1, 1)}
    )
    # One deal won out of one does not make a 100% chance.
    assert table.probability(S.PROPOSING, 100, 0) < 0.6


def test_expected_wins_add_up_deals_and_nurture_with_a_range_around_them() -> None:
    table = WinTable({(S.CONTRACT_SENT, 0): tally(500, 1000)})
    deals = [OpenDeal(S.CONTRACT_SENT, 1)] * 10
    pool = [NurtureBucket(3, 100, tally(10, 1000))]
    [first, *_] = outlook(deals, table, pool, average_value=1000.0)
    assert first.from_pipeline == pytest.approx(5.0, abs=0.05)
    assert first.from_nurture == pytest.approx(1.0)
    assert first.wins.low < first.wins.expected < first.wins.high
    assert first.revenue.expected == pytest.approx(first.wins.expected * 1000)


def test_a_forecast_with_nothing_open_and_nobody_waiting_expects_nothing() -> None:
    for o in outlook([], WinTable({}), [], average_value=0.0):
        assert o.wins == Range(0.0, 0.0, 0.0)


def test_a_backtest_scores_error_bias_and_coverage() -> None:
    points = [
        BacktestPoint("2026-01-01", 30, Range(10, 8, 12), 11),
        BacktestPoint("2026-02-01", 30, Range(10, 8, 12), 14),
    ]
    [summary] = summarise(points)
    assert summary.mean_absolute_error == 2.5
    assert summary.bias == -2.5
    assert summary.coverage == 0.5
