"""Run the intake pipeline: plan, then write in one transaction (or roll back)."""

from __future__ import annotations

from datetime import datetime

import polars as pl
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from leadflow.crm import adapters
from leadflow.crm.models import Campaign, Source
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
    `stage` is told each stage's name as it starts (see options.STAGES)."""
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
    with transaction.atomic():
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
    reason = ""
    if refused:
        reason = f"nothing was written: {errors} row(s) have errors (mode all-or-nothing)"
    elif options.dry_run:
        reason = "dry run: nothing was written"
    return IntakeReport(rows, written=not reason, reason=reason, warnings=table.warnings)
