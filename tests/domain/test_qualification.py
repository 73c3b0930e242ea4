"""Lead qualification, PRODUCT.md §2: who is a real lead, and why."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadflow.domain.defaults import default_playbook
from leadflow.domain.errors import MissingDetail
from leadflow.domain.profile import Authority, LeadProfile, Need, Outsourcing, SwitchReason, Trait
from leadflow.domain.qualification import (
    HARD_TRAITS,
    Avatar,
    Criterion,
    Operator,
    Playbook,
    QualificationStatus,
    UnqualifiedReason,
    Verdict,
    qualify,
)

RAW = QualificationStatus.RAW
UNQUALIFIED = QualificationStatus.UNQUALIFIED
QUALIFIED = QualificationStatus.QUALIFIED


def _rule(playbook: Playbook, trait: Trait) -> Criterion:
    return next(c for c in playbook.rules if c.trait is trait)


# --- hard rules: the only automatic disqualifications -------------------------------


def test_outside_service_area_disqualifies_automatically(
    playbook: Playbook, lead: LeadProfile
) -> None:
    result = qualify(replace(lead, geography="US-CA"), playbook)

    assert result.status is UNQUALIFIED
    assert result.reason is UnqualifiedReason.OUTSIDE_SERVICE_AREA
    assert result.proposed == ()
    assert "automatically" in result.explanation
    assert _rule(playbook, Trait.GEOGRAPHY).describe() in result.explanation


def test_wants_what_we_dont_sell_disqualifies_automatically(
    playbook: Playbook, lead: LeadProfile
) -> None:
    result = qualify(replace(lead, services_wanted=frozenset({"web-design"})), playbook)

    assert result.status is UNQUALIFIED
    assert result.reason is UnqualifiedReason.WANTS_WHAT_WE_DONT_SELL
    assert "web-design" in result.explanation


def test_wanting_one_thing_we_sell_among_others_is_still_a_lead(
    playbook: Playbook, lead: LeadProfile
) -> None:
    result = qualify(replace(lead, services_wanted=frozenset({"web-design", "Backup"})), playbook)

    assert result.status is QUALIFIED


def test_other_country_is_outside_a_state_service_area(
    playbook: Playbook, lead: LeadProfile
) -> None:
    result = qualify(replace(lead, geography="GB"), playbook)

    assert result.status is UNQUALIFIED
    assert result.reason is UnqualifiedReason.OUTSIDE_SERVICE_AREA


def test_country_only_address_is_not_disqualified_but_needs_the_state(
    playbook: Playbook, lead: LeadProfile
) -> None:
    # "US" may well be Texas: guessing "outside" would throw away a lead without a call.
    result = qualify(replace(lead, geography="US"), playbook)

    assert result.status is RAW
    assert result.missing == (Trait.GEOGRAPHY,)
    assert "not specific enough" in result.explanation


def test_disqualified_lead_gets_no_gather_missing_information_task(
    playbook: Playbook, lead: LeadProfile
) -> None:
    result = qualify(replace(lead, geography="US-CA", need=None, niche=None), playbook)

    assert result.status is UNQUALIFIED
    assert not result.incomplete


# --- soft rules: proposed, then confirmed by a person who talked to the lead ---------


def test_not_decision_maker_is_only_proposed_never_automatic(
    playbook: Playbook, lead: LeadProfile
) -> None:
    result = qualify(replace(lead, authority=Authority.STAFF), playbook)

    assert result.status is RAW
    assert result.reason is None
    assert [p.reason for p in result.proposed] == [UnqualifiedReason.NOT_DECISION_MAKER]
    assert "to confirm after talking to the lead" in result.explanation


# One failing criterion per soft trait, and the reason PRODUCT.md §2 gives for it.
SOFT_FAILURES: dict[Trait, tuple[Criterion, LeadProfile, UnqualifiedReason]] = {
    Trait.NICHE: (
        Criterion(Trait.NICHE, Operator.ONE_OF, frozenset({"legal"})),
        LeadProfile(niche="retail"),
        UnqualifiedReason.WRONG_NICHE,
    ),
    Trait.COMPANY_TYPE: (
        Criterion(Trait.COMPANY_TYPE, Operator.NONE_OF, frozenset({"government"})),
        LeadProfile(company_type="government"),
        UnqualifiedReason.OTHER,
    ),
    Trait.EMPLOYEE_COUNT: (
        Criterion(Trait.EMPLOYEE_COUNT, Operator.AT_LEAST, 10),
        LeadProfile(employee_count=3),
        UnqualifiedReason.OTHER,
    ),
    Trait.AUTHORITY: (
        Criterion(Trait.AUTHORITY, Operator.AT_LEAST, int(Authority.MANAGER)),
        LeadProfile(authority=Authority.STAFF),
        UnqualifiedReason.NOT_DECISION_MAKER,
    ),
    Trait.MONTHLY_BUDGET: (
        Criterion(Trait.MONTHLY_BUDGET, Operator.AT_LEAST, Decimal(5000)),
        LeadProfile(monthly_budget=Decimal(800)),
        UnqualifiedReason.NO_BUDGET,
    ),
    Trait.OUTSOURCING: (
        Criterion(Trait.OUTSOURCING, Operator.ONE_OF, frozenset({"outsourced"})),
        LeadProfile(outsourcing=Outsourcing.NONE),
        UnqualifiedReason.OTHER,
    ),
    Trait.SWITCH_REASON: (
        Criterion(Trait.SWITCH_REASON, Operator.NONE_OF, frozenset({"cheaper"})),
        LeadProfile(outsourcing=Outsourcing.OUTSOURCED, switch_reason=SwitchReason.CHEAPER),
        UnqualifiedReason.NO_BUDGET,
    ),
    Trait.NEED: (
        Criterion(Trait.NEED, Operator.ONE_OF, frozenset({"need_now"})),
        LeadProfile(need=Need.PRICE_SHOPPING),
        UnqualifiedReason.NO_NEED_NOW,
    ),
    Trait.LEAD_SOURCE: (
        Criterion(Trait.LEAD_SOURCE, Operator.NONE_OF, frozenset({"rented-list"})),
        LeadProfile(lead_source="rented-list"),
        UnqualifiedReason.OTHER,
    ),
}


def test_soft_failure_table_covers_every_soft_trait() -> None:
    assert set(SOFT_FAILURES) == set(Trait) - HARD_TRAITS


@pytest.mark.parametrize("trait", sorted(SOFT_FAILURES))
def test_every_soft_failure_is_a_proposal_a_person_confirms(trait: Trait) -> None:
    criterion, profile, reason = SOFT_FAILURES[trait]

    proposed = qualify(profile, Playbook(rules=(criterion,)))

    assert proposed.status is RAW
    assert [(p.reason, p.criterion.criterion) for p in proposed.proposed] == [(reason, criterion)]

    confirmed = proposed.proposed[0].confirm(by="Dana", note="on the phone")

    assert confirmed.status is UNQUALIFIED
    assert confirmed.reason is reason
    assert "Dana" in confirmed.explanation
    assert "on the phone" in confirmed.explanation
    assert criterion.describe() in confirmed.explanation


def test_confirming_a_disqualification_needs_who_talked_to_the_lead(
    playbook: Playbook, lead: LeadProfile
) -> None:
    proposal = qualify(replace(lead, need=Need.CURIOUS), playbook).proposed[0]

    with pytest.raises(MissingDetail):
        proposal.confirm(by="  ", note="curious only")


def test_rejected_proposal_is_waived_and_lead_qualifies(
    playbook: Playbook, lead: LeadProfile
) -> None:
    assistant = replace(lead, authority=Authority.STAFF)
    assert qualify(assistant, playbook).status is RAW

    result = qualify(assistant, playbook, waived=frozenset({Trait.AUTHORITY}))

    assert result.status is QUALIFIED
    assert result.proposed == ()
    assert "waived" in result.explanation


def test_waiving_one_trait_leaves_the_other_proposals_standing(
    playbook: Playbook, lead: LeadProfile
) -> None:
    profile = replace(lead, authority=Authority.STAFF, need=Need.CURIOUS)

    result = qualify(profile, playbook, waived=frozenset({Trait.AUTHORITY}))

    assert result.status is RAW
    assert [p.reason for p in result.proposed] == [UnqualifiedReason.NO_NEED_NOW]


@pytest.mark.parametrize(
    ("change", "trait"),
    [
        ({"geography": "US-CA"}, Trait.GEOGRAPHY),
        ({"services_wanted": frozenset({"web-design"})}, Trait.SERVICES_WANTED),
    ],
)
def test_hard_rule_cannot_be_waived(
    playbook: Playbook, lead: LeadProfile, change: dict[str, object], trait: Trait
) -> None:
    result = qualify(replace(lead, **change), playbook, waived=frozenset({trait}))

    assert result.status is UNQUALIFIED


# --- sweet spot: the avatars ---------------------------------------------------------


def test_sweet_spot_names_the_avatar_that_matched(playbook: Playbook, lead: LeadProfile) -> None:
    plant = replace(lead, niche="manufacturing", employee_count=120)

    result = qualify(plant, playbook)

    assert result.status is QUALIFIED
    assert result.sweet_spot == "Multi-site manufacturer"
    assert "Multi-site manufacturer" in result.explanation


def test_first_matching_avatar_wins(playbook: Playbook, lead: LeadProfile) -> None:
    burned_law_firm = replace(
        lead, outsourcing=Outsourcing.OUTSOURCED, switch_reason=SwitchReason.POOR_SERVICE
    )
    reordered = replace(playbook, avatars=tuple(reversed(playbook.avatars)))

    assert qualify(burned_law_firm, playbook).sweet_spot == "Growing professional firm"
    assert qualify(burned_law_firm, reordered).sweet_spot == "Burned by their last MSP"


def test_qualified_lead_that_fits_no_avatar_is_not_sweet_spot(
    playbook: Playbook, lead: LeadProfile
) -> None:
    shop = replace(lead, niche="retail")

    result = qualify(shop, playbook)

    assert result.status is QUALIFIED
    assert result.sweet_spot is None
    assert "fits no avatar" in result.explanation
    for avatar in playbook.avatars:
        assert avatar.name in result.explanation


@pytest.mark.parametrize(
    "change",
    [{"need": Need.CURIOUS}, {"geography": "US-CA"}, {"need": None}],
    ids=["soft-failure", "hard-failure", "missing"],
)
def test_only_a_qualified_lead_can_be_sweet_spot(
    playbook: Playbook, lead: LeadProfile, change: dict[str, object]
) -> None:
    assert qualify(lead, playbook).sweet_spot is not None

    result = qualify(replace(lead, **change), playbook)

    assert result.status is not QUALIFIED
    assert result.sweet_spot is None


# --- incomplete records --------------------------------------------------------------


@pytest.mark.parametrize(
    "trait", [Trait.GEOGRAPHY, Trait.SERVICES_WANTED, Trait.AUTHORITY, Trait.NEED]
)
def test_missing_information_marks_record_incomplete(
    playbook: Playbook, lead: LeadProfile, trait: Trait
) -> None:
    empty: object = frozenset() if trait is Trait.SERVICES_WANTED else None

    result = qualify(replace(lead, **{trait.value: empty}), playbook)

    assert result.status is RAW
    assert result.incomplete
    assert result.missing == (trait,)
    assert trait.value in result.explanation


def test_complete_record_is_not_incomplete(playbook: Playbook, lead: LeadProfile) -> None:
    assert not qualify(lead, playbook).incomplete


def test_missing_avatar_fact_flags_a_qualified_lead_for_more_information(
    playbook: Playbook, lead: LeadProfile
) -> None:
    result = qualify(replace(lead, employee_count=None), playbook)

    assert result.status is QUALIFIED
    assert result.sweet_spot is None
    assert result.missing == (Trait.EMPLOYEE_COUNT,)


def test_avatar_that_already_failed_asks_for_no_more_information(
    playbook: Playbook, lead: LeadProfile
) -> None:
    # Retail fails both niche avatars and in-house fails the third on known facts: the
    # unknown head count could not make any of them fit.
    shop = replace(lead, niche="retail", employee_count=None)

    result = qualify(shop, playbook)

    assert result.status is QUALIFIED
    assert not result.incomplete


def test_avatar_after_the_winning_one_asks_for_no_more_information(
    playbook: Playbook, lead: LeadProfile
) -> None:
    result = qualify(replace(lead, outsourcing=None), playbook)

    assert result.sweet_spot == "Growing professional firm"
    assert not result.incomplete


def test_company_that_does_not_outsource_has_no_switch_reason_rather_than_a_missing_one() -> None:
    not_cheap = Criterion(Trait.SWITCH_REASON, Operator.NONE_OF, frozenset({"cheaper"}))
    burned = Criterion(Trait.SWITCH_REASON, Operator.ONE_OF, frozenset({"poor_service"}))
    in_house = LeadProfile(outsourcing=Outsourcing.IN_HOUSE)
    outsourced_unknown_why = LeadProfile(outsourcing=Outsourcing.OUTSOURCED)

    assert not_cheap.evaluate(in_house).verdict is Verdict.PASSED
    assert burned.evaluate(in_house).verdict is Verdict.FAILED
    assert not_cheap.evaluate(outsourced_unknown_why).verdict is Verdict.UNKNOWN
    assert not_cheap.evaluate(LeadProfile()).verdict is Verdict.UNKNOWN


# --- explanations --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "status", "fragments"),
    [
        (
            {},
            QUALIFIED,
            [
                "qualified",
                "geography one of US-OK, US-TX: passed (is US-TX-78701)",
                "authority at least manager: passed (is executive)",
                "sweet spot",
                "Growing professional firm",
                "niche one of accounting, legal: passed (is legal)",
            ],
        ),
        (
            {"niche": "retail"},
            QUALIFIED,
            ["qualified", "fits no avatar", "niche one of manufacturing: failed (is retail)"],
        ),
        (
            {"need": Need.CURIOUS},
            RAW,
            ["raw", "proposed", "need one of need_now: failed (is curious)"],
        ),
        ({"authority": None}, RAW, ["raw", "authority at least manager: unknown (is not known)"]),
        (
            {"geography": "US-CA"},
            UNQUALIFIED,
            ["unqualified", "geography one of US-OK, US-TX: failed (is US-CA)"],
        ),
    ],
    ids=["sweet-spot", "no-avatar", "proposed", "missing", "hard-failure"],
)
def test_every_classification_carries_its_explanation(
    playbook: Playbook,
    lead: LeadProfile,
    change: dict[str, object],
    status: QualificationStatus,
    fragments: list[str],
) -> None:
    result = qualify(replace(lead, **change), playbook)

    assert result.status is status
    assert result.explanation.startswith(status.value)
    for fragment in fragments:
        assert fragment in result.explanation
    assert [r.criterion for r in result.rule_results] == list(playbook.rules)
    assert [f.avatar for f in result.avatar_fits] == [a.name for a in playbook.avatars]


# --- criteria ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("area", "allowed", "verdict"),
    [
        ("US-TX", {"US-TX"}, Verdict.PASSED),
        ("US-TX-78701", {"US-TX"}, Verdict.PASSED),
        ("us-tx-78701", {"US"}, Verdict.PASSED),
        ("US-TXA", {"US-TX"}, Verdict.FAILED),
        ("US-CA-90210", {"US-TX"}, Verdict.FAILED),
        ("US", {"US-TX"}, Verdict.UNKNOWN),
    ],
)
def test_region_matches_its_parent_area(area: str, allowed: set[str], verdict: Verdict) -> None:
    criterion = Criterion(Trait.GEOGRAPHY, Operator.ONE_OF, frozenset(allowed))

    assert criterion.evaluate(LeadProfile(geography=area)).verdict is verdict


def test_excluded_area_excludes_its_regions_too() -> None:
    criterion = Criterion(Trait.GEOGRAPHY, Operator.NONE_OF, frozenset({"US-CA"}))

    assert criterion.evaluate(LeadProfile(geography="US-CA-90210")).verdict is Verdict.FAILED
    assert criterion.evaluate(LeadProfile(geography="US-TX")).verdict is Verdict.PASSED
    assert criterion.evaluate(LeadProfile(geography="US")).verdict is Verdict.UNKNOWN


def test_only_geography_is_a_hierarchy() -> None:
    criterion = Criterion(Trait.NICHE, Operator.ONE_OF, frozenset({"legal"}))

    assert criterion.evaluate(LeadProfile(niche="legal-aid")).verdict is Verdict.FAILED


@pytest.mark.parametrize(
    ("operator", "count", "verdict"),
    [
        (Operator.AT_LEAST, 10, Verdict.PASSED),
        (Operator.AT_LEAST, 9, Verdict.FAILED),
        (Operator.AT_MOST, 10, Verdict.PASSED),
        (Operator.AT_MOST, 11, Verdict.FAILED),
    ],
)
def test_ranges_include_their_bounds(operator: Operator, count: int, verdict: Verdict) -> None:
    criterion = Criterion(Trait.EMPLOYEE_COUNT, operator, 10)

    assert criterion.evaluate(LeadProfile(employee_count=count)).verdict is verdict


def test_budget_compares_as_money() -> None:
    criterion = Criterion(Trait.MONTHLY_BUDGET, Operator.AT_LEAST, 5000)

    assert criterion.evaluate(LeadProfile(monthly_budget=Decimal("5000.00"))).verdict is (
        Verdict.PASSED
    )
    assert criterion.evaluate(LeadProfile(monthly_budget=Decimal("4999.99"))).verdict is (
        Verdict.FAILED
    )


def test_authority_can_be_listed_by_label() -> None:
    criterion = Criterion(Trait.AUTHORITY, Operator.ONE_OF, frozenset({"Executive"}))

    assert criterion.evaluate(LeadProfile(authority=Authority.EXECUTIVE)).verdict is (
        Verdict.PASSED
    )
    assert criterion.evaluate(LeadProfile(authority=Authority.DIRECTOR)).verdict is (Verdict.FAILED)


def test_authority_read_back_as_a_decimal_still_reads_as_a_level() -> None:
    # A stored playbook hands numbers back as Decimal; the bar and its wording must hold.
    stored = Criterion(Trait.AUTHORITY, Operator.AT_LEAST, Decimal(int(Authority.MANAGER)))

    assert stored.describe() == "authority at least manager"
    assert stored.evaluate(LeadProfile(authority=Authority.MANAGER)).verdict is Verdict.PASSED
    assert stored.evaluate(LeadProfile(authority=Authority.STAFF)).verdict is Verdict.FAILED


@pytest.mark.parametrize(
    ("trait", "operator", "value"),
    [
        (Trait.NICHE, Operator.AT_LEAST, 5),
        (Trait.EMPLOYEE_COUNT, Operator.AT_LEAST, "ten"),
        (Trait.MONTHLY_BUDGET, Operator.AT_MOST, frozenset({"5000"})),
    ],
)
def test_criterion_that_can_never_be_judged_is_refused_when_written(
    trait: Trait, operator: Operator, value: str | int | frozenset[str]
) -> None:
    with pytest.raises(ValueError, match=trait.value):
        Criterion(trait, operator, value)


# --- the shipped defaults ------------------------------------------------------------


def _texas_lead(**changes: object) -> LeadProfile:
    base = LeadProfile(
        niche="retail",
        geography="US-TX",
        employee_count=25,
        authority=Authority.EXECUTIVE,
        monthly_budget=Decimal(1500),
        outsourcing=Outsourcing.IN_HOUSE,
        need=Need.NEED_NOW,
        services_wanted=frozenset({"cybersecurity"}),
    )
    return replace(base, **changes)


@pytest.mark.parametrize("area", ["US-TX", "US-OK", "US-LA-70112"])
def test_default_playbook_serves_a_texas_based_msp_area(area: str) -> None:
    assert qualify(_texas_lead(geography=area), default_playbook()).status is QUALIFIED


@pytest.mark.parametrize("area", ["US-NY", "US-AR", "MX"])
def test_default_playbook_disqualifies_outside_its_area(area: str) -> None:
    result = qualify(_texas_lead(geography=area), default_playbook())

    assert result.reason is UnqualifiedReason.OUTSIDE_SERVICE_AREA


def test_default_playbook_hard_rules_are_service_area_and_services() -> None:
    hard = {c.trait for c in default_playbook().rules if c.hard}

    assert hard == {Trait.GEOGRAPHY, Trait.SERVICES_WANTED}


def test_default_playbook_sells_what_an_msp_sells() -> None:
    playbook = default_playbook()
    for service in ["managed-services", "cybersecurity", "cloud", "backup", "voip", "help-desk"]:
        profile = _texas_lead(services_wanted=frozenset({service}))
        assert qualify(profile, playbook).status is QUALIFIED, service
    websites = _texas_lead(services_wanted=frozenset({"web-design"}))
    assert qualify(websites, playbook).reason is UnqualifiedReason.WANTS_WHAT_WE_DONT_SELL


def test_default_playbook_stores_authority_as_a_plain_number() -> None:
    authority = _rule(default_playbook(), Trait.AUTHORITY)

    assert type(authority.value) is int
    assert authority.value == Authority.MANAGER


@pytest.mark.parametrize(
    ("changes", "avatar"),
    [
        ({"niche": "accounting", "employee_count": 30}, "Growing professional firm"),
        (
            {"niche": "manufacturing", "employee_count": 200, "monthly_budget": Decimal(6000)},
            "Multi-site manufacturer",
        ),
        (
            {"outsourcing": Outsourcing.OUTSOURCED, "switch_reason": SwitchReason.POOR_SERVICE},
            "Burned by their last MSP",
        ),
        ({}, None),
    ],
)
def test_default_playbook_avatars_are_reachable(
    changes: dict[str, object], avatar: str | None
) -> None:
    result = qualify(_texas_lead(**changes), default_playbook())

    assert result.status is QUALIFIED
    assert result.sweet_spot == avatar


def test_default_playbook_does_not_mark_an_in_house_lead_incomplete() -> None:
    # No switch reason is asked of a company that has nobody to switch from.
    result = qualify(_texas_lead(switch_reason=None), default_playbook())

    assert not result.incomplete


def test_default_playbook_professional_firm_needs_the_boss() -> None:
    manager = _texas_lead(niche="legal", authority=Authority.MANAGER)

    assert qualify(manager, default_playbook()).sweet_spot is None


# --- properties over any profile and any playbook ------------------------------------

_AREAS = ["US", "US-TX", "US-TX-78701", "US-OK", "US-CA", "US-CA-90210", "GB"]
_NICHES = ["legal", "accounting", "medical", "manufacturing", "retail"]
_SERVICES = ["managed-services", "cybersecurity", "backup", "web-design", "printing"]


def _subset(values: list[str]) -> st.SearchStrategy[frozenset[str]]:
    return st.frozensets(st.sampled_from(values), min_size=1, max_size=3)


profiles = st.builds(
    LeadProfile,
    niche=st.none() | st.sampled_from(_NICHES),
    geography=st.none() | st.sampled_from(_AREAS),
    company_type=st.none() | st.sampled_from(["llc", "government", "nonprofit"]),
    employee_count=st.none() | st.integers(0, 2000),
    authority=st.none() | st.sampled_from(Authority),
    monthly_budget=st.none() | st.decimals(0, 50_000, places=2),
    outsourcing=st.none() | st.sampled_from(Outsourcing),
    switch_reason=st.none() | st.sampled_from(SwitchReason),
    need=st.none() | st.sampled_from(Need),
    lead_source=st.none() | st.sampled_from(["webinar", "rented-list", "referral"]),
    services_wanted=st.frozensets(st.sampled_from(_SERVICES), max_size=3),
)

_SET_VALUES: dict[Trait, list[str]] = {
    Trait.NICHE: _NICHES,
    Trait.GEOGRAPHY: _AREAS,
    Trait.COMPANY_TYPE: ["llc", "government", "nonprofit"],
    Trait.OUTSOURCING: [o.value for o in Outsourcing],
    Trait.SWITCH_REASON: [s.value for s in SwitchReason],
    Trait.NEED: [n.value for n in Need],
    Trait.LEAD_SOURCE: ["webinar", "rented-list", "referral"],
    Trait.SERVICES_WANTED: _SERVICES,
}
_NUMBERS: dict[Trait, st.SearchStrategy[int]] = {
    Trait.EMPLOYEE_COUNT: st.integers(0, 2000),
    Trait.AUTHORITY: st.integers(0, 4),
    Trait.MONTHLY_BUDGET: st.integers(0, 50_000),
}

set_criteria = st.sampled_from(sorted(_SET_VALUES)).flatmap(
    lambda t: st.builds(
        Criterion,
        st.just(t),
        st.sampled_from([Operator.ONE_OF, Operator.NONE_OF]),
        _subset(_SET_VALUES[t]),
    )
)
number_criteria = st.sampled_from(sorted(_NUMBERS)).flatmap(
    lambda t: st.builds(
        Criterion, st.just(t), st.sampled_from([Operator.AT_LEAST, Operator.AT_MOST]), _NUMBERS[t]
    )
)
criteria = set_criteria | number_criteria
playbooks = st.builds(
    Playbook,
    rules=st.lists(criteria, max_size=6).map(tuple),
    avatars=st.lists(
        st.builds(
            Avatar, st.sampled_from(["A", "B", "C"]), st.lists(criteria, max_size=4).map(tuple)
        ),
        max_size=3,
    ).map(tuple),
) | st.just(default_playbook())
waivers = st.frozensets(st.sampled_from(Trait))


@given(profiles, playbooks, waivers)
def test_unqualified_always_has_a_reason(
    profile: LeadProfile, playbook: Playbook, waived: frozenset[Trait]
) -> None:
    result = qualify(profile, playbook, waived=waived)
    confirmed = [p.confirm(by="Dana", note="") for p in result.proposed]

    for decision in [result, *confirmed]:
        if decision.status is UNQUALIFIED:
            assert decision.reason is not None
            failed = [r for r in decision.rule_results if r.verdict is Verdict.FAILED]
            assert any(r.criterion.describe() in decision.explanation for r in failed)


@given(profiles, playbooks, waivers)
def test_only_hard_rules_disqualify_automatically(
    profile: LeadProfile, playbook: Playbook, waived: frozenset[Trait]
) -> None:
    result = qualify(profile, playbook, waived=waived)
    hard_failed = any(
        r.verdict is Verdict.FAILED and r.criterion.trait in HARD_TRAITS
        for r in result.rule_results
    )

    assert (result.status is UNQUALIFIED) == hard_failed
    assert all(p.criterion.criterion.trait not in HARD_TRAITS for p in result.proposed)


@given(profiles, playbooks)
def test_qualified_means_every_rule_passed_and_sweet_spot_is_the_first_fit(
    profile: LeadProfile, playbook: Playbook
) -> None:
    result = qualify(profile, playbook)
    verdicts = [c.evaluate(profile).verdict for c in playbook.rules]
    first_fit = next(
        (
            a.name
            for a in playbook.avatars
            if all(c.evaluate(profile).verdict is Verdict.PASSED for c in a.criteria)
        ),
        None,
    )

    assert (result.status is QUALIFIED) == all(v is Verdict.PASSED for v in verdicts)
    assert result.sweet_spot == (first_fit if result.status is QUALIFIED else None)
    assert result.explanation
