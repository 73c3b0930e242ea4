"""Finding a person and typing one in, in Chromium: the pages every role starts from."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.pages import log_in
from tests.browser.worlds import Team, booked_lead, qualified_lead


def test_a_setter_goes_from_the_dashboard_through_search_to_the_person_page(
    page: Page, team: Team
) -> None:
    earlier = timezone.now() - timedelta(days=3)
    qualified_lead("Sally", "Sweet", "Sweet Law", at=earlier, n=1)
    booked_lead("Quentin", "Booked", "Booked Accounting", team=team, at=earlier, n=2)

    log_in(page, "setter")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    by_type = page.locator("#people-by-type")
    expect(by_type.get_by_role("row", name="Lead")).to_contain_text("2")

    search = page.get_by_role("searchbox", name="Search people")
    search.fill("sweet law")
    search.press("Enter")
    expect(page.get_by_role("heading", name="People", exact=True)).to_be_visible()
    expect(page.get_by_text(re.compile(r"^1 person\b"))).to_be_visible()
    page.get_by_role("link", name="Sally Sweet").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Sally Sweet")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lead")
    expect(page.locator("#qualification")).to_contain_text("Qualified")
    expect(page.locator("#qualification")).to_contain_text("sweet spot")
    expect(page.locator("#temperature")).to_contain_text("Hot")
    expect(page.locator("#company")).to_contain_text("Sweet Law")


def test_the_people_filters_narrow_the_list_to_a_type(page: Page, team: Team) -> None:
    earlier = timezone.now() - timedelta(days=3)
    qualified_lead("Sally", "Sweet", "Sweet Law", at=earlier, n=1)
    booked_lead("Quentin", "Booked", "Booked Accounting", team=team, at=earlier, n=2)

    log_in(page, "rep")
    page.get_by_role("navigation").get_by_role("link", name="People").click()
    expect(page.get_by_text(re.compile(r"^2 people\b"))).to_be_visible()
    page.get_by_label("Open opportunity at").select_option(label="Appointment set")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text(re.compile(r"^1 person\b"))).to_be_visible()
    expect(page.get_by_role("link", name="Quentin Booked")).to_be_visible()
    expect(page.get_by_role("link", name="Sally Sweet")).to_have_count(0)


def test_a_marketer_types_in_a_caller_who_becomes_a_hot_lead(page: Page, team: Team) -> None:
    log_in(page, "marketing")
    page.get_by_role("navigation").get_by_role("link", name="Intake").click()
    page.get_by_role("link", name="Add a person by hand").click()
    expect(page.get_by_role("heading", name="Add a person")).to_be_visible()

    page.get_by_label("First name").fill("Carla")
    page.get_by_label("Last name").fill("Caller")
    page.get_by_label("Email").fill("carla@callerlaw.example")
    page.get_by_label("Phone").fill("(512) 555-0199")
    page.get_by_label("Job title").fill("Managing Partner")
    page.get_by_label("Company", exact=True).fill("Caller Law")
    page.get_by_label("Industry").fill("legal")
    page.get_by_label("Employees").fill("25")
    page.get_by_label("City").fill("Austin")
    page.get_by_label("State / region").fill("TX")
    page.get_by_label("Country").fill("US")
    page.get_by_label("Need").select_option(label="Need now")
    page.get_by_label("Wants a follow-up").select_option(label="Asked")
    page.get_by_label("Activity").select_option(label="Inbound call")
    page.get_by_role("button", name="Add").click()

    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Carla Caller")
    expect(heading).to_contain_text("Lead")
    expect(page.locator("#temperature")).to_contain_text("Hot")
    expect(page.locator("#contact")).to_contain_text("carla@callerlaw.example")
    expect(page.locator("#timeline")).not_to_contain_text("Nothing recorded yet")


def test_manual_entry_shows_a_bad_phone_next_to_its_field(page: Page, team: Team) -> None:
    log_in(page, "setter")
    page.goto("/intake/manual/")
    page.get_by_label("First name").fill("Bad")
    page.get_by_label("Last name").fill("Phone")
    page.get_by_label("Phone").fill("12")
    page.get_by_role("button", name="Add").click()
    expect(page.locator("#field-phone")).to_contain_text("not a phone number")
    expect(page.get_by_role("heading", name="Add a person")).to_be_visible()
