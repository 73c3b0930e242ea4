"""Deciding what happens to every row of a deal file: pure, over polars frames.

- **A deal never lands without its person.** The person is found by external id, else by
  normalized email; a row naming nobody stored is an error.
- **Avoid is never touched**: a row whose person is on the Avoid list is *blocked*, even
  when it has errors too (fixing them would not let it land).
- **Importing the same file twice creates nothing.** Opportunities have no field for the
  other CRM's deal id, so a deal is known by its person, its stage and its day: the close
  date for a won or lost deal, the start date for an open one (in the business's time
  zone). A row matching a stored opportunity, worked here or moved in, or an earlier row
  of the file, is a *duplicate*. An open deal that has moved on here since the first
  import no longer matches and meets the next rule instead.
- **One open opportunity per person**: an open deal for someone who already has one
  stored, or a second open deal for one person in the file, is a row error.
- **A deal shows interest; a won deal makes a client.** A prospect with a moved-in deal
  becomes a (Raw) lead first (an appointment was set: interest shown), and a won deal makes
  the person a Client as of its close date, through the domain's transition table.
  A lost deal's disposition is kept on the deal only: it said where the person went then,
  and who they are now is the people import's to say (Avoid needs its own entry).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from leadflow.domain import people
from leadflow.domain.people import PersonEvent, PersonType, Role
from leadflow.domain.pipeline import CLOSED_STAGES, Stage
from leadflow.domain.qualification import QualificationStatus
from leadflow.intake.deals.options import DealOutcome
from leadflow.intake.deals.team import NewUser, Team, resolve_team

_CLOSED = sorted(s.value for s in CLOSED_STAGES)
_LABELS = {s.value: s.label for s in Stage}


@dataclass(frozen=True)
class DealPlan:
    rows: pl.DataFrame  # row, outcome, detail: one line per input row
    deals: pl.DataFrame  # the opportunities to create, with their row
    team: dict[str, int]  # setter / rep names of the file → stored user ids
    new_users: list[NewUser]  # to create, inactive (see writer.create_users)
    new_names: dict[str, str]  # setter / rep names of the file → a new user's username
    people: pl.DataFrame  # person_id, person_type, and the moments and status that change
    type_changes: pl.DataFrame  # person_id, before, after, event, reason, at
    won_people: list[int]  # people with a new won deal: prospecting stops
    open_people: list[int]  # people with a new open deal: the rep runs them now


def plan_deals(
    checked: pl.DataFrame,
    *,
    stored_people: pl.DataFrame,
    stored_deals: pl.DataFrame,
    users: pl.DataFrame,
    moved_in_from: str,
    time_zone: str,
) -> DealPlan:
    """``checked`` is `validate.check_deals`' frame; the stored frames are `stored`'s."""
    frame = _match_people(checked, stored_people)
    team = resolve_team(_roles_by_name(frame), users)
    frame = _with_team_errors(frame, team)
    frame = _decide(frame, _deal_keys(stored_deals, time_zone))
    created = frame.filter(pl.col("outcome") == DealOutcome.CREATED.value)
    deals = created.select(
        "row",
        "person_id",
        "stage",
        created_at=pl.coalesce("engaged_at", "closed_at"),
        stage_entered_at=pl.when(pl.col("stage").is_in(_CLOSED))
        .then("closed_at")
        .otherwise("engaged_at"),
        closed_at="closed_at",
        amount="amount",
        lost_reason="lost_reason",
        disposition="disposition",
        setter="setter",
        rep="rep",
    )
    changed, type_changes = _people_changes(deals, frame, moved_in_from)
    used = {*deals["setter"].drop_nulls().to_list(), *deals["rep"].drop_nulls().to_list()}
    return DealPlan(
        rows=frame.select("row", "outcome", "detail").sort("row"),
        deals=deals,
        team=team.stored,
        new_users=team.new_users(used),
        new_names={n: team.new[n].username for n in sorted(used) if n in team.new},
        people=changed,
        type_changes=type_changes,
        won_people=_people_with(deals, pl.col("stage") == Stage.WON.value),
        open_people=_people_with(deals, ~pl.col("stage").is_in(_CLOSED)),
    )


def _match_people(checked: pl.DataFrame, stored: pl.DataFrame) -> pl.DataFrame:
    by_id = stored.filter(pl.col("external_id").is_not_null()).select(
        "external_id", id_match="person_id"
    )
    by_email = stored.filter(pl.col("email_normalized").is_not_null()).select(
        "email_normalized", email_match="person_id"
    )
    facts = stored.select("person_id", "person_type", "became_lead_at", "became_client_at")
    frame = (
        checked.join(by_id, on="external_id", how="left")
        .join(by_email, on="email_normalized", how="left")
        .with_columns(person_id=pl.coalesce("id_match", "email_match"))
        .join(facts, on="person_id", how="left")
    )
    missing = (
        pl.when(pl.col("person_id").is_not_null())
        .then(None)
        .when(pl.col("external_id").is_not_null())
        .then(pl.format("row {}: person: no person with external id {}", "row", "external_id"))
        .when(pl.col("email_normalized").is_not_null())
        .then(pl.format("row {}: person: no person with email {}", "row", "email_normalized"))
    )
    return frame.with_columns(errors=_joined(pl.col("errors"), missing))


def _joined(first: pl.Expr, second: pl.Expr) -> pl.Expr:
    return pl.concat_list(first, second).list.drop_nulls().list.join("; ").replace("", None)


def _roles_by_name(frame: pl.DataFrame) -> dict[str, set[Role]]:
    roles: dict[str, set[Role]] = {}
    for column, role in (("setter", Role.SETTER), ("rep", Role.REP)):
        for name in frame[column].drop_nulls().unique().to_list():
            roles.setdefault(name, set()).add(role)
    return roles


def _with_team_errors(frame: pl.DataFrame, team: Team) -> pl.DataFrame:
    if not team.errors:
        return frame
    problems = pl.DataFrame(
        {"name": list(team.errors), "problem": list(team.errors.values())},
        schema={"name": pl.String, "problem": pl.String},
    )
    for column in ("setter", "rep"):
        frame = (
            frame.join(problems.rename({"name": column}), on=column, how="left")
            .with_columns(
                errors=_joined(
                    pl.col("errors"),
                    pl.when(pl.col("problem").is_not_null()).then(
                        pl.format("row {}: {}: {}", "row", pl.lit(column), "problem")
                    ),
                )
            )
            .drop("problem")
        )
    return frame


def _day(stage: pl.Expr, closed_at: pl.Expr, started_at: pl.Expr) -> pl.Expr:
    return pl.when(stage.is_in(_CLOSED)).then(closed_at).otherwise(started_at).dt.date()


def _deal_keys(stored: pl.DataFrame, time_zone: str) -> pl.DataFrame:
    """Stored deals by (person, stage, day), and each person's open deal if any."""
    local = stored.with_columns(
        pl.col("closed_at").dt.convert_time_zone(time_zone),
        pl.col("created_at").dt.convert_time_zone(time_zone),
    )
    return local.select(
        "person_id",
        "stage",
        "opportunity_id",
        day=_day(pl.col("stage"), pl.col("closed_at"), pl.col("created_at")),
        open=~pl.col("stage").is_in(_CLOSED),
    )


