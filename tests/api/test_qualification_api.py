"""Judging leads through the API (issue 8): re-run the rules, propose a disqualification,
and confirm or reject it after talking to the lead, with the review pages' roles."""

from __future__ import annotations

from typing import Any

import pytest

from leadflow.crm.models import ProposedDisqualification, QualificationRecord, Task
from leadflow.domain.people import Role
from tests.api.conftest import API, ApiClient, CallerFactory, People


def qualify_url(person_id: int) -> str:
    return f"{API}/people/{person_id}/qualify"


def proposals_url(person_id: int) -> str:
    return f"{API}/people/{person_id}/disqualifications"


def propose(caller: ApiClient, person_id: int, reason: str = "no_budget") -> dict[str, Any]:
    answer = caller.post_json(proposals_url(person_id), {"reason": reason, "note": "said so"})
    assert answer.status_code == 201, answer.content
    body: dict[str, Any] = answer.json()
    return body


# --- re-run the rules ----------------------------------------------------------------------


def test_qualify_runs_the_rules_now_and_answers_with_the_reasons(
    api_as: CallerFactory, people: People
) -> None:
    setter = api_as(Role.SETTER)
    records = QualificationRecord.objects.filter(person=people.raw).count()
    answer = setter.post_json(qualify_url(people.raw.pk))
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["rejudged"] is True
    assert body["person"]["qualification_status"] == "raw"
    assert "missing" in body["message"]
    judgment = body["qualification"]
    assert judgment["by"] == setter.user.get_full_name()
    assert "geography" in judgment["missing"]
    assert QualificationRecord.objects.filter(person=people.raw).count() == records + 1


def test_a_confirmed_disqualification_stands_when_the_rules_run_again(
    api_as: CallerFactory, people: People
) -> None:
    owner = api_as(Role.OWNER)
    proposal = propose(owner, people.sweet.pk)
    confirm = f"{proposals_url(people.sweet.pk)}/{proposal['id']}/confirm"
    assert owner.post_json(confirm, {"note": "no budget this year"}).status_code == 200
    answer = owner.post_json(qualify_url(people.sweet.pk))
    assert answer.status_code == 200
    assert answer.json()["rejudged"] is False
    assert answer.json()["message"] == "a confirmed disqualification stands"
    assert answer.json()["person"]["qualification_status"] == "unqualified"


def test_only_a_lead_is_qualified(api_as: CallerFactory, people: People) -> None:
    owner = api_as(Role.OWNER)
    for person in (people.prospect, people.avoided):
        answer = owner.post_json(qualify_url(person.pk))
        assert answer.status_code == 409
        assert answer.json()["code"] == "illegal_transition"
        assert "only leads are qualified" in answer.json()["message"]


@pytest.mark.parametrize("role", [Role.REP, Role.ADMIN])
def test_qualifying_is_for_the_raw_review_roles(
    api_as: CallerFactory, people: People, role: Role
) -> None:
    assert api_as(role).post_json(qualify_url(people.raw.pk)).status_code == 403


def test_qualify_doors_401_and_404(
    anonymous: ApiClient, api_as: CallerFactory, people: People
) -> None:
    assert anonymous.post_json(qualify_url(people.raw.pk)).status_code == 401
    assert api_as(Role.MARKETING).post_json(qualify_url(999999)).status_code == 404


# --- propose -------------------------------------------------------------------------------


def test_a_proposal_waits_for_someone_who_talks_to_the_lead(
    api_as: CallerFactory, people: People
) -> None:
    marketing = api_as(Role.MARKETING)
    body = propose(marketing, people.sweet.pk, "not_decision_maker")
    assert body["status"] == "open"
    assert body["reason"] == "not_decision_maker"
    assert body["proposed_by"] == marketing.user.get_full_name()
    people.sweet.refresh_from_db()
    assert people.sweet.qualification_status == "qualified"  # a proposal decides nothing
    assert Task.objects.filter(
        person=people.sweet, kind=Task.Kind.CONFIRM_DISQUALIFICATION, done_at__isnull=True
    ).exists()
    shown = marketing.get(f"{API}/people/{people.sweet.pk}").json()["open_proposals"]
    assert [p["id"] for p in shown] == [body["id"]]


def test_the_same_trait_proposed_twice_is_409(api_as: CallerFactory, people: People) -> None:
    setter = api_as(Role.SETTER)
    propose(setter, people.sweet.pk, "no_budget")
    answer = setter.post_json(proposals_url(people.sweet.pk), {"reason": "no_budget"})
    assert answer.status_code == 409
    assert "already proposed" in answer.json()["message"]


def test_a_prospect_is_not_proposed_for_disqualification(
    api_as: CallerFactory, people: People
) -> None:
    answer = api_as(Role.OWNER).post_json(
        proposals_url(people.prospect.pk), {"reason": "no_budget"}
    )
    assert answer.status_code == 409
    assert answer.json()["code"] == "illegal_transition"


