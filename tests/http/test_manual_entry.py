"""Manual entry: one person typed in goes through the same pipeline as a file's row."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from leadflow.crm.models import Activity, Person
from leadflow.crm.services.people import create_person
from leadflow.domain.people import PersonType, Role
from leadflow.domain.temperature import ActivityKind
from tests.http.pages import Staff, World, text_of

URL = "/intake/manual/"
DANA = {
    "first_name": "Dana",
    "last_name": "Owens",
    "email": "Dana@OwensReyes.com",
    "phone": "(512) 555-0142",
    "title": "Managing Partner",
    "company": "Owens & Reyes LLP",
    "niche": "legal",
    "employee_count": "35",
    "region": "TX",
    "country": "US",
    "need": "need_now",
    "services_wanted": "managed services; backup",
    "problem": "backups failed twice",
    "follow_up": "asked",
    "activity": "inbound_call",
    "campaign": "Manual entry",
    "source": "manual entry",
}


def member(username: str, role: Role) -> User:
    user = User.objects.create_user(username, password="a-long-test-password")
    user.groups.add(Group.objects.get(name=role.value))
    return user


@pytest.fixture
def setter(client: Client, staff: Staff) -> Client:
    client.force_login(member("sam", Role.SETTER))
    return client


def field_errors(page: str, name: str) -> str:
    found = re.search(rf'<div class="field invalid" id="field-{name}">(.*?)</div>', page, re.DOTALL)
    assert found is not None, f"no error next to {name}"
    return text_of(found[1])


@pytest.mark.parametrize("role", [Role.OWNER, Role.MARKETING, Role.SETTER])
def test_owners_marketing_and_setters_may_enter_people(
    client: Client, staff: Staff, role: Role
) -> None:
    client.force_login(member("someone", role))
    assert client.get(URL).status_code == 200


def test_manual_entry_is_forbidden_to_reps_and_plain_users(client: Client, staff: Staff) -> None:
    client.force_login(member("rex2", Role.REP))
    assert client.get(URL).status_code == 403
    client.force_login(staff.viewer)
    assert client.post(URL, DANA).status_code == 403
    assert not Person.objects.filter(email_normalized="dana@owensreyes.com").exists()


def test_a_new_person_is_created_and_the_page_goes_to_them(setter: Client) -> None:
    response = setter.post(URL, DANA)
    assert response.status_code == 302
    person = Person.objects.get(email_normalized="dana@owensreyes.com")
    assert response["Location"] == f"/people/{person.pk}/"
    assert person.person_type == PersonType.LEAD
    assert person.phone_normalized == "+15125550142"
    assert sorted(person.services_wanted) == ["backup", "managed-services"]
    activity = Activity.objects.get(person=person)
    assert activity.kind == ActivityKind.INBOUND_CALL
    assert activity.recorded_by is not None
    assert activity.recorded_by.username == "sam"


def test_a_person_found_only_by_phone_is_still_found_after_creation(setter: Client) -> None:
    response = setter.post(URL, {**DANA, "email": ""})
    person = Person.objects.get(phone_normalized="+15125550142")
    assert response["Location"] == f"/people/{person.pk}/"


def test_someone_already_stored_is_merged_and_the_page_goes_to_them(setter: Client) -> None:
    stored = create_person(by=None, first_name="Dana", email="dana@owensreyes.com")
    people = Person.objects.count()
    response = setter.post(URL, DANA)
    assert response.status_code == 302
    assert response["Location"] == f"/people/{stored.pk}/"
    assert Person.objects.count() == people
    stored.refresh_from_db()
    assert stored.title == "Managing Partner"  # blanks filled, nothing overwritten


def test_pipeline_errors_are_shown_next_to_their_fields(setter: Client) -> None:
    response = setter.post(URL, {**DANA, "phone": "12", "employee_count": "a few"})
    assert response.status_code == 422
    page = response.content.decode()
    assert '"12" is not a phone number' in field_errors(page, "phone")
    assert '"a few" is not a number of employees' in field_errors(page, "employee_count")
    assert 'value="Dana@OwensReyes.com"' in page  # what was typed is kept
    assert not Person.objects.filter(email_normalized="dana@owensreyes.com").exists()


def test_a_person_without_email_or_phone_is_refused_next_to_the_email(setter: Client) -> None:
    response = setter.post(URL, {**DANA, "email": "", "phone": ""})
    assert response.status_code == 422
    assert "needs an email, a phone or an external id" in field_errors(
        response.content.decode(), "email"
    )


def test_an_avoided_person_is_not_re_added_and_the_page_says_why(
    setter: Client, world: World
) -> None:
    people = Person.objects.count()
    response = setter.post(URL, {**DANA, "email": "al@avoid.example", "phone": ""})
    assert response.status_code == 422
    assert "this person is on the Avoid list" in text_of(response.content.decode())
    assert Person.objects.count() == people
    assert Person.objects.get(pk=world.avoided.pk).person_type == PersonType.AVOID


def test_spam_typed_in_is_refused_with_the_rule_that_caught_it(setter: Client) -> None:
    response = setter.post(URL, {**DANA, "first_name": "asdf", "last_name": "test"})
    assert response.status_code == 422
    page = text_of(response.content.decode())
    assert 'not added: it looks like spam (test name "asdf")' in page
    assert not Person.objects.filter(email_normalized="dana@owensreyes.com").exists()


def test_campaign_and_source_are_required(setter: Client) -> None:
    response = setter.post(URL, {**DANA, "campaign": "  "})
    assert response.status_code == 422
    assert "This field is required." in field_errors(response.content.decode(), "campaign")
