"""Tasks: my follow-ups due today and overdue, for every role; marked done in place."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from leadflow.crm.models import Person, Task
from leadflow.crm.selectors.tasks import my_tasks
from leadflow.crm.services.people import create_person
from leadflow.domain.people import Role
from tests.http.pages import Staff, text_of
from tests.http.queue_world import ALL_ROLES, HTMX, member, row, row_ids, signed_in_as

URL = "/tasks/"
pytestmark = pytest.mark.django_db


@pytest.fixture
def setter(client: Client, staff: Staff) -> User:
    return signed_in_as(client, Role.SETTER, username="sally")


@pytest.fixture
def someone(staff: Staff) -> Person:
    return create_person(by=None, first_name="Tess", last_name="Task", phone="512-555-0199")


def task(  # by hand: the due dates under test, not the services' own follow-ups
    person: Person,
    *,
    due_in_days: int | None,
    role: Role = Role.SETTER,
    assignee: User | None = None,
    kind: Task.Kind = Task.Kind.CALL,
    done: bool = False,
) -> Task:
    now = timezone.now()
    return Task.objects.create(
        person=person,
        kind=kind,
        role=role,
        assignee=assignee,
        due_on=None if due_in_days is None else timezone.localdate() + timedelta(days=due_in_days),
        note=f"due in {due_in_days}",
        created_at=now,
        done_at=now if done else None,
    )


def test_my_tasks_are_those_due_today_or_overdue_and_not_yet_done(
    client: Client, someone: Person, setter: User
) -> None:
    overdue = task(someone, due_in_days=-3)
    today = task(someone, due_in_days=0, assignee=setter)
    undated = task(someone, due_in_days=None)
    task(someone, due_in_days=1)  # tomorrow
    task(someone, due_in_days=-1, done=True)
    page = client.get(URL).content.decode()
    assert row_ids(page, "task-") == [f"task-{t.pk}" for t in (overdue, today, undated)]
    assert "overdue" in row(page, f"task-{overdue.pk}")
    assert "overdue" not in row(page, f"task-{today.pk}")
    assert f'<tr id="task-{overdue.pk}" class="flag">' in page


def test_a_task_assigned_to_a_colleague_or_for_another_role_is_not_mine(
    client: Client, someone: Person, setter: User
) -> None:
    colleague = member("bert", Role.SETTER)
    task(someone, due_in_days=0, assignee=colleague)
    task(someone, due_in_days=0, role=Role.MARKETING)
    task(someone, due_in_days=0, role=Role.REP)
    mine = task(someone, due_in_days=0)  # any setter's
    assert row_ids(client.get(URL).content.decode(), "task-") == [f"task-{mine.pk}"]


def test_a_task_links_to_its_person(client: Client, someone: Person, setter: User) -> None:
    task(someone, due_in_days=0)
    assert f'href="/people/{someone.pk}/"' in client.get(URL).content.decode()


def test_marking_a_task_done_keeps_who_and_when_and_updates_the_row(
    client: Client, someone: Person, setter: User
) -> None:
    todo = task(someone, due_in_days=-1)
    response = client.post(f"{URL}{todo.pk}/done/", **HTMX)
    assert response.status_code == 200
    todo.refresh_from_db()
    assert todo.done_at is not None
    assert todo.done_by == setter
    text = row(response.content.decode(), f"task-{todo.pk}")
    assert "Done: Call for Tess Task" in text
    assert "by Sally" in text
    assert row_ids(client.get(URL).content.decode(), "task-") == []


def test_a_task_done_twice_says_when_it_was_done(
    client: Client, someone: Person, setter: User
) -> None:
    todo = task(someone, due_in_days=0)
    client.post(f"{URL}{todo.pk}/done/", **HTMX)
    again = client.post(f"{URL}{todo.pk}/done/", **HTMX)
    assert again.status_code == 422
    assert "already done on" in text_of(again.content.decode())


def test_someone_elses_task_cannot_be_marked_done(
    client: Client, someone: Person, setter: User
) -> None:
    theirs = task(someone, due_in_days=0, assignee=member("bert", Role.SETTER))
    marketing = task(someone, due_in_days=0, role=Role.MARKETING)
    for other in (theirs, marketing):
        assert client.post(f"{URL}{other.pk}/done/", **HTMX).status_code == 403
        other.refresh_from_db()
        assert other.done_at is None


def test_the_owner_may_close_any_task(client: Client, someone: Person, staff: Staff) -> None:
    theirs = task(someone, due_in_days=0, assignee=member("bert", Role.SETTER))
    signed_in_as(client, Role.OWNER)
    assert client.post(f"{URL}{theirs.pk}/done/", **HTMX).status_code == 200


def test_a_plain_form_post_goes_back_to_the_tasks_page(
    client: Client, someone: Person, setter: User
) -> None:
    todo = task(someone, due_in_days=0)
    response = client.post(f"{URL}{todo.pk}/done/")
    assert response.status_code == 302
    assert response["Location"] == URL
    assert "Done: Call for Tess Task" in text_of(client.get(URL).content.decode())


def test_an_unknown_task_is_not_found(client: Client, setter: User) -> None:
    assert client.post(f"{URL}999999/done/").status_code == 404


@pytest.mark.parametrize("role", [*ALL_ROLES, None])
def test_every_signed_in_user_has_a_tasks_page(
    client: Client, staff: Staff, role: Role | None
) -> None:
    signed_in_as(client, *([role] if role else []))
    assert client.get(URL).status_code == 200


def test_a_rep_sees_the_reps_tasks(client: Client, someone: Person, staff: Staff) -> None:
    rep_task = task(someone, due_in_days=0, role=Role.REP, kind=Task.Kind.SHOCK_AND_AWE)
    task(someone, due_in_days=0)
    signed_in_as(client, Role.REP)
    assert row_ids(client.get(URL).content.decode(), "task-") == [f"task-{rep_task.pk}"]


@pytest.mark.parametrize("path", [URL, f"{URL}1/done/"])
def test_an_anonymous_visitor_is_sent_to_log_in(client: Client, db: None, path: str) -> None:
    response = client.get(path) if path == URL else client.post(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_marking_done_needs_the_csrf_token(someone: Person) -> None:
    strict = Client(enforce_csrf_checks=True)
    signed_in_as(strict, Role.SETTER)
    todo = task(someone, due_in_days=0)
    assert strict.post(f"{URL}{todo.pk}/done/").status_code == 403
    token = strict.get(URL).cookies["csrftoken"].value
    assert strict.post(f"{URL}{todo.pk}/done/", HTTP_X_CSRFTOKEN=token, **HTMX).status_code == 200


def test_tasks_page_fifty_tasks_at_a_cost_that_does_not_grow_with_them(
    client: Client,
    someone: Person,
    setter: User,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    for n in range(51):  # assigned and unassigned, dated and undated, cut across pages
        task(
            someone,
            due_in_days=None if n % 7 == 0 else -(n % 9),
            assignee=setter if n % 3 else None,
        )
    # Session, user, roles (twice), the count, one query per source and kind of date
    # (assigned to me, unassigned in my role; dated, undated) and the page's rows.
    with django_assert_max_num_queries(10):
        first = client.get(URL).content.decode()
    second = client.get(f"{URL}?page=2").content.decode()
    assert "Page 1 of 2" in text_of(first)
    in_pages = row_ids(first, "task-") + row_ids(second, "task-")
    one_query = my_tasks(setter, frozenset({Role.SETTER})).values_list("pk", flat=True)
    assert in_pages == [f"task-{pk}" for pk in one_query]


def test_a_long_task_list_is_counted_up_to_a_thousand(
    client: Client, someone: Person, setter: User
) -> None:
    now = timezone.now()
    Task.objects.bulk_create(
        Task(person=someone, kind=Task.Kind.CALL, role=Role.SETTER, due_on=None, created_at=now)
        for _ in range(1001)
    )
    text = text_of(client.get(URL).content.decode())
    assert "1000+ tasks" in text
    assert "Page 1 Next" in text  # no "of N": the last page is not known
