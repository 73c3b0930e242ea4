"""Writing a plan: every table's rows built as frames, written set-based, in the caller's
transaction. No per-row Python on this path (see sql.py for how frames reach the table).
"""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
from django.contrib.auth.models import User
from django.db.models import F

from leadflow.crm.models import (
    Activity,
    Avatar,
    Campaign,
    Company,
    ConsentChange,
    MergeRecord,
    Person,
    ProposedDisqualification,
    QualificationRecord,
    Source,
    Task,
    TypeChangeRecord,
)
from leadflow.crm.models.work import FOLLOW_UP_TASK
from leadflow.domain.people import PersonEvent, PersonType, Role
from leadflow.domain.qualification import QualificationStatus
from leadflow.intake.options import StageHook, no_progress
from leadflow.intake.plan import PERSON_FIELDS, Plan, Rules, classify
from leadflow.intake.sql import insert_new, json_list, update_masked
from leadflow.reports import facts

_TEXT_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "title",
    "street",
    "city",
    "region",
    "postcode",
    "country",
    "outsourcing",
    "switch_reason",
    "need",
)
_TEMPERATURE_WORD = {1: "cold", 2: "cool", 3: "warm", 4: "hot"}
# What a run may change on a stored person besides the blanks it fills.
_STATE_FIELDS = (
    "company_id",
    "person_type",
    "became_lead_at",
    "qualification_status",
    "unqualified_reason",
    "sweet_spot_id",
    "qualification_explanation",
    "incomplete",
    "temperature",
    "temperature_explanation",
    "has_problem_indicators",
    "email_opt_out",
    "do_not_call",
)


CHUNK = 100_000  # people classified and written at a time: bounds the explanations held


def write_plan(
    plan: Plan,
    *,
    rules: Rules,
    campaign: Campaign,
    source: Source,
    responses: bool,
    by: User | None,
    now: datetime,
    review_due: date,
    stage: StageHook = no_progress,
) -> pl.DataFrame:
    """Classify and write the plan's people a chunk at a time; `review_due` is when a raw
    lead's review tasks fall due. Returns the people created: their row and their id."""
    people = plan.people
    sources = _sources(people, source)
    avatars = {name.casefold(): pk for name, pk in Avatar.objects.values_list("name", "id")}
    companies = _companies(people)  # before chunking: a company is created once
    created = [pl.DataFrame(schema={"row": pl.UInt32, "person_id": pl.Int64})]
    for chunk in people.iter_slices(CHUNK):
        stage("classify")
        classified, proposals = classify(chunk, rules)
        stage("write people")
        written = _write_people(
            _with_ids(classified, sources=sources, avatars=avatars, companies=companies),
            campaign=campaign,
            responses=responses,
            by=by,
            now=now,
        )
        stage("write history")
        _history(
            written,
            proposals,
            campaign=campaign,
            responses=responses,
            by=by,
            now=now,
            review_due=review_due,
        )
        created.append(written.filter(pl.col("new")).select("row", "person_id"))
        stage("funnel facts")
        facts.refresh(written["person_id"].to_list())
    if plan.spam_count:
        Campaign.objects.filter(pk=campaign.pk).update(spam_count=F("spam_count") + plan.spam_count)
    return pl.concat(created, how="vertical_relaxed")


def _with_ids(
    people: pl.DataFrame,
    *,
    sources: dict[str, int],
    avatars: dict[str, int],
    companies: dict[str, int],
) -> pl.DataFrame:
    return people.with_columns(
        company_id=pl.coalesce(
            pl.col("old_company_id"),
            pl.col("company_id"),
            pl.col("company_normalized").replace_strict(
                companies, default=None, return_dtype=pl.Int64
            ),
        ),
        lead_source_id=pl.col("lead_source")
        .str.to_lowercase()
        .replace_strict(sources, default=None, return_dtype=pl.Int64),
        activity_source_id=pl.col("activity_source")
        .str.to_lowercase()
        .replace_strict(sources, default=None, return_dtype=pl.Int64),
        sweet_spot_id=pl.col("sweet_spot")
        .str.to_lowercase()
        .replace_strict(avatars, default=None, return_dtype=pl.Int64),
    )


