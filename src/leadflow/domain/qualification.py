"""Lead qualification (PRODUCT.md §2): Raw / Unqualified / Qualified, and the sweet spot.

The business's *qualification rules* are the bar a lead must clear to be Qualified (an
MQL: "looks good on paper"). Its *avatars* are the ideal clients; a qualified lead that
fits one is tagged sweet spot with that avatar's name. Both are data: lists of criteria.

Only hard criteria (outside the service area, wants what we don't sell) disqualify on
their own. Any other failed rule becomes a *proposed* disqualification that a person
confirms after talking to the lead; until then the lead stays Raw. A criterion that
cannot be judged because the value is missing marks the record incomplete.

Two facts are judged with care because a wrong answer on them costs a lead:

- Geography is a hierarchy. "US-TX-78701" is inside "US-TX" and "US"; a lead known only
  as "US" is not outside a Texas service area, it is not known well enough yet.
- A company that does not outsource IT has no reason to switch. Its switch reason is not
  missing, it is "none": it passes `none_of cheaper` and fails `one_of poor_service`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from leadflow.domain.errors import MissingDetail
from leadflow.domain.profile import Authority, LeadProfile, Outsourcing, Trait


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

    @property
    def label(self) -> str:
        if self is UnqualifiedReason.WANTS_WHAT_WE_DONT_SELL:
            return "wants what we don't sell"
        return self.value.replace("_", " ")


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

# Traits that at_least / at_most can compare.
NUMERIC_TRAITS: frozenset[Trait] = frozenset(
    {Trait.EMPLOYEE_COUNT, Trait.AUTHORITY, Trait.MONTHLY_BUDGET}
)
_SET_OPERATORS = (Operator.ONE_OF, Operator.NONE_OF)


@dataclass(frozen=True)
class Criterion:
    """One test over one trait, e.g. employee_count at_least 10."""

    trait: Trait
    operator: Operator
    value: CriterionValue

    def __post_init__(self) -> None:
        # A criterion that can never be evaluated should fail where it is written (the
        # playbook editor), not on the first lead that reaches it.
        if self.operator not in _SET_OPERATORS:
            if self.trait not in NUMERIC_TRAITS:
                raise ValueError(
                    f"{self.trait.value} cannot be compared with {self.operator.value}; "
                    "use one_of or none_of"
                )
            if isinstance(self.value, str | frozenset):
                raise ValueError(
                    f"{self.trait.value} {self.operator.value} needs a number, got {self.value!r}"
                )

    @property
    def hard(self) -> bool:
        return self.trait in HARD_TRAITS

    def describe(self) -> str:
        shown: CriterionValue = self.value
        if isinstance(shown, frozenset):
            shown = ", ".join(sorted(shown))
        elif self.trait is Trait.AUTHORITY and shown in set(Authority):
            # A stored playbook may hand the level back as Decimal(2): still "manager".
            shown = Authority(int(shown)).label
        return f"{self.trait.value} {self.operator.value.replace('_', ' ')} {shown}"

    def evaluate(self, profile: LeadProfile) -> CriterionResult:
        if self.trait is Trait.SWITCH_REASON and _has_no_switch_reason(profile):
            shown = f"none, outsourcing is {profile.outsourcing}"
            passed = self.operator is Operator.NONE_OF
            return CriterionResult(self, Verdict.PASSED if passed else Verdict.FAILED, shown)
        actual = profile.value_of(self.trait)
        if actual is None:
            return CriterionResult(self, Verdict.UNKNOWN, "not known")
        verdict = _verdict(self.trait, self.operator, actual, self.value)
        shown = _show(actual)
        if verdict is Verdict.UNKNOWN:
            shown += ", not specific enough"
        return CriterionResult(self, verdict, shown)


def _has_no_switch_reason(profile: LeadProfile) -> bool:
    return (
        profile.switch_reason is None
        and profile.outsourcing is not None
        and profile.outsourcing is not Outsourcing.OUTSOURCED
    )


def _show(value: str | int | Decimal | frozenset[str]) -> str:
    if isinstance(value, frozenset):
        return ", ".join(sorted(value))
    if isinstance(value, Authority):
        return value.label
    return str(value)


def _as_set(value: CriterionValue) -> frozenset[str]:
    if isinstance(value, frozenset):
        return frozenset(v.strip().lower() for v in value)
    return frozenset({str(value).strip().lower()})


def _keys(actual: str | int | Decimal) -> frozenset[str]:
    """The spellings a set may use for a single value: an authority by label or number."""
    if isinstance(actual, Authority):
        return frozenset({actual.label, str(int(actual))})
    return frozenset({str(actual).strip().lower()})


def _verdict(
    trait: Trait,
    operator: Operator,
    actual: str | int | Decimal | frozenset[str],
    expected: CriterionValue,
) -> Verdict:
    if operator in _SET_OPERATORS:
        members = _as_set(expected)
        if isinstance(actual, frozenset):
            hit = bool(frozenset(a.strip().lower() for a in actual) & members)
        elif trait is Trait.GEOGRAPHY:
            area = actual.strip().lower() if isinstance(actual, str) else str(actual)
            if any(_within(area, m) for m in members):
                hit = True
            elif any(_within(m, area) for m in members):
                return Verdict.UNKNOWN  # "US" may or may not be "US-TX": ask, don't guess
            else:
                hit = False
        else:
            hit = bool(_keys(actual) & members)
        return Verdict.PASSED if hit == (operator is Operator.ONE_OF) else Verdict.FAILED
    if isinstance(actual, str | frozenset) or isinstance(expected, str | frozenset):
        raise TypeError(f"{operator.value} needs numbers, got {actual!r} and {expected!r}")
    number = Decimal(int(actual)) if isinstance(actual, int) else actual
    bound = Decimal(int(expected)) if isinstance(expected, int) else expected
    passed = number >= bound if operator is Operator.AT_LEAST else number <= bound
    return Verdict.PASSED if passed else Verdict.FAILED


def _within(area: str, parent: str) -> bool:
    """A region is within its own code or any parent: "us-tx-78701" is in "us-tx" and "us"."""
    return area == parent or area.startswith(parent + "-")


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

    def confirm(self, *, by: str, note: str) -> Qualification:
        return confirm_disqualification(
            self.reason,
            self.criterion.describe(),
            by=by,
            note=note,
            rule_results=(self.criterion,),
        )


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
    results = tuple(waive(c.evaluate(profile), waived) for c in playbook.rules)
    fits = tuple(
        AvatarFit(a.name, tuple(c.evaluate(profile) for c in a.criteria)) for a in playbook.avatars
    )
    return judge(results, fits)


def judge(results: tuple[CriterionResult, ...], fits: tuple[AvatarFit, ...]) -> Qualification:
    """The decision from the rules' and avatars' criterion results alone.

    Split from `qualify` so bulk paths can evaluate each criterion once per distinct value
    and judge once per distinct set of verdicts, with the same words as one lead gets.
    """
    failed = [r for r in results if r.verdict is Verdict.FAILED]
    hard = [r for r in failed if r.criterion.hard]
    soft = [r for r in failed if not r.criterion.hard]

    if hard:
        # Nothing more to gather about a lead we will not serve: no "missing" follow-up.
        return Qualification(
            QualificationStatus.UNQUALIFIED,
            reason=reason_for(hard[0].criterion.trait),
            rule_results=results,
            avatar_fits=fits,
            explanation=f"unqualified, hard rule failed, disqualified automatically: {_join(hard)}",
        )
    missing = _missing_traits(results, fits)
    gather = "; missing: " + ", ".join(t.value for t in missing) if missing else ""
    if soft:
        return Qualification(
            QualificationStatus.RAW,
            rule_results=results,
            avatar_fits=fits,
            proposed=tuple(
                ProposedDisqualification(reason_for(r.criterion.trait), r) for r in soft
            ),
            missing=missing,
            explanation="raw, proposed disqualification, to confirm after talking to the lead: "
            + _join(soft)
            + gather,
        )
    unknown = [r for r in results if r.verdict is Verdict.UNKNOWN]
    if unknown:
        return Qualification(
            QualificationStatus.RAW,
            rule_results=results,
            avatar_fits=fits,
            missing=missing,
            explanation="raw, cannot judge yet: " + _join(unknown) + gather,
        )
    sweet = next((f for f in fits if f.fits), None)
    explanation = "qualified, meets every qualification rule"
    if results:
        explanation += f" ({_join(results)})"
    if sweet is not None:
        explanation += f"; sweet spot: fits avatar {sweet.avatar!r} ({_join(sweet.results)})"
    elif fits:
        explanation += "; fits no avatar (" + "; ".join(_why_not(f) for f in fits) + ")"
    return Qualification(
        QualificationStatus.QUALIFIED,
        sweet_spot=sweet.avatar if sweet else None,
        rule_results=results,
        avatar_fits=fits,
        missing=missing,
        explanation=explanation + gather,
    )


def waive(result: CriterionResult, waived: frozenset[Trait]) -> CriterionResult:
    """A rule's failure a person rejected after talking to the lead counts as passed."""
    if (
        result.verdict is Verdict.FAILED
        and result.criterion.trait in waived
        and not result.criterion.hard
    ):
        return CriterionResult(result.criterion, Verdict.PASSED, result.actual + ", waived")
    return result


