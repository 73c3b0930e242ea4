"""The appointments page: a rep's appointments of today and this week (an owner's: all);
sat, no-show or cancelled with a callback date that becomes the setter's callback task."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from leadflow.crm.models import Appointment, Task
from leadflow.crm.selectors.appointments import agenda
from leadflow.crm.services.pipeline import book_appointment
from leadflow.domain.people import Role
from leadflow.domain.pipeline import AppointmentOutcome, Stage
from tests.http.pages import Staff, make_user, qualified_lead, row_by_id, text_of

HTMX = {"HTTP_HX_REQUEST": "true"}


def give(user: User, *roles: Role) -> User:
    user.groups.add(*Group.objects.filter(name__in=[r.value for r in roles]))
    return user


def local(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


@dataclass(frozen=True)
class Day:
    rex_today: Appointment
    ray_today: Appointment
    rex_yesterday: Appointment  # no outcome recorded yet
    ray: User


def book_at(n: int, setter: User, rep: User, when: datetime) -> Appointment:
    person = qualified_lead(f"Lead{n}", "Person", f"Firm {n}", at=when - timedelta(days=5), n=n)
    return book_appointment(
        person=person,
        setter=setter,
        rep=rep,
        scheduled_at=when,
        has_problem_we_solve=True,
        has_authority_to_buy=True,
        agreed_to_talk_to_sales=True,
        at=when - timedelta(days=4),
    )


@pytest.fixture
def day(staff: Staff) -> Day:
    give(staff.ann, Role.SETTER)
    give(staff.rex, Role.REP)
    ray = give(make_user("ray", "Ray", "Rival"), Role.REP)
    today = timezone.localdate()
    return Day(
        rex_today=book_at(1, staff.ann, staff.rex, local(today, 12)),
        ray_today=book_at(2, staff.ann, ray, local(today, 13)),
        rex_yesterday=book_at(3, staff.ann, staff.rex, local(today - timedelta(days=1), 10)),
        ray=ray,
    )


@pytest.fixture
def rex(client: Client, staff: Staff, day: Day) -> Client:
    client.force_login(staff.rex)
    return client


def row(appointment: Appointment) -> str:
    return f"appointment-{appointment.pk}"


def outcome_url(appointment: Appointment) -> str:
    return f"/appointments/{appointment.pk}/outcome/"


def test_a_rep_sees_their_own_appointments_only(rex: Client, day: Day) -> None:
    page = rex.get("/appointments/").content.decode()
    assert "Lead1 Person" in row_by_id(page, row(day.rex_today))
    assert row(day.ray_today) not in page
    assert "Lead2 Person" not in page


def test_earlier_appointments_without_an_outcome_wait_on_the_page(rex: Client, day: Day) -> None:
    page = rex.get("/appointments/").content.decode()
    awaiting = page.split('id="awaiting"')[1].split("</section>")[0]
    assert row(day.rex_yesterday) in awaiting
    assert row(day.rex_today) not in awaiting


def test_the_owner_sees_every_reps_appointments_and_filters_by_rep(
    client: Client, staff: Staff, day: Day
) -> None:
    client.force_login(staff.boss)
    page = client.get("/appointments/").content.decode()
    assert row(day.rex_today) in page
    assert "Ray Rival" in row_by_id(page, row(day.ray_today))
    only_ray = client.get(f"/appointments/?rep={day.ray.pk}").content.decode()
    assert row(day.ray_today) in only_ray
    assert row(day.rex_today) not in only_ray


def test_sat_is_recorded_in_place(rex: Client, day: Day) -> None:
    response = rex.post(outcome_url(day.rex_today), {"outcome": "sat"}, **HTMX)
    assert response.status_code == 200
    fragment = response.content.decode()
    assert fragment.strip().startswith(f'<tr id="{row(day.rex_today)}"')
    assert "Sat" in text_of(fragment)
    assert "<form" not in fragment  # nothing left to record
    day.rex_today.refresh_from_db()
    assert day.rex_today.outcome == AppointmentOutcome.SAT
    assert day.rex_today.opportunity.stage == Stage.APPOINTMENT_SAT


def test_no_show_is_recorded_and_counts_for_the_setter(rex: Client, day: Day) -> None:
    response = rex.post(outcome_url(day.rex_yesterday), {"outcome": "no_show"}, **HTMX)
    assert response.status_code == 200
    day.rex_yesterday.refresh_from_db()
    assert day.rex_yesterday.outcome == AppointmentOutcome.NO_SHOW
    assert day.rex_yesterday.opportunity.stage == Stage.NO_SHOW


def test_cancelled_needs_a_callback_date_and_creates_a_callback_task(
    rex: Client, staff: Staff, day: Day
) -> None:
    refused = rex.post(outcome_url(day.rex_today), {"outcome": "cancelled"}, **HTMX)
    assert refused.status_code == 422
    assert "a cancelled appointment needs a callback date" in text_of(refused.content.decode())
    day.rex_today.refresh_from_db()
    assert day.rex_today.outcome is None
    callback = timezone.localdate() + timedelta(days=3)
    done = rex.post(
        outcome_url(day.rex_today),
        {"outcome": "cancelled", "callback_on": callback.isoformat(), "reason": "flu"},
        **HTMX,
    )
    assert done.status_code == 200
    assert f"Ann Setter has a task to call back on {callback:%Y-%m-%d}" in text_of(
        done.content.decode()
    )
    task = Task.objects.get(opportunity=day.rex_today.opportunity, kind=Task.Kind.CALLBACK)
    assert (task.assignee, task.role, task.due_on) == (staff.ann, Role.SETTER, callback)
    assert "flu" in task.note
    day.rex_today.refresh_from_db()
    assert day.rex_today.opportunity.stage == Stage.CANCELLED


def test_a_callback_date_in_the_past_is_refused(rex: Client, day: Day) -> None:
    yesterday = timezone.localdate() - timedelta(days=1)
    response = rex.post(
        outcome_url(day.rex_today),
        {"outcome": "cancelled", "callback_on": yesterday.isoformat()},
        **HTMX,
    )
    assert response.status_code == 422
    assert "Callback on: this date is in the past" in text_of(response.content.decode())
    assert not Task.objects.filter(kind=Task.Kind.CALLBACK).exists()


@pytest.mark.parametrize(
    "data",
    [{"outcome": "maybe"}, {}, {"outcome": "cancelled", "callback_on": "soon"}],
)
def test_a_bad_outcome_is_a_4xx_with_a_message(rex: Client, day: Day, data: dict[str, str]) -> None:
    response = rex.post(outcome_url(day.rex_today), data, **HTMX)
    assert response.status_code == 422
    assert 'class="errors"' in response.content.decode()
    day.rex_today.refresh_from_db()
    assert day.rex_today.outcome is None


def test_an_outcome_is_recorded_once(rex: Client, day: Day) -> None:
    assert rex.post(outcome_url(day.rex_today), {"outcome": "sat"}, **HTMX).status_code == 200
    again = rex.post(outcome_url(day.rex_today), {"outcome": "no_show"}, **HTMX)
    assert again.status_code == 422
    assert "outcome is already recorded: sat" in text_of(again.content.decode())


def test_rep_cannot_record_the_outcome_of_another_reps_appointment(rex: Client, day: Day) -> None:
    response = rex.post(outcome_url(day.ray_today), {"outcome": "no_show"}, **HTMX)
    assert response.status_code == 404
    day.ray_today.refresh_from_db()
    assert day.ray_today.outcome is None


def test_setters_and_plain_users_cannot_open_the_appointments_page(
    client: Client, staff: Staff, day: Day
) -> None:
    assert client.get("/appointments/")["Location"] == "/login/?next=/appointments/"
    assert client.post(outcome_url(day.rex_today), {"outcome": "sat"}).status_code == 302
    for user in (staff.ann, staff.viewer):
        client.force_login(user)
        assert client.get("/appointments/").status_code == 403
        assert client.post(outcome_url(day.rex_today), {"outcome": "sat"}).status_code == 403
    day.rex_today.refresh_from_db()
    assert day.rex_today.outcome is None


def test_without_htmx_an_outcome_goes_back_to_the_page_with_a_message(
    rex: Client, day: Day
) -> None:
    response = rex.post(outcome_url(day.rex_today), {"outcome": "sat"}, follow=True)
    assert response.redirect_chain == [("/appointments/", 302)]
    assert "Lead1 Person: sat; next, a proposal on the pipeline board." in text_of(
        response.content.decode()
    )
    refused = rex.post(outcome_url(day.rex_yesterday), {"outcome": "cancelled"})
    assert refused.status_code == 422
    assert "a cancelled appointment needs a callback date" in row_by_id(
        refused.content.decode(), row(day.rex_yesterday)
    )


def test_outcomes_need_a_csrf_token(staff: Staff, day: Day) -> None:
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(staff.rex)
    assert strict.post(outcome_url(day.rex_today), {"outcome": "sat"}).status_code == 403
    day.rex_today.refresh_from_db()
    assert day.rex_today.outcome is None
    page = strict.get("/appointments/").content.decode()
    found = re.search(
        rf'<tr id="{row(day.rex_today)}".*?name="csrfmiddlewaretoken" value="([^"]+)"', page, re.S
    )
    assert found is not None
    done = strict.post(
        outcome_url(day.rex_today), {"outcome": "sat", "csrfmiddlewaretoken": found[1]}
    )
    assert done.status_code == 302
    day.rex_today.refresh_from_db()
    assert day.rex_today.outcome == AppointmentOutcome.SAT


def test_this_week_runs_from_tomorrow_to_sunday(staff: Staff, day: Day) -> None:
    wednesday = date(2030, 1, 2)
    sunday, monday = date(2030, 1, 6), date(2030, 1, 7)
    inside = book_at(4, staff.ann, staff.rex, local(sunday, 18))
    book_at(5, staff.ann, staff.rex, local(monday, 9))
    week = agenda(rep_id=staff.rex.pk, today=wednesday)
    assert week.week_ends == sunday
    assert [line.appointment.pk for line in week.week.lines] == [inside.pk]


def test_at_the_weekend_this_week_is_the_week_coming(staff: Staff, day: Day) -> None:
    """On Saturday or Sunday the week that matters is the next one: Monday's first call
    must be on the page a rep opens on Sunday evening."""
    saturday, sunday = date(2030, 1, 5), date(2030, 1, 6)
    monday, next_sunday, after = date(2030, 1, 7), date(2030, 1, 13), date(2030, 1, 14)
    coming = book_at(4, staff.ann, staff.rex, local(monday, 9))
    last = book_at(5, staff.ann, staff.rex, local(next_sunday, 9))
    book_at(6, staff.ann, staff.rex, local(after, 9))
    for today in (saturday, sunday):
        week = agenda(rep_id=staff.rex.pk, today=today)
        assert week.week_ends == next_sunday
        assert [line.appointment.pk for line in week.week.lines] == [coming.pk, last.pk]


def test_the_page_costs_the_same_queries_for_many_appointments(
    rex: Client, staff: Staff, day: Day, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    today = timezone.localdate()
    for n in range(10, 30):
        book_at(n, staff.ann, staff.rex, local(today, 8 + n % 10))
    with django_assert_max_num_queries(10):
        page = rex.get("/appointments/").content.decode()
    assert page.count('class="appointment pending"') == 22
