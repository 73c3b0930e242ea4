"""The dashboard's counts (PRODUCT.md §1-§6) against a world whose answer is known."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leadflow.crm.models import BusinessSettings
from leadflow.crm.selectors.dashboard import Dashboard, Tally, raw_leads_over_age
from leadflow.crm.services.people import create_person, record_interest_activity
from leadflow.crm.services.pipeline import record_appointment_outcome
from leadflow.domain.pipeline import AppointmentOutcome
from leadflow.domain.temperature import ActivityKind, FollowUpWish
from tests.http.pages import Staff, World, book, qualified_lead, row_by_id, text_of


def counts(tallies: tuple[Tally, ...]) -> dict[str, int]:
    return {t.key: t.count for t in tallies}


def test_dashboard_counts_match_a_world_built_with_the_services(
    signed_in: Client, world: World
) -> None:
    response = signed_in.get("/")
    d: Dashboard = response.context["d"]

    assert counts(d.people_by_type) == {"prospect": 1, "lead": 6, "client": 1, "avoid": 1}
    assert counts(d.leads_by_status) == {"raw": 2, "unqualified": 1, "qualified": 3}
    assert {t.label: t.count for t in d.sweet_spot_by_avatar} == {
        "Growing professional firm": 2,
        "Multi-site manufacturer": 0,
        "Burned by their last MSP": 0,
    }
    assert {t.label: t.count for t in d.leads_by_temperature} == {
        "cold": 1,
        "cool": 1,
        "warm": 1,
        "hot": 3,
    }
    assert counts(d.open_opportunities_by_stage) == {
        "appointment_set": 1,
        "appointment_sat": 0,
        "no_show": 0,
        "cancelled": 0,
        "proposing": 1,
        "contract_sent": 0,
    }
    assert counts(d.unqualified_by_reason)["outside_service_area"] == 1
    assert sum(counts(d.unqualified_by_reason).values()) == 1
    assert d.raw_age_alert.count == 1
    assert row_by_id(response.content.decode(), "raw-over-age").endswith(" 1")


def test_raw_age_alert_counts_business_days_from_the_configured_limit(
    signed_in: Client, world: World
) -> None:
    """Rita became a lead 20 calendar days ago (at most 16 business days): over a 1-day
    limit, under a 20-business-day one. Ray, a lead since today, is never over."""
    assert signed_in.get("/").context["d"].raw_age_alert.count == 1
    BusinessSettings.objects.filter(id=1).update(raw_age_alert_business_days=20)
    alert = signed_in.get("/").context["d"].raw_age_alert
    assert (alert.count, alert.limit_business_days) == (0, 20)


def test_every_dashboard_count_links_to_a_list_of_exactly_those_people(
    signed_in: Client, world: World
) -> None:
    page = signed_in.get("/").content.decode()
    links = re.findall(r'<a href="(/people/\?[^"]+)">(\d+)</a>', page)
    assert len(links) >= 25  # every table row but the tasks and the show rates
    for href, shown in links:
        listed = signed_in.get(html.unescape(href)).context["page"].paginator.count
        assert listed == int(shown), href


def test_open_tasks_due_today_and_overdue_are_counted_and_done_tasks_are_not(
    signed_in: Client, staff: Staff
) -> None:
    now = timezone.now()
    long_ago = now - timedelta(days=30)
    # A hot lead's call task fell due a month ago: overdue.
    qualified_lead("Hal", "Hot", "Hot Law", at=long_ago, n=1)
    # Booking closes the call task (done); the shock-and-awe task is still open and late;
    # a cancellation with today's callback date adds a task due today.
    booked = qualified_lead("Cal", "Callback", "Callback Law", at=long_ago, n=2)
    appointment = book(booked, staff.ann, staff.rex, at=long_ago)
    record_appointment_outcome(
        appointment=appointment,
        outcome=AppointmentOutcome.CANCELLED,
        callback_on=timezone.localdate(),
        by=staff.ann,
    )
    page = signed_in.get("/")
    tasks = page.context["d"].tasks
    assert (tasks.open_total, tasks.due_today, tasks.overdue) == (3, 1, 2)
    assert row_by_id(page.content.decode(), "tasks-overdue") == "Open tasks overdue 2"


def _appointments(staff: Staff) -> None:
    """Ann: 2 sat of 2. Bob: 1 sat of 3 (a no-show and a cancellation), 1 still to come."""
    at = timezone.now() - timedelta(days=5)
    outcomes = [
        (staff.ann, AppointmentOutcome.SAT),
        (staff.ann, AppointmentOutcome.SAT),
        (staff.bob, AppointmentOutcome.SAT),
        (staff.bob, AppointmentOutcome.NO_SHOW),
        (staff.bob, AppointmentOutcome.CANCELLED),
        (staff.bob, None),
    ]
    callback = timezone.localdate()
    for n, (setter, outcome) in enumerate(outcomes):
        lead = qualified_lead("Lee", f"Lead{n}", f"Firm {n}", at=at, n=n)
        appointment = book(lead, setter, staff.rex, at=at)
        if outcome is not None:
            record_appointment_outcome(
                appointment=appointment,
                outcome=outcome,
                by=staff.rex,
                callback_on=callback if outcome is AppointmentOutcome.CANCELLED else None,
            )


def _setter_row(page: str, name: str) -> tuple[str, str]:
    found = re.search(rf'<tr class="setter([^"]*)" data-setter="{name}">(.*?)</tr>', page, re.S)
    assert found is not None, name
    return found[1].strip(), text_of(found[2])


def test_show_rate_flags_a_setter_below_the_threshold(signed_in: Client, staff: Staff) -> None:
    _appointments(staff)
    response = signed_in.get("/")
    rates = {r.setter: r for r in response.context["d"].show_rates}
    assert (rates["Ann Setter"].sat, rates["Ann Setter"].set_count) == (2, 2)
    assert (rates["Bob Setter"].sat, rates["Bob Setter"].set_count) == (1, 3)
    assert rates["Bob Setter"].awaiting == 1
    page = response.content.decode()
    assert _setter_row(page, "Ann Setter") == ("", "Ann Setter 2 2 0 0 100% 0")
    assert _setter_row(page, "Bob Setter") == ("flag", "Bob Setter 3 1 1 1 33% below threshold 1")


def test_show_rate_threshold_is_read_from_business_settings(
    signed_in: Client, staff: Staff
) -> None:
    _appointments(staff)
    BusinessSettings.objects.filter(id=1).update(show_rate_threshold=Decimal("0.25"))
    page = signed_in.get("/").content.decode()
    assert _setter_row(page, "Bob Setter")[0] == ""
    assert "flagged below 25%" in page


def test_dashboard_query_count_does_not_grow_with_the_number_of_people(
    signed_in: Client, staff: Staff
) -> None:
    """Every count is one aggregate query: a bigger world costs no extra queries."""
    with CaptureQueriesContext(connection) as empty:
        signed_in.get("/")
    _appointments(staff)
    cache.clear()  # count again, not the minute-old counts
    with CaptureQueriesContext(connection) as full:
        signed_in.get("/")
    assert len(full.captured_queries) == len(empty.captured_queries)


def test_a_raw_lead_is_late_only_after_more_than_the_limit_in_business_days(
    staff: Staff,
) -> None:
    """Limit 1 business day, today Monday 2025-03-17: Friday's lead is one business day
    old (Monday), on time; Thursday's is two (Friday, Monday), late. Weekends don't count."""
    for name, day in (("Thursday", 13), ("Friday", 14)):
        at = datetime(2025, 3, day, 23, 30, tzinfo=UTC)
        person = create_person(by=None, first_name=name, last_name="Raw", at=at)
        record_interest_activity(
            person=person, kind=ActivityKind.DOWNLOAD, wish=FollowUpWish.ASKED, by=None, at=at
        )
    alert = raw_leads_over_age(today=date(2025, 3, 17))
    assert alert.late_if_lead_on_or_before == date(2025, 3, 13)
    assert alert.count == 1


def test_dashboard_counts_are_at_most_a_minute_old_and_say_when_they_were_counted(
    signed_in: Client, world: World
) -> None:
    def prospects() -> int:
        page = signed_in.get("/").content.decode()
        assert "Counted at" in page
        found = re.search(r'<a href="/people/\?type=prospect">(\d+)</a>', page)
        assert found is not None
        return int(found[1])

    assert prospects() == 1
    create_person(by=None, first_name="New", last_name="Prospect", email="new@farm.example")
    assert prospects() == 1  # within the minute: the counts the page says it counted at
    cache.clear()  # what the minute's expiry does
    assert prospects() == 2
