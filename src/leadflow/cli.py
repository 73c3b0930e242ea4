"""The `leadflow` command: demo, serve, migrate, and Django's own management commands."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

if TYPE_CHECKING:
    from leadflow.exports.candidates import Filters

app = typer.Typer(
    help="leadflow: lead qualification and an honest sales funnel.", no_args_is_help=True
)
console = Console()


def _setup_django() -> None:
    """Django, configured from the environment; a setting that is not valid ends the
    command with a sentence saying which and why (exit status 2), not a traceback."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadflow.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured
    from pydantic import ValidationError

    try:
        django.setup()
    except ValidationError as error:
        console.print("[red]A LEADFLOW_ setting is not valid:[/]", highlight=False)
        for problem in error.errors():
            named = "_".join(str(part) for part in problem["loc"]).upper()
            where = f"LEADFLOW_{named}: " if named else ""
            said = problem["msg"].removeprefix("Value error, ")
            console.print(f"- {where}{said}", highlight=False, markup=False)
        raise typer.Exit(2) from None
    except ImproperlyConfigured as error:
        console.print(str(error), highlight=False, markup=False, style="red")
        raise typer.Exit(2) from None


def _migrate() -> None:
    from django.core.management import call_command
    from django.db import transaction

    from leadflow.reports import facts

    call_command("migrate", interactive=False, verbosity=0)
    with transaction.atomic():
        if facts.ensure_built():
            console.print("Funnel facts built from the history already stored.")


def _serve(host: str, port: int) -> None:
    from waitress import serve

    from leadflow.wsgi import application

    console.print(f"[bold green]leadflow is running at http://{host}:{port}/[/]  (Ctrl+C to stop)")
    serve(application, host=host, port=port, threads=8, ident="leadflow")


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="port to serve on")] = 8000,
    host: Annotated[str, typer.Option(help="address to serve on")] = "127.0.0.1",
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="serve the web app after loading")
    ] = True,
    seed: Annotated[int, typer.Option(help="random seed of the demo world")] = 42,
    people: Annotated[int, typer.Option(help="how many people the demo world holds")] = 5000,
) -> None:
    """Create the database, load the demo world and its users, and serve the web app."""
    _setup_django()
    from leadflow.crm.services.playbook import seed_defaults
    from leadflow.demo import load_demo

    with console.status("Migrating the database..."):
        _migrate()
        seed_defaults()
    result = load_demo(seed=seed, people=people, progress=console)
    if result.created:
        console.print(f"Loaded the demo world: {result.summary}")
    else:
        console.print("The demo world is already loaded (nothing added).")
    table = Table(title="Demo users (one per role)")
    table.add_column("role")
    table.add_column("username")
    table.add_column("password")
    for user in result.users:
        table.add_row(user.role, user.username, user.password)
    console.print(table)
    if serve:
        _serve(host, port)
    else:
        console.print(
            f"Ready. Serve it with: leadflow serve --port {port}  (http://{host}:{port}/)"
        )


