"""Person types, interest, temperature and next steps, on the real database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from leadflow.crm.models import Activity, Campaign, ConsentChange, Person, Task, TypeChangeRecord
from leadflow.crm.services.avoid import add_to_avoid
from leadflow.crm.services.people import (
    create_person,
    delete_as_spam,
    record_interest_activity,
    set_consent,
)
from leadflow.domain.errors import IllegalTransition, OnAvoidList
from leadflow.domain.people import PersonType, Role
from leadflow.domain.qualification import QualificationStatus
from leadflow.domain.temperature import ActivityKind, FollowUpWish, Temperature
from tests.integration.conftest import NOW

pytestmark = pytest.mark.django_db


def test_prospect_becomes_lead_on_first_interest_activity(
    make_person: Callable[..., Person], users: dict[Role, User], campaign: Campaign
) -> None:
    person = make_person()
    assert person.person_type == PersonType.PROSPECT
    record_interest_activity(
        person=person,
        kind=ActivityKind.DOWNLOAD,
        wish=FollowUpWish.NEUTRAL,
        by=users[Role.MARKETING],
        at=NOW,
    )
    person.refresh_from_db()
    assert person.person_type == PersonType.LEAD
    assert person.became_lead_at == NOW
    history = TypeChangeRecord.objects.get(person=person)
    assert (history.before, history.after) == (PersonType.PROSPECT, PersonType.LEAD)
    assert history.by == users[Role.MARKETING]
    assert history.at == NOW
    assert "first interest activity" in history.reason


def test_a_prospect_that_fits_every_avatar_stays_a_prospect_without_interest(
    make_person: Callable[..., Person],
) -> None:
    person = make_person(title="CEO", monthly_budget=9000)
    person.refresh_from_db()
    assert person.person_type == PersonType.PROSPECT
    assert person.qualification_status is None
    assert person.sweet_spot is None
    assert not TypeChangeRecord.objects.filter(person=person).exists()


def test_a_second_activity_does_not_write_another_type_change(
    make_lead: Callable[..., Person],
) -> None:
    lead = make_lead()
    record_interest_activity(
        person=lead, kind=ActivityKind.DOWNLOAD, wish=FollowUpWish.NONE, by=None, at=NOW
    )
    assert TypeChangeRecord.objects.filter(person=lead).count() == 1
    assert Activity.objects.filter(person=lead).count() == 2


def test_hot_lead_gets_a_call_due_within_one_business_day(
    make_lead: Callable[..., Person],
) -> None:
    lead = make_lead(kind=ActivityKind.INBOUND_CALL, wish=FollowUpWish.NEUTRAL)
    assert lead.temperature == Temperature.HOT
    task = Task.objects.get(person=lead, kind=Task.Kind.CALL)
    # Wednesday before Thanksgiving + 1 business day = Friday (Thursday is a holiday).
    assert task.due_on == date(2026, 11, 27)
    assert task.role == Role.SETTER


def test_warm_lead_gets_personal_follow_up_within_two_business_days(
    make_lead: Callable[..., Person],
) -> None:
    lead = make_lead(kind=ActivityKind.DOWNLOAD, wish=FollowUpWish.ASKED)
    assert lead.temperature == Temperature.WARM
    task = Task.objects.get(person=lead, kind=Task.Kind.PERSONAL_FOLLOW_UP)
    assert task.due_on == date(2026, 11, 30)  # Fri 27th, then Mon 30th


def test_cold_lead_is_nurtured_without_a_personal_task(make_lead: Callable[..., Person]) -> None:
    lead = make_lead(kind=ActivityKind.NEWSLETTER_SIGNUP, wish=FollowUpWish.NONE)
    assert lead.temperature == Temperature.COLD
    assert not Task.objects.filter(
        person=lead, kind__in=[Task.Kind.CALL, Task.Kind.PERSONAL_FOLLOW_UP]
    ).exists()


def test_hotter_activity_pulls_the_follow_up_forward_without_a_second_task(
    make_lead: Callable[..., Person],
) -> None:
    lead = make_lead(kind=ActivityKind.DOWNLOAD, wish=FollowUpWish.ASKED)
    record_interest_activity(
        person=lead,
        kind=ActivityKind.TRIAL_REGISTRATION,
        wish=FollowUpWish.NEUTRAL,
        by=None,
        at=NOW,
    )
    tasks = Task.objects.filter(person=lead, done_at__isnull=True, role=Role.SETTER).exclude(
        kind=Task.Kind.GATHER_MISSING_INFORMATION
    )
    assert [(t.kind, t.due_on) for t in tasks] == [(Task.Kind.CALL, date(2026, 11, 27))]
    lead.refresh_from_db()
    assert lead.temperature == Temperature.HOT


def test_problem_indicators_are_kept_on_the_lead(make_person: Callable[..., Person]) -> None:
    person = make_person()
    record_interest_activity(
        person=person,
        kind=ActivityKind.DOWNLOAD,
        wish=FollowUpWish.ASKED,
        problem_indicators=("ransomware scare",),
        by=None,
        at=NOW,
    )
    person.refresh_from_db()
    assert person.has_problem_indicators
    assert "problem indicators" in person.temperature_explanation


def test_new_lead_is_qualified_at_once_with_its_explanation(
    make_lead: Callable[..., Person],
) -> None:
    lead = make_lead()
    assert lead.qualification_status == QualificationStatus.QUALIFIED
    assert lead.sweet_spot is not None
    assert lead.sweet_spot.name in lead.qualification_explanation


def test_avoid_person_is_never_re_added_under_the_same_email(
    make_lead: Callable[..., Person], users: dict[Role, User]
) -> None:
    lead = make_lead(email="Gone@Example.com")
    add_to_avoid(person=lead, by=users[Role.OWNER], reason="asked us to stop", at=NOW)
    with pytest.raises(OnAvoidList, match="asked us to stop"):
        create_person(by=None, email="  gone@EXAMPLE.com ", first_name="Again")
    assert Person.objects.filter(email_normalized="gone@example.com").count() == 1


def test_avoid_person_is_never_re_added_under_the_same_phone(
    make_lead: Callable[..., Person], users: dict[Role, User]
) -> None:
    lead = make_lead(phone="(512) 555-0142")
    add_to_avoid(person=lead, by=users[Role.OWNER], reason="abusive", at=NOW)
    with pytest.raises(OnAvoidList):
        create_person(by=None, email="new@example.com", phone="+1 512 555 0142")


def test_interest_never_promotes_an_avoid_person(
    make_person: Callable[..., Person], users: dict[Role, User]
) -> None:
    prospect = make_person()
    add_to_avoid(person=prospect, by=users[Role.OWNER], reason="competitor", at=NOW)
    with pytest.raises(OnAvoidList):
        record_interest_activity(
            person=prospect, kind=ActivityKind.INBOUND_CALL, wish=FollowUpWish.ASKED, by=None
        )
    prospect.refresh_from_db()
    assert prospect.person_type == PersonType.AVOID
    assert not prospect.activities.exists()


def test_normalized_email_is_unique_in_the_database(make_person: Callable[..., Person]) -> None:
    make_person(email="a@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_person(email="A@Example.com")


def test_database_rejects_a_person_type_outside_the_enum(
    make_person: Callable[..., Person],
) -> None:
    person = make_person()
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.filter(pk=person.pk).update(person_type="vip")


def test_database_rejects_unqualified_without_a_reason(make_lead: Callable[..., Person]) -> None:
    lead = make_lead()
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.filter(pk=lead.pk).update(
            qualification_status=QualificationStatus.UNQUALIFIED, unqualified_reason=None
        )


def test_consent_change_applies_at_once_and_keeps_who_when_why(
    make_lead: Callable[..., Person], users: dict[Role, User]
) -> None:
    lead = make_lead()
    set_consent(
        person=lead,
        flag=ConsentChange.Flag.EMAIL_OPT_OUT,
        value=True,
        by=users[Role.MARKETING],
        reason="unsubscribe link",
        at=NOW + timedelta(hours=1),
    )
    lead.refresh_from_db()
    assert lead.email_opt_out
    change = ConsentChange.objects.get(person=lead)
    assert (change.flag, change.value, change.reason) == ("email_opt_out", True, "unsubscribe link")
    assert change.by == users[Role.MARKETING]


def test_unqualified_lead_gets_no_call_even_when_hot(make_lead: Callable[..., Person]) -> None:
    lead = make_lead(kind=ActivityKind.INBOUND_CALL, wish=FollowUpWish.ASKED, geography="US-CA")
    assert lead.qualification_status == QualificationStatus.UNQUALIFIED
    assert lead.temperature == Temperature.HOT
    assert not Task.objects.filter(
        person=lead, kind__in=[Task.Kind.CALL, Task.Kind.PERSONAL_FOLLOW_UP]
    ).exists()


def test_spam_response_is_deleted_and_only_counted_per_campaign(
    make_lead: Callable[..., Person], campaign: Campaign
) -> None:
    spam = make_lead(need=None, email="asdf@example.com")
    assert spam.qualification_status == QualificationStatus.RAW
    counted = delete_as_spam(person=spam, by=None)
    assert counted == campaign
    campaign.refresh_from_db()
    assert campaign.spam_count == 1
    assert not Person.objects.filter(pk=spam.pk).exists()
    assert not Activity.objects.filter(person_id=spam.pk).exists()


def test_an_avoid_person_is_never_deleted_as_spam(
    make_lead: Callable[..., Person], users: dict[Role, User]
) -> None:
    lead = make_lead(need=None)
    add_to_avoid(person=lead, by=users[Role.OWNER], reason="competitor")
    with pytest.raises(OnAvoidList):
        delete_as_spam(person=lead, by=None)
    assert Person.objects.filter(pk=lead.pk).exists()


def test_a_reviewed_lead_is_not_deleted_as_spam(make_lead: Callable[..., Person]) -> None:
    qualified = make_lead()
    with pytest.raises(IllegalTransition, match="unreviewed"):
        delete_as_spam(person=qualified, by=None)
    assert Person.objects.filter(pk=qualified.pk).exists()
