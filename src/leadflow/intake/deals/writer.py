"""Writing a deal plan: set-based inserts and updates, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

import polars as pl
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User

from leadflow.crm.models import Opportunity, Person, StageChange, Task, TypeChangeRecord
from leadflow.crm.roles import ensure_role_groups
from leadflow.crm.services.pipeline import CLOSED_WHEN_WON, PROSPECTING_TASKS
from leadflow.domain.people import Role
from leadflow.intake.deals.plan import DealPlan
from leadflow.intake.deals.team import NewUser
from leadflow.intake.sql import insert_new, update_masked
from leadflow.reports import facts

_BATCH = 2000
_NO_ONE = pl.lit(None, pl.Int64)


def create_users(new_users: list[NewUser], *, now: datetime) -> dict[str, int]:
    """The setters and reps the old CRM names whom leadflow does not know, by username.

    A moved-in deal keeps who booked it and who closed it, so show rate and conversion
    by setter and rep are right on day one, and people who have since left the business
    still need a row to point at. They are created inactive, with an unusable password:
    nobody can sign in as a name read from a file. An admin who wants one of them to
    work in leadflow activates the user and sets a password. Each is put in the group of
    the role the file gives them (setter, rep, or both), so the funnel groups them right.
    """
    if not new_users:
        return {}
    ensure_role_groups()
    users = pl.DataFrame(
        {
            "username": [u.username for u in new_users],
            "first_name": [u.first_name for u in new_users],
            "last_name": [u.last_name for u in new_users],
            "email": [u.email for u in new_users],
            "password": [make_password(None) for _ in new_users],
        }
    ).with_columns(
        is_active=pl.lit(False),
        is_staff=pl.lit(False),
        is_superuser=pl.lit(False),
        date_joined=pl.lit(now, pl.Datetime("us", "UTC")),
        last_login=pl.lit(None, pl.Datetime("us", "UTC")),
    )
    ids = insert_new(User, users).to_list()
    groups = dict(Group.objects.filter(name__in=[r.value for r in Role]).values_list("name", "id"))
    links = [
        (pk, groups[role.value])
        for user, pk in zip(new_users, ids, strict=True)
        for role in sorted(user.roles)
    ]
    insert_new(
        User.groups.through,
        pl.DataFrame(links, schema={"user_id": pl.Int64, "group_id": pl.Int64}, orient="row"),
    )
    return {user.username: pk for user, pk in zip(new_users, ids, strict=True)}


def write_plan(plan: DealPlan, *, moved_in_from: str, now: datetime) -> None:
    created = create_users(plan.new_users, now=now)
    team = pl.DataFrame(
        list({**plan.team, **{n: created[u] for n, u in plan.new_names.items()}}.items()),
        schema={"name": pl.String, "user_id": pl.Int64},
        orient="row",
    )
    deals = (
        plan.deals.join(team.rename({"name": "setter", "user_id": "setter_id"}), "setter", "left")
        .join(team.rename({"name": "rep", "user_id": "rep_id"}), "rep", "left")
        .with_columns(moved_in_from=pl.lit(moved_in_from))
    )
    ids = insert_new(
        Opportunity,
        deals.select(
            "person_id",
            "stage",
            "stage_entered_at",
            "setter_id",
            "rep_id",
            "created_at",
            "closed_at",
            pl.col("lost_reason").fill_null(""),
            "disposition",
            contract_value="amount",
            moved_in_from="moved_in_from",
        ),
    )
    # One history row per deal: the stage it reached and when. The stages in between
    # were never recorded in the old CRM, and history is not invented.
    insert_new(
        StageChange,
        deals.with_columns(ids.alias("opportunity_id")).select(
            "opportunity_id",
            before=pl.lit(""),
            after="stage",
            details=_details(),
            reason=pl.format("moved in from {} (row {})", "moved_in_from", "row"),
            by_id=_NO_ONE,
            at="stage_entered_at",
        ),
    )
    _update_people(plan.people)
    insert_new(TypeChangeRecord, plan.type_changes.with_columns(by_id=_NO_ONE))
    # As mark_won and book_appointment do: a client, or a lead the rep now runs, gets no
    # more prospecting calls.
    _close_tasks(
        plan.won_people,
        CLOSED_WHEN_WON,
        note=f"closed: deal won (moved in from {moved_in_from})",
        now=now,
    )
    _close_tasks(
        plan.open_people,
        PROSPECTING_TASKS,
        note=f"closed: open deal moved in from {moved_in_from}",
        now=now,
    )
    facts.refresh(deals["person_id"].unique().to_list())


def _details() -> pl.Expr:
    """What the move carried, as the JSON text of a StageChange's details."""
    cents = (pl.col("amount").cast(pl.Float64) * 100).round().cast(pl.Int64)
    encoded = pl.struct(
        "moved_in_from",
        row=pl.col("row").cast(pl.String),
        lost_reason="lost_reason",
        disposition="disposition",
        contract_value=pl.format("{}.{}", cents // 100, (cents % 100).cast(pl.String).str.zfill(2)),
    ).struct.json_encode()
    # Keys without a value are left out, as MoveDetails.to_record has it. A string value's
    # own quotes are escaped, so the pattern only ever meets real keys.
    return encoded.str.replace_all(r',"[a-z_]+":null', "")


def _update_people(changed: pl.DataFrame) -> None:
    """Type, and the moments and status that change with it; other columns untouched."""
    columns = ["person_type", "became_lead_at", "became_client_at", "qualification_status"]
    update_masked(
        Person,
        changed.rename({"person_id": "id"}).with_columns(
            set_person_type=pl.lit(True),
            **{f"set_{c}": pl.col(c).is_not_null() for c in columns[1:]},
        ),
        columns,
    )


def _close_tasks(
    person_ids: list[int], kinds: list[Task.Kind], *, note: str, now: datetime
) -> None:
    for start in range(0, len(person_ids), _BATCH):
        Task.objects.filter(
            person_id__in=person_ids[start : start + _BATCH],
            kind__in=kinds,
            done_at__isnull=True,
        ).update(done_at=now, note=note)
