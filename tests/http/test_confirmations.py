"""Disqualification confirmations (PRODUCT.md §2): "call every lead before you disqualify
it" — a proposal waits here for someone who talked to the lead, who confirms or rejects
it with a note."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from leadflow.crm.models import Person, ProposedDisqualification, QualificationRecord
from leadflow.crm.services.calls import log_call
from leadflow.crm.services.qualification import confirm_disqualification
from leadflow.domain.calls import CallOutcome
from leadflow.domain.people import Role
from leadflow.domain.qualification import QualificationStatus, UnqualifiedReason
from tests.http.pages import Staff, text_of
from tests.http.queue_world import HTMX, lead, row, row_ids, signed_in_as

URL = "/queues/confirmations/"
pytestmark = pytest.mark.django_db


@pytest.fixture
def setter(client: Client, staff: Staff) -> User:
    return signed_in_as(client, Role.SETTER, username="sally")


def coordinator(n: int, **fields: object) -> Person:
    """A lead whose title fails the authority rule: the playbook proposes, a person decides."""
    return lead("Cora", f"Coordinator{n}", n=n, title="Marketing Coordinator", **fields)


def proposal_of(person: Person) -> ProposedDisqualification:
    return ProposedDisqualification.objects.get(person=person, status="open")


def decide(client: Client, proposal: ProposedDisqualification, **data: str) -> tuple[int, str]:
    response = client.post(f"{URL}{proposal.pk}/decide/", data, **HTMX)
    return response.status_code, response.content.decode()


def test_open_proposals_are_listed_oldest_first_with_reason_and_who_proposed(
    client: Client, staff: Staff, setter: User
) -> None:
    now = timezone.now()
    older = coordinator(1, at=now - timedelta(days=3))
    newer = lead("Ned", "Notnow", n=2)
    log_call(person=newer, by=staff.ann, outcome=CallOutcome.NOT_INTERESTED, note="no budget")
    page = client.get(URL).content.decode()
    assert row_ids(page, "proposal-") == [
        f"proposal-{proposal_of(older).pk}",
        f"proposal-{proposal_of(newer).pk}",
    ]
    first = row(page, f"proposal-{proposal_of(older).pk}")
    assert "Not decision maker" in first
    assert "by the playbook" in first
    assert "no call logged yet" in first
    second = row(page, f"proposal-{proposal_of(newer).pk}")
    assert "No need now" in second
    assert "by Ann" in second
    assert "not interested" in second  # the call that led to it: someone talked to them


def test_a_resolved_proposal_leaves_the_page(client: Client, staff: Staff, setter: User) -> None:
    person = coordinator(3)
    confirm_disqualification(proposal=proposal_of(person), by=staff.boss, note="intern")
    assert row_ids(client.get(URL).content.decode(), "proposal-") == []


def test_confirming_with_a_note_makes_the_lead_unqualified_and_keeps_who_and_why(
    client: Client, staff: Staff, setter: User
) -> None:
    person = coordinator(4)
    proposal = proposal_of(person)
    status, answer = decide(client, proposal, decision="confirm", note="just an intern")
    assert status == 200
    person.refresh_from_db()
    assert person.qualification_status == QualificationStatus.UNQUALIFIED
    assert person.unqualified_reason == UnqualifiedReason.NOT_DECISION_MAKER
    proposal.refresh_from_db()
    assert (proposal.status, proposal.resolved_by, proposal.note) == (
        "confirmed",
        setter,
        "just an intern",
    )
    record = QualificationRecord.objects.filter(person=person).order_by("-id").first()
    assert record is not None
    assert (record.kind, record.by) == (QualificationRecord.Kind.CONFIRMED, setter)
    text = row(answer, f"proposal-{proposal.pk}")
    assert "disqualification confirmed; the lead is now unqualified" in text
    assert "Confirmed by Sally" in text


def test_rejecting_with_a_note_rejudges_the_lead_without_that_rule(
    client: Client, staff: Staff, setter: User
) -> None:
    person = coordinator(5)
    proposal = proposal_of(person)
    status, _ = decide(client, proposal, decision="reject", note="she signs the contracts")
    assert status == 200
    person.refresh_from_db()
    assert person.qualification_status == QualificationStatus.QUALIFIED
    assert "authority" in person.waived_traits
    proposal.refresh_from_db()
    assert (proposal.status, proposal.note) == ("rejected", "she signs the contracts")


@pytest.mark.parametrize("note", ["", "   "])
def test_a_decision_without_a_note_is_a_form_error(
    client: Client, staff: Staff, setter: User, note: str
) -> None:
    proposal = proposal_of(coordinator(6))
    status, answer = decide(client, proposal, decision="confirm", note=note)
    assert status == 422
    assert "a note is required" in row(answer, f"proposal-{proposal.pk}")
    proposal.refresh_from_db()
    assert proposal.status == "open"


def test_an_unknown_decision_is_a_form_error(client: Client, staff: Staff, setter: User) -> None:
    proposal = proposal_of(coordinator(7))
    status, answer = decide(client, proposal, decision="maybe", note="hmm")
    assert status == 422
    assert "Select a valid choice" in text_of(answer)


def test_deciding_twice_says_it_was_already_decided(
    client: Client, staff: Staff, setter: User
) -> None:
    proposal = proposal_of(coordinator(8))
    decide(client, proposal, decision="confirm", note="intern")
    status, answer = decide(client, proposal, decision="reject", note="changed my mind")
    assert status == 422
    assert "already confirmed" in text_of(answer)


def test_an_unknown_proposal_is_not_found(client: Client, staff: Staff, setter: User) -> None:
    assert client.post(f"{URL}999999/decide/", {"decision": "confirm"}).status_code == 404


@pytest.mark.parametrize("role", [Role.SETTER, Role.MARKETING, Role.OWNER])
def test_setters_marketing_and_the_owner_decide_proposals(
    client: Client, staff: Staff, role: Role
) -> None:
    signed_in_as(client, role)
    assert client.get(URL).status_code == 200


@pytest.mark.parametrize("role", [Role.REP, Role.ADMIN, None])
def test_reps_admins_and_plain_users_cannot_confirm_disqualifications(
    client: Client, staff: Staff, role: Role | None
) -> None:
    proposal = proposal_of(coordinator(9))
    signed_in_as(client, *([role] if role else []))
    assert client.get(URL).status_code == 403
    assert decide(client, proposal, decision="confirm", note="x")[0] == 403
    proposal.refresh_from_db()
    assert proposal.status == "open"


@pytest.mark.parametrize("path", [URL, f"{URL}1/decide/"])
def test_an_anonymous_visitor_is_sent_to_log_in(client: Client, db: None, path: str) -> None:
    response = client.get(path) if path == URL else client.post(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_a_decision_needs_the_csrf_token(staff: Staff) -> None:
    strict = Client(enforce_csrf_checks=True)
    signed_in_as(strict, Role.SETTER)
    proposal = proposal_of(coordinator(10))
    data = {"decision": "confirm", "note": "intern"}
    assert strict.post(f"{URL}{proposal.pk}/decide/", data).status_code == 403
    token = strict.get(URL).cookies["csrftoken"].value
    ok = strict.post(f"{URL}{proposal.pk}/decide/", data, HTTP_X_CSRFTOKEN=token, **HTMX)
    assert ok.status_code == 200


def test_confirmations_page_fifty_proposals_at_a_cost_that_does_not_grow_with_them(
    client: Client,
    staff: Staff,
    setter: User,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    for n in range(51):
        coordinator(100 + n)
    with django_assert_max_num_queries(9):
        first = client.get(URL).content.decode()
    assert len(row_ids(first, "proposal-")) == 50
    assert "Page 1 of 2" in text_of(first)
