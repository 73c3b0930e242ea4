"""The report pages: parse the query string, ask leadflow.reports, render the tables and
their charts, or hand a table over as CSV (`?format=csv`, `&table=` for a page's other
tables). Owners and marketing only. A bad parameter is the page again with its form
error and status 400; an impossible plan is a form error with the domain's reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from leadflow.domain.errors import DomainError
from leadflow.domain.people import Role
from leadflow.reports import charts, tables
from leadflow.reports.cohorts import HORIZONS, cohorts
from leadflow.reports.funnel import funnel
from leadflow.reports.plan import plan
from leadflow.reports.show_rate import contract_close, show_rate_threshold, show_rates
from leadflow.reports.sources import lead_sources
from leadflow.reports.stages import time_in_stage
from leadflow.web.access import role_required
from leadflow.web.reports import display, downloads
from leadflow.web.reports.drill import people_behind, with_stage_labels
from leadflow.web.reports.forms import FORMATS, DrillForm, FunnelForm, PeriodForm, PlanForm

REPORT_READERS = frozenset({Role.OWNER, Role.MARKETING})
PEOPLE_PER_PAGE = 50

# A page's downloads: table name → its CSV, made only when asked for.
Tables = dict[str, Callable[[], str]]


def _answer(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    csv: Tables,
    name: str,
) -> HttpResponse:
    """The page, or one of its tables as CSV (the first unless `table` names another);
    an unknown format or table is the page with a form error and status 400."""
    form = context["form"]
    wanted = request.GET.get("format", "")
    table = request.GET.get("table", "")
    if wanted not in FORMATS:
        form.add_error(None, f"there is no “{wanted}” download: ask for format=csv")
    elif table and table not in csv:
        form.add_error(None, f"this page has no table “{table}”: " + ", ".join(csv))
    elif wanted == "csv":
        chosen = table or next(iter(csv))
        return downloads.csv_response(csv[chosen](), f"{name}-{chosen}")
    return render(request, template, context, status=400 if form.errors else 200)


def _invalid(request: HttpRequest, template: str, form: Any) -> HttpResponse:
    return render(request, template, {"form": form}, status=400)


@require_safe
@role_required(REPORT_READERS)
def funnel_page(request: HttpRequest) -> HttpResponse:
    form = FunnelForm(request.GET)
    template = "web/reports/funnel.html"
    if not form.is_valid():
        return _invalid(request, template, form)
    window = form.window()
    report = funnel(form.cut(), window)
    sources = lead_sources(window)
    times = time_in_stage(window)
    context = {
        "form": form,
        "report": report,
        "lines": display.funnel_lines(report),
        "matrices": display.conversion_matrices(report),
        "sources": display.source_lines(sources, window),
        "times": times,
        "chart": charts.funnel_chart(report),
    }
    csv: Tables = {
        "funnel": lambda: tables.funnel_table(report).csv(),
        "conversions": lambda: tables.conversions_table(report).csv(),
        "sources": lambda: tables.source_table(sources).csv(),
        "stages": lambda: tables.stage_table(times).csv(),
    }
    return _answer(request, template, context, csv=csv, name="funnel")


@require_safe
@role_required(REPORT_READERS)
def show_rate_page(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.GET)
    template = "web/reports/show_rate.html"
    if not form.is_valid():
        return _invalid(request, template, form)
    window = form.window()
    threshold = show_rate_threshold()
    rates = show_rates(window, threshold)
    team, reps = contract_close(window)
    context = {
        "form": form,
        "window": window,
        "threshold": threshold,
        "rates": rates,
        "team": team,
        "reps": reps,
        "chart": charts.show_rate_chart(rates, threshold),
    }
    csv: Tables = {
        "show-rate": lambda: tables.show_rate_table(rates).csv(),
        "contracts": lambda: tables.contract_table(team, reps).csv(),
    }
    return _answer(request, template, context, csv=csv, name="show-rate")


@require_safe
@role_required(REPORT_READERS)
def cohorts_page(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.GET)
    template = "web/reports/cohorts.html"
    if not form.is_valid():
        return _invalid(request, template, form)
    window = form.window()
    found = cohorts(window, today=timezone.localdate())
    context = {
        "form": form,
        "window": window,
        "horizons": HORIZONS,
        "cohorts": [(c, [c.won.get(h) for h in HORIZONS]) for c in found],
        "chart": charts.cohort_heatmap(found),
    }
    csv: Tables = {"cohorts": lambda: tables.cohort_table(found).csv()}
    return _answer(request, template, context, csv=csv, name="cohorts")


@require_safe
@role_required(REPORT_READERS)
def plan_page(request: HttpRequest) -> HttpResponse:
    template = "web/reports/plan.html"
    today = timezone.localdate()
    if not set(request.GET) - {"format", "table"}:
        return render(request, template, {"form": PlanForm(), "today": today})
    form = PlanForm(request.GET)
    if not form.is_valid():
        return _invalid(request, template, form)
    rates = form.rates(today)
    try:
        found = plan(form.goal(), today=today, rates=rates)
    except DomainError as error:
        form.add_error(None, error.reason)
        return _invalid(request, template, form)
    context = {
        "form": form,
        "today": today,
        "plan": found,
        "rates": rates,
        "chart": charts.plan_chart(found),
    }
    csv: Tables = {"plan": lambda: tables.plan_table(found).csv()}
    return _answer(request, template, context, csv=csv, name="plan")


@require_safe
@role_required(REPORT_READERS)
def people_page(request: HttpRequest) -> HttpResponse:
    form = DrillForm(request.GET)
    template = "web/reports/people.html"
    if not form.is_valid():
        return _invalid(request, template, form)
    drill = form.drill()
    facts = people_behind(drill)
    pipeline = drill.cut.is_pipeline
    context = {
        "form": form,
        "drill": drill,
        "pipeline": pipeline,
        "page": Paginator(with_stage_labels(facts), PEOPLE_PER_PAGE).get_page(
            request.GET.get("page")
        ),
        "back": display.funnel_url(drill.cut, drill.window),
    }
    csv: Tables = {"people": lambda: downloads.people_csv(facts, pipeline)}
    return _answer(request, template, context, csv=csv, name="people")