@app.command("serve")
def serve_command(
    port: Annotated[int, typer.Option(help="port to serve on")] = 8000,
    host: Annotated[str, typer.Option(help="address to serve on")] = "127.0.0.1",
    production: Annotated[
        bool,
        typer.Option(
            "--production",
            help="gunicorn with several worker processes and the production settings "
            "(LEADFLOW_PRODUCTION=1, docs/production.md)",
        ),
    ] = False,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1, help="with --production: worker processes (LEADFLOW_WEB_WORKERS, 2 per core)"
        ),
    ] = None,
    threads: Annotated[
        int | None,
        typer.Option(min=1, help="with --production: threads per worker (LEADFLOW_WEB_THREADS, 4)"),
    ] = None,
) -> None:
    """Migrate if needed and serve the web app."""
    if not production and (workers or threads):
        raise typer.BadParameter("--workers and --threads need --production")
    if production:
        # One switch: the server and the settings it serves are production together.
        os.environ["LEADFLOW_PRODUCTION"] = "1"
    from django.core.exceptions import ImproperlyConfigured

    try:
        _setup_django()
    except ImproperlyConfigured as error:
        console.print(f"[bold red]Not serving:[/] {error}")
        raise typer.Exit(2) from error
    from django.conf import settings
    from django.core.management import call_command

    from leadflow.crm.services.playbook import seed_defaults

    def prepare() -> None:
        _migrate()
        seed_defaults()
        if not settings.WHITENOISE_USE_FINDERS:
            # Production settings serve only the collected, hashed files (settings.py).
            call_command("collectstatic", interactive=False, verbosity=0)

    if production:
        # Imported here: gunicorn runs on Unix only, waitress everywhere.
        from leadflow.server import in_a_child_process, serve_production

        in_a_child_process(prepare)
        console.print(f"[bold green]leadflow (production) is starting at http://{host}:{port}/[/]")
        serve_production(host=host, port=port, workers=workers, threads=threads)
    else:
        prepare()
        _serve(host, port)


