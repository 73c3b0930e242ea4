"""``/reports``: the numbers the team lives by, as JSON.

Each answer holds the same tables the CLI prints and the report pages download
(`leadflow.reports.tables`): `rows` are `Table.records()`, figure for figure. The query
is checked by the report pages' forms, so a bad parameter (a period that ends before it
starts, a goal of zero) is a 422 with the page's reason; an unknown `by` is refused by
the schema. Owners and marketing only, as the report pages.
"""

# No `from __future__ import annotations` here: GuardedRouter wraps each view, and
# django-ninja resolves string annotations in the wrapper's module, where `Query` and these
# schemas are unknown. Real annotations need no resolving.

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Schema

from leadflow.api.access import GuardedRouter
from leadflow.api.form_errors import failures, invalid, raise_for
from leadflow.crm.models import Campaign, Source
from leadflow.domain.people import Role
from leadflow.reports import tables
from leadflow.reports.cohorts import cohorts
from leadflow.reports.common import Cut, Window
from leadflow.reports.forecast import forecast
from leadflow.reports.funnel import funnel
from leadflow.reports.plan import plan
from leadflow.reports.show_rate import contract_close, show_rate_threshold, show_rates
from leadflow.web.reports.forms import FunnelForm, PeriodForm, PlanForm
from leadflow.web.reports.views import REPORT_READERS

ACCESS: dict[str, frozenset[Role]] = {
    "reports_funnel": REPORT_READERS,
    "reports_show_rate": REPORT_READERS,
    "reports_cohorts": REPORT_READERS,
    "reports_plan": REPORT_READERS,
    "reports_forecast": REPORT_READERS,
}

router = GuardedRouter(access=ACCESS, tags=["reports"])


# --- answers ------------------------------------------------------------------------------


class TableOut(Schema):
    title: str
    columns: list[str]
    rows: list[dict[str, Any]] = Field(description="one object per row, keyed by column")


class FunnelOut(Schema):
    by: Cut
    period: str
    funnel: TableOut
    conversions: TableOut


class ShowRateOut(Schema):
    period: str
    threshold: float = Field(description="a setter below this show rate is flagged")
    show_rate: TableOut
    contracts: TableOut


class CohortsOut(Schema):
    period: str
    cohorts: TableOut


class GoalOut(Schema):
    by: date
    new_clients: int | None
    revenue: float | None


class PlanOut(Schema):
    goal: GoalOut
    rates_from: str = Field(description="the leads whose history gave the rates")
    confidence: float
    plan: TableOut
    bottleneck: str
    least_sure: str
    notes: list[str]


class ForecastOut(Schema):
    as_of: datetime
    fitted_at: datetime = Field(description="when the win table was last fitted")
    open_deals: int
    pool: int = Field(description="leads in nurture that may still buy")
    forecast: TableOut


def table_out(table: tables.Table) -> TableOut:
    return TableOut(title=table.title, columns=table.columns, rows=table.records())


# --- questions ----------------------------------------------------------------------------


# The days a report can be asked for: the reports work in whole months, and the month
# after the last day must still be on the calendar.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9998, 12, 31)


def _day(description: str, alias: str | None = None) -> Any:
    return Field(None, alias=alias, ge=FIRST_DAY, le=LAST_DAY, description=description)


class Period(Schema):
    start: date | None = _day("first day, included", "from")
    end: date | None = _day("last day, included", "to")

    def form_data(self) -> dict[str, Any]:
        return {"from": self.start, "to": self.end}


class FunnelQuery(Period):
    by: Cut = Field(Cut.ALL, description="how to split the funnel")


class PlanQuery(Schema):
    by: date = Field(description="the deadline: today or later")
    new_clients: int | None = Field(None, description="the goal: this many new clients")
    revenue: Decimal | None = Field(None, description="or this much revenue")
    rates_from: date | None = _day(
        "take rates from leads that arrived from this day (default: 15 to 3 months ago)"
    )
    rates_to: date | None = _day("... to this day")
    source: str | None = Field(None, description="take rates from this source only (its name)")
    campaign: str | None = Field(None, description="take rates from this campaign only")


def _window(params: Period, form_class: type[PeriodForm] = PeriodForm) -> Window:
    form = raise_for(form_class(params.form_data()), where="query")
    return form.window()


