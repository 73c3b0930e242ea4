"""The numbers from the command line (issue 7): `leadflow report`, `plan`, `forecast` and
`score`. Registered on the main `leadflow` app by leadflow.cli."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table as RichTable

from leadflow.cli import _migrate, _setup_django, app, console

if TYPE_CHECKING:
    from leadflow.reports.common import Cut, Window
    from leadflow.reports.tables import Table

score_app = typer.Typer(help="The learned lead score (a signal beside temperature).")
app.add_typer(score_app, name="score")


@score_app.command("train")
def score_train(
    min_wins: Annotated[int, typer.Option(help="refuse to train with fewer won leads")] = 20,
) -> None:
    """Train the lead score on the CRM's history and print its held-out figures."""
    _setup_django()
    from leadflow.domain.errors import DomainError
    from leadflow.scoring.commands import train_command

    _migrate()
    try:
        console.print(train_command(min_wins=min_wins))
    except DomainError as error:
        console.print(f"[bold red]Not trained:[/] {error.reason}")
        raise typer.Exit(2) from error


REPORTS = ("funnel", "conversions", "show-rate", "contracts", "cohorts", "time-in-stage", "sources")
CUTS = ("all", "source", "campaign", "setter", "rep", "month", "quarter")
FORMATS = ("table", "csv", "json")

Format = Annotated[str, typer.Option("--format", help="table, csv or json")]
ChartFile = Annotated[
    Path | None, typer.Option("--chart", help="also draw it: .svg, .png, .json or .html")
]
Out = Annotated[Path | None, typer.Option("--out", help="write the csv or json here")]
From = Annotated[str | None, typer.Option("--from", help="first day, YYYY-MM-DD")]
To = Annotated[str | None, typer.Option("--to", help="last day, YYYY-MM-DD")]


def _day(value: str | None, option: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError as error:
        raise typer.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option
        ) from error


def _window(start: str | None, end: str | None) -> Window:
    from leadflow.reports.common import Window

    try:
        return Window(_day(start, "--from"), _day(end, "--to"))
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--from/--to") from error


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise typer.BadParameter("choose table, csv or json", param_hint="--format")


def _emit(table: Table, fmt: str, out: Path | None) -> None:
    if fmt == "table":
        shown = RichTable(title=table.title)
        for column in table.columns:
            shown.add_column(column)
        for row in table.shown():
            shown.add_row(*row)
        console.print(shown)
        return
    text = table.csv() if fmt == "csv" else table.json()
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text)
        console.print(f"wrote {out}")


def _draw(spec: dict[str, Any], path: Path) -> None:
    from leadflow.reports.charts import write_chart

    try:
        console.print(f"chart: {write_chart(spec, path)}")
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--chart") from error


@app.command("report")
def report_command(
    name: Annotated[str, typer.Argument(help=", ".join(REPORTS))],
    by: Annotated[str, typer.Option(help=", ".join(CUTS))] = "all",
    start: From = None,
    end: To = None,
    fmt: Format = "table",
    chart: ChartFile = None,
    out: Out = None,
) -> None:
    """Print one of the numbers the team lives by, from the funnel facts."""
    if name not in REPORTS:
        raise typer.BadParameter(f"choose from {', '.join(REPORTS)}", param_hint="NAME")
    if by not in CUTS:
        raise typer.BadParameter(f"choose from {', '.join(CUTS)}", param_hint="--by")
    _check_format(fmt)
    _setup_django()
    from leadflow.reports.common import Cut

    window = _window(start, end)
    _migrate()
    table, spec = _report(name, Cut(by), window)
    _emit(table, fmt, out)
    if chart is not None:
        if spec is None:
            raise typer.BadParameter(
                "this report has no chart (funnel, show-rate and cohorts do)", param_hint="--chart"
            )
        _draw(spec, chart)


def _report(name: str, cut: Cut, window: Window) -> tuple[Table, dict[str, Any] | None]:
    from django.utils import timezone

    from leadflow.reports import charts, cohorts, funnel, show_rate, sources, stages, tables

    if name in ("funnel", "conversions"):
        report = funnel.funnel(cut, window)
        table = (
            tables.funnel_table(report) if name == "funnel" else tables.conversions_table(report)
        )
        return table, charts.funnel_chart(report)
    if name == "show-rate":
        rates = show_rate.show_rates(window)
        threshold = show_rate.show_rate_threshold()
        return tables.show_rate_table(rates), charts.show_rate_chart(rates, threshold)
    if name == "contracts":
        return tables.contract_table(*show_rate.contract_close(window)), None
    if name == "cohorts":
        found = cohorts.cohorts(window, today=timezone.localdate())
        return tables.cohort_table(found), charts.cohort_heatmap(found)
    if name == "time-in-stage":
        return tables.stage_table(stages.time_in_stage(window)), None
    return tables.source_table(sources.lead_sources(window)), None


