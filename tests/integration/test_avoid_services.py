"""The Avoid list on the real database: who/when/why, never deleted, never re-added."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadflow.crm.models import AvoidEntry, Opportunity, Person, Task, TypeChangeRecord
from leadflow.crm.services.avoid import add_avoid_entry, add_to_avoid, lift_avoid
from leadflow.crm.services.people import create_person, record_interest_activity
from leadflow.crm.services.pipeline import book_appointment
from leadflow.crm.services.qualification import qualify_person
from leadflow.domain.errors import DomainError, NotPermitted, OnAvoidList
from leadflow.domain.people import PersonType, Role
from leadflow.domain.temperature import ActivityKind, FollowUpWish
from tests.integration.conftest import NOW

pytestmark = pytest.mark.django_db


def test_avoid_entry_keeps_who_when_why(
    make_lead: Callable[..., Person], users: dict[Role, User]
) -> None:
    lead = make_lead(email="x@example.com", phone="512-555-0100")
    entry = add_to_avoid(person=lead, by=users[Role.OWNER], reason="told us to stop", at=NOW)
    lead.refresh_from_db()
    assert lead.person_type == PersonType.AVOID
    assert lead.type_before_avoid == PersonType.LEAD
    assert (entry.added_by, entry.added_at, entry.reason) == (
        users[Role.OWNER],
        NOW,
        "told us to stop",
    )
    assert (entry.email_normalized, entry.phone_normalized) == ("x@example.com", "+15125550100")
    change = TypeChangeRecord.objects.filter(person=lead).order_by("-id")[0]
    assert (change.after, change.by, change.reason) == (
        PersonType.AVOID,
        users[Role.OWNER],
        "told us to stop",
    )


def test_avoid_needs_a_reason(make_lead: Callable[..., Person], users: dict[Role, User]) -> None:
    lead = make_lead()
    with pytest.raises(DomainError, match="reason"):
        add_to_avoid(person=lead, by=users[Role.OWNER], reason="  ")
    lead.refresh_from_db()
    assert lead.person_type == PersonType.LEAD


def test_putting_on_avoid_closes_open_work(
    make_lead: Callable[..., Person], users: dict[Role, User]
) -> None:
    lead = make_lead()
    book_appointment(
        person=lead,
        setter=users[Role.SETTER],
        rep=users[Role.REP],
        scheduled_at=NOW,
        has_problem_we_solve=True,
        has_authority_to_buy=True,
        agreed_to_talk_to_sales=True,
    )
    add_to_avoid(person=lead, by=users[Role.OWNER], reason="fraud")
    opportunity = Opportunity.objects.get(person=lead)
    assert opportunity.stage == "lost"
    assert opportunity.disposition == "avoid"
    assert not Task.objects.filter(person=lead, done_at__isnull=True).exists()


def test_an_avoid_person_is_never_deleted(
    make_lead: Callable[..., Person], users: dict[Role, User]
) -> None:
    lead = make_lead()
    add_to_avoid(person=lead, by=users[Role.OWNER], reason="competitor")
    with pytest.raises(ProtectedError):
        lead.delete()
    assert Person.objects.filter(pk=lead.pk).exists()


def test_only_an_admin_with_a_reason_lifts_an_avoid_entry(
    make_lead: Callable[..., Person], users: dict[Role, User]
) -> None:
    lead = make_lead()
    entry = add_to_avoid(person=lead, by=users[Role.OWNER], reason="mistaken identity?")
    for role in (Role.OWNER, Role.MARKETING, Role.SETTER, Role.REP):
        with pytest.raises(NotPermitted):
            lift_avoid(entry=entry, by=users[role], reason="please")
    with pytest.raises(DomainError, match="reason"):
        lift_avoid(entry=entry, by=users[Role.ADMIN], reason="")
    lift_avoid(entry=entry, by=users[Role.ADMIN], reason="it was another Dana Owens", at=NOW)
    lead.refresh_from_db()
    entry.refresh_from_db()
    assert lead.person_type == PersonType.LEAD
    assert (entry.lifted_by, entry.lifted_at, entry.lift_reason) == (
        users[Role.ADMIN],
        NOW,
        "it was another Dana Owens",
    )
    change = TypeChangeRecord.objects.filter(person=lead).order_by("-id")[0]
    assert (change.before, change.after, change.by) == (
        PersonType.AVOID,
        PersonType.LEAD,
        users[Role.ADMIN],
    )


def test_one_active_avoid_entry_per_person_in_the_database(
    make_lead: Callable[..., Person], users: dict[Role, User]
) -> None:
    lead = make_lead()
    entry = add_to_avoid(person=lead, by=users[Role.OWNER], reason="first")
    with pytest.raises(IntegrityError), transaction.atomic():
        AvoidEntry.objects.create(
            person=lead, reason="second", added_by=users[Role.OWNER], added_at=entry.added_at
        )


def test_a_suppression_entry_blocks_someone_not_yet_in_the_crm(users: dict[Role, User]) -> None:
    add_avoid_entry(
        by=users[Role.MARKETING], reason="never-call letter", email_normalized="boss@nope.com"
    )
    with pytest.raises(OnAvoidList, match="never-call letter"):
        create_person(by=None, email="Boss@Nope.com")
    assert not Person.objects.exists()


_STEPS = st.lists(
    st.sampled_from(["interest", "reimport", "qualify"])
    | st.tuples(st.sampled_from(list(ActivityKind)), st.sampled_from(list(FollowUpWish))),
    min_size=1,
    max_size=6,
)


@pytest.mark.django_db(transaction=False)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=_STEPS)
def test_no_sequence_of_activities_or_imports_turns_an_avoid_person_back_into_a_lead(
    make_lead: Callable[..., Person], users: dict[Role, User], steps: list[object]
) -> None:
    with transaction.atomic():
        lead = make_lead()
        add_to_avoid(person=lead, by=users[Role.OWNER], reason="do not contact")
        for step in steps:
            try:
                if step == "reimport":
                    create_person(by=None, email=lead.email, first_name="Reimported")
                elif step == "qualify":
                    qualify_person(person=lead, by=None)
                else:
                    kind, wish = (
                        step
                        if isinstance(step, tuple)
                        else (ActivityKind.INBOUND_CALL, FollowUpWish.ASKED)
                    )
                    record_interest_activity(person=lead, kind=kind, wish=wish, by=None)
            except DomainError:
                pass
            lead.refresh_from_db()
            assert lead.person_type == PersonType.AVOID
        assert Person.objects.filter(email_normalized=lead.email_normalized).count() == 1
        assert not lead.activities.filter(
            recorded_at__gt=lead.avoid_entries.get().added_at
        ).exists()
        transaction.set_rollback(True)
