"""Consent and client flags through the API (issue 8): anyone sets an opt-out, only the
owner, marketing or an admin lifts one, the owner or an admin keep the client flags
(domain/consent.py); every change is kept with its reason and in the audit log."""

from __future__ import annotations

from typing import Any

import pytest

from leadflow.crm.models import AuditEntry, ConsentChange, Person
from leadflow.crm.services.people import set_consent
from leadflow.domain.people import Role
from tests.api.conftest import API, ApiClient, CallerFactory, People


def consent_url(person: Person | int) -> str:
    return f"{API}/people/{person if isinstance(person, int) else person.pk}/consent"


def flagged(person: Person, flag: ConsentChange.Flag, by: Any) -> Person:
    set_consent(person=person, flag=flag, value=True, by=by, reason="asked on the phone")
    person.refresh_from_db()
    return person


@pytest.mark.parametrize("role", list(Role))
def test_anyone_may_set_a_do_not_call_and_it_is_kept_with_its_reason(
    api_as: CallerFactory, people: People, role: Role
) -> None:
    caller = api_as(role)
    answer = caller.put_json(
        consent_url(people.raw), {"do_not_call": True, "reason": "asked on the phone 5 Dec"}
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    (change,) = body["changes"]
    assert (change["flag"], change["value"]) == ("do_not_call", True)
    assert change["by"] == caller.user.get_full_name()
    assert body["person"]["do_not_call"] is True
    stored = ConsentChange.objects.get(person=people.raw)
    assert stored.reason == "asked on the phone 5 Dec"


@pytest.mark.parametrize("role", [Role.SETTER, Role.REP])
def test_a_setter_or_rep_may_not_lift_a_do_not_call_and_nothing_changes(
    api_as: CallerFactory, people: People, role: Role
) -> None:
    person = flagged(people.raw, ConsentChange.Flag.DO_NOT_CALL, people.keeper)
    answer = api_as(role).put_json(
        consent_url(person), {"do_not_call": False, "email_opt_out": True, "reason": "wants calls"}
    )
    assert answer.status_code == 403
    assert answer.json()["code"] == "not_permitted"
    assert "only the owner, marketing or an admin may lift" in answer.json()["message"]
    person.refresh_from_db()
    assert (person.do_not_call, person.email_opt_out) == (True, False)


def test_marketing_may_lift_an_email_opt_out(api_as: CallerFactory, people: People) -> None:
    person = flagged(people.raw, ConsentChange.Flag.EMAIL_OPT_OUT, people.keeper)
    answer = api_as(Role.MARKETING).put_json(
        consent_url(person), {"email_opt_out": False, "reason": "subscribed again on the site"}
    )
    assert answer.status_code == 200
    assert answer.json()["changes"][0]["value"] is False
    person.refresh_from_db()
    assert person.email_opt_out is False


@pytest.mark.parametrize(("role", "status"), [(Role.MARKETING, 403), (Role.OWNER, 200)])
def test_the_client_flags_are_for_the_owner_or_an_admin(
    api_as: CallerFactory, people: People, role: Role, status: int
) -> None:
    answer = api_as(role).put_json(
        consent_url(people.sweet), {"client_late_pay": True, "reason": "invoice 90 days late"}
    )
    assert answer.status_code == status
    people.sweet.refresh_from_db()
    assert people.sweet.client_late_pay is (status == 200)


def test_a_change_without_a_reason_is_422_and_no_change_needs_none(
    api_as: CallerFactory, people: People
) -> None:
    setter = api_as(Role.SETTER)
    answer = setter.put_json(consent_url(people.raw), {"do_not_call": True, "reason": "  "})
    assert answer.status_code == 422
    assert answer.json() == {
        "code": "missing_detail",
        "message": "say why the do-not-call flag changes",
    }
    unchanged = setter.put_json(consent_url(people.raw), {"do_not_call": False, "reason": ""})
    assert unchanged.status_code == 200
    assert unchanged.json()["changes"] == []


def test_flags_left_out_stay_as_they_are(api_as: CallerFactory, people: People) -> None:
    person = flagged(people.raw, ConsentChange.Flag.EMAIL_OPT_OUT, people.keeper)
    answer = api_as(Role.SETTER).put_json(
        consent_url(person), {"do_not_call": True, "reason": "both, please"}
    )
    assert answer.status_code == 200
    assert [c["flag"] for c in answer.json()["changes"]] == ["do_not_call"]
    person.refresh_from_db()
    assert (person.email_opt_out, person.do_not_call) == (True, True)


def test_a_consent_body_that_does_not_validate_is_422(
    api_as: CallerFactory, people: People
) -> None:
    for body, field in [
        ({"do_not_call": True}, "body.reason"),
        ({"do_not_mail": True, "reason": "x"}, "body.do_not_mail"),
        ({"do_not_call": "maybe", "reason": "x"}, "body.do_not_call"),
        ({"do_not_call": True, "reason": "x" * 501}, "body.reason"),
    ]:
        answer = api_as(Role.OWNER).put_json(consent_url(people.raw), body)
        assert answer.status_code == 422, body
        assert answer.json()["errors"][0]["field"] == field, body
        assert not ConsentChange.objects.filter(person=people.raw).exists()


def test_consent_doors_401_403_404(
    anonymous: ApiClient, api_as: CallerFactory, people: People
) -> None:
    body = {"do_not_call": True, "reason": "x"}
    assert anonymous.put_json(consent_url(people.raw), body).status_code == 401
    assert api_as().put_json(consent_url(people.raw), body).status_code == 403  # no role
    assert api_as(Role.OWNER).put_json(consent_url(999999), body).status_code == 404


def test_a_consent_change_is_in_the_audit_log_with_before_and_after(
    api_as: CallerFactory, people: People
) -> None:
    setter = api_as(Role.SETTER)
    setter.put_json(consent_url(people.raw), {"email_opt_out": True, "reason": "unsubscribed"})
    change = AuditEntry.objects.get(
        object_type="crm.Person", object_id=str(people.raw.pk), action="updated"
    )
    assert change.before == {"email_opt_out": False}
    assert change.after == {"email_opt_out": True}
    assert (change.via, change.user, change.method) == ("api", setter.user, "PUT")
