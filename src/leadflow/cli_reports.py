"""The numbers from the command line (issue 7): `leadflow report`, `plan`, `forecast` and
`score`. Registered on the main `leadflow` app by leadflow.cli."""

from __future__ import annotations

from typing import Annotated

import typer

from leadflow.cli import _migrate, _setup_django, app, console

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
