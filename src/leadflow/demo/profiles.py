"""What each demo lead looks like on paper, aimed at a qualification outcome.

The generator wants every status in the world (every avatar's sweet spot, each hard and
soft disqualification, incomplete records), but it never *decides* one: it draws facts
that should lead there, and `qualify()` with the stored playbook says what they are.
Aiming reads the playbook's own criteria, so an edited playbook still gets a varied world.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from functools import cache

from leadflow.demo import catalog
from leadflow.domain.profile import (
    LeadProfile,
    Need,
    Outsourcing,
    SwitchReason,
    Trait,
    authority_from_title,
)
from leadflow.domain.qualification import (
    Criterion,
    Operator,
    Playbook,
    Qualification,
    QualificationStatus,
    Verdict,
    qualify,
)


class Aim(StrEnum):
    SWEET_SPOT = "sweet_spot"
    QUALIFIED = "qualified"  # qualified, no avatar
    QUALIFIED_VAGUE = "qualified_vague"  # qualified, an avatar's fact still unknown
    HARD_FAIL = "hard_fail"  # outside the area or wants what we don't sell
    SOFT_FAIL = "soft_fail"  # a proposed disqualification to confirm by phone
    INCOMPLETE = "incomplete"  # a rule cannot be judged yet


@dataclass(frozen=True)
class Facts:
    """Raw facts as they are stored on a person and its company."""

    niche: str | None = None
    geography: str | None = None
    company_type: str | None = None
    employees: int | None = None
    title: str | None = None
    budget: Decimal | None = None
    outsourcing: Outsourcing | None = None
    switch_reason: SwitchReason | None = None
    need: Need | None = None
    services: frozenset[str] = field(default_factory=frozenset)

    def profile(self, lead_source: str | None) -> LeadProfile:
        return LeadProfile(
            niche=self.niche,
            geography=self.geography,
            company_type=self.company_type,
            employee_count=self.employees,
            authority=authority_from_title(self.title),
            monthly_budget=self.budget,
            outsourcing=self.outsourcing,
            switch_reason=self.switch_reason,
            need=self.need,
            lead_source=lead_source,
            services_wanted=self.services,
        )


# Which Facts field holds each trait, and the values it may take.
_FIELD: dict[Trait, str] = {
    Trait.NICHE: "niche",
    Trait.GEOGRAPHY: "geography",
    Trait.COMPANY_TYPE: "company_type",
    Trait.EMPLOYEE_COUNT: "employees",
    Trait.AUTHORITY: "title",
    Trait.MONTHLY_BUDGET: "budget",
    Trait.OUTSOURCING: "outsourcing",
    Trait.SWITCH_REASON: "switch_reason",
    Trait.NEED: "need",
    Trait.SERVICES_WANTED: "services",
}
_POOLS: dict[Trait, tuple[object, ...]] = {
    Trait.NICHE: catalog.NICHES,
    Trait.GEOGRAPHY: catalog.REGIONS,
    Trait.COMPANY_TYPE: catalog.COMPANY_TYPES,
    Trait.EMPLOYEE_COUNT: catalog.EMPLOYEE_COUNTS,
    Trait.AUTHORITY: tuple(catalog.TITLES),
    Trait.MONTHLY_BUDGET: catalog.MONTHLY_BUDGETS,
    Trait.OUTSOURCING: catalog.OUTSOURCING,
    Trait.SWITCH_REASON: catalog.SWITCH_REASONS,
    Trait.NEED: catalog.NEEDS,
    Trait.SERVICES_WANTED: tuple(
        frozenset({s}) for s in catalog.SERVICES_WE_SELL + catalog.SERVICES_WE_DONT_SELL
    ),
}
_STRING_TRAITS = frozenset({Trait.NICHE, Trait.GEOGRAPHY, Trait.COMPANY_TYPE})


def _pool(trait: Trait, criteria: list[Criterion]) -> list[object]:
    """The catalogue's values, plus any a playbook names that the catalogue lacks."""
    values = list(_POOLS.get(trait, ()))
    for c in criteria:
        if c.operator is Operator.ONE_OF and isinstance(c.value, frozenset):
            if trait in _STRING_TRAITS:
                values.extend(v for v in sorted(c.value) if v not in values)
            elif trait is Trait.SERVICES_WANTED:
                values.extend(frozenset({v}) for v in sorted(c.value))
    return values


def _verdict(criterion: Criterion, value: object) -> Verdict:
    facts = Facts(**{_FIELD[criterion.trait]: value})  # type: ignore[arg-type]
    if criterion.trait is Trait.SWITCH_REASON:
        facts = replace(facts, outsourcing=Outsourcing.OUTSOURCED)
    return criterion.evaluate(facts.profile(None)).verdict


def _pick(
    rng: random.Random, trait: Trait, passing: list[Criterion], failing: Criterion | None
) -> object | None:
    options = _options(trait, tuple(c for c in passing if c.trait is trait), failing)
    return rng.choice(options) if options else None


@cache
def _options(
    trait: Trait, mine: tuple[Criterion, ...], failing: Criterion | None
) -> tuple[object, ...]:
    """The values of `trait` that pass `mine` and fail `failing` (memoized: a playbook
    has few criteria, and the world asks the same question thousands of times)."""
    everything = [*mine, *([failing] if failing else [])]
    return tuple(
        v
        for v in _pool(trait, everything)
        if all(_verdict(c, v) is Verdict.PASSED for c in mine)
        and (failing is None or _verdict(failing, v) is Verdict.FAILED)
    )


