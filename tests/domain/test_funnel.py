"""The funnel's numbers (domain.funnel): reach, conversions, intervals, verdicts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadflow.domain.funnel import (
    FUNNEL,
    FunnelStage,
    Rate,
    Reach,
    contract_close_verdict,
    conversions,
    percentile,
    show_rate_verdict,
    wilson,
)

S = FunnelStage


def test_a_lead_counts_in_every_stage_up_to_the_furthest_it_reached() -> None:
    reach = Reach({(S.WON, False): 1, (S.APPOINTMENT_SET, False): 2, (S.RAW, False): 3})
    assert [reach.reached(s) for s in FUNNEL if s is not S.SWEET_SPOT] == [6, 3, 3, 1, 1, 1, 1]


def test_sweet_spot_is_a_tag_not_a_step_every_booked_lead_passed() -> None:
    """A lead booked without ever being sweet spot never 'reached' sweet spot."""
    reach = Reach({(S.WON, False): 4, (S.QUALIFIED, True): 6, (S.APPOINTMENT_SAT, True): 2})
    assert reach.reached(S.SWEET_SPOT) == 8
    assert reach.reached(S.APPOINTMENT_SET) == 6
    assert reach.rate(S.SWEET_SPOT, S.APPOINTMENT_SET) == Rate(2, 8)
    assert reach.rate(S.QUALIFIED, S.SWEET_SPOT) == Rate(8, 12)


def test_conversion_is_given_for_every_ordered_pair_of_stages() -> None:
    reach = Reach({(S.WON, True): 1, (S.RAW, False): 9})
    pairs = conversions(reach)
    assert len(pairs) == len(FUNNEL) * (len(FUNNEL) - 1) // 2
    raw_to_won = next(c for c in pairs if c.start is S.RAW and c.end is S.WON)
    assert raw_to_won.rate == Rate(1, 10)


@given(
    st.dictionaries(
        st.tuples(st.sampled_from([s for s in FUNNEL if s is not S.SWEET_SPOT]), st.booleans()),
        st.integers(0, 50),
    )
)
def test_the_funnel_never_widens_and_no_conversion_exceeds_one(
    stopped: dict[tuple[FunnelStage, bool], int],
) -> None:
    reach = Reach(stopped)
    steps = [s for s in FUNNEL if s is not S.SWEET_SPOT]
    counts = [reach.reached(s) for s in steps]
    assert counts == sorted(counts, reverse=True)
    for c in conversions(reach):
        assert c.rate.hits <= c.rate.trials


def test_wilson_interval_holds_the_share_and_stays_in_zero_to_one() -> None:
    iv = wilson(3, 10, 0.8)
    assert iv is not None
    assert 0 <= iv.low < 0.3 < iv.high <= 1
    assert wilson(0, 5) is not None
    assert wilson(0, 0) is None
    wide, narrow = wilson(3, 10), wilson(300, 1000)
    assert wide
    assert narrow
    assert (wide.high - wide.low) > (narrow.high - narrow.low)
    with pytest.raises(ValueError, match="hits"):
        wilson(11, 10)


def test_a_setter_below_the_show_rate_threshold_is_flagged_with_the_reason() -> None:
    verdict = show_rate_verdict(3, 10, Decimal("0.5"))
    assert verdict.flagged
    assert verdict.why == "show rate 30% is below 50%"
    assert not show_rate_verdict(5, 10, Decimal("0.5")).flagged
    assert not show_rate_verdict(0, 0, Decimal("0.5")).flagged  # nothing to judge yet


def test_contract_sent_to_won_below_ninety_percent_is_flagged() -> None:
    assert contract_close_verdict(8, 10).flagged
    assert not contract_close_verdict(9, 10).flagged
    assert "no contract" in contract_close_verdict(0, 0).why


def test_percentile_of_whole_days() -> None:
    histogram = {1: 5, 2: 3, 10: 2}
    assert percentile(histogram, 0.5) == 1
    assert percentile(histogram, 0.9) == 10
    assert percentile({}, 0.5) is None
    with pytest.raises(ValueError, match="quantile"):
        percentile(histogram, 0)