@app.command("plan")
def plan_command(
    by: Annotated[str, typer.Option("--by", help="the deadline, YYYY-MM-DD")],
    new_clients: Annotated[int | None, typer.Option(help="the goal: this many new clients")] = None,
    revenue: Annotated[float | None, typer.Option(help="the goal: this much revenue")] = None,
    rates_from: Annotated[
        str | None, typer.Option(help="take rates from leads that arrived from this day")
    ] = None,
    rates_to: Annotated[str | None, typer.Option(help="... to this day")] = None,
    source: Annotated[str | None, typer.Option(help="take rates from this source only")] = None,
    campaign: Annotated[str | None, typer.Option(help="take rates from this campaign only")] = None,
    fmt: Format = "table",
    chart: ChartFile = None,
    out: Out = None,
) -> None:
    """The reverse funnel: what a goal needs at every stage, and by when."""
    _check_format(fmt)
    deadline = _day(by, "--by")
    assert deadline is not None
    _setup_django()
    from django.utils import timezone

    from leadflow.crm.models import Campaign, Source
    from leadflow.domain.errors import DomainError
    from leadflow.domain.plan import Goal
    from leadflow.reports import charts, tables
    from leadflow.reports.plan import RatesFrom, default_rates_window, plan

    _migrate()
    today = timezone.localdate()
    window = (
        _window(rates_from, rates_to) if rates_from or rates_to else default_rates_window(today)
    )
    source_id = campaign_id = None
    if source:
        found = Source.objects.filter(name__iexact=source).first()
        if found is None:
            raise typer.BadParameter(f"no source named {source!r}", param_hint="--source")
        source_id = found.pk
    if campaign:
        picked = Campaign.objects.filter(name__iexact=campaign).first()
        if picked is None:
            raise typer.BadParameter(f"no campaign named {campaign!r}", param_hint="--campaign")
        campaign_id = picked.pk
    try:
        goal = Goal(by=deadline, new_clients=new_clients, revenue=revenue)
        result = plan(goal, today=today, rates=RatesFrom(window, source_id, campaign_id))
    except DomainError as error:
        console.print(f"[bold red]No plan:[/] {error.reason}")
        raise typer.Exit(2) from error
    _emit(tables.plan_table(result), fmt, out)
    if fmt == "table":
        console.print(f"Rates from leads that arrived {window.describe()}.")
        b, u = result.bottleneck, result.least_sure
        console.print(
            f"Bottleneck: {b.start.label} → {b.end.label} ({b.rate:.0%} of {b.trials:,}). "
            f"Least sure: {u.start.label} → {u.end.label} ({u.hits:,} of {u.trials:,})."
        )
        for note in result.notes:
            console.print(f"[yellow]note:[/] {note}")
    if chart is not None:
        _draw(charts.plan_chart(result), chart)


@app.command("forecast")
def forecast_command(
    backtest: Annotated[bool, typer.Option(help="cut history at past dates and score")] = False,
    cuts: Annotated[int, typer.Option(help="how many monthly cuts the backtest makes")] = 12,
    refit: Annotated[bool, typer.Option(help="refit the win table on all history first")] = False,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="backtest as if today were this day")
    ] = None,
    fmt: Format = "table",
    chart: ChartFile = None,
    out: Out = None,
) -> None:
    """Expected wins and revenue in the next 30/60/90 days, or how well that did before."""
    _check_format(fmt)
    _setup_django()
    from leadflow.reports import forecast as forecasting
    from leadflow.reports import tables
    from leadflow.reports.backtest import backtest as backtest_of

    _migrate()
    if as_of and not backtest:
        raise typer.BadParameter(
            "only a backtest can be made as of another day", param_hint="--as-of"
        )
    if backtest:
        day = _day(as_of, "--as-of")
        now = None if day is None else datetime(day.year, day.month, day.day, tzinfo=UTC)
        points, summary = backtest_of(cuts=cuts, now=now)
        _emit(tables.backtest_table(points, summary), fmt, out)
        return
    if refit:
        fitted = forecasting.refit()
        console.print(f"Win table refitted on {fitted.opportunities:,} opportunities.")
    result = forecasting.forecast()
    _emit(tables.forecast_table(result), fmt, out)
    if fmt == "table":
        console.print(
            f"{result.open_deals:,} open deals and {result.pool:,} leads in nurture; win table "
            f"fitted {result.fitted_at:%Y-%m-%d %H:%M}."
        )
    if chart is not None:
        from leadflow.reports.charts import forecast_chart

        _draw(forecast_chart(result), chart)


@app.command("nightly")
def nightly_command() -> None:
    """The nightly jobs: refit the forecast's win table and retrain the lead score."""
    _setup_django()
    from leadflow.jobs import NIGHTLY

    _migrate()
    for job in NIGHTLY:
        result = job.enqueue()
        outcome = result.return_value if result.is_finished else result.status
        console.print(f"{job.name}: {outcome}")
