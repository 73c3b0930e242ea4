"""Operating commands (issue 9): backup and restore, re-judging every lead. Registered
on the main `leadflow` app by leadflow.cli."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from leadflow.cli import _migrate, _setup_django, app, console

if TYPE_CHECKING:
    from leadflow.backup import Outcome

# The largest tables are shown; the rest are counted in the totals.
SHOWN_TABLES = 12


@app.command("backup")
def backup_command(
    file: Annotated[Path, typer.Argument(help="the backup file to write")],
    force: Annotated[bool, typer.Option("--force", help="replace FILE if it exists")] = False,
) -> None:
    """Back up the configured database to FILE while leadflow keeps running.

    SQLite: a copy of the database file. PostgreSQL: a pg_dump custom-format archive."""
    _setup_django()
    from leadflow.backup import BackupError, backup, configured_database

    try:
        with console.status(f"Backing up {configured_database()}..."):
            outcome = backup(file, overwrite=force)
    except BackupError as error:
        console.print(f"[bold red]Not backed up:[/] {error.reason}")
        raise typer.Exit(1) from error
    console.print(f"[bold green]Backed up[/] {outcome.database} to [bold]{outcome.path}[/]")
    _summary(outcome)
    console.print("Keep it somewhere safe: it holds every person and password hash.")


@app.command("restore")
def restore_command(
    file: Annotated[Path, typer.Argument(help="a file written by leadflow backup")],
    yes: Annotated[bool, typer.Option("--yes", help="do not ask for confirmation")] = False,
) -> None:
    """Replace everything in the configured database with the backup in FILE.

    All or nothing: a restore that fails leaves the database as it was. A backup from an
    older leadflow is migrated forward; one from a newer leadflow is refused."""
    _setup_django()
    from leadflow.backup import BackupError, configured_database, inspect, restore

    try:
        found = inspect(file)
    except BackupError as error:
        console.print(f"[bold red]Not restored:[/] {error.reason}")
        raise typer.Exit(1) from error
    held = f"{len(found.tables)} tables"
    if None not in found.tables.values():
        held += f", {sum(n or 0 for n in found.tables.values()):,} rows"
    console.print(f"[bold]{found.path}[/]: a {found.engine} backup, {_size(found.size)}, {held}")
    if found.pending:
        console.print(
            f"It is from an older leadflow: {len(found.pending)} migration(s) will be applied "
            "after restoring it."
        )
    console.print(
        f"Restoring replaces everything in {configured_database()}. Stop `leadflow serve` "
        "and the workers first: what they save meanwhile is lost."
    )
    if not yes and not typer.confirm("Replace the database with this backup?", default=False):
        console.print("Nothing restored.")
        raise typer.Exit(1)
    try:
        with console.status("Restoring..."):
            outcome = restore(file, migrate=_migrate)
    except BackupError as error:
        console.print(f"[bold red]Not restored:[/] {error.reason}")
        raise typer.Exit(1) from error
    console.print(f"[bold green]Restored[/] {outcome.database} from [bold]{outcome.path}[/]")
    if outcome.migrated:
        console.print(
            f"The backup was from an older leadflow: applied {len(outcome.migrated)} "
            f"migration(s) ({', '.join(outcome.migrated)})."
        )
    _summary(outcome)


def _summary(outcome: Outcome) -> None:
    largest = sorted(outcome.tables.items(), key=lambda item: (-item[1], item[0]))
    shown = Table(title="Rows per table (largest first)")
    shown.add_column("table")
    shown.add_column("rows", justify="right")
    for name, count in largest[:SHOWN_TABLES]:
        shown.add_row(name, f"{count:,}")
    if len(largest) > SHOWN_TABLES:
        rest = sum(count for _, count in largest[SHOWN_TABLES:])
        shown.add_row(f"{len(largest) - SHOWN_TABLES} more tables", f"{rest:,}")
    console.print(shown)
    console.print(
        f"{outcome.engine}, {_size(outcome.size)}, {len(outcome.tables)} tables, "
        f"{outcome.rows:,} rows, in {outcome.seconds:.1f} s"
    )
    console.print(f"sha256 {outcome.sha256}")


def _size(count: int) -> str:
    size = float(count)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{count:,} bytes" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


@app.command("requalify")
def requalify_command(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="count what would change; write nothing")
    ] = False,
    by: Annotated[str | None, typer.Option(help="the username it is done for")] = None,
) -> None:
    """Re-judge every lead under the playbook in force, after the playbook was edited.

    A lead someone confirmed Unqualified after talking to them stays as it is. With
    LEADFLOW_TASKS_BACKEND=database the run is queued for `leadflow worker`."""
    _setup_django()
    from django.contrib.auth.models import User
    from rich.progress import MofNCompleteColumn, Progress, TimeElapsedColumn

    from leadflow.crm.services.requalification import requalify_leads, unapplied_changes
    from leadflow.jobs import jobs_wait_for_a_worker
    from leadflow.jobs import requalify_leads as requalify_job

    _migrate()
    user = None
    if by is not None:
        user = User.objects.filter(username=by).first()
        if user is None:
            raise typer.BadParameter(f"no user named {by!r}", param_hint="--by")
    pending = unapplied_changes()
    console.print(f"{pending:,} playbook edits since leads were last re-judged.")
    if jobs_wait_for_a_worker() and not dry_run:
        queued = requalify_job.enqueue(by_id=user.pk if user else None)
        console.print(f"Queued as job {queued.id}: the jobs page shows how far it has got.")
        return
    with Progress(
        *Progress.get_default_columns()[:2],
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bars:
        bar = bars.add_task("leads judged", total=None)
        done = requalify_leads(
            by=user,
            dry_run=dry_run,
            progress=lambda judged, total: bars.update(bar, completed=judged, total=total),
        )
    table = Table(title="dry run: nothing written" if dry_run else "re-judged")
    table.add_column("change")
    table.add_column("leads", justify="right")
    for move, count in done.moves.items():
        table.add_row(move, f"{count:,}")
    console.print(table)
    console.print(done.describe())
    if not dry_run:
        console.print(
            f"{done.proposals_opened:,} disqualifications proposed for a setter to confirm; "
            f"{done.proposals_withdrawn:,} proposals withdrawn."
        )
