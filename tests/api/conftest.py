"""Shared fixtures of the API tests: callers holding a role and a personal token, and a
small world of people built with the real services (never rows by hand).

    def test_something(api_as: CallerFactory, people: People) -> None:
        owner = api_as(Role.OWNER)
        response = owner.get("/api/v1/people", {"q": "sweet"})
        response = owner.post_json("/api/v1/people", {"email": "x@y.example"})
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone

from leadflow.crm.models import Person
from leadflow.crm.roles import ensure_role_groups
from leadflow.crm.services.avoid import add_to_avoid
from leadflow.crm.services.people import create_person, record_interest_activity
from leadflow.crm.services.playbook import seed_defaults
from leadflow.crm.services.tokens import create_token
from leadflow.domain.people import Role
from leadflow.domain.profile import Need
from leadflow.domain.temperature import ActivityKind, FollowUpWish
from tests.http.pages import qualified_lead

API = "/api/v1"


class ApiClient(Client):
    """A test client that sends ``Authorization: Bearer <token>`` of `user` with every
    request, and JSON bodies."""

    def __init__(self, user: User | None = None, secret: str | None = None) -> None:
        headers = {"Authorization": f"Bearer {secret}"} if secret else {}
        super().__init__(headers=headers)
        self.user = user

    def send(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: str | bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> HttpResponse:
        """`body` as JSON, or `raw` bytes as they are (malformed JSON, say)."""
        data = raw if raw is not None else ("" if body is None else json.dumps(body))
        return self.generic(  # type: ignore[return-value]
            method, path, data, content_type="application/json", headers=headers
        )

    def post_json(self, path: str, body: Any = None, **kw: Any) -> HttpResponse:
        return self.send("POST", path, body, **kw)

    def patch_json(self, path: str, body: Any = None, **kw: Any) -> HttpResponse:
        return self.send("PATCH", path, body, **kw)

    def put_json(self, path: str, body: Any = None, **kw: Any) -> HttpResponse:
        return self.send("PUT", path, body, **kw)


CallerFactory = Callable[..., ApiClient]
_numbers = itertools.count(1)


def user_with(*roles: Role, username: str | None = None) -> User:
    """A user holding `roles` (Django groups, as crm/roles.py reads them)."""
    ensure_role_groups()
    name = username or "-".join([*(r.value for r in roles), "user"]) + str(next(_numbers))
    user = User.objects.create_user(name, first_name=name.split("-")[0].title(), last_name="Api")
    for role in roles:
        user.groups.add(Group.objects.get(name=role.value))
    return user


@pytest.fixture
def api_as(db: None) -> CallerFactory:
    """``api_as(Role.SETTER)``: a client acting with a new setter's personal token;
    ``api_as()`` a user with no role at all; ``api_as(Role.OWNER, Role.ADMIN)`` both."""

    def make(*roles: Role, username: str | None = None) -> ApiClient:
        user = user_with(*roles, username=username)
        return ApiClient(user, create_token(user=user, name="tests").secret)

    return make


@pytest.fixture
def anonymous(db: None) -> ApiClient:
    """No token, no session."""
    return ApiClient()


@dataclass(frozen=True)
class People:
    """One person of each kind the people endpoints tell apart."""

    prospect: Person  # Pat: on a list, did nothing
    raw: Person  # Rita: downloaded a report, asked for follow-up; incomplete
    sweet: Person  # Sam: a hot qualified lead in the first avatar (sweet spot)
    unqualified: Person  # Uma: outside the service area, disqualified by a hard rule
    avoided: Person  # Al: put on Avoid by the owner
    keeper: User  # the owner who put Al on Avoid


@pytest.fixture
def people(db: None) -> People:
    seed_defaults()
    now = timezone.now()
    keeper = user_with(Role.OWNER, username="keeper")
    prospect = create_person(
        by=None, first_name="Pat", last_name="Prospect", email="pat@farmlist.example"
    )
    raw = create_person(
        by=None,
        first_name="Rita",
        last_name="Raw",
        email="rita@oldraw.example",
        phone="(512) 555-0142",
        company_name="Old Raw Holdings",
        at=now - timedelta(days=3),
    )
    record_interest_activity(
        person=raw,
        kind=ActivityKind.DOWNLOAD,
        wish=FollowUpWish.ASKED,
        by=None,
        at=now - timedelta(days=3),
    )
    sweet = qualified_lead("Sam", "Sweet", "Sweet Law", at=now - timedelta(days=2), n=1)
    unqualified = create_person(
        by=None,
        first_name="Uma",
        last_name="Faraway",
        email="uma@faraway.example",
        title="Owner",
        company_name="Faraway Legal",
        niche="legal",
        employee_count=30,
        geography="US-CA",
        need=Need.NEED_NOW,
        services_wanted=["managed-services"],
        at=now - timedelta(days=1),
    )
    record_interest_activity(
        person=unqualified, kind=ActivityKind.DOWNLOAD, wish=FollowUpWish.NONE, by=None
    )
    avoided = create_person(by=None, first_name="Al", last_name="Avoid", email="al@avoid.example")
    add_to_avoid(person=avoided, by=keeper, reason="asked us to stop calling")
    found = [prospect, raw, sweet, unqualified, avoided]
    for person in found:
        person.refresh_from_db()
    return People(*found, keeper=keeper)
