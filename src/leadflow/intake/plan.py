"""Planning an intake run: from a table to frames of what will be written, nothing written.

Stages run over whole columns in this order: map headers, validate and normalize, drop
spam, block Avoid, dedupe within the file, match what is stored, merge (fill blanks
only), then classify with the domain core.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import polars as pl

from leadflow.domain import qualification as q
from leadflow.domain.calendar import BusinessCalendar
from leadflow.domain.people import PersonType
from leadflow.domain.temperature import FollowUpWish, NextStep, Temperature, Triggers
from leadflow.intake import existing
from leadflow.intake.classify import follow_ups, qualify_profiles, temperatures
from leadflow.intake.fields import Field, MappingError, map_headers
from leadflow.intake.match import block_avoided, cluster_rows, first_outcomes, match_stored
from leadflow.intake.normalize import normalize
from leadflow.intake.options import IntakeOptions, ListKind, Outcome, StageHook, no_progress
from leadflow.intake.read import IntakeFileError, Table
from leadflow.intake.spam import spam_reasons

# Values a merge may fill on a stored person: it never overwrites one, blank or not.
PERSON_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "email_normalized",
    "phone",
    "phone_normalized",
    "title",
    "external_id",
    "authority",
    "street",
    "city",
    "region",
    "postcode",
    "country",
    "monthly_budget",
    "outsourcing",
    "switch_reason",
    "need",
    "services_wanted",
)
COMPANY_FIELDS = (
    "company",
    "company_normalized",
    "company_domain",
    "niche",
    "company_type",
    "employee_count",
    "geography",
)
ACTIVITY_FIELDS = ("activity", "wish", "occurred_at", "problem", "note", "lead_source")
# Consent only ever tightens: an import sets an opt-out, never clears one.
CONSENT_FIELDS = ("email_opt_out", "do_not_call")
_NULL = pl.lit(None, dtype=pl.String)


@dataclass(frozen=True)
class Rules:
    """The stored playbook and calendar the run classifies with."""

    playbook: q.Playbook
    triggers: Triggers
    steps: dict[Temperature, NextStep]
    calendar: BusinessCalendar


@dataclass(frozen=True)
class Plan:
    # row, outcome, detail, person_id (when stored already): one line per input row
    rows: pl.DataFrame
    # One per person this run creates or changes, merged but not yet classified: the
    # writer classifies them a chunk at a time, so explanations never all sit in memory.
    people: pl.DataFrame
    spam_count: int


def canonical(table: Table, options: IntakeOptions) -> pl.DataFrame:
    try:
        mapping = map_headers(table.headers, options.mapping)
    except MappingError as error:
        raise IntakeFileError(error.reason) from error
    if not ({Field.EMAIL, Field.PHONE, Field.EXTERNAL_ID} & set(mapping.columns)):
        raise IntakeFileError(
            "the file has no email, phone or id column; map one with --map 'Header=email' "
            f"(columns found: {', '.join(table.headers)})"
        )
    return table.frame.select(
        pl.col("__row"), *(pl.col(header).alias(f.value) for f, header in mapping.columns.items())
    )


def _error_details(errors: pl.DataFrame) -> pl.DataFrame:
    return errors.group_by("row").agg(
        pl.concat_str(
            [
                pl.lit("row "),
                pl.col("row").cast(pl.String),
                pl.lit(": "),
                pl.col("column"),
                pl.lit(": "),
                pl.col("reason"),
            ]
        )
        .str.join("; ")
        .alias("error_detail")
    )


def _survivors(live: pl.DataFrame) -> pl.DataFrame:
    """One row per person in the file: each value from the earliest row that has it."""
    values = [c for c in (*PERSON_FIELDS, *COMPANY_FIELDS, *ACTIVITY_FIELDS) if c in live.columns]
    return (
        live.sort("row")
        .group_by("cluster", maintain_order=True)
        .agg(
            pl.col("row").first(),
            *(pl.col(c).drop_nulls().first() for c in values),
            *(pl.col(c).any() for c in CONSENT_FIELDS),
        )
    )


def _row_outcomes(
    decided: pl.DataFrame, live: pl.DataFrame, people: pl.DataFrame, avoided: pl.Series
) -> pl.DataFrame:
    clusters = people.select("cluster", "person_id", "changes")
    merged = live.join(clusters, on="cluster", how="left").with_columns(
        blocked=pl.col("cluster").is_in(avoided.implode()),
        first=pl.col("row") == pl.col("first_row"),
    )
    return (
        decided.select("row", "outcome", "detail", person_id=pl.lit(None, pl.Int64))
        .vstack(
            merged.with_columns(
                outcome=pl.when(pl.col("blocked"))
                .then(pl.lit(Outcome.BLOCKED.value))
                .when(pl.col("first") & pl.col("person_id").is_null())
                .then(pl.lit(Outcome.CREATED.value))
                .otherwise(pl.lit(Outcome.MERGED.value)),
                detail=pl.when(pl.col("blocked"))
                .then(pl.lit("blocked: on the Avoid list"))
                .when(~pl.col("first"))
                .then(
                    pl.concat_str(
                        [pl.lit("duplicate of row "), pl.col("first_row").cast(pl.String)]
                    )
                )
                .when(pl.col("person_id").is_not_null())
                .then(
                    pl.concat_str(
                        [
                            pl.lit("merged into person "),
                            pl.col("person_id").cast(pl.String),
                            pl.lit(": "),
                            pl.coalesce("changes", pl.lit("no change")),
                        ]
                    )
                )
                .otherwise(_NULL),
            ).select(
                "row",
                "outcome",
                "detail",
                pl.when(pl.col("blocked"))
                .then(None)
                .otherwise(pl.col("person_id"))
                .alias("person_id"),
            )
        )
        .sort("row")
    )


def plan_intake(
    table: Table,
    options: IntakeOptions,
    *,
    campaign_id: int | None,
    rules: Rules,
    now: datetime,
    stage: StageHook = no_progress,
) -> Plan:
    stage("normalize")
    norm = normalize(canonical(table, options), default_region=options.default_region)
    frame = norm.frame.join(_error_details(norm.errors), on="row", how="left")
    stage("drop spam, block Avoid")
    frame = frame.with_columns(spam_detail=spam_reasons(frame))
    frame = block_avoided(
        frame, existing.avoid_entries(), by_company_domain=options.block_company_domain
    )
    frame = first_outcomes(frame)
    decided = frame.filter(pl.col("outcome").is_not_null())
    stage("dedupe and match")
    live = cluster_rows(frame.filter(pl.col("outcome").is_null()))
    survivors = _survivors(live)
    survivors = match_stored(survivors, existing.person_keys(survivors))
    # Someone stored on Avoid whom no entry key caught (a company + name match).
    avoided = survivors.filter(pl.col("stored_type") == PersonType.AVOID.value)["cluster"]
    survivors = survivors.filter(pl.col("stored_type").ne_missing(PersonType.AVOID.value))
    # Two people of the file can turn out to be one stored person (matched by email in
    # one row, by phone in another): the earliest row speaks for that person.
    # Likewise two people of the file with one external id (and different emails).
    survivors = survivors.with_columns(
        rep_row=pl.when(pl.col("person_id").is_not_null())
        .then(pl.col("row").min().over("person_id"))
        .when(pl.col("external_id").is_not_null())
        .then(pl.col("row").min().over("external_id"))
        .otherwise(pl.col("row"))
    )
    secondary = survivors.filter(pl.col("row") != pl.col("rep_row")).select("cluster", "rep_row")
    survivors = survivors.filter(pl.col("row") == pl.col("rep_row")).drop("rep_row")
    live = (
        live.join(secondary, on="cluster", how="left")
        .with_columns(first_row=pl.coalesce("rep_row", "first_row"))
        .drop("rep_row")
    )
    stage("merge")
    people = _merge(survivors, options, campaign_id=campaign_id, now=now)
    rows = _row_outcomes(decided, live, people, avoided)
    return Plan(
        rows=rows,
        people=people.filter(pl.col("changed")),
        spam_count=decided.filter(pl.col("outcome") == Outcome.SPAM.value).height,
    )


def _blank(frame: pl.DataFrame, column: str) -> pl.Expr:
    dtype = frame.schema[column]
    if isinstance(dtype, pl.List):
        return pl.col(column).is_null() | (pl.col(column).list.len() == 0)
    if dtype == pl.String:
        return pl.col(column).is_null() | (pl.col(column).str.strip_chars() == "")
    return pl.col(column).is_null()


def _merge(
    survivors: pl.DataFrame, options: IntakeOptions, *, campaign_id: int | None, now: datetime
) -> pl.DataFrame:
    """Stored values stay; incoming values fill only what is blank. Says what changed."""
    ids = survivors["person_id"].drop_nulls().unique().to_list()
    people = survivors.join(existing.people(ids), on="person_id", how="left").join(
        existing.companies(survivors["company_normalized"]), on="company_normalized", how="left"
    )
    for name in PERSON_FIELDS:
        if name not in people.columns:
            people = people.with_columns(pl.lit(None).alias(name))
    stored = pl.col("person_id").is_not_null()
    fills = [
        pl.when(stored & _blank(people, f"old_{name}") & ~_blank(people, name))
        .then(pl.lit(name))
        .otherwise(_NULL)
        for name in PERSON_FIELDS
    ]
    responses = options.kind is ListKind.RESPONSES
    people = people.with_columns(filled=pl.concat_list(fills).list.drop_nulls())
    # From here on each field holds the merged value: stored if present, else incoming.
    people = people.with_columns(
        pl.when(_blank(people, f"old_{name}"))
        .then(pl.col(name).cast(people.schema[f"old_{name}"]))
        .otherwise(pl.col(f"old_{name}"))
        .alias(name)
        for name in PERSON_FIELDS
    )
    people = people.with_columns(
        activity=pl.coalesce("activity", pl.lit(options.default_activity.value)),
        wish=pl.coalesce("wish", pl.lit(FollowUpWish.NEUTRAL.value)),
        dated=pl.col("occurred_at").is_not_null(),
        occurred_at=pl.coalesce("occurred_at", pl.lit(now).cast(pl.Datetime("us", "UTC"))),
        niche=pl.coalesce("old_niche", "niche"),
        company_type=pl.coalesce("old_company_type", "company_type"),
        employee_count=pl.coalesce(
            pl.col("old_employee_count").cast(pl.Int64), pl.col("employee_count").cast(pl.Int64)
        ),
        geography=pl.coalesce("old_geography", "geography"),
        # A stored person keeps where they first came from; qualification reads that.
        lead_source=pl.coalesce("old_lead_source", "lead_source", pl.lit(options.source)),
        activity_source=pl.coalesce("lead_source", pl.lit(options.source)),
        email_opt_out=pl.col("email_opt_out") & ~pl.col("old_email_opt_out").fill_null(False),
        do_not_call=pl.col("do_not_call") & ~pl.col("old_do_not_call").fill_null(False),
        waived_traits=pl.col("old_waived_traits"),
        type_after=pl.when(pl.lit(not responses))
        .then(pl.coalesce("stored_type", pl.lit(PersonType.PROSPECT.value)))
        .when(
            pl.col("stored_type").is_null() | (pl.col("stored_type") == PersonType.PROSPECT.value)
        )
        .then(pl.lit(PersonType.LEAD.value))
        .otherwise(pl.col("stored_type")),
    )
    people = people.with_columns(activity_date=pl.col("occurred_at").dt.date())
    people = _new_activity(people, responses=responses, campaign_id=campaign_id)
    people = people.with_columns(
        promoted=stored
        & (pl.col("stored_type") == PersonType.PROSPECT.value)
        & (pl.col("type_after") == PersonType.LEAD.value),
        changed=~stored
        | (pl.col("filled").list.len() > 0)
        | pl.col("new_activity")
        | pl.col("email_opt_out")
        | pl.col("do_not_call"),
    )
    said = [
        pl.when(pl.col("promoted")).then(pl.lit("became a lead")).otherwise(_NULL),
        pl.when(pl.col("new_activity")).then(pl.lit("response recorded")).otherwise(_NULL),
        pl.when(pl.col("filled").list.len() > 0)
        .then(pl.concat_str([pl.lit("filled "), pl.col("filled").list.join(", ")]))
        .otherwise(_NULL),
        pl.when(stored & pl.col("email_opt_out"))
        .then(pl.lit("opted out of email"))
        .otherwise(_NULL),
        pl.when(stored & pl.col("do_not_call"))
        .then(pl.lit("asked not to be called"))
        .otherwise(_NULL),
    ]
    return people.with_columns(
        changes=pl.concat_list(said).list.drop_nulls().list.join("; ").replace("", None)
    )


def _new_activity(
    people: pl.DataFrame, *, responses: bool, campaign_id: int | None
) -> pl.DataFrame:
    """A response is an activity unless this campaign already has it for that person, so
    the same file imported twice adds nothing the second time."""
    if not responses:
        return people.with_columns(new_activity=pl.lit(False))
    ids = people["person_id"].drop_nulls().unique().to_list()
    known = (
        existing.activity_keys(campaign_id, ids)
        if campaign_id is not None and ids
        else existing.activity_keys(0, [])
    )
    dated = known.select("person_id", "activity", day=pl.col("occurred_at").dt.date()).unique()
    undated = known.select("person_id", "activity").unique()
    people = people.join(
        dated.with_columns(_d=pl.lit(True)),
        left_on=["person_id", "activity", "activity_date"],
        right_on=["person_id", "activity", "day"],
        how="left",
    ).join(undated.with_columns(_u=pl.lit(True)), on=["person_id", "activity"], how="left")
    seen = (
        pl.when(pl.col("dated"))
        .then(pl.col("_d").fill_null(False))
        .otherwise(pl.col("_u").fill_null(False))
    )
    return people.with_columns(new_activity=~seen).drop("_d", "_u")


def classify(people: pl.DataFrame, rules: Rules) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Temperature for new activities; qualification for new, promoted and raw leads that
    changed (a decided lead is not re-judged by an import); the next step's task.
    Row by row independent, so any slice of the plan's people can be classified alone.
    Also returns the proposed disqualifications (row, reason, trait, detail)."""
    people = temperatures(people, rules.triggers).rename({"temperature": "activity_temperature"})
    lead = pl.col("type_after") == PersonType.LEAD.value
    judged = (
        lead
        & pl.col("changed")
        & (
            pl.col("person_id").is_null()
            | pl.col("promoted")
            | pl.col("old_qualification_status").eq_missing(q.QualificationStatus.RAW.value)
        )
    )
    people = people.with_columns(judged=judged)
    decided, proposals = qualify_profiles(people.filter(pl.col("judged")), rules.playbook)
    people = people.join(decided, on="row", how="left")
    people = people.with_columns(
        status=pl.when(pl.col("judged"))
        .then(pl.col("status"))
        .otherwise(pl.col("old_qualification_status")),
        temperature=pl.when(pl.col("new_activity"))
        .then(pl.max_horizontal(pl.col("old_temperature").cast(pl.Int8), "activity_temperature"))
        .otherwise(pl.col("old_temperature").cast(pl.Int8)),
    )
    people = follow_ups(
        people.with_columns(pl.col("temperature").fill_null(1)),
        calendar=rules.calendar,
        steps=rules.steps,
    )
    people = people.with_columns(
        follow_up_action=pl.when(lead & pl.col("new_activity"))
        .then("follow_up_action")
        .otherwise(_NULL)
    )
    return people, proposals
