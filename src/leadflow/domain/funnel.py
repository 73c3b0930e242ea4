"""The funnel's numbers (PRODUCT.md §6): stages in order, conversion between every pair,
show rate and contract-to-won with how sure we are, and percentiles of time in stage.

A lead is counted in every stage it ever reached, so the funnel never widens: a deal
won straight from an appointment (or moved in from another CRM with only its won date)
still passed through the stages before it. Rates carry a Wilson score interval, which
stays inside 0 and 1 and is honest for small counts (a setter with 4 appointments).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from statistics import NormalDist


class FunnelStage(StrEnum):
    RAW = "raw"
    QUALIFIED = "qualified"
    SWEET_SPOT = "sweet_spot"
    APPOINTMENT_SET = "appointment_set"
    APPOINTMENT_SAT = "appointment_sat"
    PROPOSING = "proposing"
    CONTRACT_SENT = "contract_sent"
    WON = "won"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def rank(self) -> int:
        return FUNNEL.index(self)


_LABELS = {
    FunnelStage.RAW: "Raw leads",
    FunnelStage.QUALIFIED: "Qualified",
    FunnelStage.SWEET_SPOT: "Sweet spot",
    FunnelStage.APPOINTMENT_SET: "Appointment set",
    FunnelStage.APPOINTMENT_SAT: "Appointment sat",
    FunnelStage.PROPOSING: "Proposing",
    FunnelStage.CONTRACT_SENT: "Contract sent",
    FunnelStage.WON: "Won",
}

FUNNEL: tuple[FunnelStage, ...] = tuple(FunnelStage)
# The stages an opportunity passes; the funnel by setter or rep starts here.
PIPELINE: tuple[FunnelStage, ...] = FUNNEL[FunnelStage.APPOINTMENT_SET.rank :]

# The share that should close once a contract is out (PRODUCT.md §4: "over 90%").
EXPECTED_CONTRACT_CLOSE = Decimal("0.9")


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


@dataclass(frozen=True)
class Rate:
    """`hits` of `trials`, with a Wilson interval at `confidence`."""

    hits: int
    trials: int
    confidence: float = 0.8

    @property
    def value(self) -> float | None:
        return self.hits / self.trials if self.trials else None

    @property
    def interval(self) -> Interval | None:
        return wilson(self.hits, self.trials, self.confidence)

    def describe(self) -> str:
        if not self.trials:
            return "no data"
        iv = self.interval
        assert iv is not None
        share = f"{self.hits / self.trials:.0%} ({self.hits} of {self.trials}"
        return f"{share}; {self.confidence:.0%} interval {iv.low:.0%} to {iv.high:.0%})"


def wilson(hits: int, trials: int, confidence: float = 0.8) -> Interval | None:
    """The Wilson score interval for a binomial share; None without trials."""
    if trials <= 0:
        return None
    if not 0 <= hits <= trials:
        raise ValueError(f"{hits} hits of {trials} trials")
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = hits / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    spread = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return Interval(max(0.0, centre - spread), min(1.0, centre + spread))


@dataclass(frozen=True)
class Conversion:
    start: FunnelStage
    end: FunnelStage
    rate: Rate


@dataclass(frozen=True)
class Reach:
    """How many units got how far, told apart by whether they were ever sweet spot.

    The pipeline's stages follow one another, so a unit counts in every stage up to the
    furthest it reached. Sweet spot is a tag on a qualified lead, not a step: a lead
    booked without it never "reached" sweet spot, and the joint counts keep that true in
    every conversion that involves it.
    """

    stopped: Mapping[tuple[FunnelStage, bool], int]

    def _has(self, stage: FunnelStage, furthest: FunnelStage, sweet: bool) -> bool:
        if stage is FunnelStage.SWEET_SPOT:
            return sweet
        return furthest.rank >= stage.rank

    def both(self, first: FunnelStage, second: FunnelStage) -> int:
        """Units that reached both stages."""
        return sum(
            n
            for (furthest, sweet), n in self.stopped.items()
            if self._has(first, furthest, sweet) and self._has(second, furthest, sweet)
        )

    def reached(self, stage: FunnelStage) -> int:
        return self.both(stage, stage)

    def rate(self, start: FunnelStage, end: FunnelStage) -> Rate:
        """Of those that reached `start`, the share that reached `end`."""
        return Rate(self.both(start, end), self.reached(start))


def conversions(reach: Reach, stages: Sequence[FunnelStage] = FUNNEL) -> list[Conversion]:
    """Conversion between every ordered pair of `stages`."""
    ordered = sorted(stages, key=lambda s: s.rank)
    return [
        Conversion(start, end, reach.rate(start, end))
        for i, start in enumerate(ordered)
        for end in ordered[i + 1 :]
    ]


@dataclass(frozen=True)
class Verdict:
    rate: Rate
    flagged: bool
    why: str


def show_rate_verdict(sat: int, set_count: int, threshold: Decimal) -> Verdict:
    """Sat ÷ set for one setter, flagged below the threshold (PRODUCT.md §6)."""
    rate = Rate(sat, set_count)
    if rate.value is None:
        return Verdict(rate, False, "no appointment has an outcome yet")
    if rate.value < threshold:
        return Verdict(rate, True, f"show rate {rate.value:.0%} is below {threshold:.0%}")
    return Verdict(rate, False, f"show rate {rate.value:.0%} meets {threshold:.0%}")


def contract_close_verdict(
    won: int, closed: int, expected: Decimal = EXPECTED_CONTRACT_CLOSE
) -> Verdict:
    """Of the contracts sent and since decided (won or lost), the share won; flagged
    below the expected share. Contracts still out are not counted against anyone."""
    rate = Rate(won, closed)
    if rate.value is None:
        return Verdict(rate, False, "no contract sent has been decided yet")
    if rate.value < expected:
        return Verdict(
            rate, True, f"{rate.value:.0%} of contracts sent were won, below {expected:.0%}"
        )
    return Verdict(rate, False, f"{rate.value:.0%} of contracts sent were won")


def percentile(histogram: Mapping[int, int], q: float) -> int | None:
    """The q-quantile (0 < q ≤ 1) of whole values given as {value: how many}, the lower
    value where the quantile falls between two; None when there are none."""
    if not 0 < q <= 1:
        raise ValueError(f"quantile {q} is not in (0, 1]")
    total = sum(histogram.values())
    if total == 0:
        return None
    rank = math.ceil(q * total)
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    raise AssertionError("unreachable: the ranks add up to the total")
