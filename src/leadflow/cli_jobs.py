"""`leadflow worker`: runs the jobs queued in the database (LEADFLOW_TASKS_BACKEND=
database). Registered on the main `leadflow` app by leadflow.cli."""

from __future__ import annotations

from typing import Annotated

import typer

from leadflow.cli import _setup_django, app, console


@app.command("worker")
def worker_command(
    queue: Annotated[str, typer.Option(help="the queue to take jobs from")] = "default",
    batch: Annotated[
        bool, typer.Option(help="stop when the queue is empty instead of waiting for more")
    ] = False,
    interval: Annotated[float, typer.Option(help="seconds between looks at an empty queue")] = 1.0,
    max_tasks: Annotated[
        int | None, typer.Option(help="stop after this many jobs (then restart the worker)")
    ] = None,
) -> None:
    """Run queued jobs (imports, exports, retraining, the nightly run) until stopped.

    Several workers may run at once, on one machine or many: each job is taken by one
    (a row lock on PostgreSQL). SIGTERM lets the running job finish first. Each worker
    beats while it runs, and marks failed (to be retried) the jobs of a worker that
    stopped without finishing them (leadflow.workers)."""
    _setup_django()
    from django.core.management import call_command

    from leadflow.jobs import jobs_wait_for_a_worker
    from leadflow.workers import Heartbeat

    if not jobs_wait_for_a_worker():
        console.print(
            "[red]Jobs run where they are asked for (LEADFLOW_TASKS_BACKEND=immediate): "
            "there is no queue to work. Set LEADFLOW_TASKS_BACKEND=database to queue them.[/]"
        )
        raise typer.Exit(1)
    heart = Heartbeat()
    options: dict[str, object] = {
        "queue_name": queue,
        "interval": interval,
        "batch": batch,
        "worker_id": heart.worker_id,
    }
    if max_tasks is not None:
        options["max_tasks"] = max_tasks
    heart.start()
    try:
        call_command("db_worker", **options)
    finally:
        heart.stop()
