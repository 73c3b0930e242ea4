"""The `leadflow` command: demo, serve, migrate, and Django's own management commands."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

app = typer.Typer(
    help="leadflow: lead qualification and an honest sales funnel.", no_args_is_help=True
)
console = Console()


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadflow.settings")
    import django

    django.setup()


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


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
) -> None:
    """Migrate if needed and serve the web app."""
    _setup_django()
    from leadflow.crm.services.playbook import seed_defaults

    _migrate()
    seed_defaults()
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
    summary = Table(title=f"{file.name} → {campaign}")
    summary.add_column("outcome")
    summary.add_column("rows", justify="right")
    for outcome, count in result.counts.items():
        summary.add_row(outcome.value, f"{count:,}")
    summary.add_row("read", f"{result.read:,}", style="bold")
    console.print(summary)
    for line in result.errors[:20]:
        console.print(f"[red]{line}[/]")
    if len(result.errors) > 20:
        console.print(f"... and {len(result.errors) - 20:,} more errors (see --report)")
    if report is not None:
        result.write_csv(report)
        console.print(f"Report written to {report}")
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
    summary = Table()
    summary.add_column("outcome")
    summary.add_column("rows", justify="right")
    for outcome, count in result.counts.items():
        summary.add_row(outcome.value, f"{count:,}")
    summary.add_row("read", f"{result.read:,}", style="bold")
    console.print(summary)
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
    for line in result.errors[:20]:
        console.print(f"[red]{line}[/]")
    if len(result.errors) > 20:
        console.print(f"... and {len(result.errors) - 20:,} more errors (see --report)")
    if report is not None:
        result.write_csv(report)
        console.print(f"Report written to {report}")
    if result.reason:
        console.print(f"[bold]{result.reason}[/]")
        raise typer.Exit(1 if result.errors else 0)


def _parse_pairs(option: str, pairs: list[str], shape: str) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs:
        left, sep, right = pair.rpartition("=")
        if not sep or not left.strip() or not right.strip():
            raise typer.BadParameter(f"{option} {pair!r}: expected '{shape}'")
        mapping[left.strip()] = right.strip()
    return mapping


def _parse_map(pairs: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs:
        header, sep, field = pair.rpartition("=")
        if not sep or not header.strip() or not field.strip():
            raise typer.BadParameter(f"--map {pair!r}: expected 'File Header=field'")
        mapping[header.strip()] = field.strip()
    return mapping


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def manage(ctx: typer.Context) -> None:
    """Run a Django management command, e.g. `leadflow manage createsuperuser`."""
    _setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["leadflow manage", *ctx.args])


def main() -> None:
    app()
