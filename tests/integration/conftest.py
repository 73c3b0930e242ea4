"""Small worlds built in code with the real services on the real database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth.models import Group, User

from leadflow.crm.models import Campaign, Person, Source
from leadflow.crm.services.people import create_person, record_interest_activity
from leadflow.crm.services.playbook import seed_defaults
from leadflow.domain.people import Role
from leadflow.domain.profile import Need
from leadflow.domain.temperature import ActivityKind, FollowUpWish

# Wednesday 2026-11-25, the day before Thanksgiving: business-day maths is visible.
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


@pytest.fixture
def playbook(db: None) -> None:
    seed_defaults()


def _user(username: str, role: Role) -> User:
    user = User.objects.create_user(username=username, password=f"pw-{username}")
    user.groups.add(Group.objects.get(name=role.value))
    return user


@pytest.fixture
def users(playbook: None) -> dict[Role, User]:
    return {role: _user(role.value, role) for role in Role}


@pytest.fixture
def campaign(db: None) -> Campaign:
    return Campaign.objects.create(
        name="Ransomware webinar", source=Source.objects.create(name="webinar")
    )


# A lead that clears every default rule and fits the "Growing professional firm" avatar.
SWEET_SPOT = {
    "first_name": "Dana",
    "last_name": "Owens",
    "title": "Managing Partner",
    "company_name": "Owens & Reyes LLP",
    "niche": "legal",
    "employee_count": 35,
    "geography": "US-TX",
    "street": "1 Congress Ave",
    "city": "Austin",
    "region": "TX",
    "postcode": "78701",
    "country": "US",
    "need": Need.NEED_NOW,
    "services_wanted": ["managed-services"],
}


@pytest.fixture
def make_person(playbook: None) -> Callable[..., Person]:
    counter = iter(range(1, 10_000))

    def make(**overrides: Any) -> Person:
        n = next(counter)
        fields: dict[str, Any] = {**SWEET_SPOT, "email": f"person{n}@example.com"}
        fields.update(overrides)
        return create_person(by=None, at=NOW, **fields)

    return make


@pytest.fixture
def make_lead(make_person: Callable[..., Person], campaign: Campaign) -> Callable[..., Person]:
    def make(
        kind: ActivityKind = ActivityKind.EVENT_ATTENDED,
        wish: FollowUpWish = FollowUpWish.ASKED,
        **overrides: Any,
    ) -> Person:
        person = make_person(**overrides)
        record_interest_activity(
            person=person, kind=kind, wish=wish, by=None, campaign=campaign, at=NOW
        )
        person.refresh_from_db()
        return person

    return make
