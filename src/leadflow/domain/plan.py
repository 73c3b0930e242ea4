"""The reverse funnel (PRODUCT.md §6): from a goal and the measured rates, how many of
each stage are needed, and by when each must happen.

Working back from the goal, each stage needs the next stage's number divided by the
rate between them. The rates are measured on a finite history, so each is uncertain:
drawn many times from its Beta posterior (hits + 1, misses + 1), the needs give a range,
not just a point. The dates work back from the deadline through the median time each
step took.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from leadflow.domain.errors import MissingDetail
from leadflow.domain.funnel import FunnelStage

# The path a new client takes; sweet spot is a tag, not a step everyone passes.
PATH: tuple[FunnelStage, ...] = (
    FunnelStage.RAW,
    FunnelStage.QUALIFIED,
    FunnelStage.APPOINTMENT_SET,
    FunnelStage.APPOINTMENT_SAT,
    FunnelStage.PROPOSING,
    FunnelStage.CONTRACT_SENT,
    FunnelStage.WON,
)


@dataclass(frozen=True)
class Step:
    """One step of the path as history measured it."""

    start: FunnelStage
    end: FunnelStage
    hits: int  # reached `end`
    trials: int  # reached `start`
    median_days: int | None = None

    @property
    def rate(self) -> float:
        return self.hits / self.trials if self.trials else 0.0


@dataclass(frozen=True)
class DealValues:
    """Won deals' contract values: how many, their mean and standard deviation."""

    count: int
    mean: float
    sd: float


@dataclass(frozen=True)
class Goal:
    by: date
    new_clients: int | None = None
    revenue: float | None = None

    def __post_init__(self) -> None:
        if (self.new_clients is None) == (self.revenue is None):
            raise MissingDetail("a goal is a number of new clients or an amount of revenue")
        if self.new_clients is not None and self.new_clients <= 0:
            raise MissingDetail("the number of new clients must be above zero")
        if self.revenue is not None and not (math.isfinite(self.revenue) and self.revenue > 0):
            raise MissingDetail("the revenue goal must be an amount above zero")


@dataclass(frozen=True)
class Need:
    stage: FunnelStage
    point: int
    low: int
    high: int
    by: date
    late: bool  # `by` is already past


@dataclass(frozen=True)
class ReverseFunnel:
    goal: Goal
    confidence: float
    needs: tuple[Need, ...]  # raw leads first, new clients last
    steps: tuple[Step, ...]
    bottleneck: Step
    least_sure: Step
    notes: tuple[str, ...]

    def need(self, stage: FunnelStage) -> Need:
        return next(n for n in self.needs if n.stage is stage)


def reverse_funnel(
    goal: Goal,
    steps: Sequence[Step],
    *,
    today: date,
    deal_values: DealValues | None = None,
    confidence: float = 0.8,
    draws: int = 4000,
    seed: int = 7,
) -> ReverseFunnel:
    """What the goal needs at every stage of PATH, with a `confidence` interval."""
    by_start = {s.start: s for s in steps}
    path = [by_start.get(stage) for stage in PATH[:-1]]
    missing = [PATH[i] for i, s in enumerate(path) if s is None or s.trials == 0]
    if missing:
        names = ", ".join(stage.label for stage in missing)
        raise MissingDetail(f"no history to measure the rate after: {names}")
    known = [s for s in path if s is not None]
    zero = [s for s in known if s.hits == 0]
    if zero:
        names = ", ".join(f"{s.start.label} → {s.end.label}" for s in zero)
        raise MissingDetail(f"nobody has gone {names} yet: no number of leads reaches the goal")
    rng = np.random.default_rng(seed)
    clients_point, clients_draws, notes = _clients(goal, deal_values, rng, draws)
    rates = np.stack([rng.beta(s.hits + 1, s.trials - s.hits + 1, draws) for s in known])
    tail = (1 - confidence) / 2
    needs: list[Need] = []
    due = goal.by
    point, sampled = float(clients_point), clients_draws.astype(float)
    needs.append(_need(FunnelStage.WON, point, sampled, tail, due, today))
    for i in range(len(known) - 1, -1, -1):
        step = known[i]
        point /= step.rate
        sampled = sampled / rates[i]
        if step.median_days is None:
            notes.append(f"no measured time from {step.start.label} to {step.end.label}")
        else:
            try:
                due -= timedelta(days=step.median_days)
            except OverflowError as error:
                raise MissingDetail(
                    f"the deadline {goal.by} is too early for the measured time in stage"
                ) from error
        needs.append(_need(step.start, point, sampled, tail, due, today))
    needs.reverse()
    spread = [float(np.quantile(r, 1 - tail) - np.quantile(r, tail)) / max(s.rate, 1e-9)
              for r, s in zip(rates, known, strict=True)]  # fmt: skip
    late = [n for n in needs if n.late]
    if late:
        notes.append(f"{late[0].stage.label} would have had to start by {late[0].by}: the goal "
                     "is tighter than the measured time in stage allows")  # fmt: skip
    return ReverseFunnel(
        goal=goal,
        confidence=confidence,
        needs=tuple(needs),
        steps=tuple(known),
        bottleneck=min(known, key=lambda s: s.rate),
        least_sure=known[int(np.argmax(spread))],
        notes=tuple(notes),
    )


def _clients(
    goal: Goal, values: DealValues | None, rng: np.random.Generator, draws: int
) -> tuple[int, np.ndarray, list[str]]:
    if goal.new_clients is not None:
        return goal.new_clients, np.full(draws, goal.new_clients, dtype=float), []
    assert goal.revenue is not None
    if values is None or values.count == 0 or values.mean <= 0:
        raise MissingDetail("no won deal with a value yet: plan by a number of new clients")
    point = math.ceil(goal.revenue / values.mean)
    # The average deal is itself uncertain: its standard error shrinks with more deals.
    error = values.sd / math.sqrt(values.count) if values.count > 1 else values.mean / 2
    means = np.clip(rng.normal(values.mean, error, draws), values.mean / 10, None)
    note = (f"{goal.revenue:,.0f} of revenue at an average won deal of {values.mean:,.0f} "
            f"({values.count} deals) is {point} new clients")  # fmt: skip
    return point, np.ceil(goal.revenue / means), [note]


def _need(
    stage: FunnelStage, point: float, sampled: np.ndarray, tail: float, due: date, today: date
) -> Need:
    return Need(
        stage=stage,
        point=math.ceil(point - 1e-9),
        low=math.ceil(float(np.quantile(sampled, tail)) - 1e-9),
        high=math.ceil(float(np.quantile(sampled, 1 - tail)) - 1e-9),
        by=due,
        late=due < today,
    )
