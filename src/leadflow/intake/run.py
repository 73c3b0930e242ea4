"""Run the intake pipeline: plan, then write in one transaction (or roll back)."""

from __future__ import annotations

import logging
from datetime import date, datetime
from functools import partial

import polars as pl
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone

from leadflow.crm import adapters
from leadflow.crm.models import Campaign, Source
from leadflow.intake.locks import INTEGRITY_ERRORS, IntakeConflict, lock_for_intake
from leadflow.intake.options import (
    IntakeOptions,
    ListKind,
    Mode,
    Outcome,
    StageHook,
    no_progress,
)
from leadflow.intake.plan import Rules, plan_intake
from leadflow.intake.read import Table
from leadflow.intake.report import IntakeReport
from leadflow.intake.writer import write_plan

logger = logging.getLogger(__name__)


def run_intake(
    table: Table,
    options: IntakeOptions,
    *,
    by: User | None = None,
    now: datetime | None = None,
    stage: StageHook = no_progress,
) -> IntakeReport:
    """Nothing is written on a dry run, nor in all-or-nothing mode when a row has an
    error; the report still says what happened, or would have, to every row.
    `stage` is told each stage's name as it starts (see options.STAGES). Runs at the
    same moment take turns where they overlap (locks.py): nobody is stored twice."""
    now = now or timezone.now()
    rules = Rules(
        playbook=adapters.playbook(),
        triggers=adapters.triggers(),
        steps=adapters.next_steps(),
        calendar=adapters.calendar(),
    )
    review_due = rules.calendar.add_business_days(
        timezone.localdate(now), adapters.business_settings().raw_age_alert_business_days
    )
    attempt = partial(
        _plan_and_write,
        table,
        options,
        rules=rules,
        by=by,
        now=now,
        review_due=review_due,
        stage=stage,
    )
    try:
        rows, errors, refused = attempt()
    except INTEGRITY_ERRORS as error:
        if connection.vendor != "postgresql":
            raise  # SQLite runs one import at a time: this is a bug, not a race
        # The locks keep runs apart, so this should not happen; if it does, the other
        # run has committed (a unique index waits for that before refusing), and a new
        # plan sees what it wrote and merges into it.
        logger.warning("intake: %s; planning again", error)
        try:
            rows, errors, refused = attempt()
        except INTEGRITY_ERRORS as again:
            logger.warning("intake: %s; nothing written", again)
            raise IntakeConflict(
                "another import was writing the same people at the same moment; nothing "
                "was written: send or import it again"
            ) from again
    reason = ""
    if refused:
        reason = f"nothing was written: {errors} row(s) have errors (mode all-or-nothing)"
    elif options.dry_run:
        reason = "dry run: nothing was written"
    return IntakeReport(rows, written=not reason, reason=reason, warnings=table.warnings)


def _plan_and_write(
    table: Table,
    options: IntakeOptions,
    *,
    rules: Rules,
    by: User | None,
    now: datetime,
    review_due: date,
    stage: StageHook,
) -> tuple[pl.DataFrame, int, bool]:
    """One transaction: the rows' outcomes, how many are errors, and whether the errors
    refused the whole run."""
    with transaction.atomic():
        lock_for_intake(table, options)  # before anything is read
        source, _ = Source.objects.get_or_create(name=options.source)
        campaign, _ = Campaign.objects.get_or_create(
            name=options.campaign,
            defaults={"source": source, "started_on": timezone.localdate(now)},
        )
        plan = plan_intake(
            table, options, campaign_id=campaign.pk, rules=rules, now=now, stage=stage
        )
        rows = plan.rows
        errors = rows.filter(pl.col("outcome") == Outcome.ERROR.value).height
        refused = errors > 0 and options.mode is Mode.ALL_OR_NOTHING
        if options.dry_run or refused:
            transaction.set_rollback(True)
        else:
            created = write_plan(
                plan,
                rules=rules,
                campaign=campaign,
                source=source,
                responses=options.kind is ListKind.RESPONSES,
                by=by,
                now=now,
                review_due=review_due,
                stage=stage,
            )
            rows = (
                rows.join(created.rename({"person_id": "_new"}), on="row", how="left")
                .with_columns(
                    person_id=pl.coalesce("person_id", "_new"),
                    detail=pl.coalesce("detail", pl.format("created person {}", pl.col("_new"))),
                )
                .drop("_new")
            )
    return rows, errors, refused
