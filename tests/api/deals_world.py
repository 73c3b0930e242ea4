"""A small team and its leads for the deals, exports and reports API tests, built with the
real services; and a caller that speaks JSON with a personal token."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone

from leadflow.crm.models import Appointment, Person
from leadflow.crm.services.playbook import seed_defaults
from leadflow.crm.services.tokens import create_token
from leadflow.domain.people import Role
from tests.http.pages import book, qualified_lead


class Caller:
    """One person's API client: ``caller.get("/opportunities", stage="won")``."""

    def __init__(self, client: Client, secret: str | None) -> None:
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}

    def get(self, path: str, **params: Any) -> HttpResponse:
        query = {k: v for k, v in params.items() if v is not None}
        return self.client.get("/api/v1" + path, query, **self.headers)  # type: ignore[arg-type,return-value]

    def post(self, path: str, body: Any = None, *, raw: str | None = None, **headers: str) -> Any:
        data = raw if raw is not None else json.dumps(body if body is not None else {}, default=str)
        return self.client.post(
            "/api/v1" + path,
            data,
            content_type="application/json",
            **self.headers,  # type: ignore[arg-type]
            **headers,  # type: ignore[arg-type]
        )


@dataclass(frozen=True)
class Team:
    owner: User
    setter: User
    rep: User
    other_rep: User
    marketing: User
    admin: User
    secrets: dict[str, str]

    def as_(self, client: Client, user: User | None) -> Caller:
        return Caller(client, None if user is None else self.secrets[user.username])


def member(username: str, *roles: Role) -> User:
    user = User.objects.create_user(
        username, first_name=username.title(), last_name="Example", email=f"{username}@example.com"
    )
    for role in roles:
        user.groups.add(Group.objects.get(name=role.value))
    return user


@pytest.fixture
def team(db: None) -> Team:
    seed_defaults()
    users = {
        "owner": member("olive", Role.OWNER),
        "setter": member("sid", Role.SETTER),
        "rep": member("rita", Role.REP),
        "other_rep": member("ralph", Role.REP),
        "marketing": member("mona", Role.MARKETING),
        "admin": member("adam", Role.ADMIN),
    }
    secrets = {u.username: create_token(user=u, name="tests").secret for u in users.values()}
    return Team(**users, secrets=secrets)


@dataclass(frozen=True)
class Deals:
    """Three leads in the pipeline and one still to book.

    - `set_deal`: booked by Sid for Rita, waiting at Appointment set
    - `sat_deal`: booked by Sid for Rita, sat
    - `ralphs_deal`: booked by Sid for Ralph, waiting at Appointment set
    - `unbooked`: a qualified lead nobody has booked
    """

    set_deal: Appointment
    sat_deal: Appointment
    ralphs_deal: Appointment
    unbooked: Person


def lead(n: int, *, at: datetime | None = None) -> Person:
    return qualified_lead(f"Lee{n}", f"Lead{n}", f"Firm {n}", at=at or timezone.now(), n=n)


@pytest.fixture
def deals(team: Team) -> Deals:
    from leadflow.crm.services.pipeline import record_appointment_outcome
    from leadflow.domain.pipeline import AppointmentOutcome

    earlier = timezone.now() - timedelta(days=3)
    set_deal = book(lead(1, at=earlier), team.setter, team.rep, at=earlier)
    sat_deal = book(lead(2, at=earlier), team.setter, team.rep, at=earlier)
    record_appointment_outcome(appointment=sat_deal, outcome=AppointmentOutcome.SAT, by=team.rep)
    ralphs_deal = book(lead(3, at=earlier), team.setter, team.other_rep, at=earlier)
    return Deals(set_deal, sat_deal, ralphs_deal, lead(4))
