"""Helpers for the page tests: users, leads built with the real services, HTML reading."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import User

from leadflow.crm.models import Appointment, Person
from leadflow.crm.services.people import create_person, record_interest_activity
from leadflow.crm.services.pipeline import book_appointment
from leadflow.domain.profile import Need
from leadflow.domain.temperature import ActivityKind, FollowUpWish

PASSWORD = "a-long-test-password"


@dataclass(frozen=True)
class Staff:
    ann: User  # setter
    bob: User  # setter
    rex: User  # sales rep
    boss: User  # staff and superuser
    viewer: User  # a plain logged-in user


def make_user(username: str, first: str, last: str, *, staff: bool = False) -> User:
    user = User.objects.create_user(
        username, password=PASSWORD, first_name=first, last_name=last, is_staff=staff
    )
    if staff:
        user.is_superuser = True
        user.save(update_fields=["is_superuser"])
    return user


def qualified_lead(
    first: str, last: str, company: str, *, at: datetime, niche: str = "legal", n: int = 0
) -> Person:
    """A hot lead that meets every default rule; a legal firm of 25 fits the first avatar."""
    person = create_person(
        by=None,
        first_name=first,
        last_name=last,
        email=f"{first.lower()}.{last.lower()}@{company.lower().replace(' ', '')}.example",
        phone=f"512-555-{100 + n:04d}",
        title="CEO",
        company_name=company,
        niche=niche,
        employee_count=25,
        geography="US-TX",
        street=f"{n + 1} Congress Ave",
        city="Austin",
        region="TX",
        postcode="78701",
        country="US",
        need=Need.NEED_NOW,
        services_wanted=["managed-services"],
        at=at,
    )
    record_interest_activity(
        person=person, kind=ActivityKind.INBOUND_CALL, wish=FollowUpWish.ASKED, by=None, at=at
    )
    person.refresh_from_db()
    return person


def book(person: Person, setter: User, rep: User, *, at: datetime) -> Appointment:
    return book_appointment(
        person=person,
        setter=setter,
        rep=rep,
        scheduled_at=at + timedelta(days=2),
        has_problem_we_solve=True,
        has_authority_to_buy=True,
        agreed_to_talk_to_sales=True,
        at=at,
    )


@dataclass(frozen=True)
class World:
    """Nine people, one of each kind the dashboard tells apart (see `world`)."""

    prospect: Person
    raw_old: Person
    raw_new: Person
    unqualified: Person
    sweet_at_set: Person
    sweet_proposing: Person
    qualified_plain: Person
    client: Person
    avoided: Person


def text_of(fragment: str) -> str:
    """Visible text of an HTML fragment, tags dropped, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def row_by_id(page: str, row_id: str) -> str:
    found = re.search(rf'<tr id="{re.escape(row_id)}"[^>]*>(.*?)</tr>', page, re.DOTALL)
    assert found is not None, f"no row {row_id!r} on the page"
    return text_of(found[1])
