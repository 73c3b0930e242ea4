"""The pipeline forecast (PRODUCT.md §6, issue 7): expected wins and revenue in the next
30, 60 and 90 days, with a range, from two sources.

- **Open opportunities.** A deal's chance to be won within a horizon depends on its stage
  *and* how long it has sat there: a contract out for two days is not one out for four
  months. History gives, for every stage and age bucket, how many deals in that state
  were won within each horizon. A thin bucket borrows strength from its whole stage.
- **The nurture pool.** Leads with no open deal still buy, often 6-12 months after they
  arrived. History gives, for every age in months, the share of not-yet-won leads that
  were won within the horizon; today's pool by age is multiplied through.

The number of wins has mean Σp and variance Σp(1-p) plus the error of the estimated
chances themselves (deals sharing one estimate move together); the range is the normal
approximation at the asked confidence.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist

from leadflow.domain.funnel import FunnelStage

HORIZONS: tuple[int, ...] = (30, 60, 90)  # days
# Days in stage: each bucket starts at one of these and runs to the next.
AGE_EDGES: tuple[int, ...] = (0, 7, 14, 30, 60, 90, 180, 365)
OPEN_STAGES: tuple[FunnelStage, ...] = (
    FunnelStage.APPOINTMENT_SET,
    FunnelStage.APPOINTMENT_SAT,
    FunnelStage.PROPOSING,
    FunnelStage.CONTRACT_SENT,
)
# How many deals' worth of weight the stage's own rate carries in a bucket's estimate.
SHRINK = 10.0


def age_bucket(days: int) -> int:
    """The AGE_EDGES index whose bucket holds `days`."""
    bucket = 0
    for i, edge in enumerate(AGE_EDGES):
        if days >= edge:
            bucket = i
    return bucket


@dataclass(frozen=True)
class Tally:
    """Deals (or leads) seen in a state, and how many were won within each horizon.
    `trials[i]` counts only those whose horizon `i` had fully passed when seen."""

    hits: tuple[float, ...]
    trials: tuple[float, ...]

    def rate(self, horizon: int) -> float | None:
        t = self.trials[horizon]
        return self.hits[horizon] / t if t else None


@dataclass(frozen=True)
class WinTable:
    cells: Mapping[tuple[FunnelStage, int], Tally]

    def stage_tally(self, stage: FunnelStage) -> Tally:
        mine = [t for (s, _), t in self.cells.items() if s is stage]
        n = len(HORIZONS)
        return Tally(
            tuple(sum(t.hits[i] for t in mine) for i in range(n)),
            tuple(sum(t.trials[i] for t in mine) for i in range(n)),
        )

    def probability(self, stage: FunnelStage, age_days: int, horizon: int) -> float:
        """Chance a deal in `stage` for `age_days` is won within HORIZONS[horizon]."""
        return self.estimate(stage, age_days, horizon)[0]

    def estimate(self, stage: FunnelStage, age_days: int, horizon: int) -> tuple[float, float]:
        """The chance, and how many deals' worth of history it rests on."""
        whole = self.stage_tally(stage)
        prior = whole.rate(horizon)
        if prior is None:
            return 0.0, 1.0
        cell = self.cells.get((stage, age_bucket(age_days)))
        if cell is None:
            return prior, float(whole.trials[horizon])
        weight = cell.trials[horizon] + SHRINK
        return (cell.hits[horizon] + SHRINK * prior) / weight, weight


@dataclass(frozen=True)
class OpenDeal:
    stage: FunnelStage
    age_days: int


@dataclass(frozen=True)
class NurtureBucket:
    """Leads in the pool that arrived `age_months` ago, and the history of such leads."""

    age_months: int
    leads: int
    history: Tally  # of not-yet-won leads this old, how many were won within each horizon


@dataclass(frozen=True)
class Range:
    expected: float
    low: float
    high: float


@dataclass(frozen=True)
class Outlook:
    horizon_days: int
    wins: Range
    revenue: Range
    from_pipeline: float
    from_nurture: float


def _range(mean: float, variance: float, confidence: float) -> Range:
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    spread = z * math.sqrt(max(variance, 0.0))
    return Range(mean, max(0.0, mean - spread), mean + spread)


def outlook(
    deals: Sequence[OpenDeal],
    table: WinTable,
    nurture: Sequence[NurtureBucket],
    *,
    average_value: float,
    confidence: float = 0.8,
) -> list[Outlook]:
    """Expected wins and revenue within each horizon, with a `confidence` range."""
    found = []
    for h, days in enumerate(HORIZONS):
        # Deals in one stage and age bucket share one estimated chance: its own error
        # moves all of them together, so it adds n² · var(p̂), not n · var(p̂).
        by_cell: dict[tuple[FunnelStage, int], int] = {}
        for d in deals:
            key = (d.stage, age_bucket(d.age_days))
            by_cell[key] = by_cell.get(key, 0) + 1
        pipeline_mean = pipeline_var = 0.0
        for (stage, bucket), n in by_cell.items():
            p, weight = table.estimate(stage, AGE_EDGES[bucket], h)
            pipeline_mean += n * p
            pipeline_var += n * p * (1 - p) + n * n * p * (1 - p) / weight
        nurture_mean = nurture_var = 0.0
        for b in nurture:
            p = b.history.rate(h) or 0.0
            nurture_mean += b.leads * p
            nurture_var += b.leads * p * (1 - p)
            nurture_var += b.leads * b.leads * p * (1 - p) / max(b.history.trials[h], 1)
        wins = _range(pipeline_mean + nurture_mean, pipeline_var + nurture_var, confidence)
        revenue = Range(
            wins.expected * average_value, wins.low * average_value, wins.high * average_value
        )
        found.append(Outlook(days, wins, revenue, pipeline_mean, nurture_mean))
    return found


@dataclass(frozen=True)
class BacktestPoint:
    cut: str  # the date the forecast was made as of
    horizon_days: int
    forecast: Range
    actual: int

    @property
    def covered(self) -> bool:
        return self.forecast.low <= self.actual <= self.forecast.high

    @property
    def error(self) -> float:
        return self.forecast.expected - self.actual


@dataclass(frozen=True)
class BacktestSummary:
    horizon_days: int
    cuts: int
    mean_absolute_error: float
    mean_actual: float
    bias: float  # mean of forecast minus actual: above zero forecasts too many
    coverage: float  # share of cuts whose actual fell inside the range


def summarise(points: Sequence[BacktestPoint]) -> list[BacktestSummary]:
    found = []
    for days in HORIZONS:
        mine = [p for p in points if p.horizon_days == days]
        if not mine:
            continue
        n = len(mine)
        found.append(
            BacktestSummary(
                days,
                n,
                sum(abs(p.error) for p in mine) / n,
                sum(p.actual for p in mine) / n,
                sum(p.error for p in mine) / n,
                sum(p.covered for p in mine) / n,
            )
        )
    return found
