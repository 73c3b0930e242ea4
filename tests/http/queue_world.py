"""Helpers for the queue page tests: members of a role, leads built with the real services."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone

from leadflow.crm.models import Campaign, Person, Source
from leadflow.crm.services.people import create_person, record_interest_activity
from leadflow.domain.people import Role
from leadflow.domain.profile import Need
from leadflow.domain.temperature import ActivityKind, FollowUpWish
from tests.http.pages import PASSWORD, text_of

HTMX = {"HTTP_HX_REQUEST": "true"}
ALL_ROLES = tuple(Role)


def member(username: str, *roles: Role, first: str = "", last: str = "") -> User:
    user = User.objects.create_user(
        username, password=PASSWORD, first_name=first or username.title(), last_name=last
    )
    for role in roles:
        user.groups.add(Group.objects.get(name=role.value))
    return user


def signed_in_as(client: Client, *roles: Role, username: str = "") -> User:
    user = member(username or "-".join(r.value for r in roles) or "plain", *roles)
    client.force_login(user)
    return user


def lead(
    first: str,
    last: str,
    *,
    n: int,
    at: datetime | None = None,
    kind: ActivityKind = ActivityKind.INBOUND_CALL,
    wish: FollowUpWish = FollowUpWish.ASKED,
    problems: tuple[str, ...] = (),
    campaign: Campaign | None = None,
    **fields: Any,
) -> Person:
    """A lead that meets every default rule and fits "Growing professional firm" unless
    `fields` say otherwise (need=None leaves it raw: the need cannot be judged)."""
    at = at or timezone.now()
    values: dict[str, Any] = {
        "first_name": first,
        "last_name": last,
        "email": f"{first.lower()}.{last.lower()}{n}@example.com",
        "phone": f"512-555-{1000 + n:04d}",
        "title": "CEO",
        "company_name": f"{last} Law {n}",
        "niche": "legal",
        "employee_count": 25,
        "geography": "US-TX",
        "street": f"{n} Congress Ave",
        "city": "Austin",
        "region": "TX",
        "postcode": "78701",
        "country": "US",
        "need": Need.NEED_NOW,
        "services_wanted": ["managed-services"],
        "campaign": campaign,
        "source": campaign.source if campaign else None,
        **fields,
    }
    person = create_person(by=None, at=at, **values)
    record_interest_activity(
        person=person,
        kind=kind,
        wish=wish,
        by=None,
        campaign=campaign,
        problem_indicators=problems,
        at=at,
    )
    person.refresh_from_db()
    return person


def raw_lead(first: str, last: str, *, n: int, **fields: Any) -> Person:
    """Raw: the need is unknown, so the playbook cannot judge the lead yet."""
    return lead(first, last, n=n, need=None, **fields)


def a_campaign(name: str = "Ransomware webinar") -> Campaign:
    source, _ = Source.objects.get_or_create(name="webinar")
    return Campaign.objects.create(name=name, source=source)


def row(page: str, row_id: str) -> str:
    """The visible text of the `<tr id=row_id>` on a page or in an htmx answer."""
    found = re.search(rf'<tr id="{re.escape(row_id)}"[^>]*>(.*?)</tr>', page, re.DOTALL)
    assert found is not None, f"no row {row_id!r}"
    return text_of(found[1])


def row_ids(page: str, prefix: str) -> list[str]:
    return re.findall(rf'<tr id="({re.escape(prefix)}\d+)"', page)
