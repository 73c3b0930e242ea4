"""The playbook a new business starts from: a Texas-based MSP. Stored once, then edited."""

from __future__ import annotations

from decimal import Decimal

from leadflow.domain.profile import Authority, Trait
from leadflow.domain.qualification import Avatar, Criterion, Operator, Playbook

# The defaults of a Texas-based MSP; the app seeds its editable playbook from these.
DEFAULT_SERVICE_AREA: frozenset[str] = frozenset({"US-TX", "US-OK", "US-LA"})
DEFAULT_SERVICES: frozenset[str] = frozenset(
    {"managed-services", "cybersecurity", "cloud", "backup", "voip", "help-desk", "compliance"}
)


def default_playbook() -> Playbook:
    """Sane MSP defaults: the bar for an MQL, and three ideal-client avatars.

    The "cheaper = bad sign" switch reason is left to the avatars rather than made a rule:
    most leads have not told us yet whether they outsource, and a rule on it would mark
    nearly every record incomplete before anyone has called.
    """
    return Playbook(
        rules=(
            Criterion(Trait.GEOGRAPHY, Operator.ONE_OF, DEFAULT_SERVICE_AREA),
            Criterion(Trait.SERVICES_WANTED, Operator.ONE_OF, DEFAULT_SERVICES),
            Criterion(Trait.AUTHORITY, Operator.AT_LEAST, int(Authority.MANAGER)),
            Criterion(Trait.NEED, Operator.ONE_OF, frozenset({"need_now"})),
        ),
        avatars=(
            Avatar(
                "Growing professional firm",
                (
                    Criterion(
                        Trait.NICHE,
                        Operator.ONE_OF,
                        frozenset({"legal", "accounting", "financial", "medical"}),
                    ),
                    Criterion(Trait.EMPLOYEE_COUNT, Operator.AT_LEAST, 10),
                    Criterion(Trait.EMPLOYEE_COUNT, Operator.AT_MOST, 100),
                    Criterion(Trait.AUTHORITY, Operator.AT_LEAST, int(Authority.EXECUTIVE)),
                ),
            ),
            Avatar(
                "Multi-site manufacturer",
                (
                    Criterion(
                        Trait.NICHE, Operator.ONE_OF, frozenset({"manufacturing", "distribution"})
                    ),
                    Criterion(Trait.EMPLOYEE_COUNT, Operator.AT_LEAST, 50),
                    Criterion(Trait.EMPLOYEE_COUNT, Operator.AT_MOST, 500),
                    Criterion(Trait.MONTHLY_BUDGET, Operator.AT_LEAST, Decimal(5000)),
                ),
            ),
            Avatar(
                "Burned by their last MSP",
                (
                    Criterion(Trait.OUTSOURCING, Operator.ONE_OF, frozenset({"outsourced"})),
                    Criterion(Trait.SWITCH_REASON, Operator.ONE_OF, frozenset({"poor_service"})),
                    Criterion(Trait.EMPLOYEE_COUNT, Operator.AT_LEAST, 10),
                ),
            ),
        ),
    )
