"""The sales floor in Chromium (issue 5): a setter books, a rep closes, a loss goes to Avoid.

Each flow is what one person does at their desk, through the pages and their forms only;
the small world before it is built with the real services.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from leadflow.crm.services.people import create_person, record_interest_activity
from leadflow.domain.temperature import ActivityKind, FollowUpWish
from tests.browser.pages import log_in, log_out, nav
from tests.browser.worlds import Team, booked_lead, qualified_lead


def board_column(page: Page, label: str) -> Locator:
    """A pipeline column, by its heading: the stage's label, then the count ("Won 1")."""
    return page.get_by_role("region", name=label)


def card(column: Locator, person: str) -> Locator:
    return column.get_by_role("listitem").filter(
        has=column.page.get_by_role("link", name=person, exact=True)
    )


def move(page: Page, person: str, to: str, *, asks: bool = False) -> Locator:
    """A card's move: a button for a one-click move, "Won…" when a form follows."""
    moves = page.get_by_role("group", name=f"Move {person} to")
    return moves.get_by_role("button", name=f"{to}…" if asks else to, exact=True)


def test_a_rep_records_sat_then_moves_to_proposal_contract_and_won_and_the_person_is_a_client(
    page: Page, team: Team
) -> None:
    three_days_ago = timezone.now() - timedelta(days=3)  # the appointment was yesterday
    booked_lead("Sally", "Sweet", "Sweet Law", team=team, at=three_days_ago, n=1)

    log_in(page, "rep")
    nav(page, "Appointments")
    row = page.get_by_role("row", name=re.compile("Sally Sweet"))
    expect(row).to_contain_text("Sam Setter")
    row.get_by_role("button", name="Sat", exact=True).click()
    expect(row.get_by_role("status")).to_contain_text("sat; next, a proposal")

    nav(page, "Pipeline")
    sat = board_column(page, "Appointment sat")
    expect(card(sat, "Sally Sweet")).to_be_visible()
    move(page, "Sally Sweet", "Proposing / negotiating").click()
    expect(card(board_column(page, "Proposing / negotiating"), "Sally Sweet")).to_be_visible()
    expect(card(sat, "Sally Sweet")).to_have_count(0)

    move(page, "Sally Sweet", "Contract sent").click()
    expect(card(board_column(page, "Contract sent"), "Sally Sweet")).to_be_visible()

    move(page, "Sally Sweet", "Won", asks=True).click()
    page.get_by_label("Contract value").fill("18000")
    page.get_by_role("button", name="Move to Won").click()
    expect(page.get_by_role("status").filter(has_text="won")).to_contain_text(
        "Sally Sweet: won — now a Client."
    )
    won = card(board_column(page, "Won"), "Sally Sweet")
    expect(won).to_contain_text("Client")
    expect(won).to_contain_text("18000")

    won.get_by_role("link", name="Sally Sweet").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Sally Sweet")
    expect(heading).to_contain_text("Client")
    expect(page.locator("#opportunities")).to_contain_text("contract 18000")


