"""The call list (PRODUCT.md §5): only the leads a setter may call, hottest first, and one
form that logs every call's outcome."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from leadflow.crm import adapters
from leadflow.crm.models import ConsentChange, Person, ProposedDisqualification, Task
from leadflow.crm.models.work import CallLog
from leadflow.crm.selectors.queues import call_rows, callable_leads
from leadflow.crm.services.avoid import add_to_avoid
from leadflow.crm.services.people import create_person, set_consent
from leadflow.crm.services.pipeline import mark_lost
from leadflow.crm.services.review import propose_disqualification
from leadflow.domain.calls import CallOutcome
from leadflow.domain.channels import Channel, eligibility
from leadflow.domain.people import PersonType, Role
from leadflow.domain.pipeline import LostDisposition
from leadflow.domain.qualification import UnqualifiedReason
from leadflow.domain.temperature import ActivityKind, FollowUpWish, Temperature, priority_key
from tests.http.pages import Staff, World, book, text_of
from tests.http.queue_world import HTMX, lead, raw_lead, row, row_ids, signed_in_as

URL = "/queues/calls/"
pytestmark = pytest.mark.django_db


@pytest.fixture
def setter(client: Client, staff: Staff) -> User:
    return signed_in_as(client, Role.SETTER, username="sally")


def listed(client: Client) -> list[str]:
    return row_ids(client.get(URL).content.decode(), "call-")


def test_call_list_holds_only_free_sweet_spot_leads(
    client: Client, world: World, setter: User
) -> None:
    free = lead("Fay", "Free", n=1)
    assert listed(client) == [f"call-{free.pk}"]


def test_call_list_leaves_out_do_not_call_leads(client: Client, staff: Staff, setter: User) -> None:
    person = lead("Dee", "Nocall", n=2)
    set_consent(
        person=person,
        flag=ConsentChange.Flag.DO_NOT_CALL,
        value=True,
        by=staff.boss,
        reason="asked us not to call",
    )
    assert listed(client) == []


def test_call_list_leaves_out_leads_in_an_open_opportunity(
    client: Client, staff: Staff, setter: User
) -> None:
    person = lead("Opal", "Open", n=3)
    book(person, staff.ann, staff.rex, at=timezone.now())
    assert listed(client) == []


def test_a_lead_whose_opportunity_was_lost_to_nurture_is_called_again(
    client: Client, staff: Staff, setter: User
) -> None:
    person = lead("Lou", "Lost", n=4)
    appointment = book(person, staff.ann, staff.rex, at=timezone.now())
    mark_lost(
        opportunity=appointment.opportunity,
        lost_reason="not this quarter",
        disposition=LostDisposition.NURTURE,
        by=staff.rex,
    )
    assert listed(client) == [f"call-{person.pk}"]


def test_call_list_leaves_out_avoid_clients_and_leads_outside_the_sweet_spot(
    client: Client, world: World, setter: User
) -> None:
    ids = listed(client)
    for person in (world.avoided, world.client, world.qualified_plain, world.raw_old):
        assert f"call-{person.pk}" not in ids


def test_call_list_leaves_out_a_lead_without_a_phone(
    client: Client, staff: Staff, setter: User
) -> None:
    lead("Nora", "Nophone", n=5, phone="")
    assert listed(client) == []


def test_call_list_agrees_with_telemarketing_eligibility_for_every_kind_of_person(
    staff: Staff,
) -> None:
    """The SQL filter is the cheap part of `domain.channels.eligibility`; it must never
    list someone the rule refuses, nor miss a lead it allows."""
    now = timezone.now()
    lead("Ann", "Free", n=10)
    lead("Hal", "Hot", n=11, problems=("ransomware",))
    lead("Cal", "Cold", n=12, kind=ActivityKind.DOWNLOAD, wish=FollowUpWish.NONE)
    lead("Ret", "Retail", n=13, niche="retail")  # qualified, not sweet spot
    raw_lead("Raw", "Lead", n=14)
    lead("Una", "Faraway", n=15, geography="US-CA")  # unqualified
    lead("Pho", "Neless", n=16, phone="")
    dnc = lead("Dee", "Nocall", n=17)
    set_consent(
        person=dnc, flag=ConsentChange.Flag.DO_NOT_CALL, value=True, by=staff.boss, reason="x"
    )
    booked = lead("Bo", "Booked", n=18)
    book(booked, staff.ann, staff.rex, at=now)
    lost = lead("Lo", "Lost", n=19)
    mark_lost(
        opportunity=book(lost, staff.ann, staff.rex, at=now).opportunity,
        lost_reason="later",
        disposition=LostDisposition.NURTURE,
        by=staff.rex,
    )
    avoided = lead("Av", "Oid", n=20)
    add_to_avoid(person=avoided, by=staff.boss, reason="asked us to stop")
    create_person(by=None, first_name="Pro", last_name="Spect", phone="512-555-9999")

    expected = set()
    for person in Person.objects.filter(person_type=PersonType.LEAD):
        open_opportunity = person.opportunities.filter(closed_at__isnull=True).exists()
        subject = adapters.channel_subject(
            person, has_open_opportunity=open_opportunity, avoid_entry=None
        )
        if eligibility(subject, Channel.TELEMARKETING).allowed:
            expected.add(person.pk)
    listed_ids = set(callable_leads().values_list("pk", flat=True))
    assert listed_ids == expected
    assert len(expected) == 4  # Ann, Hal, Cal and Lo (lost to nurture)
    assert len(call_rows(list(callable_leads()))) == 4


def test_call_list_orders_hotter_first_then_problem_indicators_then_due_date(
    client: Client, staff: Staff, setter: User
) -> None:
    now = timezone.now()
    hot_problem_early = lead(
        "A", "HotProblemEarly", n=1, problems=("breach",), at=now - timedelta(days=7)
    )
    hot_problem_late = lead("B", "HotProblemLate", n=2, problems=("breach",), at=now)
    hot_plain = lead("C", "HotPlain", n=3, at=now - timedelta(days=10))
    warm = lead(
        "D",
        "Warm",
        n=4,
        kind=ActivityKind.DOWNLOAD,
        problems=("slow",),
        at=now - timedelta(days=20),
    )
    cool = lead("E", "Cool", n=5, kind=ActivityKind.DOWNLOAD, wish=FollowUpWish.NEUTRAL)
    expected = [hot_problem_early, hot_problem_late, hot_plain, warm, cool]
    assert listed(client) == [f"call-{p.pk}" for p in expected]

    rows = call_rows(list(callable_leads()))
    keys = [
        priority_key(Temperature(r.person.temperature), r.person.has_problem_indicators, r.due_on)
        for r in rows
    ]
    assert keys == sorted(keys), "the SQL order is the domain's priority_key"


def test_each_row_says_why_the_lead_is_on_the_list_and_the_next_step_due(
    client: Client, staff: Staff, setter: User
) -> None:
    person = lead("Wy", "Listed", n=6, problems=("ransomware scare",))
    task = Task.objects.get(person=person, kind=Task.Kind.CALL, done_at__isnull=True)
    text = row(client.get(URL).content.decode(), f"call-{person.pk}")
    assert "sweet spot: Growing professional firm" in text
    assert "telemarketing allowed" in text
    assert "hot: inbound call" in text
    assert "problem indicators" in text
    assert f"Call, due {task.due_on:%Y-%m-%d}" in text
    assert "Never called" in text


def test_a_cool_lead_without_a_task_shows_the_playbooks_next_step(
    client: Client, staff: Staff, setter: User
) -> None:
    person = lead("Co", "Ol", n=7, kind=ActivityKind.DOWNLOAD, wish=FollowUpWish.NEUTRAL)
    text = row(client.get(URL).content.decode(), f"call-{person.pk}")
    assert "No call scheduled" in text
    assert "playbook: drip and soft offer" in text


def log(client: Client, person: Person, **data: str) -> tuple[int, str]:
    response = client.post(f"{URL}{person.pk}/log/", {"page": "1", **data}, **HTMX)
    return response.status_code, response.content.decode()


def test_no_answer_is_logged_and_the_call_waits_for_the_next_business_day(
    client: Client, staff: Staff, setter: User
) -> None:
    person = lead("Nan", "Swer", n=8, at=timezone.now() - timedelta(days=5))
    status, answer = log(client, person, outcome="no_answer", note="voicemail full")
    assert status == 200
    call = CallLog.objects.get(person=person)
    assert (call.outcome, call.by, call.note) == (CallOutcome.NO_ANSWER, setter, "voicemail full")
    retry = adapters.calendar().add_business_days(timezone.localdate(), 1)
    task = Task.objects.get(person=person, kind=Task.Kind.CALL, done_at__isnull=True)
    assert task.due_on == retry
    text = row(answer, f"call-{person.pk}")
    assert f"try again on {retry}" in text
    assert "no answer" in text


def test_a_callback_at_a_date_becomes_the_callers_callback_task(
    client: Client, staff: Staff, setter: User
) -> None:
    person = lead("Cal", "Back", n=9)
    day = timezone.localdate() + timedelta(days=9)
    status, answer = log(client, person, outcome="callback", callback_on=day.isoformat())
    assert status == 200
    callback = Task.objects.get(person=person, kind=Task.Kind.CALLBACK)
    assert (callback.due_on, callback.assignee, callback.done_at) == (day, setter, None)
    assert not Task.objects.filter(person=person, kind=Task.Kind.CALL, done_at__isnull=True)
    assert CallLog.objects.get(person=person).callback_on == day
    assert f"Call back to rebook, due {day:%Y-%m-%d}" in row(answer, f"call-{person.pk}")


def test_a_callback_without_a_date_is_a_form_error(
    client: Client, staff: Staff, setter: User
) -> None:
    person = lead("No", "Date", n=10)
    status, answer = log(client, person, outcome="callback")
    assert status == 422
    assert "a callback needs the date" in row(answer, f"call-{person.pk}")
    assert not CallLog.objects.exists()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"outcome": "callback", "callback_on": "2001-01-01"}, "cannot be in the past"),
        ({"outcome": "callback", "callback_on": "next week"}, "Enter a valid date"),
        ({"outcome": "hung_up"}, "Select a valid choice"),
        ({}, "This field is required"),
        ({"outcome": "not_interested", "reason": "bored"}, "Select a valid choice"),
    ],
)
def test_bad_call_input_is_a_form_error_never_a_crash(
    client: Client, staff: Staff, setter: User, data: dict[str, str], reason: str
) -> None:
    person = lead("Bad", "Input", n=11)
    status, answer = log(client, person, **data)
    assert status == 422
    assert reason in row(answer, f"call-{person.pk}")
    assert not CallLog.objects.exists()


def test_not_interested_proposes_a_disqualification_and_leaves_the_list(
    client: Client, staff: Staff, setter: User
) -> None:
    person = lead("Ned", "Notnow", n=12)
    status, answer = log(client, person, outcome="not_interested", note="budget frozen")
    assert status == 200
    proposal = ProposedDisqualification.objects.get(person=person)
    assert proposal.reason == UnqualifiedReason.NO_NEED_NOW
    assert proposal.proposed_by == setter
    assert "budget frozen" in proposal.detail
    assert CallLog.objects.get(person=person).proposal == proposal
    assert f'href="{reverse("confirmations")}"' in answer
    assert listed(client) == []
    assert not Task.objects.filter(person=person, kind=Task.Kind.CALL, done_at__isnull=True)


def test_not_interested_may_name_a_truer_reason(client: Client, staff: Staff, setter: User) -> None:
    person = lead("Nat", "Boss", n=13)
    log(client, person, outcome="not_interested", reason="not_decision_maker")
    proposal = ProposedDisqualification.objects.get(person=person)
    assert proposal.reason == UnqualifiedReason.NOT_DECISION_MAKER


def test_booked_is_logged_and_links_to_the_booking_page(
    client: Client, staff: Staff, setter: User
) -> None:
    person = lead("Bea", "Booked", n=14)
    status, answer = log(client, person, outcome="booked")
    assert status == 200
    assert CallLog.objects.get(person=person).outcome == CallOutcome.BOOKED
    try:
        booking = reverse("book-appointment", args=[person.pk])
    except NoReverseMatch:  # the booking page is another part of the sales floor
        booking = reverse("person", args=[person.pk])
    assert f'href="{booking}"' in answer
    assert "autofocus" in answer


def test_a_lead_that_may_not_be_called_is_refused_with_the_reason(
    client: Client, staff: Staff, setter: User
) -> None:
    person = lead("Dot", "Dnc", n=15)
    set_consent(
        person=person, flag=ConsentChange.Flag.DO_NOT_CALL, value=True, by=staff.boss, reason="x"
    )
    status, answer = log(client, person, outcome="no_answer")
    assert status == 422
    assert "on do-not-call" in text_of(answer)
    assert not CallLog.objects.exists()


def test_a_lead_waiting_on_a_proposal_is_not_on_the_list(
    client: Client, staff: Staff, setter: User
) -> None:
    person = lead("Pen", "Ding", n=16)
    propose_disqualification(person=person, reason=UnqualifiedReason.NO_BUDGET, by=staff.boss)
    assert listed(client) == []


@pytest.mark.parametrize("role", [Role.SETTER, Role.OWNER])
def test_setters_and_the_owner_work_the_call_list(client: Client, staff: Staff, role: Role) -> None:
    signed_in_as(client, role)
    assert client.get(URL).status_code == 200


@pytest.mark.parametrize("role", [Role.MARKETING, Role.REP, Role.ADMIN, None])
def test_marketing_reps_admins_and_plain_users_cannot_open_the_call_list_or_log_calls(
    client: Client, staff: Staff, role: Role | None
) -> None:
    person = lead("Kit", "Kept", n=17)
    signed_in_as(client, *([role] if role else []))
    assert client.get(URL).status_code == 403
    assert log(client, person, outcome="no_answer")[0] == 403
    assert not CallLog.objects.exists()


@pytest.mark.parametrize("path", [URL, f"{URL}1/log/"])
def test_an_anonymous_visitor_is_sent_to_log_in(client: Client, db: None, path: str) -> None:
    response = client.get(path) if path == URL else client.post(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_logging_a_call_needs_the_csrf_token(staff: Staff) -> None:
    strict = Client(enforce_csrf_checks=True)
    signed_in_as(strict, Role.SETTER)
    person = lead("Cs", "Rf", n=18)
    assert strict.post(f"{URL}{person.pk}/log/", {"outcome": "no_answer"}).status_code == 403
    token = strict.get(URL).cookies["csrftoken"].value
    answer = strict.post(
        f"{URL}{person.pk}/log/", {"outcome": "no_answer"}, HTTP_X_CSRFTOKEN=token, **HTMX
    )
    assert answer.status_code == 200


def test_call_list_pages_fifty_leads_at_a_cost_that_does_not_grow_with_them(
    client: Client,
    staff: Staff,
    setter: User,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    for n in range(51):  # two temperature groups, so a page runs on from one to the next
        problems = ("ransomware",) if n < 30 else ()
        person = lead("Lee", f"Many{n:02d}", n=100 + n, problems=problems)
        if n % 2:
            CallLog.objects.create(person=person, outcome="no_answer", by=setter, at=timezone.now())
    with django_assert_max_num_queries(11):
        first = client.get(URL).content.decode()
    second = client.get(f"{URL}?page=2").content.decode()
    assert "Page 1 of 2" in text_of(first)
    in_pages = row_ids(first, "call-") + row_ids(second, "call-")
    assert in_pages == [f"call-{pk}" for pk in callable_leads().values_list("pk", flat=True)]


def test_the_person_page_shows_every_call_and_the_open_tasks(
    client: Client, staff: Staff, setter: User
) -> None:
    person = lead("Pia", "Page", n=19)
    day = timezone.localdate() + timedelta(days=5)
    log(client, person, outcome="no_answer", note="rang out")
    log(client, person, outcome="callback", callback_on=day.isoformat(), note="after lunch")
    page = client.get(f"/people/{person.pk}/").content.decode()
    calls = text_of(page[page.index('id="calls"') : page.index('id="timeline"')])
    assert "Call back" in calls
    assert f"({day:%Y-%m-%d})" in calls
    assert "rang out" in calls
    assert "No answer" in calls
    assert calls.index("Call back") < calls.index("No answer")  # newest first
    tasks = text_of(page[page.index('id="tasks"') : page.index('id="calls"')])
    assert f"{day:%Y-%m-%d} Call back to rebook Setter (Sally)" in tasks
    timeline = text_of(page[page.index('id="timeline"') :])
    assert "Call: call back" in timeline
