"""The role x endpoint matrix of the JSON API (issue 8), generated from the one access
table (`leadflow.api.v1.access_table()`): every operation, called by every role, by a
signed-in user with no role and by nobody, with one valid request each.

- a role the rule names gets a 2xx: the request is valid, and names the caller's own
  objects where the operation scopes them (a rep's deals, an exporter's list);
- a role the rule does not name, or no role at all, gets 403 ``forbidden`` from the role
  check itself (its message names the operation), before the request is even read;
- nobody gets 401 ``unauthenticated``.

Each operation's request comes from `SAMPLES`, keyed by operation id; an operation
without a sample (or a sample without an operation) fails
`test_every_operation_has_a_sample_request`. Each case builds a fresh small world with
the real services, only what its sample needs.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings

from leadflow.api.v1 import access_table
from leadflow.crm.models import Appointment, Person
from leadflow.crm.roles import roles_of
from leadflow.crm.services.avoid import add_avoid_entry
from leadflow.crm.services.people import create_person, record_interest_activity
from leadflow.crm.services.pipeline import mark_won, move_stage, record_appointment_outcome
from leadflow.crm.services.review import propose_disqualification
from leadflow.crm.services.tokens import create_token
from leadflow.domain.people import Role
from leadflow.domain.pipeline import AppointmentOutcome, Stage
from leadflow.domain.qualification import UnqualifiedReason
from leadflow.domain.temperature import ActivityKind, FollowUpWish
from leadflow.jobs import export_list
from tests.api.deals_world import Team, lead, member, team
from tests.http.pages import book

__all__ = ["team"]

pytestmark = pytest.mark.django_db

API = "/api/v1"
SUCCESS = frozenset({200, 201, 202, 204})

Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
Request = tuple[Method, str, dict[str, Any] | None]

NO_ROLE = "no-role"
ANONYMOUS = "anonymous"
CALLERS: list[Role | str] = [*Role, NO_ROLE, ANONYMOUS]


@dataclass
class World:
    """The team, the caller (None: anonymous) and the objects a sample asks for, each
    made on demand with the real services."""

    team: Team
    caller: User | None
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def _own(self, *roles: Role) -> User | None:
        """The caller, when they hold one of `roles`."""
        return self.caller if roles_of(self.caller) & set(roles) else None

    # Whose objects a sample names: the caller's own where the operation is scoped.

    @property
    def rep(self) -> User:
        """The rep of every deal: the caller when a rep calls (a rep sees only their own)."""
        return self._own(Role.REP) or self.team.rep

    @property
    def setter(self) -> User:
        """Who booked: the caller when a setter calls."""
        return self._own(Role.SETTER) or self.team.setter

    @property
    def exporter(self) -> User:
        """Who ran an export: the caller when they may export (a list's files go to the
        person who ran it, or an owner), marketing otherwise."""
        return self._own(Role.OWNER, Role.MARKETING) or self.team.marketing

    # People.

    def prospect(self) -> Person:
        n = next(self._numbers)
        return create_person(
            by=None, first_name=f"Pat{n}", last_name="Prospect", email=f"pat{n}@farm.example"
        )

    def raw_lead(self) -> Person:
        person = self.prospect()
        record_interest_activity(
            person=person, kind=ActivityKind.DOWNLOAD, wish=FollowUpWish.ASKED, by=None
        )
        person.refresh_from_db()
        return person

    def qualified(self, *, days_ago: int = 0) -> Person:
        """A hot qualified lead nobody has booked."""
        return lead(next(self._numbers), at=timezone.now() - timedelta(days=days_ago))

    # Deals, all of them the rep's.

    def booked(self) -> Appointment:
        """Booked by the setter three days ago for yesterday: waiting for its outcome."""
        earlier = timezone.now() - timedelta(days=3)
        return book(self.qualified(days_ago=3), self.team.setter, self.rep, at=earlier)

    def sat(self) -> Appointment:
        appointment = self.booked()
        record_appointment_outcome(
            appointment=appointment, outcome=AppointmentOutcome.SAT, by=self.rep
        )
        return appointment

    def won(self) -> None:
        """A lead that went from raw to won within the last days: a history to plan from."""
        opportunity = self.sat().opportunity
        move_stage(opportunity=opportunity, target=Stage.PROPOSING, by=self.rep)
        move_stage(opportunity=opportunity, target=Stage.CONTRACT_SENT, by=self.rep)
        mark_won(opportunity=opportunity, contract_value=Decimal(12000), by=self.rep)

    # Records.

    def proposal(self) -> tuple[int, int]:
        """An open proposed disqualification: (person id, proposal id)."""
        person = self.qualified()
        proposal = propose_disqualification(
            person=person, reason=UnqualifiedReason.NO_BUDGET, by=self.team.setter
        )
        return person.pk, proposal.pk

    def avoid_entry(self) -> int:
        entry = add_avoid_entry(
            by=self.team.owner, reason="never call us", email_normalized="gone@away.example"
        )
        return entry.pk

    def export(self) -> int:
        """An export run through the API's job (its files kept), by `exporter`."""
        self.qualified()
        answer = export_list.call(channel="general-email", exported_by_id=self.exporter.pk)
        return int(answer["export_id"])


