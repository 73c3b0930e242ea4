"""Qualification on the real database: automatic only for hard rules, a person for the rest."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User

from leadflow.crm.models import Person, ProposedDisqualification, QualificationRecord, Task
from leadflow.crm.services.qualification import (
    confirm_disqualification,
    qualify_person,
    reject_disqualification,
)
from leadflow.domain.errors import DomainError, IllegalTransition
from leadflow.domain.people import Role
from leadflow.domain.profile import Need
from leadflow.domain.qualification import QualificationStatus, UnqualifiedReason
from tests.integration.conftest import NOW

pytestmark = pytest.mark.django_db


def test_outside_service_area_disqualifies_automatically_with_its_reason(
    make_lead: Callable[..., Person],
) -> None:
    lead = make_lead(geography="US-CA")
    assert lead.qualification_status == QualificationStatus.UNQUALIFIED
    assert lead.unqualified_reason == UnqualifiedReason.OUTSIDE_SERVICE_AREA
    record = QualificationRecord.objects.get(person=lead)
    assert record.kind == QualificationRecord.Kind.AUTOMATIC
    assert "geography" in record.reason
    assert any("US-CA" in rule for rule in record.details["rules"])


def test_wants_what_we_dont_sell_disqualifies_automatically(
    make_lead: Callable[..., Person],
) -> None:
    lead = make_lead(services_wanted=["web-design"])
    assert lead.qualification_status == QualificationStatus.UNQUALIFIED
    assert lead.unqualified_reason == UnqualifiedReason.WANTS_WHAT_WE_DONT_SELL


def test_not_the_decision_maker_is_proposed_and_a_setter_must_call_first(
    make_lead: Callable[..., Person],
) -> None:
    lead = make_lead(title="Marketing Coordinator")
    assert lead.qualification_status == QualificationStatus.RAW
    proposal = ProposedDisqualification.objects.get(person=lead)
    assert proposal.reason == UnqualifiedReason.NOT_DECISION_MAKER
    assert proposal.status == ProposedDisqualification.Status.OPEN
    task = Task.objects.get(person=lead, kind=Task.Kind.CONFIRM_DISQUALIFICATION)
    assert task.role == Role.SETTER
    assert task.done_at is None


def test_confirmed_disqualification_keeps_who_when_why(
    make_lead: Callable[..., Person], users: dict[Role, User]
) -> None:
    lead = make_lead(title="Marketing Coordinator")
    proposal = ProposedDisqualification.objects.get(person=lead)
    confirm_disqualification(
        proposal=proposal, by=users[Role.SETTER], note="books meetings only", at=NOW
    )
    lead.refresh_from_db()
    proposal.refresh_from_db()
    assert lead.qualification_status == QualificationStatus.UNQUALIFIED
    assert lead.unqualified_reason == UnqualifiedReason.NOT_DECISION_MAKER
    assert proposal.status == ProposedDisqualification.Status.CONFIRMED
    assert proposal.resolved_by == users[Role.SETTER]
    record = lead.qualification_records.order_by("-id").first()
    assert record is not None
    assert record.kind == QualificationRecord.Kind.CONFIRMED
    assert record.by == users[Role.SETTER]
    assert "books meetings only" in record.reason
    assert not lead.tasks.filter(kind=Task.Kind.CONFIRM_DISQUALIFICATION, done_at__isnull=True)


def test_rejected_proposal_is_waived_and_the_lead_qualifies(
    make_lead: Callable[..., Person], users: dict[Role, User]
) -> None:
    lead = make_lead(title="Office Coordinator")
    proposal = ProposedDisqualification.objects.get(person=lead)
    reject_disqualification(proposal=proposal, by=users[Role.SETTER], note="she signs the checks")
    lead.refresh_from_db()
    assert lead.qualification_status == QualificationStatus.QUALIFIED
    assert lead.waived_traits == ["authority"]
    assert lead.qualification_records.order_by("-id")[0].kind == QualificationRecord.Kind.REJECTED


def test_a_proposal_is_resolved_only_once(
    make_lead: Callable[..., Person], users: dict[Role, User]
) -> None:
    lead = make_lead(title="Office Coordinator")
    proposal = ProposedDisqualification.objects.get(person=lead)
    reject_disqualification(proposal=proposal, by=users[Role.SETTER])
    with pytest.raises(DomainError, match="already"):
        confirm_disqualification(proposal=proposal, by=users[Role.SETTER])


def test_automatic_requalification_never_overrules_a_confirmed_disqualification(
    make_lead: Callable[..., Person], users: dict[Role, User]
) -> None:
    lead = make_lead(need=Need.CURIOUS)
    proposal = ProposedDisqualification.objects.get(person=lead)
    confirm_disqualification(proposal=proposal, by=users[Role.SETTER], note="just browsing")
    Person.objects.filter(pk=lead.pk).update(need=Need.NEED_NOW)
    assert qualify_person(person=lead, by=None) is None
    lead.refresh_from_db()
    assert lead.qualification_status == QualificationStatus.UNQUALIFIED
    assert qualify_person(person=lead, by=users[Role.OWNER], force=True) is not None
    lead.refresh_from_db()
    assert lead.qualification_status == QualificationStatus.QUALIFIED


def test_sweet_spot_tag_names_the_avatar_that_matched(make_lead: Callable[..., Person]) -> None:
    lead = make_lead()
    assert lead.sweet_spot is not None
    assert lead.sweet_spot.name == "Growing professional firm"
    record = QualificationRecord.objects.get(person=lead)
    assert record.sweet_spot == "Growing professional firm"
    fits = {a["avatar"]: a["fits"] for a in record.details["avatars"]}
    assert fits["Growing professional firm"] is True


def test_qualified_lead_outside_every_avatar_is_not_sweet_spot(
    make_lead: Callable[..., Person],
) -> None:
    lead = make_lead(niche="construction", title="IT Manager")
    assert lead.qualification_status == QualificationStatus.QUALIFIED
    assert lead.sweet_spot is None
    assert "fits no avatar" in lead.qualification_explanation


def test_incomplete_record_gets_a_gather_missing_information_task(
    make_lead: Callable[..., Person],
) -> None:
    lead = make_lead(need=None)
    assert lead.qualification_status == QualificationStatus.RAW
    assert lead.incomplete
    task = Task.objects.get(person=lead, kind=Task.Kind.GATHER_MISSING_INFORMATION)
    assert "need" in task.note


def test_only_leads_are_qualified(make_person: Callable[..., Person]) -> None:
    with pytest.raises(IllegalTransition, match="only leads"):
        qualify_person(person=make_person(), by=None)