def test_a_proposal_that_does_not_validate_is_422(api_as: CallerFactory, people: People) -> None:
    for body, field in [
        ({"reason": "too_tall"}, "body.reason"),
        ({}, "body.reason"),
        ({"reason": "no_budget", "why": "x"}, "body.why"),
        ({"reason": "no_budget", "note": 5}, "body.note"),
    ]:
        answer = api_as(Role.OWNER).post_json(proposals_url(people.sweet.pk), body)
        assert answer.status_code == 422, body
        assert answer.json()["errors"][0]["field"] == field


def test_proposing_is_for_the_raw_review_roles(api_as: CallerFactory, people: People) -> None:
    answer = api_as(Role.REP).post_json(proposals_url(people.sweet.pk), {"reason": "no_budget"})
    assert answer.status_code == 403
    assert not ProposedDisqualification.objects.exists()


# --- confirm or reject ---------------------------------------------------------------------


def test_a_confirmed_proposal_makes_the_lead_unqualified_for_its_reason(
    api_as: CallerFactory, people: People
) -> None:
    setter = api_as(Role.SETTER)
    proposal = propose(setter, people.sweet.pk, "no_budget")
    answer = setter.post_json(
        f"{proposals_url(people.sweet.pk)}/{proposal['id']}/confirm",
        {"note": "spends nothing on IT until 2027"},
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["proposal"]["status"] == "confirmed"
    assert body["proposal"]["note"] == "spends nothing on IT until 2027"
    assert body["person"]["qualification_status"] == "unqualified"
    assert body["person"]["unqualified_reason"] == "no_budget"


def test_a_rejected_proposal_waives_the_trait_and_judges_the_lead_again(
    api_as: CallerFactory, people: People
) -> None:
    owner = api_as(Role.OWNER)
    proposal = propose(owner, people.sweet.pk, "not_decision_maker")
    answer = owner.post_json(
        f"{proposals_url(people.sweet.pk)}/{proposal['id']}/reject", {"note": "she signs"}
    )
    assert answer.status_code == 200
    assert answer.json()["proposal"]["status"] == "rejected"
    assert answer.json()["person"]["qualification_status"] == "qualified"
    people.sweet.refresh_from_db()
    assert people.sweet.waived_traits == ["authority"]


def test_a_decision_needs_a_note_saying_what_the_lead_said(
    api_as: CallerFactory, people: People
) -> None:
    owner = api_as(Role.OWNER)
    proposal = propose(owner, people.sweet.pk)
    url = f"{proposals_url(people.sweet.pk)}/{proposal['id']}/confirm"
    blank = owner.post_json(url, {"note": "   "})
    assert blank.status_code == 422
    assert "note is required" in blank.json()["message"]
    missing = owner.post_json(url, {})
    assert missing.status_code == 422
    assert missing.json()["errors"][0] == {
        "field": "body.note",
        "message": "Field required",
        "type": "missing",
    }
    assert ProposedDisqualification.objects.get(pk=proposal["id"]).status == "open"


def test_deciding_a_proposal_twice_is_409(api_as: CallerFactory, people: People) -> None:
    owner = api_as(Role.OWNER)
    proposal = propose(owner, people.sweet.pk)
    base = f"{proposals_url(people.sweet.pk)}/{proposal['id']}"
    assert owner.post_json(f"{base}/confirm", {"note": "agreed"}).status_code == 200
    again = owner.post_json(f"{base}/reject", {"note": "changed my mind"})
    assert again.status_code == 409
    assert again.json() == {"code": "conflict", "message": "this proposal was already confirmed"}


def test_a_proposal_is_found_only_under_its_own_person(
    api_as: CallerFactory, people: People
) -> None:
    owner = api_as(Role.OWNER)
    proposal = propose(owner, people.sweet.pk)
    elsewhere = f"{proposals_url(people.raw.pk)}/{proposal['id']}/confirm"
    assert owner.post_json(elsewhere, {"note": "x"}).status_code == 404
    unknown = f"{proposals_url(people.sweet.pk)}/{2**64}/confirm"
    assert owner.post_json(unknown, {"note": "x"}).status_code == 404


def test_deciding_is_for_the_confirmations_roles(api_as: CallerFactory, people: People) -> None:
    proposal = propose(api_as(Role.OWNER), people.sweet.pk)
    url = f"{proposals_url(people.sweet.pk)}/{proposal['id']}/confirm"
    assert api_as(Role.REP).post_json(url, {"note": "x"}).status_code == 403
    assert api_as(Role.ADMIN).post_json(url, {"note": "x"}).status_code == 403
    assert ProposedDisqualification.objects.get(pk=proposal["id"]).status == "open"