def _days(n: int) -> str:
    return (timezone.localdate() + timedelta(days=n)).isoformat()


def _soon() -> str:
    return (timezone.now() + timedelta(days=2)).replace(microsecond=0).isoformat()


def _booking(w: World) -> Request:
    person = w.qualified()
    body = {
        "rep": w.rep.pk,
        "setter": w.setter.pk,
        "scheduled_at": _soon(),
        "has_problem_we_solve": True,
        "has_authority_to_buy": True,
        "agreed_to_talk_to_sales": True,
        "note": "wants a second opinion on backups",
    }
    return "POST", f"{API}/people/{person.pk}/appointments", body


def _plan(w: World) -> Request:
    w.won()
    query = f"new_clients=2&by={_days(90)}&rates_from={_days(-30)}&rates_to={_days(0)}"
    return "GET", f"{API}/reports/plan?{query}", None


def _decide(verdict: str) -> Callable[[World], Request]:
    def sample(w: World) -> Request:
        person_id, proposal_id = w.proposal()
        path = f"{API}/people/{person_id}/disqualifications/{proposal_id}/{verdict}"
        return "POST", path, {"note": "they said the budget is gone until next year"}

    return sample


SAMPLES: dict[str, Callable[[World], Request]] = {
    "me": lambda w: ("GET", f"{API}/me", None),
    # People.
    "people_search": lambda w: ("GET", f"{API}/people?q=Lee", None),
    "people_get": lambda w: ("GET", f"{API}/people/{w.raw_lead().pk}", None),
    "activities_list": lambda w: ("GET", f"{API}/people/{w.raw_lead().pk}/activities", None),
    "activities_create": lambda w: (
        "POST",
        f"{API}/people/{w.prospect().pk}/activities",
        {"kind": "download", "wish": "asked", "note": "the backup checklist"},
    ),
    "people_create": lambda w: (
        "POST",
        f"{API}/people",
        {"first_name": "Nia", "last_name": "New", "email": "nia@newco.example"},
    ),
    "people_update": lambda w: ("PATCH", f"{API}/people/{w.prospect().pk}", {"title": "CFO"}),
    "people_qualify": lambda w: ("POST", f"{API}/people/{w.raw_lead().pk}/qualify", None),
    "disqualification_propose": lambda w: (
        "POST",
        f"{API}/people/{w.qualified().pk}/disqualifications",
        {"reason": "no_budget", "note": "said so on the phone"},
    ),
    "disqualification_confirm": _decide("confirm"),
    "disqualification_reject": _decide("reject"),
    # Anyone may set a do-not-call; lifting one is the owner's, marketing's or an admin's.
    "consent_update": lambda w: (
        "PUT",
        f"{API}/people/{w.raw_lead().pk}/consent",
        {"do_not_call": True, "reason": "asked on the phone"},
    ),
    "avoid_list": lambda w: ("GET", f"{API}/avoid", None),
    "avoid_add": lambda w: (
        "POST",
        f"{API}/avoid",
        {"email": "stop@calling.example", "reason": "asked us to stop"},
    ),
    "avoid_lift": lambda w: (
        "POST",
        f"{API}/avoid/{w.avoid_entry()}/lift",
        {"reason": "wrote back: happy to hear from us"},
    ),
    # Deals: a rep sees and moves only their own, so every deal is the rep caller's.
    "opportunities_list": lambda w: ("GET", f"{API}/opportunities", None),
    "opportunities_get": lambda w: (
        "GET",
        f"{API}/opportunities/{w.booked().opportunity_id}",
        None,
    ),
    "opportunities_move": lambda w: (
        "POST",
        f"{API}/opportunities/{w.sat().opportunity_id}/moves",
        {"stage": "proposing", "reason": "a good fit"},
    ),
    "appointments_book": _booking,
    "appointments_outcome": lambda w: (
        "POST",
        f"{API}/appointments/{w.booked().pk}/outcome",
        {"outcome": "sat"},
    ),
    "appointments_list": lambda w: ("GET", f"{API}/appointments", None),
    # Exports: a list's files go to the person who ran it, or an owner.
    "exports_create": lambda w: ("POST", f"{API}/exports", {"channel": "general-email"}),
    "exports_get": lambda w: ("GET", f"{API}/exports/{w.export()}", None),
    "exports_file": lambda w: ("GET", f"{API}/exports/{w.export()}/file", None),
    "exports_excluded": lambda w: ("GET", f"{API}/exports/{w.export()}/excluded", None),
    # Reports.
    "reports_funnel": lambda w: ("GET", f"{API}/reports/funnel?by=setter", None),
    "reports_show_rate": lambda w: ("GET", f"{API}/reports/show-rate", None),
    "reports_cohorts": lambda w: ("GET", f"{API}/reports/cohorts", None),
    "reports_plan": _plan,
    "reports_forecast": lambda w: ("GET", f"{API}/reports/forecast", None),
}