def test_a_setter_works_the_call_list_and_books_an_appointment(page: Page, team: Team) -> None:
    yesterday = timezone.now() - timedelta(days=1)
    qualified_lead("Abe", "Answerless", "Answerless Law", at=yesterday, n=1)
    qualified_lead("Carl", "Caller", "Caller Accounting", at=yesterday, n=2)

    log_in(page, "setter")
    nav(page, "Call list")
    expect(page.get_by_text("2 leads to call")).to_be_visible()
    calls = page.locator("#call-list")

    abe = calls.get_by_role("row", name=re.compile("Abe Answerless"))
    expect(abe).to_contain_text("Never called")
    abe.get_by_role("radio", name="No answer").check()
    abe.get_by_role("button", name="Log call").click()
    expect(abe.get_by_role("status")).to_contain_text("Abe Answerless: no answer")
    expect(abe).to_contain_text("by Sam Setter")

    carl = calls.get_by_role("row", name=re.compile("Carl Caller"))
    expect(carl.locator(".why")).to_contain_text("Hot")
    carl.get_by_role("radio", name="Booked an appointment").check()
    carl.get_by_role("button", name="Log call").click()
    expect(carl.get_by_role("status")).to_contain_text("Carl Caller: booked an appointment")
    carl.get_by_role("link", name="Book the appointment with Carl Caller").click()

    expect(page.get_by_role("heading", name="Book an appointment")).to_be_visible()
    expect(page.get_by_label("Setter", exact=True)).to_have_value(str(team.setter.pk))
    page.get_by_label("Sales rep", exact=True).select_option(label="Ray Rep")
    tomorrow = timezone.localtime() + timedelta(days=1)
    page.get_by_label("Date and time").fill(f"{tomorrow:%Y-%m-%d}T10:30")
    page.get_by_label("They have a problem we solve").check()
    page.get_by_label("They have the authority and the means to buy").check()
    page.get_by_label("They agreed to talk to a sales rep").check()
    page.get_by_role("button", name="Book the appointment").click()

    expect(page.get_by_role("status")).to_contain_text(
        f"Appointment booked with Ray Rep on {tomorrow:%Y-%m-%d} 10:30"
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text("Carl Caller")
    deals = page.locator("#opportunities")
    expect(deals).to_contain_text("Appointment set")
    expect(deals).to_contain_text("setter Sam Setter, rep Ray Rep")
    expect(page.locator("#tasks")).to_contain_text("Send the shock-and-awe package")

    nav(page, "Call list")
    expect(page.get_by_text("1 lead to call")).to_be_visible()
    expect(calls.get_by_role("row", name=re.compile("Carl Caller"))).to_have_count(0)
    expect(calls.get_by_role("row", name=re.compile("Abe Answerless"))).to_be_visible()


def lose(page: Page, person: str, why: str, disposition: str) -> None:
    move(page, person, "Lost", asks=True).click()
    page.get_by_label("Why was it lost?").fill(why)
    page.get_by_label(disposition).check()
    page.get_by_role("button", name="Move to Lost").click()


def test_a_deal_lost_with_disposition_avoid_disappears_from_every_list(
    page: Page, team: Team
) -> None:
    three_days_ago = timezone.now() - timedelta(days=3)
    booked_lead("Nora", "Never", "Never Again Dental", team=team, at=three_days_ago, n=1)
    # The controls: a deal lost to nurture comes back to the call list, a raw lead waits
    # for review; so an empty list below is the Avoid rule, not an empty page.
    booked_lead("Ned", "Nurture", "Nurture Legal", team=team, at=three_days_ago, n=2)
    raw = create_person(by=None, first_name="Rita", last_name="Raw", email="rita@raw.example")
    record_interest_activity(
        person=raw, kind=ActivityKind.DOWNLOAD, wish=FollowUpWish.NEUTRAL, by=None
    )

    log_in(page, "marketing")
    nav(page, "Tasks")
    shock_and_awe = page.locator("#tasks").get_by_role("row", name=re.compile("Nora Never"))
    expect(shock_and_awe).to_contain_text("Send the shock-and-awe package")
    log_out(page)

    log_in(page, "rep")
    nav(page, "Pipeline")
    lose(page, "Ned Nurture", "no budget this year", "Nurture: back to an unconverted lead")
    expect(page.get_by_role("status").filter(has_text="Ned")).to_contain_text(
        "Ned Nurture: lost (Nurture"
    )
    lose(page, "Nora Never", "abusive to our rep", "Avoid: we will never work with them")
    expect(page.get_by_role("status").filter(has_text="Nora")).to_contain_text(
        "Nora Never: lost, and put on the Avoid list."
    )
    expect(card(board_column(page, "Lost"), "Nora Never")).to_contain_text("Avoid")
    expect(card(board_column(page, "Appointment set"), "Nora Never")).to_have_count(0)
    nav(page, "Appointments")
    expect(page.get_by_role("row", name=re.compile("Nora Never"))).to_have_count(0)
    log_out(page)

    log_in(page, "setter")
    nav(page, "Call list")
    calls = page.locator("#call-list")
    expect(calls.get_by_role("row", name=re.compile("Ned Nurture"))).to_be_visible()
    expect(calls.get_by_role("row", name=re.compile("Nora Never"))).to_have_count(0)

    nav(page, "Raw review")
    queue = page.locator("#raw-queue")
    expect(queue.get_by_role("row", name=re.compile("Rita Raw"))).to_be_visible()
    expect(queue.get_by_role("row", name=re.compile("Nora Never"))).to_have_count(0)

    search = page.get_by_role("searchbox", name="Search people")
    search.fill("Nora Never")
    search.press("Enter")
    expect(page.get_by_text(re.compile(r"^1 person\b"))).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Nora Never"))).to_contain_text("Avoid")
    page.get_by_role("link", name="Nora Never").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Avoid")
    expect(page.locator("#avoid")).to_contain_text("put there by Ray Rep: abusive to our rep")
    log_out(page)

    log_in(page, "marketing")
    nav(page, "Tasks")
    expect(page.locator("#tasks").get_by_role("row", name=re.compile("Nora Never"))).to_have_count(
        0
    )
    log_out(page)

    log_in(page, "admin")
    nav(page, "Avoid")
    page.get_by_label("Search", exact=True).fill("Never")
    page.get_by_role("button", name="Search", exact=True).click()
    entry = page.locator(".avoid-entries").get_by_role("row", name=re.compile("Nora Never"))
    expect(entry).to_contain_text("abusive to our rep")
    expect(entry).to_contain_text("by Ray Rep")
    expect(entry).to_contain_text("active")