def _decide(frame: pl.DataFrame, stored: pl.DataFrame) -> pl.DataFrame:
    key = ["person_id", "stage", "day"]
    same = stored.group_by(key).agg(stored_id=pl.col("opportunity_id").min())
    open_stored = (
        stored.filter("open")
        .group_by("person_id")
        .agg(open_stage=pl.col("stage").first(), open_id=pl.col("opportunity_id").min())
    )
    frame = (
        frame.with_columns(
            day=_day(pl.col("stage"), pl.col("closed_at"), pl.col("engaged_at")),
            blocked=pl.col("person_type") == PersonType.AVOID.value,
        )
        .with_columns(live=~pl.col("blocked").fill_null(False) & pl.col("errors").is_null())
        .join(same, on=key, how="left")
        .join(open_stored, on="person_id", how="left")
        .with_columns(first_row=pl.when("live").then(pl.col("row").min().over(["live", *key])))
    )
    duplicate = pl.col("live") & (
        pl.col("stored_id").is_not_null() | (pl.col("first_row") != pl.col("row"))
    )
    opening = pl.col("live") & ~duplicate & ~pl.col("stage").is_in(_CLOSED)
    frame = frame.with_columns(duplicate=duplicate, opening=opening).with_columns(
        first_open=pl.when("opening").then(pl.col("row").min().over(["opening", "person_id"]))
    )
    conflict = (
        pl.when(pl.col("opening") & pl.col("open_id").is_not_null())
        .then(
            pl.format(
                "row {}: stage: the person already has an open opportunity ({}, opportunity {});"
                " one open opportunity per person",
                "row",
                pl.col("open_stage").replace_strict(_LABELS, default=pl.col("open_stage")),
                "open_id",
            )
        )
        .when(pl.col("opening") & (pl.col("first_open") != pl.col("row")))
        .then(
            pl.format(
                "row {}: stage: a second open deal for this person (row {} opens one);"
                " one open opportunity per person",
                "row",
                "first_open",
            )
        )
    )
    frame = frame.with_columns(errors=_joined(pl.col("errors"), conflict))
    label = pl.col("stage").replace_strict(_LABELS, default=pl.col("stage"))
    return frame.with_columns(
        outcome=pl.when(pl.col("blocked").fill_null(False))
        .then(pl.lit(DealOutcome.BLOCKED.value))
        .when(pl.col("errors").is_not_null())
        .then(pl.lit(DealOutcome.ERROR.value))
        .when("duplicate")
        .then(pl.lit(DealOutcome.DUPLICATE.value))
        .otherwise(pl.lit(DealOutcome.CREATED.value)),
        detail=pl.when(pl.col("blocked").fill_null(False))
        .then(pl.format("blocked: person {} is on the Avoid list", "person_id"))
        .when(pl.col("errors").is_not_null())
        .then("errors")
        .when(pl.col("duplicate") & pl.col("stored_id").is_not_null())
        .then(pl.format("already stored as opportunity {} ({} {})", "stored_id", label, "day"))
        .when("duplicate")
        .then(pl.format("duplicate of row {}", "first_row"))
        .otherwise(pl.format("person {}: {} {}", "person_id", label, "day")),
    )


