"""Re-judge every lead under the playbook in force, after someone changed it.

Set-based, like intake: the stored leads are read a chunk at a time into polars, the
domain's qualification runs once per distinct combination of what the criteria read
(intake/classify.py), and only the leads whose decision or explanation changed are
written: one UPDATE for the people, one insert each for their history rows, proposals
and tasks. The whole run is one transaction, so a run stopped half-way (a killed worker)
leaves every lead as it was, and running it again finishes the job.

What it leaves alone, and why:
- Clients, prospects and Avoid: only leads are qualified (PRODUCT.md §2).
- A lead someone confirmed Unqualified after talking to them: an automatic run never
  overrules a person (as qualify_person); they are counted as kept.
- Disqualifications proposed by hand: only the playbook's own proposals are withdrawn
  when the playbook no longer fails that trait.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone

from leadflow.crm import adapters
from leadflow.crm.models import (
    Avatar,
    Company,
    Person,
    ProposedDisqualification,
    QualificationRecord,
    RequalificationRun,
    Source,
    Task,
)
from leadflow.crm.models.history import PlaybookChange
from leadflow.crm.services.common import now_or
from leadflow.domain.people import PersonType, Role
from leadflow.domain.qualification import Playbook, QualificationStatus
from leadflow.intake.classify import qualify_profiles
from leadflow.intake.existing import decoded_json
from leadflow.intake.locks import lock_out_intake
from leadflow.intake.sql import insert_new, update_masked
from leadflow.intake.writer import insert_qualification_records
from leadflow.reports import facts

CHUNK = 50_000  # leads read and judged at a time: bounds the explanations held in memory

Progress = Callable[[int, int], None]  # (leads judged so far, leads to judge)


def _no_progress(done: int, total: int) -> None:
    return None


@dataclass(frozen=True)
class Requalification:
    """What a run found: how many leads were judged, how many changed, and how."""

    considered: int = 0
    changed: int = 0
    kept_confirmed: int = 0
    proposals_opened: int = 0
    proposals_withdrawn: int = 0
    moves: dict[str, int] = field(default_factory=dict)  # "qualified → unqualified": n
    written: bool = False

    def describe(self) -> str:
        verb = "re-judged" if self.written else "would change"
        head = f"{self.changed:,} of {self.considered:,} leads {verb}"
        if self.kept_confirmed:
            head += f"; {self.kept_confirmed:,} confirmed unqualified left as they are"
        moves = "; ".join(f"{move}: {n:,}" for move, n in self.moves.items())
        return f"{head}{' (' + moves + ')' if moves else ''}"

    def plus(self, other: Requalification) -> Requalification:
        moves = dict(self.moves)
        for move, n in other.moves.items():
            moves[move] = moves.get(move, 0) + n
        return Requalification(
            considered=self.considered + other.considered,
            changed=self.changed + other.changed,
            kept_confirmed=self.kept_confirmed + other.kept_confirmed,
            proposals_opened=self.proposals_opened + other.proposals_opened,
            proposals_withdrawn=self.proposals_withdrawn + other.proposals_withdrawn,
            moves=moves,
            written=self.written or other.written,
        )


def requalify_leads(
    *,
    by: User | None,
    at: datetime | None = None,
    dry_run: bool = False,
    progress: Progress = _no_progress,
) -> Requalification:
    """Re-judge every lead under the stored playbook; with dry_run, only count what would
    change. Returns the counts; a real run also leaves a RequalificationRun."""
    at = now_or(at)
    with transaction.atomic():
        if not dry_run:
            lock_out_intake()
        playbook = adapters.playbook()
        applied = PlaybookChange.objects.order_by("-id").first()  # the edits it sees
        avatars: dict[str, int] = dict(Avatar.objects.values_list("name", "id"))
        total = Person.objects.filter(person_type=PersonType.LEAD).count()
        done = Requalification(written=not dry_run)
        after = 0
        while True:
            leads = _stored_leads(after)
            if leads.is_empty():
                break
            after = int(leads["person_id"].max())  # type: ignore[arg-type]
            found = _judge(leads, playbook, avatars, at=at, by=by, write=not dry_run)
            done = done.plus(found)
            progress(done.considered + done.kept_confirmed, total)
        if not dry_run:
            RequalificationRun.objects.create(
                by=by,
                at=at,
                reason="every lead re-judged under the playbook in force",
                considered=done.considered,
                changed=done.changed,
                kept_confirmed=done.kept_confirmed,
                proposals_opened=done.proposals_opened,
                proposals_withdrawn=done.proposals_withdrawn,
                moves=done.moves,
                applied_change=applied,
            )
    return done


def unapplied_changes() -> int:
    """Playbook edits made since leads were last re-judged (all of them if never). By
    the last edit a run applied, not by clock: an edit saved while a run was under way
    is one that run did not see."""
    last = RequalificationRun.objects.order_by("-id").first()
    changes = PlaybookChange.objects.all()
    if last is not None and last.applied_change_id is not None:
        changes = changes.filter(id__gt=last.applied_change_id)
    return changes.count()


_LEAD_SCHEMA: dict[str, Any] = {
    "person_id": pl.Int64,
    "old_status": pl.String,
    "old_reason": pl.String,
    "old_sweet_spot": pl.String,
    "old_explanation": pl.String,
    "old_incomplete": pl.Boolean,
    "confirmed": pl.Boolean,
    "niche": pl.String,
    "company_type": pl.String,
    "employee_count": pl.Int64,
    "company_geography": pl.String,
    "country": pl.String,
    "region": pl.String,
    "authority": pl.Int8,
    "monthly_budget": pl.Float64,
    "outsourcing": pl.String,
    "switch_reason": pl.String,
    "need": pl.String,
    "lead_source": pl.String,
    "services_wanted": pl.List(pl.String),
    "waived_traits": pl.List(pl.String),
}


def _stored_leads(after: int) -> pl.DataFrame:
    """The next CHUNK leads by id after `after`: what qualification reads, what it last
    decided, and whether that was a person confirming a disqualification."""
    person, company = Person._meta.db_table, Company._meta.db_table
    source, avatar = Source._meta.db_table, Avatar._meta.db_table
    record = QualificationRecord._meta.db_table
    sql = f"""
        SELECT p.id, p.qualification_status, p.unqualified_reason, a.name,
               p.qualification_explanation, p.incomplete,
               CASE WHEN p.qualification_status = %s AND (
                   SELECT r.kind FROM {record} r WHERE r.person_id = p.id
                   ORDER BY r.id DESC LIMIT 1) = %s THEN 1 ELSE 0 END,
               c.niche, c.company_type, c.employee_count, c.geography, p.country, p.region,
               p.authority, p.monthly_budget, p.outsourcing, p.switch_reason, p.need, s.name,
               p.services_wanted, p.waived_traits
        FROM {person} p
        LEFT JOIN {company} c ON c.id = p.company_id
        LEFT JOIN {source} s ON s.id = p.lead_source_id
        LEFT JOIN {avatar} a ON a.id = p.sweet_spot_id
        WHERE p.person_type = %s AND p.id > %s
        ORDER BY p.id LIMIT %s
    """
    params: list[str | int] = [
        QualificationStatus.UNQUALIFIED.value,
        QualificationRecord.Kind.CONFIRMED.value,
        PersonType.LEAD.value,
        after,
        CHUNK,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = [decoded_json(row, [19, 20]) for row in cursor.fetchall()]
    return pl.DataFrame(rows, schema=_LEAD_SCHEMA, orient="row").with_columns(
        pl.col("confirmed").fill_null(False),
        pl.col("monthly_budget").cast(pl.Float64),
    )


def _profiles(leads: pl.DataFrame) -> pl.DataFrame:
    """The columns qualify_profiles reads, as adapters.lead_profile builds them for one
    person: the company's geography, else the person's COUNTRY-REGION, else COUNTRY."""
    blank = pl.lit(None, pl.String)

    def given(name: str) -> pl.Expr:
        return pl.when(pl.col(name) != "").then(pl.col(name)).otherwise(blank)

    own = (
        pl.when((pl.col("country") != "") & (pl.col("region") != ""))
        .then(pl.format("{}-{}", "country", "region").str.to_uppercase())
        .otherwise(given("country").str.to_uppercase())
    )
    return leads.select(
        pl.col("person_id").alias("row"),
        niche=given("niche"),
        geography=pl.coalesce(given("company_geography"), own),
        company_type=given("company_type"),
        employee_count=pl.col("employee_count"),
        authority=pl.col("authority"),
        monthly_budget=pl.col("monthly_budget"),
        outsourcing=pl.col("outsourcing"),
        switch_reason=pl.col("switch_reason"),
        need=pl.col("need"),
        lead_source=pl.col("lead_source"),
        services_wanted=pl.col("services_wanted"),
        waived_traits=pl.col("waived_traits"),
    )


def _judge(
    leads: pl.DataFrame,
    playbook: Playbook,
    avatars: dict[str, int],
    *,
    at: datetime,
    by: User | None,
    write: bool,
) -> Requalification:
    kept = int(leads["confirmed"].sum())
    judged = leads.filter(~pl.col("confirmed"))
    decided, proposals = qualify_profiles(_profiles(judged), playbook)
    frame = judged.join(decided.rename({"row": "person_id"}), on="person_id", how="left")
    same = (
        pl.col("status").eq_missing(pl.col("old_status"))
        & pl.col("unqualified_reason").fill_null("").eq(pl.col("old_reason").fill_null(""))
        & pl.col("sweet_spot").fill_null("").eq(pl.col("old_sweet_spot").fill_null(""))
        & pl.col("explanation").eq_missing(pl.col("old_explanation"))
        & pl.col("incomplete").eq_missing(pl.col("old_incomplete"))
    )
    changed = frame.filter(~same)
    before, after = _standing("old_status", "old_sweet_spot"), _standing("status", "sweet_spot")
    move = (
        pl.when(before == after)
        .then(pl.format("{} (explanation updated)", after))
        .otherwise(pl.format("{} → {}", before, after))
    )
    moves = changed.group_by(move=move).len().sort("len", "move", descending=[True, False])
    found = Requalification(
        considered=judged.height,
        changed=changed.height,
        kept_confirmed=kept,
        moves={str(m): int(n) for m, n in moves.iter_rows()},
        written=write,
    )
    if not write or changed.is_empty():
        return found
    proposals = proposals.rename({"row": "person_id"}).join(
        changed.select("person_id"), on="person_id", how="semi"
    )
    _write_people(changed, avatars)
    insert_qualification_records(
        changed,
        kind=QualificationRecord.Kind.REQUALIFIED,
        by_id=pl.lit(by.pk if by else None, pl.Int64),
        at=pl.lit(at).cast(pl.Datetime("us", "UTC")),
    )
    opened, withdrawn = _settle_proposals(changed, proposals, at=at, by=by)
    _write_tasks(changed, at=at)
    facts.refresh(changed["person_id"].to_list())
    return Requalification(
        **{**found.__dict__, "proposals_opened": opened, "proposals_withdrawn": withdrawn}
    )


def _standing(status: str, sweet_spot: str) -> pl.Expr:
    """A lead's standing as people speak of it: its status, or sweet spot."""
    sweet = (pl.col(status) == QualificationStatus.QUALIFIED.value) & (
        pl.col(sweet_spot).fill_null("") != ""
    )
    return pl.when(sweet).then(pl.lit("sweet spot")).otherwise(pl.col(status))