@app.command()
def migrate() -> None:
    """Apply database migrations and store the default playbook if none is stored."""
    _setup_django()
    from leadflow.crm.services.playbook import seed_defaults

    _migrate()
    seed_defaults()
    console.print("Database is up to date.")


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="CSV or Excel file", exists=False)],
    campaign: Annotated[str, typer.Option(help="the campaign these rows belong to")],
    source: Annotated[
        str, typer.Option(help="the lead source (webinar, trade show, rented list...)")
    ],
    kind: Annotated[
        str, typer.Option(help="responses (interest shown) or farm-list (prospects only)")
    ] = "responses",
    mode: Annotated[str, typer.Option(help="all-or-nothing or skip-bad")] = "all-or-nothing",
    map_: Annotated[
        list[str] | None, typer.Option("--map", help="'File Header=field', repeatable")
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="write one line per input row to this CSV")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="do everything but write")] = False,
    sheet: Annotated[
        str | None, typer.Option(help="Excel sheet to read (default: the first)")
    ] = None,
    region: Annotated[str, typer.Option(help="default phone region")] = "US",
    save_mapping: Annotated[
        bool,
        typer.Option("--save-mapping", help="remember this file's --map choices for the source"),
    ] = False,
    list_sheets: Annotated[
        bool, typer.Option("--list-sheets", help="list an Excel file's sheets and stop")
    ] = False,
) -> None:
    """Import campaign responses or a farm list through the intake pipeline.

    A mapping saved for the source (--save-mapping, or the upload page) applies first;
    --map entries override it."""
    from leadflow.intake.read import IntakeFileError, read_table, sheet_names

    if list_sheets:
        try:
            for name in sheet_names(file):
                console.print(name)
        except IntakeFileError as error:
            console.print(f"[bold red]Not read:[/] {error.reason}")
            raise typer.Exit(2) from error
        return
    _setup_django()
    from leadflow.crm.services.playbook import seed_defaults
    from leadflow.intake import mappings
    from leadflow.intake.fields import MappingError
    from leadflow.intake.options import STAGES, IntakeOptions, ListKind, Mode
    from leadflow.intake.run import run_intake

    _migrate()
    seed_defaults()
    try:
        kind_, mode_ = ListKind(kind), Mode(mode)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    given = _parse_map(map_ or [])
    try:
        with console.status(f"Reading {file.name}..."):
            table = read_table(file, sheet=sheet)
        # A field named on the command line is taken from the saved mapping's header.
        saved = mappings.saved_mapping(source)
        chosen = {f.strip().lower().replace(" ", "_") for f in given.values()}
        wanted = {h: f for h, f in saved.items() if f not in chosen} | given
        table, overrides = mappings.apply_mapping(table, wanted)
        options = IntakeOptions(
            campaign=campaign,
            source=source,
            kind=kind_,
            mode=mode_,
            mapping=overrides,
            dry_run=dry_run,
            default_region=region.upper(),
        )
        with Progress(
            SpinnerColumn(),
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            TextColumn("stage {task.completed:.0f}/{task.total:.0f}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress:
            bar = progress.add_task(f"{table.frame.height:,} rows: read", total=len(STAGES))

            def stage(name: str) -> None:
                # The last stages repeat per chunk of people: the bar only moves forward.
                done = max(STAGES.index(name), progress.tasks[0].completed)
                progress.update(
                    bar, completed=done, description=f"{table.frame.height:,} rows: {name}"
                )

            result = run_intake(table, options, stage=stage)
            progress.update(bar, completed=len(STAGES))
        if save_mapping and given and result.written:
            mappings.save_mapping(source, {**mappings.saved_mapping(source), **given})
            console.print(f"Mapping saved for source {source!r}: next time --map is not needed")
    except MappingError as error:
        console.print(f"[bold red]Not imported:[/] {error.reason}")
        raise typer.Exit(2) from error
    except IntakeFileError as error:
        console.print(f"[bold red]Not imported:[/] {error.reason}")
        raise typer.Exit(2) from error
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {warning}")
    console.print(_outcomes(result.counts, result.read, title=f"{file.name} → {campaign}"))
    _errors_and_report(result.errors, report, result.write_csv)
    if result.reason:
        console.print(f"[bold]{result.reason}[/]")
        raise typer.Exit(1 if result.errors else 0)


@app.command("import-deals")
def import_deals_command(
    file: Annotated[Path, typer.Argument(help="CSV or Excel file of deals", exists=False)],
    stage_map: Annotated[
        list[str] | None,
        typer.Option("--stage-map", help="'Their Stage=our stage', repeatable"),
    ] = None,
    stage: Annotated[
        str | None, typer.Option(help="every row's stage when the file has no stage column")
    ] = None,
    map_: Annotated[
        list[str] | None, typer.Option("--map", help="'File Header=field', repeatable")
    ] = None,
    from_: Annotated[
        str | None,
        typer.Option("--from", help="the CRM these deals come from (default: the file name)"),
    ] = None,
    default_disposition: Annotated[
        str | None,
        typer.Option(help="nurture, unqualified or avoid: for lost deals that give none"),
    ] = None,
    mode: Annotated[str, typer.Option(help="all-or-nothing or skip-bad")] = "all-or-nothing",
    report: Annotated[
        Path | None, typer.Option(help="write one line per input row to this CSV")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="do everything but write")] = False,
    sheet: Annotated[
        str | None, typer.Option(help="Excel sheet to read (default: the first)")
    ] = None,
) -> None:
    """Move historical deals in from another CRM; their people must be imported first."""
    _setup_django()
    from leadflow.crm.services.playbook import seed_defaults
    from leadflow.intake.deals.options import DealOptions, parse_disposition, parse_stage
    from leadflow.intake.deals.run import run_deal_import
    from leadflow.intake.options import Mode
    from leadflow.intake.read import IntakeFileError, read_table

    _migrate()
    seed_defaults()
    try:
        options = DealOptions(
            moved_in_from=from_ if from_ is not None else file.stem,
            mode=Mode(mode),
            mapping=_parse_map(map_ or []),
            stage_map=_parse_pairs("--stage-map", stage_map or [], "Their Stage=our stage"),
            stage=parse_stage(stage) if stage is not None else None,
            default_disposition=parse_disposition(default_disposition)
            if default_disposition is not None
            else None,
            dry_run=dry_run,
        )
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    try:
        with console.status(f"Reading {file.name}..."):
            table = read_table(file, sheet=sheet)
        with console.status(f"Moving in {table.frame.height:,} deals..."):
            result = run_deal_import(table, options)
    except IntakeFileError as error:
        console.print(f"[bold red]Not imported:[/] {error.reason}")
        raise typer.Exit(2) from error
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {warning}")
    console.print(f"[bold]{file.name}[/] → deals moved in from {options.moved_in_from}")
    console.print(_outcomes(result.counts, result.read))
    verb = "" if result.written else " (would be)"
    if result.new_users:
        console.print(
            f"{len(result.new_users):,} setter(s) and rep(s) created{verb} as inactive users "
            "(no sign-in until an admin activates them)"
        )
    if result.clients or result.leads:
        console.print(
            f"{result.clients:,} people became clients{verb}; "
            f"{result.leads:,} prospects became leads{verb}"
        )
    _errors_and_report(result.errors, report, result.write_csv)
    if result.reason:
        console.print(f"[bold]{result.reason}[/]")
        raise typer.Exit(1 if result.errors else 0)


def _outcomes(counts: Mapping[Any, int], read: int, *, title: str | None = None) -> Table:
    """What happened to the rows of a file: a count per outcome, and the rows read."""
    summary = Table(title=title)
    summary.add_column("outcome")
    summary.add_column("rows", justify="right")
    for outcome, count in counts.items():
        summary.add_row(str(getattr(outcome, "value", outcome)), f"{count:,}")
    summary.add_row("read", f"{read:,}", style="bold")
    return summary


def _errors_and_report(
    errors: list[str], report: Path | None, write_csv: Callable[[Path], None]
) -> None:
    """The first errors on screen, all of them (and every row) in the --report file."""
    for line in errors[:20]:
        console.print(f"[red]{line}[/]")
    if len(errors) > 20:
        console.print(f"... and {len(errors) - 20:,} more errors (see --report)")
    if report is not None:
        write_csv(report)
        console.print(f"Report written to {report}")


def _parse_pairs(option: str, pairs: list[str], shape: str) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs:
        left, sep, right = pair.rpartition("=")
        if not sep or not left.strip() or not right.strip():
            raise typer.BadParameter(f"{option} {pair!r}: expected '{shape}'")
        mapping[left.strip()] = right.strip()
    return mapping


def _parse_map(pairs: list[str]) -> dict[str, str]:
    return _parse_pairs("--map", pairs, "File Header=field")


@app.command("export")
def export_command(
    channel: Annotated[str, typer.Argument(help="email-drip, general-email, direct-mail, ...")],
    campaign: Annotated[
        str | None, typer.Option(help="only people who came from or responded to it")
    ] = None,
    segment: Annotated[str | None, typer.Option(help="only people in this saved segment")] = None,
    out: Annotated[Path | None, typer.Option(help="the list: .csv or .xlsx")] = None,
    excluded: Annotated[
        Path | None, typer.Option(help="write everyone left out, with every reason, here")
    ] = None,
) -> None:
    """Export a channel's list through the eligibility rules, and record the export."""
    from leadflow.domain.channels import Channel

    try:
        channel_ = Channel(channel)
    except ValueError as error:
        names = ", ".join(c.value for c in Channel)
        raise typer.BadParameter(f"{channel!r} is not a channel: one of {names}") from error
    _setup_django()
    from leadflow.domain.errors import DomainError
    from leadflow.exports.candidates import Filters
    from leadflow.exports.service import export_channel_list

    _migrate()
    filters = Filters(campaign=campaign)
    described: dict[str, str] = {}
    try:
        if segment is not None:
            filters = _segment_filters(filters, segment)
            described["segment"] = segment
        with console.status(f"Exporting {channel_.value}..."):
            done = export_channel_list(
                channel=channel_,
                filters=filters,
                out=out,
                excluded_out=excluded,
                described=described,
            )
    except DomainError as error:
        console.print(f"[bold red]Not exported:[/] {error.reason}")
        raise typer.Exit(2) from error
    result, record = done.result, done.record
    summary = Table(title=f"{channel_.value}: {result.considered:,} people considered")
    summary.add_column("")
    summary.add_column("people", justify="right")
    summary.add_row("included", f"{result.included.height:,}", style="bold")
    summary.add_row("excluded", f"{result.excluded.height:,}", style="bold")
    for reason, count in result.excluded_by_reason.items():
        summary.add_row(f"  {reason.value.replace('_', ' ')}", f"{count:,}")
    console.print(summary)
    where = f"written to {out}" if out else "not written (no --out)"
    console.print(f"List {where}; export #{record.pk}, sha256 {record.file_sha256}")
    if excluded is not None:
        console.print(f"Excluded report written to {excluded}")


def _segment_filters(filters: Filters, name: str) -> Filters:
    """Narrow the export to a saved segment (leadflow.exports.segments gives its Q)."""
    from dataclasses import replace

    from leadflow.domain.errors import DomainError

    try:
        from leadflow.exports.segments import segment_filter
    except ImportError as error:
        raise DomainError(f"no such segment {name!r}: saved segments are not available") from error
    try:
        return replace(filters, where=segment_filter(name))
    except LookupError as error:
        raise DomainError(str(error.args[0]) if error.args else f"no segment {name!r}") from error


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def manage(ctx: typer.Context) -> None:
    """Run a Django management command, e.g. `leadflow manage createsuperuser`."""
    _setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["leadflow manage", *ctx.args])