def test_every_operation_has_a_sample_request() -> None:
    assert set(SAMPLES) == set(access_table())


CASES = [
    pytest.param(operation_id, caller, id=f"{operation_id}-{caller}")
    for operation_id in sorted(access_table())
    for caller in CALLERS
]


@pytest.fixture(autouse=True)
def media(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _caller(team: Team, caller: Role | str) -> tuple[User | None, str | None]:
    """The user who calls and their personal token's secret (None, None: anonymous)."""
    if caller == ANONYMOUS:
        return None, None
    if caller == NO_ROLE:
        user = member("nobody")
        return user, create_token(user=user, name="matrix").secret
    user = getattr(team, Role(caller).value)
    return user, team.secrets[user.username]


def _send(secret: str | None, request: Request) -> Any:
    method, path, body = request
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    data = "" if body is None else json.dumps(body)
    return Client(headers=headers).generic(method, path, data, content_type="application/json")


@pytest.mark.parametrize(("operation_id", "caller"), CASES)
def test_the_access_rule_holds(team: Team, operation_id: str, caller: Role | str) -> None:
    rule = access_table()[operation_id]
    user, secret = _caller(team, caller)
    request = SAMPLES[operation_id](World(team, user))
    response = _send(secret, request)
    # A file (an export's list) is no JSON: its status says enough.
    body = response.json() if "json" in response.get("Content-Type", "") else {}
    if caller == ANONYMOUS:
        assert response.status_code == 401, body
        assert body["code"] == "unauthenticated"
    elif caller != NO_ROLE and Role(caller) in rule:
        assert response.status_code in SUCCESS, body
    else:
        # The role check's own refusal, not a domain's or an object's.
        needs = " or ".join(sorted(rule))
        assert response.status_code == 403, body
        assert body == {"code": "forbidden", "message": f"{operation_id} needs the role {needs}"}
