"""Client segments: saved filters by what clients bought, tenure, spend and flags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from pydantic import ValidationError

from leadflow.crm.models import ConsentChange, Person
from leadflow.crm.models.segments import SegmentRules
from leadflow.crm.services.people import set_consent
from leadflow.crm.services.pipeline import mark_won, move_stage, record_appointment_outcome
from leadflow.crm.services.playbook import seed_defaults
from leadflow.crm.services.segments import save_segment
from leadflow.domain.errors import DomainError
from leadflow.domain.pipeline import AppointmentOutcome, Stage
from leadflow.exports.segments import months_before, segment_filter
from tests.http.pages import book, make_user, qualified_lead

NOW = timezone.now()


@pytest.fixture
def rex(db: None) -> User:
    seed_defaults()
    make_user("ann", "Ann", "Setter")
    return make_user("rex", "Rex", "Rep")


def client(
    n: int,
    rex: User,
    *,
    bought: list[str],
    value: int = 1000,
    won_at: datetime = NOW,
) -> Person:
    """A client who won one deal at `won_at` for `value`, buying `bought`."""
    start = won_at - timedelta(days=20)
    person = qualified_lead(f"C{n}", f"Client{n}", f"Client Firm {n}", at=start, n=n)
    appointment = book(person, User.objects.get(username="ann"), rex, at=start)
    record_appointment_outcome(
        appointment=appointment, outcome=AppointmentOutcome.SAT, by=rex, at=start
    )
    move_stage(opportunity=appointment.opportunity, target=Stage.PROPOSING, by=rex, at=start)
    move_stage(opportunity=appointment.opportunity, target=Stage.CONTRACT_SENT, by=rex, at=start)
    mark_won(
        opportunity=appointment.opportunity,
        contract_value=Decimal(value),
        services_bought=bought,
        by=rex,
        at=won_at,
    )
    person.refresh_from_db()
    return person


def members(name: str) -> set[str]:
    return set(Person.objects.filter(segment_filter(name)).values_list("last_name", flat=True))


def test_segment_break_fix_clients_without_managed_contract(rex: User) -> None:
    client(1, rex, bought=["break-fix"])
    client(2, rex, bought=["break-fix", "managed-services"])
    client(3, rex, bought=["cybersecurity"])
    client(4, rex, bought=["break-fix-plus"])  # a longer name is not the same line
    save_segment(
        name="break-fix clients with no managed contract",
        rules=SegmentRules(bought_any=["break-fix"], bought_none=["managed-services"]),
        by=rex,
    )
    assert members("break-fix clients with no managed contract") == {"Client1"}


def test_segment_clients_over_two_years_never_refunded(rex: User) -> None:
    old = client(1, rex, bought=["managed-services"], won_at=NOW - timedelta(days=800))
    client(2, rex, bought=["managed-services"], won_at=NOW - timedelta(days=300))
    refunded = client(3, rex, bought=["backup"], won_at=NOW - timedelta(days=900))
    set_consent(
        person=refunded,
        flag=ConsentChange.Flag.CLIENT_REFUNDED,
        value=True,
        by=rex,
        reason="refund",
    )
    save_segment(
        name="clients over 2 years, never refunded",
        rules=SegmentRules(min_tenure_months=24, refunded="no"),
        by=rex,
    )
    assert members("clients over 2 years, never refunded") == {old.last_name}


def test_segment_spend_is_lifetime_sum_and_monthly_is_latest_won_value(rex: User) -> None:
    big = client(1, rex, bought=["managed-services"], value=3000)
    client(2, rex, bought=["managed-services"], value=500)
    save_segment(name="big", rules=SegmentRules(min_lifetime_spend=Decimal(1000)), by=rex)
    save_segment(name="small monthly", rules=SegmentRules(max_monthly_spend=Decimal(600)), by=rex)
    assert members("big") == {big.last_name}
    assert members("small monthly") == {"Client2"}


def test_segment_late_payers_only_and_only_clients_by_default(rex: User) -> None:
    late = client(1, rex, bought=["voip"])
    client(2, rex, bought=["voip"])
    qualified_lead("Lee", "Lead", "Lead Firm", at=NOW, n=9)
    set_consent(
        person=late, flag=ConsentChange.Flag.CLIENT_LATE_PAY, value=True, by=rex, reason="90 days"
    )
    save_segment(name="late", rules=SegmentRules(late_pay="yes"), by=rex)
    save_segment(name="everyone", rules=SegmentRules(), by=rex)
    assert members("late") == {late.last_name}
    assert members("everyone") == {"Client1", "Client2"}


def test_unknown_segment_is_a_clear_lookup_error(db: None) -> None:
    with pytest.raises(LookupError, match='no segment named "nope"'):
        segment_filter("nope")


def test_segment_rules_refuse_bad_definitions() -> None:
    with pytest.raises(ValidationError, match="not a service line"):
        SegmentRules(bought_any=['managed"services'])
    with pytest.raises(ValidationError, match="minimum tenure is above the maximum"):
        SegmentRules(min_tenure_months=30, max_tenure_months=12)
    with pytest.raises(ValidationError, match="both bought and not bought"):
        SegmentRules(bought_any=["voip"], bought_none=["VoIP"])
    with pytest.raises(ValidationError):
        SegmentRules.model_validate({"colour": "blue"})


def test_segment_names_are_unique_whatever_the_case(rex: User) -> None:
    save_segment(name="Upsell", rules=SegmentRules(), by=rex)
    with pytest.raises(DomainError, match="already a segment"):
        save_segment(name="upsell", rules=SegmentRules(), by=rex)


def test_tenure_months_are_calendar_months() -> None:
    moment = datetime(2025, 3, 31, 12, tzinfo=UTC)
    assert months_before(moment, 1) == datetime(2025, 2, 28, 12, tzinfo=UTC)
    assert months_before(moment, 24) == datetime(2023, 3, 31, 12, tzinfo=UTC)
