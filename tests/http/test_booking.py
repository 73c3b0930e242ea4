"""Booking a first-time appointment: a qualified lead, the three SQL checks, a setter and a
rep; the shock-and-awe task goes out; the domain's refusals are form errors, never a 500."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone

from leadflow.crm.models import Appointment, Opportunity, Person, Task
from leadflow.domain.people import Role
from leadflow.domain.pipeline import Stage
from tests.http.pages import Staff, World, qualified_lead, text_of


def give(user: User, *roles: Role) -> User:
    user.groups.add(*Group.objects.filter(name__in=[r.value for r in roles]))
    return user


@pytest.fixture
def setter(client: Client, staff: Staff) -> Client:
    give(staff.ann, Role.SETTER)
    give(staff.bob, Role.SETTER)
    give(staff.rex, Role.REP)
    client.force_login(staff.ann)
    return client


@pytest.fixture
def lead(staff: Staff) -> Person:
    return qualified_lead("Lena", "Lead", "Lead Law", at=timezone.now() - timedelta(days=1), n=7)


def url(person: Person) -> str:
    return f"/people/{person.pk}/book/"


def form_for(staff: Staff, **changes: object) -> dict[str, object]:
    when = timezone.localtime(timezone.now() + timedelta(days=3)).replace(hour=10, minute=0)
    data: dict[str, object] = {
        "setter": staff.ann.pk,
        "rep": staff.rex.pk,
        "scheduled_at": when.strftime("%Y-%m-%dT%H:%M"),
        "has_problem_we_solve": "on",
        "has_authority_to_buy": "on",
        "agreed_to_talk_to_sales": "on",
        "note": "backups fail weekly",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def errors_of(page: str) -> str:
    found = re.search(r'<div class="errors" id="form-errors"[^>]*>(.*?)</div>', page, re.S)
    return text_of(found[1]) if found else ""


def field_errors(page: str, name: str) -> str:
    found = re.search(rf'<div class="field invalid" id="field-{name}">(.*?)</div>', page, re.S)
    assert found is not None, f"no error next to {name}"
    return text_of(found[1])


def test_a_setter_books_a_qualified_lead_and_the_shock_and_awe_task_goes_out(
    setter: Client, staff: Staff, lead: Person
) -> None:
    response = setter.post(url(lead), form_for(staff))
    assert response.status_code == 302
    assert response["Location"] == f"/people/{lead.pk}/"
    opportunity = Opportunity.objects.get(person=lead)
    assert opportunity.stage == Stage.APPOINTMENT_SET
    assert (opportunity.setter, opportunity.rep) == (staff.ann, staff.rex)
    appointment = Appointment.objects.get(opportunity=opportunity)
    assert appointment.scheduled_at > timezone.now()
    assert opportunity.stage_changes.get().by == staff.ann
    assert opportunity.stage_changes.get().reason == "backups fail weekly"
    assert Task.objects.filter(
        person=lead, kind=Task.Kind.SHOCK_AND_AWE, done_at__isnull=True
    ).exists()
    person_page = setter.get(response["Location"]).content.decode()
    assert "Appointment booked with Rex Rep on" in person_page
    assert "shock-and-awe package task is out" in person_page


def test_the_setter_defaults_to_me_when_a_setter_books(
    setter: Client, staff: Staff, lead: Person
) -> None:
    page = setter.get(url(lead)).content.decode()
    assert re.search(rf'<option value="{staff.ann.pk}" selected>Ann Setter</option>', page)
    # The rep list holds sales reps only; the setters' list the setters.
    rep_select = re.search(r'<select name="rep"[^>]*>(.*?)</select>', page, re.S)
    assert rep_select is not None
    assert "Rex Rep" in rep_select[1]
    assert "Bob Setter" not in rep_select[1]


def test_another_setter_may_be_chosen_for_the_show_rate(
    setter: Client, staff: Staff, lead: Person
) -> None:
    assert setter.post(url(lead), form_for(staff, setter=staff.bob.pk)).status_code == 302
    assert Opportunity.objects.get(person=lead).setter == staff.bob


@pytest.mark.parametrize(
    ("check", "missing"),
    [
        ("has_problem_we_solve", "a problem we solve"),
        ("has_authority_to_buy", "the authority and ability to buy"),
        ("agreed_to_talk_to_sales", "agreement to talk to sales"),
    ],
)
def test_booking_needs_all_three_sales_qualification_checks(
    setter: Client, staff: Staff, lead: Person, check: str, missing: str
) -> None:
    response = setter.post(url(lead), form_for(staff, **{check: None}))
    assert response.status_code == 422
    assert field_errors(response.content.decode(), check).endswith(
        f"cannot set an appointment without {missing}"
    )
    assert not Opportunity.objects.filter(person=lead).exists()


@pytest.mark.parametrize(
    ("who", "reason"),
    [
        ("avoided", "a person on the Avoid list cannot be booked"),
        ("prospect", "a prospect has shown no interest yet: it is not a lead"),
        ("raw_new", "only a qualified lead can be booked (this lead is raw)"),
        ("sweet_at_set", "this person already has an open opportunity"),
    ],
)
def test_the_domains_refusals_are_shown_on_the_form(
    setter: Client, staff: Staff, world: World, who: str, reason: str
) -> None:
    person: Person = getattr(world, who)
    before = Opportunity.objects.filter(person=person).count()
    page = setter.get(url(person)).content.decode()
    assert f"This person cannot be booked: {reason}." in text_of(page)
    response = setter.post(url(person), form_for(staff))
    assert response.status_code == 422
    assert errors_of(response.content.decode()) == reason
    assert Opportunity.objects.filter(person=person).count() == before


def test_an_appointment_in_the_past_is_refused(setter: Client, staff: Staff, lead: Person) -> None:
    yesterday = timezone.localtime(timezone.now() - timedelta(days=1))
    data = form_for(staff, scheduled_at=yesterday.strftime("%Y-%m-%dT%H:%M"))
    response = setter.post(url(lead), data)
    assert response.status_code == 422
    assert "this date and time is in the past" in field_errors(
        response.content.decode(), "scheduled_at"
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"scheduled_at": "next tuesday"},
        {"scheduled_at": None},
        {"rep": "not-a-number"},
        {"setter": None},
    ],
)
def test_bad_input_is_a_form_error_not_a_500(
    setter: Client, staff: Staff, lead: Person, changes: dict[str, object]
) -> None:
    response = setter.post(url(lead), form_for(staff, **changes))
    assert response.status_code == 422
    assert not Opportunity.objects.filter(person=lead).exists()


def test_the_rep_must_be_a_sales_rep(setter: Client, staff: Staff, lead: Person) -> None:
    response = setter.post(url(lead), form_for(staff, rep=staff.bob.pk))
    assert response.status_code == 422
    assert "Select a valid choice" in field_errors(response.content.decode(), "rep")


def test_booking_is_for_setters_and_owners(client: Client, staff: Staff, lead: Person) -> None:
    assert client.get(url(lead))["Location"].startswith("/login/?next=/people/")
    client.force_login(give(staff.rex, Role.REP))
    assert client.get(url(lead)).status_code == 403
    assert client.post(url(lead), form_for(staff)).status_code == 403
    client.force_login(staff.viewer)
    assert client.get(url(lead)).status_code == 403
    assert not Opportunity.objects.filter(person=lead).exists()
    owner = give(User.objects.create_user("olga", first_name="Olga"), Role.OWNER)
    client.force_login(owner)
    assert client.get(url(lead)).status_code == 200


def test_the_owner_books_for_a_setter(client: Client, staff: Staff, lead: Person) -> None:
    give(staff.ann, Role.SETTER)
    give(staff.rex, Role.REP)
    client.force_login(give(User.objects.create_user("olga"), Role.OWNER))
    assert client.post(url(lead), form_for(staff)).status_code == 302
    opportunity = Opportunity.objects.get(person=lead)
    assert opportunity.setter == staff.ann
    assert opportunity.stage_changes.get().by.username == "olga"


def test_an_unknown_person_cannot_be_booked(setter: Client) -> None:
    assert setter.get("/people/999999/book/").status_code == 404


def test_booking_without_a_csrf_token_is_refused(staff: Staff, lead: Person) -> None:
    give(staff.ann, Role.SETTER)
    give(staff.rex, Role.REP)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(staff.ann)
    assert strict.post(url(lead), form_for(staff)).status_code == 403
    assert not Opportunity.objects.filter(person=lead).exists()
    page = strict.get(url(lead)).content.decode()
    assert 'name="csrfmiddlewaretoken"' in page


def test_the_person_page_offers_booking_to_setters_only(
    client: Client, staff: Staff, lead: Person
) -> None:
    give(staff.ann, Role.SETTER)
    give(staff.rex, Role.REP)
    client.force_login(staff.ann)
    assert f'href="{url(lead)}"' in client.get(f"/people/{lead.pk}/").content.decode()
    client.force_login(staff.rex)
    assert f'href="{url(lead)}"' not in client.get(f"/people/{lead.pk}/").content.decode()
