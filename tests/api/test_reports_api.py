"""The numbers as JSON (issue 8): the same tables the CLI prints and the report pages
download, figure for figure; owners and marketing only; a bad parameter is a 422 with
its reason, never a 500."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from leadflow.domain.plan import Goal
from leadflow.reports import tables
from leadflow.reports.cohorts import cohorts
from leadflow.reports.common import Cut, Window
from leadflow.reports.forecast import forecast
from leadflow.reports.funnel import funnel
from leadflow.reports.plan import RatesFrom, plan
from leadflow.reports.show_rate import contract_close, show_rates
from tests.api.deals_world import Caller, Team, team
from tests.http.conftest import staff, world
from tests.http.pages import World

__all__ = ["staff", "team", "world"]

pytestmark = pytest.mark.django_db


def as_cli(table: tables.Table) -> list[dict[str, Any]]:
    """The rows `leadflow report … --format json` writes."""
    rows: list[dict[str, Any]] = json.loads(table.json())["rows"]
    return rows


@pytest.fixture
def owner(client: Client, team: Team, world: World) -> Caller:
    return team.as_(client, team.owner)


@pytest.fixture
def owner_of_nothing(client: Client, team: Team) -> Caller:
    """An owner in an empty CRM: enough to be refused (and quicker than the world)."""
    return team.as_(client, team.owner)


def test_the_funnel_json_equals_the_cli_tables(owner: Caller) -> None:
    for cut in (Cut.ALL, Cut.SETTER, Cut.SOURCE):
        response = owner.get("/reports/funnel", by=cut.value)
        assert response.status_code == 200
        body = response.json()
        report = funnel(cut, Window())
        assert body["by"] == cut.value
        assert body["period"] == "all time"
        assert body["funnel"]["rows"] == as_cli(tables.funnel_table(report))
        assert body["funnel"]["columns"] == tables.funnel_table(report).columns
        assert body["conversions"]["rows"] == as_cli(tables.conversions_table(report))
    # A small world, so the figures themselves are known: one client won of three set.
    total = {
        row["stage"]: row["reached"]
        for row in owner.get("/reports/funnel").json()["funnel"]["rows"]
        if row["all"] == "All"
    }
    assert (total["Appointment set"], total["Won"]) == (3, 1)


def test_a_funnel_period_narrows_the_figures_as_the_cli_does(owner: Caller) -> None:
    today = timezone.localdate()
    start = (today - timedelta(days=5)).isoformat()
    body = owner.get("/reports/funnel", **{"from": start, "to": today.isoformat()}).json()
    report = funnel(Cut.ALL, Window(today - timedelta(days=5), today))
    assert body["period"] == f"{start} to {today.isoformat()}"
    assert body["funnel"]["rows"] == as_cli(tables.funnel_table(report))


def test_the_show_rate_json_equals_the_cli_tables(owner: Caller) -> None:
    body = owner.get("/reports/show-rate").json()
    assert body["show_rate"]["rows"] == as_cli(tables.show_rate_table(show_rates(Window())))
    assert body["contracts"]["rows"] == as_cli(tables.contract_table(*contract_close(Window())))
    assert body["threshold"] > 0


def test_the_cohorts_json_equals_the_cli_table(owner: Caller) -> None:
    body = owner.get("/reports/cohorts").json()
    found = cohorts(Window(), today=timezone.localdate())
    assert body["cohorts"]["rows"] == as_cli(tables.cohort_table(found))
    assert body["cohorts"]["rows"]


def test_the_plan_json_equals_the_cli_table_for_the_same_rates(owner: Caller) -> None:
    today = timezone.localdate()
    by = today + timedelta(days=90)
    since = today - timedelta(days=30)
    response = owner.get(
        "/reports/plan",
        new_clients=4,
        by=by.isoformat(),
        rates_from=since.isoformat(),
        rates_to=today.isoformat(),
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    expected = plan(Goal(by=by, new_clients=4), today=today, rates=RatesFrom(Window(since, today)))
    assert body["plan"]["rows"] == as_cli(tables.plan_table(expected))
    assert body["goal"] == {"by": by.isoformat(), "new_clients": 4, "revenue": None}
    assert body["rates_from"] == f"{since.isoformat()} to {today.isoformat()}"
    assert body["plan"]["rows"][-1]["stage"] == "Won"
    assert body["plan"]["rows"][-1]["needed"] == 4


def test_a_plan_takes_its_rates_from_a_source_or_campaign_by_name(owner: Caller) -> None:
    today = timezone.localdate()
    response = owner.get(
        "/reports/plan",
        revenue="50000",
        by=(today + timedelta(days=60)).isoformat(),
        rates_from=(today - timedelta(days=30)).isoformat(),
        source="NO-SUCH-SOURCE",
    )
    assert response.status_code == 422
    assert response.json()["message"] == "query.source: no source named 'NO-SUCH-SOURCE'"


def test_the_forecast_json_equals_the_cli_table(owner: Caller) -> None:
    body = owner.get("/reports/forecast").json()
    expected = forecast()
    assert body["forecast"]["rows"] == as_cli(tables.forecast_table(expected))
    assert body["open_deals"] == expected.open_deals == 2
    assert [row["days"] for row in body["forecast"]["rows"]] == [30, 60, 90]


@pytest.mark.parametrize(
    ("path", "params", "field", "message"),
    [
        ("/reports/funnel", {"by": "colour"}, "query.by", None),
        ("/reports/funnel", {"from": "2026-02-30"}, "query.from", None),
        ("/reports/cohorts", {"to": "9999-12-31"}, "query.to",
         "Input should be less than or equal to 9998-12-31"),
        ("/reports/show-rate", {"from": "2026-03-01", "to": "2026-02-01"}, "query",
         "the period starts (2026-03-01) after it ends (2026-02-01)"),
        ("/reports/plan", {"new_clients": "5", "by": "2020-01-01"}, "query.by",
         "the deadline 2020-01-01 is in the past"),
        ("/reports/plan", {"new_clients": "-5", "by": "2099-01-01"}, "query.new_clients",
         "Ensure this value is greater than or equal to 1."),
        ("/reports/plan", {"revenue": "-100", "by": "2099-01-01"}, "query.revenue", None),
        ("/reports/plan", {"new_clients": "5", "revenue": "9", "by": "2099-01-01"}, "query",
         "plan for a number of new clients or for revenue, not both"),
        ("/reports/plan", {"new_clients": "5"}, "query.by", "Field required"),
        ("/reports/plan", {"new_clients": "five", "by": "2099-01-01"}, "query.new_clients", None),
    ],
)  # fmt: skip
def test_a_bad_report_parameter_is_a_422_with_the_reason(
    owner_of_nothing: Caller, path: str, params: dict[str, str], field: str, message: str | None
) -> None:
    response = owner_of_nothing.get(path, **params)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert body["errors"][0]["field"] == field
    if message:
        assert body["errors"][0]["message"] == message


def test_a_plan_without_enough_history_is_a_422_saying_which_step(owner: Caller) -> None:
    # The default rates come from leads that arrived 15 to 3 months ago: none in this world.
    by = (timezone.localdate() + timedelta(days=90)).isoformat()
    response = owner.get("/reports/plan", new_clients=2, by=by)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "missing_detail"
    assert body["message"].startswith("no history to measure the rate after: Raw")


@pytest.mark.parametrize("who", ["setter", "rep", "admin"])
def test_the_numbers_are_for_owners_and_marketing_as_the_report_pages_are(
    client: Client, team: Team, who: str
) -> None:
    caller = team.as_(client, getattr(team, who))
    plan = {"new_clients": 1, "by": "2099-01-01"}
    for path, params in [("/reports/funnel", {}), ("/reports/show-rate", {}),
                         ("/reports/cohorts", {}), ("/reports/plan", plan),
                         ("/reports/forecast", {})]:  # fmt: skip
        response = caller.get(path, **params)
        assert response.status_code == 403, path
        assert response.json()["code"] == "forbidden"
    assert team.as_(client, team.marketing).get("/reports/funnel").status_code == 200


def test_the_numbers_need_a_token(db: None) -> None:
    response = Client().get("/api/v1/reports/funnel")
    assert response.status_code == 401
