"""The report pages (PRODUCT.md §6): the funnel with every count opening the people behind
it, show rate and contract close, cohorts and the reverse-funnel plan; for owners and
marketing, with CSV downloads, charts drawn from our own static files, and a bad query a
400 with its reason, never a 500."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import polars as pl
import pytest
import vl_convert as vlc
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone

from leadflow.crm.models import Appointment
from leadflow.crm.services.pipeline import record_appointment_outcome
from leadflow.crm.services.playbook import set_thresholds
from leadflow.domain.funnel import FUNNEL
from leadflow.domain.people import Role
from leadflow.domain.pipeline import AppointmentOutcome
from leadflow.reports.stages import TRANSITIONS
from tests.http.pages import Staff, World, qualified_lead, row_by_id, text_of

LABELS = [stage.label for stage in FUNNEL]
PAGES = ["/reports/", "/reports/show-rate/", "/reports/cohorts/", "/reports/plan/"]
STAGES = [
    "raw",
    "qualified",
    "sweet_spot",
    "appointment_set",
    "appointment_sat",
    "proposing",
    "contract_sent",
    "won",
]


def as_role(client: Client, role: Role) -> User:
    user = User.objects.create_user(f"the-{role.value}", first_name=role.value.title())
    user.groups.add(Group.objects.get(name=role.value))
    client.force_login(user)
    return user


@pytest.fixture
def owner(client: Client, world: World) -> Client:
    as_role(client, Role.OWNER)
    return client


def plan_query() -> str:
    """Two new clients within a year, at the rates of the last 30 days: the whole world."""
    today = timezone.localdate()
    by, since = today + timedelta(days=365), today - timedelta(days=30)
    return f"new_clients=2&by={by}&rates_from={since}"


def page_of(client: Client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.content.decode()[:2000]
    return response.content.decode()


def counts_in_row(page: str, row_id: str) -> dict[str, int]:
    """The count in each stage's cell of one funnel row."""
    found = re.search(rf'<tr id="{re.escape(row_id)}"[^>]*>(.*?)</tr>', page, re.DOTALL)
    assert found is not None, f"no row {row_id!r}"
    cells = re.findall(r'data-stage="(\w+)"><a href="[^"]*">(\d+)</a>', found[1])
    return {stage: int(n) for stage, n in cells}


def links_in_row(page: str, row_id: str) -> dict[str, str]:
    found = re.search(rf'<tr id="{re.escape(row_id)}"[^>]*>(.*?)</tr>', page, re.DOTALL)
    assert found is not None
    cells = re.findall(r'data-stage="(\w+)"><a href="([^"]*)">', found[1])
    return {stage: url.replace("&amp;", "&") for stage, url in cells}


def people_listed(client: Client, url: str) -> list[int]:
    """Every person id the drill-down lists, across all its pages."""
    ids: list[int] = []
    page = 1
    while True:
        html = page_of(client, f"{url}&page={page}")
        ids += [int(i) for i in re.findall(r'<tr id="person-(\d+)">', html)]
        if 'rel="next"' not in html:
            return ids
        page += 1


def csv_of(client: Client, url: str) -> pl.DataFrame:
    response = client.get(url)
    assert response.status_code == 200, response.content.decode()[:2000]
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return pl.read_csv(io.BytesIO(response.content))


def chart_specs(page: str) -> dict[str, dict[str, Any]]:
    found = re.findall(r'<script id="([\w-]+-spec)" type="application/json">(.*?)</script>', page)
    return {name: json.loads(spec) for name, spec in found}


