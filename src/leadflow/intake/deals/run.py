"""Run a deal import: check, plan, then write in one transaction (or write nothing)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import polars as pl
from django.db import transaction
from django.utils import timezone

from leadflow.intake.deals import stored
from leadflow.intake.deals.columns import deal_frame, map_deal_headers
from leadflow.intake.deals.options import DealOptions, DealOutcome
from leadflow.intake.deals.plan import plan_deals
from leadflow.intake.deals.validate import check_deals
from leadflow.intake.deals.writer import write_plan
from leadflow.intake.options import Mode
from leadflow.intake.read import Table
from leadflow.spreadsheet import write_csv


@dataclass(frozen=True)
class DealReport:
    """What a deal import did (or would do) to every row, and the totals that add up."""

    rows: pl.DataFrame  # row, outcome, detail
    written: bool
    reason: str = ""  # why nothing was written, when nothing was
    warnings: list[str] = field(default_factory=list)
    new_users: tuple[str, ...] = ()  # usernames created (or, unwritten, that would be)
    clients: int = 0  # people who became clients (or would)
    leads: int = 0  # prospects who became leads (or would)

    @property
    def counts(self) -> dict[DealOutcome, int]:
        tally = dict(self.rows.group_by("outcome").len().iter_rows())
        return {o: int(tally.get(o.value, 0)) for o in DealOutcome}

    @property
    def read(self) -> int:
        return self.rows.height

    @property
    def errors(self) -> list[str]:
        return self.rows.filter(pl.col("outcome") == DealOutcome.ERROR.value)["detail"].to_list()

    def write_csv(self, path: Path) -> None:
        """One line per input row: row, outcome, detail."""
        with path.open("w", newline="", encoding="utf-8") as handle:
            write_csv(handle, self.rows.select("row", "outcome", "detail"))


def run_deal_import(
    table: Table, options: DealOptions, *, now: datetime | None = None
) -> DealReport:
    """Nothing is written on a dry run, nor in all-or-nothing mode when a row has an
    error; the report still says what happened, or would have, to every row.

    Raises IntakeFileError when the file cannot say whose deals these are or their stage.
    """
    now = now or timezone.now()
    time_zone = timezone.get_current_timezone_name()
    frame = deal_frame(table, options.mapping, has_default_stage=options.stage is not None)
    checked = check_deals(
        frame,
        stages=options.stage_names,
        default_stage=options.stage,
        default_disposition=options.default_disposition,
        time_zone=time_zone,
    )
    with transaction.atomic():
        keys = checked.frame
        people = stored.people(
            external_ids=keys["external_id"].drop_nulls().unique().to_list(),
            emails=keys["email_normalized"].drop_nulls().unique().to_list(),
        )
        plan = plan_deals(
            checked.frame,
            stored_people=people,
            stored_deals=stored.deals(people["person_id"].to_list()),
            users=stored.users(),
            moved_in_from=options.moved_in_from,
            time_zone=time_zone,
        )
        errors = plan.rows.filter(pl.col("outcome") == DealOutcome.ERROR.value).height
        refused = errors > 0 and options.mode is Mode.ALL_OR_NOTHING
        if not (options.dry_run or refused):
            write_plan(plan, moved_in_from=options.moved_in_from, now=now)
    reason = ""
    if refused:
        reason = f"nothing was written: {errors} row(s) have errors (mode all-or-nothing)"
    elif options.dry_run:
        reason = "dry run: nothing was written"
    types = plan.type_changes["after"]
    return DealReport(
        rows=plan.rows,
        written=not reason,
        reason=reason,
        warnings=[*table.warnings, *_warnings(table, options, checked.zero_values)],
        new_users=tuple(u.username for u in plan.new_users),
        clients=int((types == "client").sum()),
        leads=int((types == "lead").sum()),
    )


def _warnings(table: Table, options: DealOptions, zero_values: int) -> list[str]:
    out: list[str] = []
    ignored = map_deal_headers(table.headers, options.mapping).ignored
    if ignored:
        out.append("columns not imported: " + ", ".join(ignored))
    if zero_values:
        out.append(f"{zero_values} won deal(s) have a value of 0: kept without a value")
    return out