def _write_people(changed: pl.DataFrame, avatars: dict[str, int]) -> None:
    columns = (
        "qualification_status",
        "unqualified_reason",
        "sweet_spot_id",
        "qualification_explanation",
        "incomplete",
    )
    update_masked(
        Person,
        changed.select(
            pl.col("person_id").alias("id"),
            qualification_status=pl.col("status"),
            unqualified_reason=pl.col("unqualified_reason"),
            sweet_spot_id=pl.col("sweet_spot").replace_strict(
                avatars, default=None, return_dtype=pl.Int64
            ),
            qualification_explanation=pl.col("explanation"),
            incomplete=pl.col("incomplete"),
            **{f"set_{c}": pl.lit(True) for c in columns},
        ),
        columns,
    )


def _in_range(model: type[Any], ids: pl.Series, **where: Any) -> Any:
    """Rows of `model` whose person is in this chunk's id range: a range, not a list of
    fifty thousand ids that SQLite could not bind; callers keep only the changed people."""
    low, high = ids.min(), ids.max()
    return model.objects.filter(person_id__gte=low, person_id__lte=high, **where)


def _open_proposals(people: pl.Series) -> pl.DataFrame:
    """Open proposals of these people: id, person, trait, and whether the playbook made it."""
    rows = _in_range(
        ProposedDisqualification, people, status=ProposedDisqualification.Status.OPEN
    ).values_list("id", "person_id", "trait", "proposed_by_id")
    frame = pl.DataFrame(
        [(pk, person, trait, proposer is None) for pk, person, trait, proposer in rows],
        schema={"id": pl.Int64, "person_id": pl.Int64, "trait": pl.String, "automatic": pl.Boolean},
        orient="row",
    )
    return frame.filter(pl.col("person_id").is_in(people.implode()))