def random_facts(rng: random.Random) -> Facts:
    """A business as a list or a form would describe it: mostly Texan, mostly small."""
    region = rng.choices(catalog.REGIONS, weights=[60, 8, 7, 3, 3, 2, 2, 2, 2])[0]
    outsourcing = rng.choice(catalog.OUTSOURCING)
    switch = rng.choice(catalog.SWITCH_REASONS) if outsourcing is Outsourcing.OUTSOURCED else None
    wants = rng.sample(catalog.SERVICES_WE_SELL, rng.choice((1, 1, 2, 3)))
    return Facts(
        niche=rng.choice(catalog.NICHES),
        geography=region,
        company_type=rng.choice(catalog.COMPANY_TYPES),
        employees=rng.choice(catalog.EMPLOYEE_COUNTS),
        title=rng.choice(catalog.TITLES),
        budget=rng.choice(catalog.MONTHLY_BUDGETS),
        outsourcing=outsourcing,
        switch_reason=switch,
        need=rng.choices(catalog.NEEDS, weights=[5, 3, 2, 1])[0],
        services=frozenset(wants),
    )


def _aimed(
    rng: random.Random, aim: Aim, playbook: Playbook, avatar: int
) -> tuple[Facts, list[Trait]]:
    """Facts drawn towards `aim`, and the rule traits to forget for an incomplete record."""
    facts = random_facts(rng)
    passing = list(playbook.rules)
    failing: Criterion | None = None
    forget: list[Trait] = []
    hard = [c for c in playbook.rules if c.hard]
    soft = [c for c in playbook.rules if not c.hard]
    if aim is Aim.SWEET_SPOT and playbook.avatars:
        passing += list(playbook.avatars[avatar % len(playbook.avatars)].criteria)
    elif aim is Aim.HARD_FAIL and hard:
        failing = rng.choice(hard)
    elif aim is Aim.SOFT_FAIL and soft:
        failing = rng.choice(soft)
    elif aim is Aim.INCOMPLETE and playbook.rules:
        forget = [rng.choice(playbook.rules).trait]
    if failing is not None:
        passing.remove(failing)
    changes: dict[str, object] = {}
    for trait in sorted({c.trait for c in [*passing, *([failing] if failing else [])]}):
        if trait in _FIELD:
            value = _pick(
                rng, trait, passing, failing if failing and failing.trait is trait else None
            )
            if value is not None:
                changes[_FIELD[trait]] = value
    facts = replace(facts, **changes)  # type: ignore[arg-type]
    if facts.outsourcing is not Outsourcing.OUTSOURCED:
        facts = replace(facts, switch_reason=None)
    elif facts.switch_reason is None:
        facts = replace(facts, switch_reason=SwitchReason.OTHER)
    return facts, forget


def _forget(facts: Facts, traits: list[Trait]) -> Facts:
    changes: dict[str, object] = {}
    for trait in traits:
        name = _FIELD.get(trait)
        if name == "geography":
            changes[name] = "US" if facts.geography else None  # the country, not the state
        elif name == "services":
            changes[name] = frozenset()
        elif name is not None:
            changes[name] = None
    return replace(facts, **changes)  # type: ignore[arg-type]


def _hit(aim: Aim, result: Qualification, avatar: str | None) -> bool:
    if aim is Aim.SWEET_SPOT:
        return result.sweet_spot is not None and result.sweet_spot == avatar
    if aim is Aim.QUALIFIED:
        return result.status is QualificationStatus.QUALIFIED and result.sweet_spot is None
    if aim is Aim.QUALIFIED_VAGUE:
        return result.status is QualificationStatus.QUALIFIED and result.incomplete
    if aim is Aim.HARD_FAIL:
        return result.status is QualificationStatus.UNQUALIFIED
    if aim is Aim.SOFT_FAIL:
        return bool(result.proposed)
    return result.status is QualificationStatus.RAW and not result.proposed


def draw_lead(
    rng: random.Random,
    aim: Aim,
    playbook: Playbook,
    *,
    avatar: int,
    lead_source: str | None,
) -> tuple[Facts, Qualification]:
    """Facts aimed at `aim` and the playbook's verdict on them; a few tries to hit it.

    Whatever the last try gives is kept: the verdict is the playbook's, never the aim's.
    """
    rule_traits = {c.trait for c in playbook.rules}
    avatar_traits = sorted(
        {c.trait for a in playbook.avatars for c in a.criteria} - rule_traits, key=str
    )
    wanted = playbook.avatars[avatar % len(playbook.avatars)].name if playbook.avatars else None
    facts, result = Facts(), qualify(Facts().profile(lead_source), playbook)
    for _ in range(12):
        facts, forget = _aimed(rng, aim, playbook, avatar)
        if aim is Aim.QUALIFIED_VAGUE and avatar_traits:
            forget.append(rng.choice(avatar_traits))
        facts = _forget(facts, forget)
        result = qualify(facts.profile(lead_source), playbook)
        if _hit(aim, result, wanted):
            break
    return facts, result