def values_of(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [row for rows in spec.get("datasets", {}).values() for row in rows]


# --- who may read the reports ------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.OWNER, Role.MARKETING])
def test_owner_and_marketing_read_every_report_page(
    client: Client, world: World, role: Role
) -> None:
    as_role(client, role)
    assert 'href="/reports/"' in page_of(client, "/")
    for url in [*PAGES, "/reports/people/?stage=raw"]:
        page_of(client, url)


@pytest.mark.parametrize("role", [Role.SETTER, Role.REP, Role.ADMIN])
def test_setters_reps_and_admins_may_not_read_the_reports(
    client: Client, world: World, role: Role
) -> None:
    as_role(client, role)
    for url in [*PAGES, "/reports/people/?stage=raw", "/reports/?format=csv"]:
        assert client.get(url).status_code == 403
    assert 'href="/reports/"' not in page_of(client, "/")


def test_an_anonymous_visitor_is_sent_to_the_login_page(client: Client, db: None) -> None:
    for url in [*PAGES, "/reports/people/?stage=raw"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=/reports/")


def test_reports_are_reads_only(owner: Client) -> None:
    assert owner.post("/reports/", {"by": "source"}).status_code == 405
    assert owner.post("/reports/plan/", {"new_clients": "2"}).status_code == 405


# --- the funnel's numbers ----------------------------------------------------------------


def test_the_funnel_counts_every_lead_at_every_stage_it_reached(owner: Client) -> None:
    # By construction (tests/http/conftest.py): 8 leads (everyone but the prospect).
    # Raw at most: Rita, Ray, Uma (unqualified) and Al (avoided); qualified: Quinn (not
    # sweet spot), Sam (sweet, set), Sue (sweet, proposing), Cole (sweet, won).
    page = page_of(owner, "/reports/")
    expected = [8, 4, 3, 3, 2, 2, 1, 1]
    assert counts_in_row(page, "row-all") == dict(zip(STAGES, expected, strict=True))
    row = row_by_id(page, "row-all")
    # Sweet spot is a tag: appointment set steps from qualified (3 of 4), not from it.
    assert row.startswith("All 8 4 50% 3 75% 3 75% 2 67% 2 100% 1 50% 1 100% 12%")


def test_the_funnel_by_setter_counts_each_setters_opportunities(
    owner: Client, staff: Staff
) -> None:
    page = page_of(owner, "/reports/?by=setter")
    pipeline = STAGES[3:]
    # Ann booked Sam (still set) and Sue (sat, proposing); Bob booked Cole (won).
    assert counts_in_row(page, f"row-{staff.ann.pk}") == dict(
        zip(pipeline, [2, 1, 1, 0, 0], strict=True)
    )
    assert counts_in_row(page, f"row-{staff.bob.pk}") == dict(
        zip(pipeline, [1, 1, 1, 1, 1], strict=True)
    )
    assert counts_in_row(page, "row-all") == dict(zip(pipeline, [3, 2, 2, 1, 1], strict=True))
    assert "Ann Setter" in row_by_id(page, f"row-{staff.ann.pk}")
    by_rep = page_of(owner, "/reports/?by=rep")
    assert counts_in_row(by_rep, f"row-{staff.rex.pk}") == dict(
        zip(pipeline, [3, 2, 2, 1, 1], strict=True)
    )


def test_the_funnel_counts_only_leads_of_the_period(owner: Client) -> None:
    today = timezone.localdate()
    # Sam, Sue, Quinn and Cole became leads ten days ago, Rita twenty: the last week
    # holds only Ray, Uma and Al, none of them qualified.
    week = f"from={today - timedelta(days=5)}&to={today}"
    assert counts_in_row(page_of(owner, f"/reports/?{week}"), "row-all") == dict(
        zip(STAGES, [3, 0, 0, 0, 0, 0, 0, 0], strict=True)
    )
    fortnight = f"from={today - timedelta(days=15)}&to={today}"
    assert counts_in_row(page_of(owner, f"/reports/?{fortnight}"), "row-all")["raw"] == 7


def test_the_sources_table_has_raw_leads_and_the_share_unqualified(owner: Client) -> None:
    page = page_of(owner, "/reports/")
    # Nobody in the world came through a source: one row, and Uma is unqualified.
    assert row_by_id(page, "source-0-0") == ("(none) (none) 8 1 12% Outside service area: 1")


def test_the_conversion_table_has_every_pair_of_stages(owner: Client) -> None:
    page = page_of(owner, "/reports/")
    section = page[page.index('id="conversions"') : page.index('id="sources"')]
    assert section.count('<tr><th scope="row">') == 7  # every stage but the last
    assert section.count('<td class="num">') == 28  # 8 * 7 / 2 ordered pairs
    # Qualified → won: 1 of 4; raw → appointment set: 3 of 8.
    assert 'title="25% (1 of 4; 80% interval' in section
    assert 'title="38% (3 of 8; 80% interval' in section


def test_time_in_stage_lists_every_transition(owner: Client) -> None:
    page = page_of(owner, "/reports/")
    assert row_by_id(page, "stage-appointment_set-appointment_sat").startswith(
        "Appointment set → Appointment sat 2"
    )


# --- the people behind a count -----------------------------------------------------------


def test_every_count_opens_exactly_the_people_behind_it(owner: Client, world: World) -> None:
    page = page_of(owner, "/reports/")
    links = links_in_row(page, "row-all")
    counts = counts_in_row(page, "row-all")
    leads = {
        "raw": [world.raw_old, world.raw_new, world.unqualified, world.avoided,
                world.qualified_plain, world.sweet_at_set, world.sweet_proposing, world.client],
        "qualified": [world.qualified_plain, world.sweet_at_set, world.sweet_proposing,
                      world.client],
        "sweet_spot": [world.sweet_at_set, world.sweet_proposing, world.client],
        "appointment_set": [world.sweet_at_set, world.sweet_proposing, world.client],
        "appointment_sat": [world.sweet_proposing, world.client],
        "proposing": [world.sweet_proposing, world.client],
        "contract_sent": [world.client],
        "won": [world.client],
    }  # fmt: skip
    for stage, people in leads.items():
        listed = people_listed(owner, links[stage])
        assert sorted(listed) == sorted(p.pk for p in people), stage
        assert len(listed) == counts[stage]
    assert world.prospect.pk not in people_listed(owner, links["raw"])


def test_the_people_behind_a_setters_count_are_their_opportunities(
    owner: Client, world: World, staff: Staff
) -> None:
    page = page_of(owner, "/reports/?by=setter")
    links = links_in_row(page, f"row-{staff.ann.pk}")
    assert sorted(people_listed(owner, links["appointment_set"])) == sorted(
        [world.sweet_at_set.pk, world.sweet_proposing.pk]
    )
    assert people_listed(owner, links["appointment_sat"]) == [world.sweet_proposing.pk]
    assert people_listed(owner, links["won"]) == []
    listing = page_of(owner, links["appointment_set"])
    assert f'href="/people/{world.sweet_proposing.pk}/"' in listing
    assert "2 opportunities" in text_of(listing)
    assert '<a href="/reports/?by=setter">Back to the funnel</a>' in listing


def test_every_row_of_every_cut_adds_up_to_its_drill_down(owner: Client) -> None:
    for cut in ("source", "campaign", "month", "quarter", "setter", "rep"):
        page = page_of(owner, f"/reports/?by={cut}")
        row_ids = re.findall(r'<tr id="(row-[^"]+)"', page)
        assert "row-all" in row_ids
        for row_id in row_ids:
            counts = counts_in_row(page, row_id)
            for stage, url in links_in_row(page, row_id).items():
                assert len(people_listed(owner, url)) == counts[stage], (cut, row_id, stage)


def test_a_drill_down_keeps_the_period_and_the_cut(owner: Client) -> None:
    today = timezone.localdate()
    start = today - timedelta(days=5)
    page = page_of(owner, f"/reports/?by=month&from={start}&to={today}")
    url = links_in_row(page, "row-all")["raw"]
    query = parse_qs(urlsplit(url).query)
    assert query["from"] == [start.isoformat()]
    assert query["to"] == [today.isoformat()]
    assert query["by"] == ["month"]
    assert query["stage"] == ["raw"]
    assert len(people_listed(owner, url)) == 3


def test_the_sources_counts_open_their_people(owner: Client, world: World) -> None:
    page = page_of(owner, "/reports/")
    row = re.search(r'<tr id="source-0-0">(.*?)</tr>', page, re.DOTALL)
    assert row is not None
    urls = [u.replace("&amp;", "&") for u in re.findall(r'href="([^"]+)"', row[1])]
    raw, unqualified, reason = urls
    assert len(people_listed(owner, raw)) == 8
    assert people_listed(owner, unqualified) == [world.unqualified.pk]
    assert "reason=outside_service_area" in reason
    assert people_listed(owner, reason) == [world.unqualified.pk]


def test_the_drill_down_pages_by_fifty(owner: Client, world: World) -> None:
    now = timezone.now()
    for n in range(52):
        qualified_lead("Lee", f"Many{n}", f"Many Co {n}", at=now, niche="retail", n=200 + n)
    first = page_of(owner, "/reports/people/?stage=qualified")
    assert "56 leads" in text_of(first)
    assert len(re.findall(r'<tr id="person-\d+">', first)) == 50
    assert 'rel="next"' in first
    second = page_of(owner, "/reports/people/?stage=qualified&page=2")
    assert len(re.findall(r'<tr id="person-\d+">', second)) == 6
    assert len(set(people_listed(owner, "/reports/people/?stage=qualified"))) == 56


# --- downloads ---------------------------------------------------------------------------


def test_each_table_downloads_as_csv(owner: Client, staff: Staff) -> None:
    # The tables are leadflow.reports.tables, the same the CLI writes.
    funnel = csv_of(owner, "/reports/?format=csv")
    assert funnel.select("stage", "reached").rows() == list(
        zip(LABELS, [8, 4, 3, 3, 2, 2, 1, 1], strict=True)
    )
    by_setter = csv_of(owner, "/reports/?by=setter&format=csv&table=funnel")
    set_rows = by_setter.filter(pl.col("stage") == "Appointment set")
    assert set_rows.select("setter", "reached").rows() == [
        ("Ann Setter", 2), ("Bob Setter", 1), ("All", 3)
    ]  # fmt: skip
    pairs = csv_of(owner, "/reports/?format=csv&table=conversions")
    assert pairs.height == 28
    won = pairs.filter((pl.col("from") == "Qualified") & (pl.col("to") == "Won"))
    assert won.select("reached both", "reached from").row(0) == (1, 4)
    sources = csv_of(owner, "/reports/?format=csv&table=sources")
    assert sources.select("raw leads", "unqualified").rows() == [(8, 1)]
    assert csv_of(owner, "/reports/?format=csv&table=stages").height == len(TRANSITIONS)
    rates = csv_of(owner, "/reports/show-rate/?format=csv")
    assert sorted(rates["setter"].to_list()) == ["Ann Setter", "Bob Setter"]
    contracts = csv_of(owner, "/reports/show-rate/?format=csv&table=contracts")
    assert contracts.select("rep", "won", "lost").rows() == [("Rex Rep", 1, 0), ("Everyone", 1, 0)]
    assert csv_of(owner, "/reports/cohorts/?format=csv")["leads"].sum() == 8
    people = csv_of(owner, "/reports/people/?stage=won&format=csv")
    assert people.select("last_name", "furthest").rows() == [("Client", "won")]
    assert "email" not in people.columns
    deals = csv_of(owner, f"/reports/people/?stage=won&by=rep&key={staff.rex.pk}&format=csv")
    assert deals.select("last_name", "setter", "rep", "stage", "value").rows() == [
        ("Client", "bob", "rex", "won", 12000.0)
    ]


def test_a_period_with_nobody_in_it_still_shows_and_downloads(owner: Client) -> None:
    empty = "from=2001-01-01&to=2001-12-31"
    rows = {
        ("/reports/", "funnel"): 8,  # the total's stages, all zeros
        ("/reports/", "conversions"): 28,  # every pair, 0 of 0
        ("/reports/", "sources"): 0,
        ("/reports/", "stages"): len(TRANSITIONS),
        ("/reports/show-rate/", "show-rate"): 0,
        ("/reports/show-rate/", "contracts"): 1,  # everyone: nothing decided yet
        ("/reports/cohorts/", "cohorts"): 0,
        ("/reports/people/", "people"): 0,
    }
    for (url, table), height in rows.items():
        query = f"{empty}&stage=won" if "people" in url else empty
        page_of(owner, f"{url}?{query}")
        assert csv_of(owner, f"{url}?{query}&format=csv&table={table}").height == height, table
    people = csv_of(owner, f"/reports/people/?{empty}&stage=won&format=csv")
    assert people.columns[:2] == ["person_id", "first_name"]


def test_the_plan_downloads_its_needs(owner: Client) -> None:
    query = plan_query()
    plan = csv_of(owner, f"/reports/plan/?{query}&format=csv")
    assert plan.select("stage", "needed").rows() == [
        ("Raw leads", 16), ("Qualified", 8), ("Appointment set", 6), ("Appointment sat", 4),
        ("Proposing", 4), ("Contract sent", 2), ("Won", 2),
    ]  # fmt: skip


# --- the other pages ---------------------------------------------------------------------


def test_the_show_rate_page_flags_setters_below_the_threshold(
    owner: Client, world: World, staff: Staff
) -> None:
    page = page_of(owner, "/reports/show-rate/")
    # Ann: Sue sat, Sam's outcome is still to come; Bob: Cole sat.
    ann = row_by_id(page, f"setter-{staff.ann.pk}")
    assert ann.startswith("Ann Setter 1 1 0 0 100%")
    assert ann.endswith(" 1")
    assert f'<tr id="setter-{staff.ann.pk}" class="flag"' not in page
    assert row_by_id(page, "rep-team").startswith("Everyone 1 0 100%")
    assert 'id="show-rate-chart"' in page


def test_a_setter_below_the_threshold_is_highlighted(
    owner: Client, world: World, staff: Staff
) -> None:
    pending = Appointment.objects.get(opportunity__person=world.sweet_at_set)
    record_appointment_outcome(
        appointment=pending, outcome=AppointmentOutcome.NO_SHOW, by=staff.rex
    )
    set_thresholds(by=staff.boss, raw_age_alert_business_days=2, show_rate_threshold=Decimal("0.6"))
    # Ann: Sue sat, Sam did not show: 50%, below 60%. Bob: Cole sat, 100%.
    page = page_of(owner, "/reports/show-rate/")
    assert f'<tr id="setter-{staff.ann.pk}" class="flag">' in page
    assert "Show rate 50% is below 60%" in row_by_id(page, f"setter-{staff.ann.pk}")
    assert f'<tr id="setter-{staff.bob.pk}">' in page
    assert "flagged below 60%" in page
    spec = chart_specs(page)["show-rate-chart-spec"]
    flags = {r["setter"]: r["flag"] for r in values_of(spec) if "setter" in r}
    assert flags == {"Ann Setter": "below threshold", "Bob Setter": "meets threshold"}


def test_the_cohort_page_says_not_yet_for_young_cohorts(owner: Client) -> None:
    page = page_of(owner, "/reports/cohorts/")
    month = timezone.localdate().strftime("%Y-%m")
    assert row_by_id(page, f"cohort-{month}").startswith(month)
    assert "not yet" in row_by_id(page, f"cohort-{month}")
    assert 'id="cohort-chart"' in page


def test_the_plan_page_shows_needs_bottleneck_and_notes(owner: Client) -> None:
    assert 'name="new_clients"' in page_of(owner, "/reports/plan/")
    query = plan_query()
    page = page_of(owner, f"/reports/plan/?{query}")
    assert row_by_id(page, "need-raw").startswith("Raw leads 16")
    assert row_by_id(page, "need-won").startswith("Won 2 2\u20132")
    # Raw → qualified (4 of 8) and appointment set → sat (2 of 3)... the lowest is 50%.
    assert "Raw leads → Qualified: the lowest rate, 50% (4 of 8)" in text_of(page)
    assert 'id="least-sure"' in page
    assert 'id="plan-chart"' in page


def test_an_impossible_plan_is_a_form_error(owner: Client) -> None:
    by = timezone.localdate() + timedelta(days=90)
    # The default rates come from leads of 15 to 3 months ago: the world has none.
    page = page_of(owner, f"/reports/plan/?new_clients=3&by={by}", 400)
    assert "no history to measure the rate after" in page
    # In the last five days only Ray, Uma and Al arrived, and none of them is qualified.
    recent = timezone.localdate() - timedelta(days=5)
    page = page_of(owner, f"/reports/plan/?revenue=5000&by={by}&rates_from={recent}", 400)
    assert "no history to measure the rate after: Qualified, Appointment set" in page


# --- bad parameters ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/reports/?from=yesterday", "Enter a valid date."),
        ("/reports/?from=2026-05-01&to=2026-04-01", "the period starts (2026-05-01) after it ends"),
        ("/reports/?by=galaxy", "Select a valid choice."),
        ("/reports/?format=pdf", "there is no “pdf” download"),
        ("/reports/?format=csv&table=nope", "this page has no table “nope”: funnel, conversions"),
        ("/reports/show-rate/?to=2026-02-30", "Enter a valid date."),
        ("/reports/cohorts/?from=2026-05-01&to=2026-01-01", "after it ends"),
        ("/reports/people/?stage=nirvana", "Select a valid choice."),
        ("/reports/people/", "This field is required."),
        ("/reports/people/?stage=raw&by=setter", "counts opportunities from the appointment on"),
        ("/reports/people/?stage=raw&by=month&key=March", "is not a month like 2026-03"),
        ("/reports/people/?stage=raw&by=quarter&key=2026-Q5", "is not a quarter like 2026-Q1"),
        ("/reports/people/?stage=won&by=source&key=abc", "is not the id of a source"),
        ("/reports/people/?stage=won&key=7", "leave the key empty"),
        (f"/reports/people/?stage=raw&by=source&key={'9' * 30}", "is not the id of a source"),
        (f"/reports/people/?stage=raw&by=campaign&key=1&source={'9' * 30}", "less than or equal"),
        ("/reports/people/?stage=won&by=setter&key=1&source=1", "no source to narrow by"),
        ("/reports/people/?stage=raw&reason=no_budget", "a reason narrows only the unqualified"),
        ("/reports/plan/?by=2027-01-01", "plan for a number of new clients or for revenue"),
        ("/reports/plan/?new_clients=3&revenue=10&by=2027-01-01", "not both"),
        ("/reports/plan/?new_clients=0&by=2027-01-01", "greater than or equal to 1"),
        ("/reports/plan/?new_clients=3", "This field is required."),
        (f"/reports/plan/?new_clients={'9' * 30}&by=2027-01-01", "less than or equal"),
        ("/reports/plan/?new_clients=3&by=0001-01-02", "must be within 20 years of today"),
        ("/reports/plan/?new_clients=3&by=2027-01-01&source=999999", "Select a valid choice"),
        ("/reports/plan/?new_clients=3&by=2027-01-01&rates_from=2026-05-01&rates_to=2026-01-01",
         "the rates&#x27; period starts"),
    ],
)  # fmt: skip
def test_a_bad_parameter_is_a_400_with_its_reason(owner: Client, url: str, message: str) -> None:
    page = page_of(owner, url, 400)
    assert message in page
    assert 'class="errors"' in page


