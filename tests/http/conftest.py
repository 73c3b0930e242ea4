"""Small worlds for the page tests, built with the real services (never rows by hand)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from leadflow.crm.services.avoid import add_to_avoid
from leadflow.crm.services.people import create_person, record_interest_activity
from leadflow.crm.services.pipeline import mark_won, move_stage, record_appointment_outcome
from leadflow.crm.services.playbook import seed_defaults
from leadflow.domain.pipeline import AppointmentOutcome, Stage
from leadflow.domain.profile import Need
from leadflow.domain.temperature import ActivityKind, FollowUpWish
from tests.http.pages import Staff, World, book, make_user, qualified_lead


@pytest.fixture
def staff(db: None) -> Staff:
    seed_defaults()
    return Staff(
        ann=make_user("ann", "Ann", "Setter"),
        bob=make_user("bob", "Bob", "Setter"),
        rex=make_user("rex", "Rex", "Rep"),
        boss=make_user("boss", "Bea", "Boss", staff=True),
        viewer=make_user("viewer", "Val", "Viewer"),
    )


@pytest.fixture
def signed_in(client: Client, staff: Staff) -> Client:
    client.force_login(staff.viewer)
    return client


@pytest.fixture
def world(staff: Staff) -> World:
    """The expected dashboard, by construction:

    people: 1 prospect, 6 leads, 1 client, 1 avoid
    leads: 2 raw (1 over the age alert), 1 unqualified (outside the service area),
           3 qualified, 2 of them sweet spot for "Growing professional firm"
    temperature of leads: 1 cold, 1 cool, 1 warm, 3 hot
    open opportunities: 1 at appointment set, 1 at proposing
    """
    now = timezone.now()
    prospect = create_person(
        by=None, first_name="Pat", last_name="Prospect", email="pat@farmlist.example"
    )
    raw_old = create_person(
        by=None,
        first_name="Rita",
        last_name="Raw",
        email="rita@oldraw.example",
        phone="(512) 555-0142",
        company_name="Old Raw Holdings",
        at=now - timedelta(days=20),
    )
    record_interest_activity(
        person=raw_old,
        kind=ActivityKind.DOWNLOAD,
        wish=FollowUpWish.ASKED,
        by=staff.viewer,
        at=now - timedelta(days=20),
    )
    raw_new = create_person(by=None, first_name="Ray", last_name="Fresh", email="ray@fresh.example")
    record_interest_activity(
        person=raw_new, kind=ActivityKind.DOWNLOAD, wish=FollowUpWish.NEUTRAL, by=None, at=now
    )
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
    )
    record_interest_activity(
        person=unqualified, kind=ActivityKind.DOWNLOAD, wish=FollowUpWish.NONE, by=None, at=now
    )

    earlier = now - timedelta(days=10)
    sweet_at_set = qualified_lead("Sam", "Sweet", "Sweet Law", at=earlier, n=1)
    book(sweet_at_set, staff.ann, staff.rex, at=earlier)
    sweet_proposing = qualified_lead("Sue", "Sweeter", "Sweeter Accounting", at=earlier, n=2)
    appointment = book(sweet_proposing, staff.ann, staff.rex, at=earlier)
    record_appointment_outcome(
        appointment=appointment, outcome=AppointmentOutcome.SAT, by=staff.rex
    )
    move_stage(
        opportunity=appointment.opportunity, target=Stage.PROPOSING, by=staff.rex, reason="fit"
    )
    qualified_plain = qualified_lead(
        "Quinn", "Plain", "Plain Retail", at=earlier, niche="retail", n=3
    )

    client = qualified_lead("Cole", "Client", "Client Medical", at=earlier, n=4)
    appointment = book(client, staff.bob, staff.rex, at=earlier)
    record_appointment_outcome(
        appointment=appointment, outcome=AppointmentOutcome.SAT, by=staff.rex
    )
    move_stage(opportunity=appointment.opportunity, target=Stage.PROPOSING, by=staff.rex)
    move_stage(opportunity=appointment.opportunity, target=Stage.CONTRACT_SENT, by=staff.rex)
    mark_won(opportunity=appointment.opportunity, contract_value=Decimal(12000), by=staff.rex)

    avoided = create_person(by=None, first_name="Al", last_name="Avoid", email="al@avoid.example")
    record_interest_activity(
        person=avoided, kind=ActivityKind.WEB_FORM, wish=FollowUpWish.ASKED, by=None, at=now
    )
    add_to_avoid(person=avoided, by=staff.boss, reason="asked us to stop calling")

    people = [
        prospect,
        raw_old,
        raw_new,
        unqualified,
        sweet_at_set,
        sweet_proposing,
        qualified_plain,
        client,
        avoided,
    ]
    for person in people:
        person.refresh_from_db()
    return World(*people)