def _write_people(
    people: pl.DataFrame,
    *,
    campaign: Campaign,
    responses: bool,
    by: User | None,
    now: datetime,
) -> pl.DataFrame:
    """Insert the new people and update the stored ones; every row then has its id."""
    people = people.with_columns(_values()).with_columns(
        _state(responses),
        new=pl.col("person_id").is_null(),
    )
    new = people.filter(pl.col("new"))
    ids = insert_new(
        Person,
        new.select(
            *PERSON_FIELDS,
            *_STATE_FIELDS,
            "lead_source_id",
            "occurred_at",
        )
        .with_columns(
            first_campaign_id=pl.lit(campaign.pk, pl.Int64),
            created_at=pl.col("occurred_at") if responses else pl.lit(now),
            created_by_id=pl.lit(by.pk if by else None, pl.Int64),
            qualification_explanation=pl.col("qualification_explanation").fill_null(""),
            temperature_explanation=pl.col("temperature_explanation").fill_null(""),
            incomplete=pl.col("incomplete").fill_null(False),
            email_opt_out=pl.col("email_opt_out").fill_null(False),
            do_not_call=pl.col("do_not_call").fill_null(False),
            has_problem_indicators=pl.col("has_problem_indicators").fill_null(False),
        )
        .drop("occurred_at"),
    )
    stored = people.filter(~pl.col("new"))
    _update_stored(stored)
    return pl.concat([new.with_columns(person_id=ids), stored], how="vertical_relaxed")


def _values() -> list[pl.Expr]:
    """Person columns as stored: text never null, services as JSON text."""
    return [
        *(pl.col(name).fill_null("") for name in _TEXT_FIELDS),
        pl.col("services_wanted").fill_null([]).alias("services_wanted_list"),
        json_list("services_wanted").fill_null("[]").alias("services_wanted"),
    ]


def _state(responses: bool) -> list[pl.Expr]:
    """Type, qualification and temperature after this run, with `set_*` flags saying which
    of them this run changes on a stored person."""
    lead = pl.col("type_after") == PersonType.LEAD.value
    new = pl.col("person_id").is_null()
    judged = pl.col("judged").fill_null(False)
    heated = pl.lit(responses) & pl.col("new_activity")
    words = pl.col("activity").str.replace_all("_", " ")
    label = pl.col("temperature").replace_strict(
        _TEMPERATURE_WORD, default=None, return_dtype=pl.String
    )
    became_lead = lead & (new | pl.col("promoted"))
    filled = [
        pl.col("filled").list.contains(name).alias(f"set_{name}")
        for name in PERSON_FIELDS
        if name != "services_wanted"
    ]
    return [
        *filled,
        pl.col("filled").list.contains("services_wanted").alias("set_services_wanted"),
        pl.col("type_after").alias("person_type"),
        pl.lit(True).alias("set_person_type"),
        pl.when(became_lead).then(pl.col("occurred_at")).alias("became_lead_at"),
        became_lead.alias("set_became_lead_at"),
        (pl.col("old_company_id").is_null() & pl.col("company_id").is_not_null()).alias(
            "set_company_id"
        ),
        pl.when(judged).then(pl.col("status")).alias("qualification_status"),
        pl.when(judged).then(pl.col("explanation")).alias("qualification_explanation"),
        pl.when(judged).then(pl.col("incomplete")).alias("incomplete"),
        pl.when(judged).then(pl.col("sweet_spot_id")).alias("sweet_spot_id"),
        pl.when(judged).then(pl.col("unqualified_reason")).alias("unqualified_reason"),
        *(
            judged.alias(f"set_{name}")
            for name in (
                "qualification_status",
                "qualification_explanation",
                "incomplete",
                "sweet_spot_id",
                "unqualified_reason",
            )
        ),
        pl.when(heated).then(pl.col("temperature")).alias("temperature"),
        heated.alias("set_temperature"),
        pl.when(heated & (pl.col("temperature") == pl.col("activity_temperature")))
        .then(
            pl.format(
                "{}: {} on {}, follow-up wish {}",
                label,
                words,
                pl.col("activity_date"),
                pl.col("wish"),
            )
        )
        .alias("temperature_explanation"),
        (heated & (pl.col("temperature") == pl.col("activity_temperature"))).alias(
            "set_temperature_explanation"
        ),
        (heated & pl.col("problem").is_not_null()).alias("has_problem_indicators"),
        (heated & pl.col("problem").is_not_null()).alias("set_has_problem_indicators"),
        pl.col("email_opt_out").alias("set_email_opt_out"),
        pl.col("do_not_call").alias("set_do_not_call"),
    ]