# --- operations ---------------------------------------------------------------------------


@router.get(
    "/reports/funnel",
    response={200: FunnelOut, **failures(422)},
    operation_id="reports_funnel",
    summary="The funnel, and the conversion between every pair of stages",
)
def reports_funnel(request: HttpRequest, params: Query[FunnelQuery]) -> FunnelOut:
    window = _window(params, FunnelForm)
    report = funnel(params.by, window)
    return FunnelOut(
        by=params.by,
        period=window.describe(),
        funnel=table_out(tables.funnel_table(report)),
        conversions=table_out(tables.conversions_table(report)),
    )


@router.get(
    "/reports/show-rate",
    response={200: ShowRateOut, **failures(422)},
    operation_id="reports_show_rate",
    summary="Show rate per setter, and contract sent → won per rep",
)
def reports_show_rate(request: HttpRequest, params: Query[Period]) -> ShowRateOut:
    window = _window(params)
    threshold = show_rate_threshold()
    return ShowRateOut(
        period=window.describe(),
        threshold=float(threshold),
        show_rate=table_out(tables.show_rate_table(show_rates(window, threshold))),
        contracts=table_out(tables.contract_table(*contract_close(window))),
    )


@router.get(
    "/reports/cohorts",
    response={200: CohortsOut, **failures(422)},
    operation_id="reports_cohorts",
    summary="Conversion by lead-creation month",
)
def reports_cohorts(request: HttpRequest, params: Query[Period]) -> CohortsOut:
    window = _window(params)
    found = cohorts(window, today=timezone.localdate())
    return CohortsOut(period=window.describe(), cohorts=table_out(tables.cohort_table(found)))


def _named(model: type[Source] | type[Campaign], field: str, name: str | None) -> int | None:
    """The id of the source or campaign called `name` (any case, as `leadflow plan`)."""
    if not name:
        return None
    found = model.objects.filter(name__iexact=name).values_list("pk", flat=True).first()
    if found is None:
        raise invalid("query", field, f"no {field} named {name!r}")
    return int(found)


@router.get(
    "/reports/plan",
    response={200: PlanOut, **failures(422)},
    operation_id="reports_plan",
    summary="The reverse funnel: what a goal needs at every stage, and by when",
)
def reports_plan(request: HttpRequest, params: Query[PlanQuery]) -> PlanOut:
    """Give `new_clients` or `revenue`, and the deadline `by`. Too little history to
    measure a rate is a 422 ``missing_detail`` with the step that lacks it."""
    today = timezone.localdate()
    if params.by < today:
        raise invalid("query", "by", f"the deadline {params.by} is in the past")
    data = {
        "new_clients": params.new_clients,
        "revenue": params.revenue,
        "by": params.by,
        "rates_from": params.rates_from,
        "rates_to": params.rates_to,
        "source": _named(Source, "source", params.source),
        "campaign": _named(Campaign, "campaign", params.campaign),
    }
    form = raise_for(PlanForm(data), where="query")
    rates = form.rates(today)
    found = plan(form.goal(), today=today, rates=rates)
    b, u = found.bottleneck, found.least_sure
    return PlanOut(
        goal=GoalOut(
            by=found.goal.by, new_clients=found.goal.new_clients, revenue=found.goal.revenue
        ),
        rates_from=rates.window.describe(),
        confidence=found.confidence,
        plan=table_out(tables.plan_table(found)),
        bottleneck=f"{b.start.label} → {b.end.label} ({b.rate:.0%} of {b.trials:,})",
        least_sure=f"{u.start.label} → {u.end.label} ({u.hits:,} of {u.trials:,})",
        notes=list(found.notes),
    )


@router.get(
    "/reports/forecast",
    response={200: ForecastOut, **failures()},
    operation_id="reports_forecast",
    summary="Expected wins and revenue in the next 30, 60 and 90 days",
)
def reports_forecast(request: HttpRequest) -> ForecastOut:
    found = forecast()
    return ForecastOut(
        as_of=found.as_of,
        fitted_at=found.fitted_at,
        open_deals=found.open_deals,
        pool=found.pool,
        forecast=table_out(tables.forecast_table(found)),
    )
