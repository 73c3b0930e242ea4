"""Lead qualification (PRODUCT.md §2): Raw / Unqualified / Qualified, and the sweet spot.

The business's *qualification rules* are the bar a lead must clear to be Qualified (an
MQL: "looks good on paper"). Its *avatars* are the ideal clients; a qualified lead that
fits one is tagged sweet spot with that avatar's name. Both are data: lists of criteria.

Only hard criteria (outside the service area, wants what we don't sell) disqualify on
their own. Any other failed rule becomes a *proposed* disqualification that a person
confirms after talking to the lead; until then the lead stays Raw. A criterion that
cannot be judged because the value is missing marks the record incomplete.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from leadflow.domain.errors import MissingDetail
from leadflow.domain.profile import Authority, LeadProfile, Trait, TraitValue


class QualificationStatus(StrEnum):
    RAW = "raw"
    UNQUALIFIED = "unqualified"
    QUALIFIED = "qualified"


class UnqualifiedReason(StrEnum):
    WRONG_NICHE = "wrong_niche"
    OUTSIDE_SERVICE_AREA = "outside_service_area"
    NOT_DECISION_MAKER = "not_decision_maker"
    NO_BUDGET = "no_budget"
    NO_NEED_NOW = "no_need_now"
    WANTS_WHAT_WE_DONT_SELL = "wants_what_we_dont_sell"
    OTHER = "other"


class Operator(StrEnum):
    ONE_OF = "one_of"  # value in the set (for a set-valued trait: shares a member)
    NONE_OF = "none_of"
    AT_LEAST = "at_least"
    AT_MOST = "at_most"


class Verdict(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    UNKNOWN = "unknown"  # the lead's value is missing


# Hard criteria may disqualify without a conversation (PRODUCT.md §2).
HARD_TRAITS: frozenset[Trait] = frozenset({Trait.GEOGRAPHY, Trait.SERVICES_WANTED})

REASON_FOR_TRAIT: dict[Trait, UnqualifiedReason] = {
    Trait.NICHE: UnqualifiedReason.WRONG_NICHE,
    Trait.GEOGRAPHY: UnqualifiedReason.OUTSIDE_SERVICE_AREA,
    Trait.AUTHORITY: UnqualifiedReason.NOT_DECISION_MAKER,
    Trait.MONTHLY_BUDGET: UnqualifiedReason.NO_BUDGET,
    Trait.SWITCH_REASON: UnqualifiedReason.NO_BUDGET,
    Trait.NEED: UnqualifiedReason.NO_NEED_NOW,
    Trait.SERVICES_WANTED: UnqualifiedReason.WANTS_WHAT_WE_DONT_SELL,
}

CriterionValue = str | int | Decimal | frozenset[str]


@dataclass(frozen=True)
class Criterion:
    """One test over one trait, e.g. employee_count at_least 10."""

    trait: Trait
    operator: Operator
    value: CriterionValue

    @property
    def hard(self) -> bool:
        return self.trait in HARD_TRAITS

    def describe(self) -> str:
        shown = self.value
        if isinstance(shown, frozenset):
            shown = ", ".join(sorted(shown))
        elif self.trait is Trait.AUTHORITY and isinstance(shown, int):
            shown = Authority(shown).label
        return f"{self.trait.value} {self.operator.value.replace('_', ' ')} {shown}"

    def evaluate(self, profile: LeadProfile) -> CriterionResult:
        actual = profile.value_of(self.trait)
        if actual is None:
            return CriterionResult(self, Verdict.UNKNOWN, "not known")
        passed = _test(self.operator, actual, self.value)
        return CriterionResult(self, Verdict.PASSED if passed else Verdict.FAILED, _show(actual))


def _show(value: TraitValue) -> str:
    if isinstance(value, frozenset):
        return ", ".join(sorted(value))
    if isinstance(value, Authority):
        return value.label
    return str(value)


def _as_set(value: CriterionValue) -> frozenset[str]:
    if isinstance(value, frozenset):
        return frozenset(v.lower() for v in value)
    return frozenset({str(value).lower()})


def _test(operator: Operator, actual: TraitValue, expected: CriterionValue) -> bool:
    if operator in (Operator.ONE_OF, Operator.NONE_OF):
        allowed = _as_set(expected)
        if isinstance(actual, frozenset):
            hit = bool(frozenset(a.lower() for a in actual) & allowed)
        else:
            hit = _matches_member(str(actual).lower(), allowed)
        return hit if operator is Operator.ONE_OF else not hit
    if isinstance(actual, frozenset | str) or isinstance(expected, frozenset | str):
        raise TypeError(f"{operator.value} needs numbers, got {actual!r} and {expected!r}")
    number = Decimal(int(actual)) if isinstance(actual, int) else actual
    bound = Decimal(int(expected)) if isinstance(expected, int) else expected
    return number >= bound if operator is Operator.AT_LEAST else number <= bound


def _matches_member(actual: str, allowed: frozenset[str]) -> bool:
    """A region matches its own code or any parent: "US-TX-78701" is inside "US-TX" and "US"."""
    return any(actual == a or actual.startswith(a + "-") for a in allowed)


@dataclass(frozen=True)
class CriterionResult:
    criterion: Criterion
    verdict: Verdict
    actual: str

    def describe(self) -> str:
        return f"{self.criterion.describe()}: {self.verdict.value} (is {self.actual})"


@dataclass(frozen=True)
class Avatar:
    """An ideal-client profile. A business may have several; earlier ones win ties."""

    name: str
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class AvatarFit:
    avatar: str
    results: tuple[CriterionResult, ...]

    @property
    def fits(self) -> bool:
        return all(r.verdict is Verdict.PASSED for r in self.results)


@dataclass(frozen=True)
class ProposedDisqualification:
    """A failed soft rule: a person must confirm it after talking to the lead."""

    reason: UnqualifiedReason
    criterion: CriterionResult


@dataclass(frozen=True)
class Qualification:
    """The decision and everything needed to explain it."""

    status: QualificationStatus
    reason: UnqualifiedReason | None = None
    sweet_spot: str | None = None
    rule_results: tuple[CriterionResult, ...] = ()
    avatar_fits: tuple[AvatarFit, ...] = ()
    proposed: tuple[ProposedDisqualification, ...] = ()
    missing: tuple[Trait, ...] = ()
    explanation: str = ""

    @property
    def incomplete(self) -> bool:
        return bool(self.missing)


@dataclass(frozen=True)
class Playbook:
    """The qualification rules and avatars of one business."""

    rules: tuple[Criterion, ...]
    avatars: tuple[Avatar, ...] = field(default_factory=tuple)


def reason_for(trait: Trait) -> UnqualifiedReason:
    return REASON_FOR_TRAIT.get(trait, UnqualifiedReason.OTHER)


def qualify(
    profile: LeadProfile, playbook: Playbook, *, waived: frozenset[Trait] = frozenset()
) -> Qualification:
    """Judge a lead against the playbook. Pure: same inputs, same answer.

    `waived` holds soft traits whose proposed disqualification a person rejected after
    talking to the lead; they no longer count against it. Hard rules cannot be waived.
    """
    results = tuple(_waive(c.evaluate(profile), waived) for c in playbook.rules)
    failed = [r for r in results if r.verdict is Verdict.FAILED]
    hard = [r for r in failed if r.criterion.hard]
    soft = [r for r in failed if not r.criterion.hard]
    fits = tuple(
        AvatarFit(a.name, tuple(c.evaluate(profile) for c in a.criteria)) for a in playbook.avatars
    )
    missing = _missing_traits(results, fits)

    if hard:
        first = hard[0]
        return Qualification(
            QualificationStatus.UNQUALIFIED,
            reason=reason_for(first.criterion.trait),
            rule_results=results,
            avatar_fits=fits,
            missing=missing,
            explanation=f"hard rule failed, disqualified automatically: {_join(hard)}",
        )
    proposed = tuple(ProposedDisqualification(reason_for(r.criterion.trait), r) for r in soft)
    if proposed:
        return Qualification(
            QualificationStatus.RAW,
            rule_results=results,
            avatar_fits=fits,
            proposed=proposed,
            missing=missing,
            explanation=(
                f"proposed disqualification, to confirm after talking to the lead: {_join(soft)}"
            ),
        )
    unknown = [r for r in results if r.verdict is Verdict.UNKNOWN]
    if unknown:
        return Qualification(
            QualificationStatus.RAW,
            rule_results=results,
            avatar_fits=fits,
            missing=missing,
            explanation="cannot judge yet, missing: "
            + ", ".join(r.criterion.trait.value for r in unknown),
        )
    sweet = next((f for f in fits if f.fits), None)
    explanation = "meets every qualification rule"
    if sweet is not None:
        explanation += f"; sweet spot: fits avatar {sweet.avatar!r}"
    elif fits:
        explanation += "; fits no avatar (" + "; ".join(_why_not(f) for f in fits) + ")"
    return Qualification(
        QualificationStatus.QUALIFIED,
        sweet_spot=sweet.avatar if sweet else None,
        rule_results=results,
        avatar_fits=fits,
        missing=missing,
        explanation=explanation,
    )


def _waive(result: CriterionResult, waived: frozenset[Trait]) -> CriterionResult:
    if result.verdict is Verdict.FAILED and result.criterion.trait in waived:
        if not result.criterion.hard:
            return CriterionResult(result.criterion, Verdict.PASSED, result.actual + ", waived")
    return result


def _missing_traits(
    results: Iterable[CriterionResult], fits: Sequence[AvatarFit]
) -> tuple[Trait, ...]:
    """Traits that the rules or the avatars need and the record lacks, in rule order."""
    seen: dict[Trait, None] = {}
    for r in [*results, *(r for f in fits for r in f.results)]:
        if r.verdict is Verdict.UNKNOWN:
            seen[r.criterion.trait] = None
    return tuple(seen)


def _why_not(fit: AvatarFit) -> str:
    misses = [r for r in fit.results if r.verdict is not Verdict.PASSED]
    return f"{fit.avatar}: " + ", ".join(r.describe() for r in misses)


def _join(results: Iterable[CriterionResult]) -> str:
    return "; ".join(r.describe() for r in results)


def confirm_disqualification(
    proposal: ProposedDisqualification, *, by: str, note: str
) -> Qualification:
    """A person who talked to the lead confirms a proposed disqualification."""
    if not by.strip():
        raise MissingDetail("confirming a disqualification needs who talked to the lead")
    return Qualification(
        QualificationStatus.UNQUALIFIED,
        reason=proposal.reason,
        rule_results=(proposal.criterion,),
        explanation=f"confirmed by {by} after talking to the lead: "
        f"{proposal.criterion.describe()}" + (f" ({note.strip()})" if note.strip() else ""),
    )
