"""Small worlds for the browser tests, built with the real services (never rows by hand)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import Group, User

from leadflow.crm.models import Appointment, Person
from leadflow.domain.people import Role
from tests.http.pages import PASSWORD, book, qualified_lead

__all__ = ["PASSWORD", "Team", "book", "make_member", "qualified_lead"]


@dataclass(frozen=True)
class Team:
    """One login per role; each username is its role's name."""

    owner: User
    marketing: User
    setter: User
    rep: User
    admin: User


def make_member(username: str, role: Role, first: str, last: str) -> User:
    user = User.objects.create_user(username, password=PASSWORD, first_name=first, last_name=last)
    user.groups.add(Group.objects.get(name=role.value))
    return user


def booked_lead(
    first: str, last: str, company: str, *, team: Team, at: datetime, n: int
) -> tuple[Person, Appointment]:
    """A sweet-spot lead the setter has booked with the rep (an opportunity at
    "appointment set")."""
    person = qualified_lead(first, last, company, at=at, n=n)
    return person, book(person, team.setter, team.rep, at=at)