def _settle_proposals(
    changed: pl.DataFrame, proposals: pl.DataFrame, *, at: datetime, by: User | None
) -> tuple[int, int]:
    """Open a proposal for each newly failed soft trait; withdraw the playbook's own open
    proposals for traits it no longer fails. Returns (opened, withdrawn)."""
    people = changed["person_id"]
    open_now = _open_proposals(people)
    new = proposals.join(open_now, on=["person_id", "trait"], how="anti")
    insert_new(
        ProposedDisqualification,
        new.select(
            "person_id",
            "reason",
            "trait",
            "detail",
            proposed_at=pl.lit(at).cast(pl.Datetime("us", "UTC")),
        ),
    )
    moot = open_now.filter(pl.col("automatic")).join(
        proposals, on=["person_id", "trait"], how="anti"
    )
    withdrawn = ("status", "resolved_by_id", "resolved_at", "note")
    update_masked(
        ProposedDisqualification,
        moot.select(
            "id",
            status=pl.lit(ProposedDisqualification.Status.SUPERSEDED.value),
            resolved_by_id=pl.lit(by.pk if by else None, pl.Int64),
            resolved_at=pl.lit(at).cast(pl.Datetime("us", "UTC")),
            note=pl.lit("withdrawn: the playbook no longer fails this (leads re-judged)"),
            **{f"set_{c}": pl.lit(True) for c in withdrawn},
        ),
        withdrawn,
    )
    return new.height, moot.height