# --- charts on the pages -----------------------------------------------------------------


def test_every_page_draws_its_chart_from_our_own_vega_bundle(owner: Client) -> None:
    plan = plan_query()
    for url, chart in [
        ("/reports/", "funnel-chart"),
        ("/reports/show-rate/", "show-rate-chart"),
        ("/reports/cohorts/", "cohort-chart"),
        (f"/reports/plan/?{plan}", "plan-chart"),
    ]:
        page = page_of(owner, url)
        assert '<script src="/static/leadflow/vendor/vega-bundle.min.js" defer>' in page
        assert f'data-vega-spec="{chart}-spec"' in page
        spec = chart_specs(page)[f"{chart}-spec"]
        assert vlc.vegalite_to_svg(spec, allowed_base_urls=[]).startswith("<svg")


def test_no_report_page_loads_anything_from_another_site(owner: Client) -> None:
    plan = plan_query()
    for url in [*PAGES, f"/reports/plan/?{plan}", "/reports/people/?stage=raw"]:
        page = page_of(owner, url)
        sources = re.findall(r'<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)="([^"]*)"', page)
        assert sources, url
        assert not [s for s in sources if re.match(r"(https?:)?//", s)], url


def test_the_vendored_bundle_is_served_and_names_its_versions(owner: Client) -> None:
    response = owner.get("/static/leadflow/vendor/vega-bundle.min.js")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    header = body[:400].decode()
    assert header.startswith("/*! Vega 6.")
    assert "Vega-Lite 6." in header
    assert "Vega-Embed 7." in header
    assert b"window.vegaEmbed=" in body


def test_a_report_period_beyond_the_calendar_is_a_form_error_not_a_crash(
    client: Client, staff: Staff
) -> None:
    client.force_login(staff.boss)
    response = client.get("/reports/", {"to": "9999-12-31"})
    assert response.status_code == 400
    assert "9998" in response.content.decode()