def _update_stored(stored: pl.DataFrame) -> None:
    """Only what changed: the filled blanks and the new state, in one statement."""
    columns = [*PERSON_FIELDS, *_STATE_FIELDS]
    update_masked(Person, stored.rename({"person_id": "id"}), columns)


def _sources(people: pl.DataFrame, default: Source) -> dict[str, int]:
    """Source ids by case-folded name, creating the sources the file names first."""
    ids = {name.lower(): pk for pk, name in Source.objects.values_list("id", "name")}
    ids.setdefault(default.name.lower(), default.pk)
    named = people.select(pl.concat([pl.col("lead_source"), pl.col("activity_source")]))
    for name in named.to_series().drop_nulls().unique(maintain_order=True).to_list():
        if name.lower() not in ids:
            ids[name.lower()] = Source.objects.create(name=name[:100]).pk
    return ids


def _companies(people: pl.DataFrame) -> dict[str, int]:
    """Ids of the companies nobody has stored yet, created here, by normalized name."""
    fresh = people.filter(
        pl.col("company_id").is_null()
        & pl.col("old_company_id").is_null()
        & pl.col("company_normalized").is_not_null()
    ).unique("company_normalized", keep="first", maintain_order=True)
    rows = fresh.select(
        name=pl.col("company").fill_null(""),
        normalized_name=pl.col("company_normalized"),
        domain=pl.col("company_domain").fill_null(""),
        niche=pl.col("niche").fill_null(""),
        company_type=pl.col("company_type").fill_null(""),
        employee_count=pl.col("employee_count"),
        geography=pl.col("geography").fill_null(""),
    )
    ids = insert_new(Company, rows)
    return dict(zip(rows["normalized_name"].to_list(), ids.to_list(), strict=True))


def insert_qualification_records(
    judged: pl.DataFrame, *, kind: QualificationRecord.Kind, by_id: pl.Expr, at: pl.Expr
) -> None:
    """A history row per person of a frame of qualify_profiles' decisions (with their
    person_id): the status, reason, sweet spot and explanation it was given."""
    insert_new(
        QualificationRecord,
        judged.select(
            "person_id",
            kind=pl.lit(kind.value),
            status=pl.col("status"),
            unqualified_reason=pl.col("unqualified_reason"),
            sweet_spot=pl.col("sweet_spot").fill_null(""),
            details=pl.col("details"),
            reason=pl.col("explanation"),
            by_id=by_id,
            at=at,
        ),
    )