def _write_tasks(changed: pl.DataFrame, *, at: datetime) -> None:
    """A setter's call for leads with new proposals and a gather-missing-information task
    for incomplete leads still in play, unless one is open; calls to confirm that have no
    open proposal left are closed."""
    people = changed["person_id"]
    settings = adapters.business_settings()
    due = adapters.calendar().add_business_days(
        timezone.localdate(at), settings.raw_age_alert_business_days
    )
    open_tasks = pl.DataFrame(
        list(_in_range(Task, people, done_at__isnull=True).values_list("id", "person_id", "kind")),
        schema={"id": pl.Int64, "person_id": pl.Int64, "kind": pl.String},
        orient="row",
    ).filter(pl.col("person_id").is_in(people.implode()))
    still_open = _open_proposals(people)["person_id"].unique()
    confirm = Task.Kind.CONFIRM_DISQUALIFICATION.value
    wanted = pl.concat(
        [
            changed.filter(
                pl.col("person_id").is_in(still_open.implode())
                & pl.col("proposal_note").is_not_null()
            ).select("person_id", kind=pl.lit(confirm), note=pl.col("proposal_note")),
            changed.filter(
                pl.col("incomplete") & (pl.col("status") != QualificationStatus.UNQUALIFIED.value)
            ).select(
                "person_id",
                kind=pl.lit(Task.Kind.GATHER_MISSING_INFORMATION.value),
                note=pl.format("missing: {}", pl.col("missing")),
            ),
        ]
    )
    insert_new(
        Task,
        wanted.join(open_tasks, on=["person_id", "kind"], how="anti").select(
            "person_id",
            "kind",
            "note",
            role=pl.lit(Role.SETTER.value),
            due_on=pl.lit(due, pl.Date),
            created_at=pl.lit(at).cast(pl.Datetime("us", "UTC")),
        ),
    )
    settled = open_tasks.filter(
        (pl.col("kind") == confirm) & ~pl.col("person_id").is_in(still_open.implode())
    )
    update_masked(
        Task,
        settled.select(
            "id", done_at=pl.lit(at).cast(pl.Datetime("us", "UTC")), set_done_at=pl.lit(True)
        ),
        ("done_at",),
    )