@app.command("import-suppressions")
def import_suppressions_command(
    file: Annotated[
        Path, typer.Argument(help="CSV or Excel file with an email and/or phone column")
    ],
    kind: Annotated[str, typer.Option(help="email-opt-out, do-not-call or avoid")],
    reason: Annotated[str, typer.Option(help="why: kept with every change")],
    by: Annotated[str | None, typer.Option(help="username recorded as who made the change")] = None,
    report: Annotated[
        Path | None, typer.Option(help="write one line per input row to this CSV")
    ] = None,
    sheet: Annotated[
        str | None, typer.Option(help="Excel sheet to read (default: the first)")
    ] = None,
) -> None:
    """Apply a suppression list now: opt-outs, do-not-call numbers, or Avoid."""
    _setup_django()
    from django.contrib.auth.models import User

    from leadflow.crm.services.suppressions import SuppressionKind, import_suppressions
    from leadflow.domain.errors import DomainError
    from leadflow.intake.read import IntakeFileError, read_table

    _migrate()
    try:
        suppression = SuppressionKind(kind)
    except ValueError as error:
        raise typer.BadParameter(
            "--kind must be email-opt-out, do-not-call or avoid", param_hint="--kind"
        ) from error
    user = None
    if by is not None:
        user = User.objects.filter(username=by).first()
        if user is None:
            raise typer.BadParameter(f"no user named {by!r}", param_hint="--by")
    try:
        table = read_table(file, sheet=sheet)
        result = import_suppressions(table, kind=suppression, reason=reason, by=user)
    except IntakeFileError as error:
        console.print(f"[bold red]Not imported:[/] {error.reason}")
        raise typer.Exit(2) from error
    except DomainError as error:
        console.print(f"[bold red]Not imported:[/] {error.reason}")
        raise typer.Exit(2) from error
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {warning}")
    console.print(f"[bold]{file.name}[/] → {suppression.value}: {reason}")
    console.print(_outcomes(result.counts, result.rows.height))
    _errors_and_report(result.errors, report, result.write_csv)


def main() -> None:
    from django.db import DatabaseError

    try:
        app()
    except DatabaseError as error:
        from leadflow.crm.faults import database_fault

        fault = database_fault(error)
        if fault is None:
            raise
        # The command's transaction rolled back: say so instead of a traceback.
        console.print(f"[bold red]Stopped:[/] {fault.message} ({error})")
        raise SystemExit(3) from error


# The report, plan, forecast and score commands, the operating ones (backup, restore)
# and the worker live in their own modules; importing them registers them on `app`.
from leadflow import cli_jobs, cli_ops, cli_reports  # noqa: E402, F401