def _people_with(deals: pl.DataFrame, which: pl.Expr) -> list[int]:
    return sorted(deals.filter(which)["person_id"].unique().to_list())


def _people_changes(
    deals: pl.DataFrame, frame: pl.DataFrame, moved_in_from: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Each person's type after their new deals, and the history rows that explain it."""
    facts = frame.select("person_id", "person_type", "became_lead_at", "became_client_at").unique(
        "person_id"
    )
    won = pl.col("stage") == Stage.WON.value
    per_person = (
        deals.sort("row")
        .group_by("person_id")
        .agg(
            first_at=pl.col("created_at").min(),
            first_row=pl.col("row").sort_by("created_at").first(),
            won_at=pl.col("closed_at").filter(won).min(),
            won_row=pl.col("row").filter(won).sort_by(pl.col("closed_at").filter(won)).first(),
        )
        .join(facts, on="person_id", how="left")
    )
    interest = _transitions(PersonEvent.INTEREST_SHOWN)
    winning = _transitions(PersonEvent.DEAL_WON)
    after_interest = pl.col("person_type").replace_strict(
        {k: v for k, (v, _) in interest.items()}, default=pl.col("person_type")
    )
    steps = per_person.with_columns(interested=after_interest).with_columns(
        final=pl.when(pl.col("won_at").is_not_null())
        .then(
            pl.col("interested").replace_strict(
                {k: v for k, (v, _) in winning.items()}, default=pl.col("interested")
            )
        )
        .otherwise("interested")
    )
    promoted = steps.filter(pl.col("interested") != pl.col("person_type")).select(
        "person_id",
        before="person_type",
        after="interested",
        event=pl.lit(PersonEvent.INTEREST_SHOWN.value),
        reason=pl.format(
            "moved in from {}: a deal shows interest (row {})", pl.lit(moved_in_from), "first_row"
        ),
        at="first_at",
    )
    became_client = steps.filter(pl.col("final") != pl.col("interested")).select(
        "person_id",
        before="interested",
        after="final",
        event=pl.lit(PersonEvent.DEAL_WON.value),
        reason=pl.format(
            "{} (moved in from {}, row {})",
            pl.col("interested").replace_strict(
                {k: r for k, (_, r) in winning.items()}, default=pl.lit("deal won")
            ),
            pl.lit(moved_in_from),
            "won_row",
        ),
        at="won_at",
    )
    changed = steps.filter(pl.col("final") != pl.col("person_type")).select(
        "person_id",
        person_type="final",
        became_lead_at=pl.when(
            (pl.col("interested") != pl.col("person_type")) & pl.col("became_lead_at").is_null()
        ).then("first_at"),
        became_client_at=pl.when(pl.col("final") != pl.col("interested")).then("won_at"),
        # A new lead is Raw until someone reviews it, as record_interest_activity has it.
        qualification_status=pl.when(pl.col("final") == PersonType.LEAD.value).then(
            pl.lit(QualificationStatus.RAW.value)
        ),
    )
    return changed, pl.concat([promoted, became_client]).sort("person_id", "at")


def _transitions(event: PersonEvent) -> dict[str, tuple[str, str]]:
    """The domain's table for one event: type → (type after, reason), where it allows it."""
    table: dict[str, tuple[str, str]] = {}
    for current in PersonType:
        if (current, event) in people.TRANSITIONS:
            change = people.apply_event(current, event)
            table[current.value] = (change.after.value, change.reason)
    return table
