"""A small MSP world for the qualification tests, built in code.

The playbook here is the tests' own, not `default_playbook()`: the rules under test must
not move when someone retunes the shipped defaults. Tests take it through the fixtures
(session-scoped, so Hypothesis tests may use them too); nothing imports this module.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from leadflow.domain.profile import Authority, LeadProfile, Need, Outsourcing, Trait
from leadflow.domain.qualification import Avatar, Criterion, Operator, Playbook

SERVICE_AREA = frozenset({"US-TX", "US-OK"})
SERVICES_WE_SELL = frozenset({"managed-services", "cybersecurity", "backup"})


def sample_playbook() -> Playbook:
    """Four rules (two hard, two soft) and three avatars, in priority order."""
    return Playbook(
        rules=(
            Criterion(Trait.GEOGRAPHY, Operator.ONE_OF, SERVICE_AREA),
            Criterion(Trait.SERVICES_WANTED, Operator.ONE_OF, SERVICES_WE_SELL),
            Criterion(Trait.AUTHORITY, Operator.AT_LEAST, int(Authority.MANAGER)),
            Criterion(Trait.NEED, Operator.ONE_OF, frozenset({"need_now"})),
        ),
        avatars=(
            Avatar(
                "Growing professional firm",
                (
                    Criterion(Trait.NICHE, Operator.ONE_OF, frozenset({"legal", "accounting"})),
                    Criterion(Trait.EMPLOYEE_COUNT, Operator.AT_LEAST, 10),
                    Criterion(Trait.EMPLOYEE_COUNT, Operator.AT_MOST, 100),
                ),
            ),
            Avatar(
                "Multi-site manufacturer",
                (
                    Criterion(Trait.NICHE, Operator.ONE_OF, frozenset({"manufacturing"})),
                    Criterion(Trait.EMPLOYEE_COUNT, Operator.AT_LEAST, 50),
                ),
            ),
            Avatar(
                "Burned by their last MSP",
                (
                    Criterion(Trait.OUTSOURCING, Operator.ONE_OF, frozenset({"outsourced"})),
                    Criterion(Trait.SWITCH_REASON, Operator.ONE_OF, frozenset({"poor_service"})),
                ),
            ),
        ),
    )


def good_lead() -> LeadProfile:
    """A law firm in Austin that meets every rule and fits the first avatar."""
    return LeadProfile(
        niche="legal",
        geography="US-TX-78701",
        company_type="llp",
        employee_count=40,
        authority=Authority.EXECUTIVE,
        monthly_budget=Decimal("3000"),
        outsourcing=Outsourcing.IN_HOUSE,
        switch_reason=None,
        need=Need.NEED_NOW,
        lead_source="webinar",
        services_wanted=frozenset({"managed-services"}),
    )


@pytest.fixture(scope="session")
def playbook() -> Playbook:
    return sample_playbook()


@pytest.fixture(scope="session")
def lead() -> LeadProfile:
    return good_lead()
