"""The Idempotency-Key check's own rules, and the browser session's CSRF on API writes
(issue 8). The per-endpoint retries are in the people, deals and exports tests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from leadflow.api.idempotency import KEPT_FOR, forget_old_keys
from leadflow.crm.models import IdempotentRequest, Person
from leadflow.domain.people import Role
from tests.api.conftest import ApiClient, CallerFactory, user_with

PEOPLE = "/api/v1/people"
DANA = {"first_name": "Dana", "last_name": "Owens", "email": "dana@owens.example"}


def test_a_key_that_is_empty_too_long_or_unprintable_is_a_400(api_as: CallerFactory) -> None:
    owner = api_as(Role.OWNER)
    for key in ("", "x" * 256, "tab\there"):
        answer = owner.post_json(PEOPLE, DANA, headers={"Idempotency-Key": key})
        assert answer.status_code == 400
        assert answer.json()["code"] == "invalid_idempotency_key"
    assert not Person.objects.exists()


def test_an_answer_that_changed_nothing_is_not_kept_so_the_retry_runs(
    api_as: CallerFactory, anonymous: ApiClient
) -> None:
    key = {"Idempotency-Key": "try-1"}
    refused = api_as(Role.REP).post_json(PEOPLE, DANA, headers=key)  # a rep may not add
    assert refused.status_code == 403
    assert anonymous.post_json(PEOPLE, DANA, headers=key).status_code == 401
    assert not IdempotentRequest.objects.exists()


def test_two_callers_may_use_the_same_key_without_meeting(api_as: CallerFactory) -> None:
    key = {"Idempotency-Key": "form-1"}
    first = api_as(Role.OWNER).post_json(PEOPLE, DANA, headers=key)
    second = api_as(Role.MARKETING).post_json(
        PEOPLE, {**DANA, "email": "ann@owens.example", "first_name": "Ann"}, headers=key
    )
    assert first.status_code == second.status_code == 201
    assert "Idempotent-Replayed" not in second
    assert Person.objects.count() == 2


def test_a_key_is_forgotten_after_a_day(api_as: CallerFactory) -> None:
    owner = api_as(Role.OWNER)
    key = {"Idempotency-Key": "old"}
    assert owner.post_json(PEOPLE, DANA, headers=key).status_code == 201
    IdempotentRequest.objects.update(created_at=timezone.now() - KEPT_FOR - timedelta(minutes=1))
    assert forget_old_keys() == 1
    assert not IdempotentRequest.objects.exists()


@pytest.mark.django_db
def test_an_api_write_by_session_needs_the_csrf_token() -> None:
    user = user_with(Role.OWNER, username="olga")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    refused = browser.post(PEOPLE, DANA, content_type="application/json")
    assert refused.status_code == 403
    assert not Person.objects.exists()
    browser.get("/")  # the page sets the CSRF cookie, as a real page load does
    token = browser.cookies["csrftoken"].value
    answer = browser.post(
        PEOPLE, DANA, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert answer.status_code == 201
    assert Person.objects.count() == 1