def _history(
    people: pl.DataFrame,
    proposals: pl.DataFrame,
    *,
    campaign: Campaign,
    responses: bool,
    by: User | None,
    now: datetime,
    review_due: date,
) -> None:
    """Activities, type changes, qualification records, proposals, tasks, merges and
    consent changes: who, when and why for everything this run did."""
    by_id = pl.lit(by.pk if by else None, pl.Int64).alias("by_id")
    at_now = pl.lit(now).cast(pl.Datetime("us", "UTC"))
    row_reason = pl.format("import into {}, row {}", pl.lit(campaign.name), pl.col("row"))
    if responses:
        insert_new(
            Activity,
            people.filter(pl.col("new_activity"))
            .with_columns(
                problem_list=pl.when(pl.col("problem").is_not_null()).then(
                    pl.concat_list([pl.col("problem")])
                )
            )
            .select(
                "person_id",
                kind=pl.col("activity"),
                wish=pl.col("wish"),
                occurred_at=pl.col("occurred_at"),
                campaign_id=pl.lit(campaign.pk, pl.Int64),
                source_id=pl.col("activity_source_id"),
                problem_indicators=json_list("problem_list").fill_null("[]"),
                temperature=pl.col("activity_temperature"),
                note=pl.col("note").fill_null(""),
                recorded_by_id=by_id,
                recorded_at=at_now,
            ),
        )
    became_lead = (pl.col("type_after") == PersonType.LEAD.value) & (
        pl.col("stored_type").is_null() | (pl.col("stored_type") == PersonType.PROSPECT.value)
    )
    insert_new(
        TypeChangeRecord,
        people.filter(became_lead).select(
            "person_id",
            before=pl.lit(PersonType.PROSPECT.value),
            after=pl.lit(PersonType.LEAD.value),
            event=pl.lit(PersonEvent.INTEREST_SHOWN.value),
            reason=pl.format(
                "first interest activity: {} ({})",
                pl.col("activity").str.replace_all("_", " "),
                pl.lit(campaign.name),
            ),
            by_id=by_id,
            at=pl.col("occurred_at"),
        ),
    )
    judged = people.filter(pl.col("judged").fill_null(False))
    insert_qualification_records(
        judged, kind=QualificationRecord.Kind.AUTOMATIC, by_id=by_id, at=pl.col("occurred_at")
    )
    insert_new(
        ProposedDisqualification,
        proposals.join(judged.select("row", "person_id", "occurred_at"), on="row").select(
            "person_id", "reason", "trait", "detail", proposed_at=pl.col("occurred_at")
        ),
    )
    task = {"role": pl.lit(Role.SETTER.value), "created_at": at_now}
    review = pl.lit(review_due, pl.Date)
    follow_up = pl.col("follow_up_action").is_in(list(FOLLOW_UP_TASK))
    tasks = pl.concat(
        [
            judged.filter(pl.col("proposal_note").is_not_null()).select(
                "person_id",
                kind=pl.lit(Task.Kind.CONFIRM_DISQUALIFICATION.value),
                due_on=review,
                note=pl.col("proposal_note"),
                **task,
            ),
            judged.filter(
                pl.col("incomplete") & (pl.col("status") != QualificationStatus.UNQUALIFIED.value)
            ).select(
                "person_id",
                kind=pl.lit(Task.Kind.GATHER_MISSING_INFORMATION.value),
                due_on=review,
                note=pl.format("missing: {}", pl.col("missing")),
                **task,
            ),
            people.filter(follow_up).select(
                "person_id",
                kind=pl.col("follow_up_action").replace_strict(
                    {k: str(v) for k, v in FOLLOW_UP_TASK.items()}, return_dtype=pl.String
                ),
                due_on=pl.col("follow_up_due"),
                note=pl.col("follow_up_note").fill_null(""),
                **task,
            ),
        ]
    )
    insert_new(Task, tasks)
    changes = [
        pl.when(pl.col("filled").list.contains(name)).then(
            pl.struct(pl.col(f"{name}_list" if name == "services_wanted" else name).alias(name))
            .struct.json_encode()
            .str.strip_prefix("{")
            .str.strip_suffix("}")
        )
        for name in PERSON_FIELDS
    ]
    insert_new(
        MergeRecord,
        people.filter(pl.col("filled").list.len() > 0).select(
            "person_id",
            campaign_id=pl.lit(campaign.pk, pl.Int64),
            by_id=by_id,
            at=at_now,
            reason=row_reason,
            changes=pl.concat_str(
                [
                    pl.lit("{"),
                    pl.concat_list(changes).list.drop_nulls().list.join(","),
                    pl.lit("}"),
                ]
            ),
        ),
    )
    insert_new(
        ConsentChange,
        pl.concat(
            [
                people.filter(pl.col(flag)).select(
                    "person_id",
                    flag=pl.lit(flag),
                    value=pl.lit(True),
                    by_id=by_id,
                    at=at_now,
                    reason=row_reason,
                )
                for flag in ("email_opt_out", "do_not_call")
            ]
        ),
    )