def _missing_traits(
    results: Iterable[CriterionResult], fits: Sequence[AvatarFit]
) -> tuple[Trait, ...]:
    """Traits the rules, or an avatar that could still decide the sweet spot, need and lack.

    An avatar that already failed on a known fact cannot fit whatever we learn, and one
    after the first fitting avatar cannot win: their unknowns are not worth a call.
    """
    relevant: list[CriterionResult] = list(results)
    for fit in fits:
        if fit.fits:
            break
        if all(r.verdict is not Verdict.FAILED for r in fit.results):
            relevant.extend(fit.results)
    seen: dict[Trait, None] = {}
    for r in relevant:
        if r.verdict is Verdict.UNKNOWN:
            seen[r.criterion.trait] = None
    return tuple(seen)


def _why_not(fit: AvatarFit) -> str:
    misses = [r for r in fit.results if r.verdict is not Verdict.PASSED]
    return f"{fit.avatar}: " + ", ".join(r.describe() for r in misses)


def _join(results: Iterable[CriterionResult]) -> str:
    return "; ".join(r.describe() for r in results)


def confirm_disqualification(
    reason: UnqualifiedReason,
    failed: str,
    *,
    by: str,
    note: str,
    rule_results: tuple[CriterionResult, ...] = (),
) -> Qualification:
    """A person who talked to the lead confirms a proposed disqualification.

    `failed` describes the criterion that failed, as it was when proposed (a stored
    proposal keeps only its description).
    """
    if not by.strip():
        raise MissingDetail("confirming a disqualification needs who talked to the lead")
    return Qualification(
        QualificationStatus.UNQUALIFIED,
        reason=reason,
        rule_results=rule_results,
        explanation=f"unqualified, confirmed by {by.strip()} after talking to the lead: "
        f"{failed}" + (f" ({note.strip()})" if note.strip() else ""),
    )
