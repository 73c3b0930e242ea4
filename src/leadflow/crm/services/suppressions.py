"""Suppression lists by import: email opt-outs, do-not-call numbers, Avoid (PRODUCT.md §5).

`leadflow import-suppressions FILE --kind ...` reads a file of emails and/or phones,
matches the rows to stored people by normalized email or phone, and applies the change at
once, in one transaction, set-based: chunked `IN (...)` reads and `UPDATE ... WHERE id IN`
writes, history rows inserted as one frame. Every flag set leaves a ConsentChange (who,
when, why); every Avoid leaves a TypeChangeRecord and an AvoidEntry, as `add_to_avoid`
does. An Avoid row that matches nobody becomes a bare Avoid entry, so a later import of
that email or phone is blocked.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import polars as pl
from django.contrib.auth.models import User
from django.db import transaction

from leadflow.crm.models import (
    AvoidEntry,
    ConsentChange,
    Opportunity,
    Person,
    ProposedDisqualification,
    Task,
    TypeChangeRecord,
)
from leadflow.crm.services.common import now_or
from leadflow.domain import people
from leadflow.domain.errors import MissingDetail
from leadflow.domain.people import PersonEvent, PersonType
from leadflow.domain.pipeline import CLOSED_STAGES, LostDisposition
from leadflow.intake.emails import read_emails
from leadflow.intake.phones import read_phones
from leadflow.intake.read import ROW, IntakeFileError, Table
from leadflow.spreadsheet import write_csv

_CHUNK = 5000
EMAIL_HEADERS = ("email", "e-mail", "email address", "e-mail address", "mail")
PHONE_HEADERS = ("phone", "phone number", "telephone", "tel", "mobile", "number")


class SuppressionKind(StrEnum):
    EMAIL_OPT_OUT = "email-opt-out"
    DO_NOT_CALL = "do-not-call"
    AVOID = "avoid"


class RowOutcome(StrEnum):
    MATCHED = "matched"  # a stored person's flag was set (or they were put on Avoid)
    ENTRY_ADDED = "entry added"  # Avoid only: nobody matched; a bare entry blocks them
    ALREADY = "already suppressed"
    NOT_FOUND = "not found"  # nobody matched; nothing to suppress yet
    ERROR = "error"


_FLAG = {
    SuppressionKind.EMAIL_OPT_OUT: ConsentChange.Flag.EMAIL_OPT_OUT,
    SuppressionKind.DO_NOT_CALL: ConsentChange.Flag.DO_NOT_CALL,
}


@dataclass
class SuppressionReport:
    rows: pl.DataFrame  # row, email, phone, outcome, people, detail
    kind: SuppressionKind
    warnings: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[RowOutcome, int]:
        tally = dict(self.rows.group_by("outcome").len().iter_rows())
        return {o: int(tally.get(o.value, 0)) for o in RowOutcome}

    @property
    def errors(self) -> list[str]:
        return self.rows.filter(pl.col("outcome") == RowOutcome.ERROR.value)["detail"].to_list()

    def write_csv(self, path: Path) -> None:
        with path.open("w", newline="", encoding="utf-8") as handle:
            write_csv(handle, self.rows.select("row", "outcome", "detail"))


def import_suppressions(
    table: Table,
    *,
    kind: SuppressionKind,
    reason: str,
    by: User | None,
    at: datetime | None = None,
) -> SuppressionReport:
    """Apply a suppression file now. Rows in error are reported and skipped; the rest apply.

    Raises MissingDetail without a reason, IntakeFileError when the file has no column
    this kind can match on.
    """
    reason = reason.strip()
    if not reason:
        raise MissingDetail("a suppression import needs a reason")
    if kind is SuppressionKind.AVOID:
        # The domain's rule for who and why: the import's user, or the import itself.
        people.put_on_avoid(PersonType.PROSPECT, by=_who(by), reason=reason)
    at = now_or(at)
    rows = _keys(table, kind)
    with transaction.atomic():
        if kind is SuppressionKind.AVOID:
            rows = _avoid(rows, reason=reason, by=by, at=at)
        else:
            rows = _flag(rows, _FLAG[kind], reason=reason, by=by, at=at)
    return SuppressionReport(rows=rows, kind=kind, warnings=list(table.warnings))


def _who(by: User | None) -> str:
    return by.get_username() if by is not None else "suppression import"


def _column(table: Table, names: Sequence[str]) -> str | None:
    for header in table.headers:
        if header.strip().lower() in names:
            return header
    return None


def _keys(table: Table, kind: SuppressionKind) -> pl.DataFrame:
    """row, email, phone (as written), email_key, phone_key (normalized), error."""
    email_col = _column(table, EMAIL_HEADERS)
    phone_col = _column(table, PHONE_HEADERS)
    if kind is SuppressionKind.EMAIL_OPT_OUT and email_col is None:
        raise IntakeFileError("an email opt-out file needs an email column (a header 'email')")
    if kind is SuppressionKind.DO_NOT_CALL and phone_col is None:
        raise IntakeFileError("a do-not-call file needs a phone column (a header 'phone')")
    if email_col is None and phone_col is None:
        raise IntakeFileError("the file needs an email or a phone column to match people")
    frame = table.frame
    blank = pl.Series([None] * frame.height, dtype=pl.String)
    email = frame[email_col].str.strip_chars() if email_col else blank
    phone = frame[phone_col].str.strip_chars() if phone_col else blank
    email = pl.select(pl.when(email != "").then(email)).to_series()
    phone = pl.select(pl.when(phone != "").then(phone)).to_series()
    use_email = kind is not SuppressionKind.DO_NOT_CALL
    use_phone = kind is not SuppressionKind.EMAIL_OPT_OUT
    work = pl.DataFrame(
        {
            "row": frame[ROW].cast(pl.Int64),
            "email": email if use_email else blank,
            "phone": phone if use_phone else blank,
        }
    )
    email_key = read_emails(work["email"])
    phone_key = read_phones(
        work.select("phone", country=pl.lit(None, dtype=pl.String)), default_region="US"
    )
    work = work.with_columns(email_key=email_key, phone_key=phone_key)
    row = pl.col("row").cast(pl.String)
    error = (
        pl.when(pl.col("email").is_not_null() & pl.col("email_key").is_null())
        .then(pl.format('row {}: email "{}" is not an email address', row, pl.col("email")))
        .when(pl.col("phone").is_not_null() & pl.col("phone_key").is_null())
        .then(pl.format('row {}: phone "{}" is not a phone number', row, pl.col("phone")))
        .when(pl.col("email").is_null() & pl.col("phone").is_null())
        .then(pl.format("row {}: no {} to match", row, pl.lit(_needs(kind))))
    )
    return work.with_columns(error=error)


def _needs(kind: SuppressionKind) -> str:
    return {
        SuppressionKind.EMAIL_OPT_OUT: "email",
        SuppressionKind.DO_NOT_CALL: "phone",
        SuppressionKind.AVOID: "email or phone",
    }[kind]


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


_MATCH_SCHEMA = {
    "key": pl.String,
    "person_id": pl.Int64,
    "person_type": pl.String,
    "set": pl.Boolean,
}


def _matches(rows: pl.DataFrame, field_name: str, flag: str | None) -> pl.DataFrame:
    """key, person_id, person_type, set (the flag already on) for stored people whose
    normalized email or phone is one of the good rows' keys."""
    column = "email_key" if field_name == "email_normalized" else "phone_key"
    keys = rows.filter(pl.col("error").is_null())[column].drop_nulls().unique().to_list()
    found: list[tuple[Any, ...]] = []
    for chunk in _chunks(keys):
        stored = Person.objects.filter(**{f"{field_name}__in": chunk})
        if flag is None:  # Avoid: "already" is the person's type, not a flag
            found.extend(
                (key, pk, kind, kind == PersonType.AVOID.value)
                for key, pk, kind in stored.values_list(field_name, "id", "person_type")
            )
        else:
            found.extend(stored.values_list(field_name, "id", "person_type", flag))
    return pl.DataFrame(found, schema=_MATCH_SCHEMA, orient="row")


def _all_matches(rows: pl.DataFrame, flag: str | None) -> pl.DataFrame:
    """row, person_id, person_type, set: every stored person each good row matches."""
    parts = []
    for field_name, column in (
        ("email_normalized", "email_key"),
        ("phone_normalized", "phone_key"),
    ):
        found = _matches(rows, field_name, flag)
        parts.append(
            rows.filter(pl.col("error").is_null())
            .select("row", key=pl.col(column))
            .join(found, on="key", how="inner")
            .drop("key")
        )
    return pl.concat(parts).unique(["row", "person_id"])


def _outcomes(rows: pl.DataFrame, matches: pl.DataFrame, *, unmatched: RowOutcome) -> pl.DataFrame:
    per_row = matches.group_by("row").agg(
        people=pl.col("person_id").sort().cast(pl.String).str.join(" "),
        new=(~pl.col("set")).sum(),
    )
    joined = rows.join(per_row, on="row", how="left")
    outcome = (
        pl.when(pl.col("error").is_not_null())
        .then(pl.lit(RowOutcome.ERROR.value))
        .when(pl.col("people").is_null())
        .then(pl.lit(unmatched.value))
        .when(pl.col("new") > 0)
        .then(pl.lit(RowOutcome.MATCHED.value))
        .otherwise(pl.lit(RowOutcome.ALREADY.value))
    )
    detail = (
        pl.when(pl.col("error").is_not_null())
        .then(pl.col("error"))
        .when(pl.col("people").is_not_null())
        .then(pl.format("person {}", pl.col("people")))
        .otherwise(pl.lit(""))
    )
    return joined.with_columns(outcome=outcome, detail=detail).select(
        "row", "email", "phone", "outcome", pl.col("people").fill_null(""), "detail"
    )


def _flag(
    rows: pl.DataFrame, flag: ConsentChange.Flag, *, reason: str, by: User | None, at: datetime
) -> pl.DataFrame:
    matches = _all_matches(rows, flag.value)
    ids = matches.filter(~pl.col("set"))["person_id"].unique().sort().to_list()
    for chunk in _chunks(ids):
        Person.objects.filter(pk__in=chunk).update(**{flag.value: True})
    ConsentChange.objects.bulk_create(
        ConsentChange(person_id=pk, flag=flag.value, value=True, by=by, at=at, reason=reason)
        for pk in ids
    )
    return _outcomes(rows, matches, unmatched=RowOutcome.NOT_FOUND)


def _avoid(rows: pl.DataFrame, *, reason: str, by: User | None, at: datetime) -> pl.DataFrame:
    matches = _all_matches(rows, None)
    fresh = matches.filter(~pl.col("set")).unique("person_id").sort("person_id")
    _put_people_on_avoid(fresh, reason=reason, by=by, at=at)
    report = _outcomes(rows, matches, unmatched=RowOutcome.ENTRY_ADDED)
    _add_bare_entries(rows, report, reason=reason, by=by, at=at)
    return report


def _put_people_on_avoid(
    fresh: pl.DataFrame, *, reason: str, by: User | None, at: datetime
) -> None:
    """What `add_to_avoid` does for one person, for many at once."""
    ids = fresh["person_id"].to_list()
    # Open deals are few (a pipeline, not a list): each is lost through the one path
    # that records its stage change, with disposition avoid.
    from leadflow.crm.services.pipeline import close_as_lost

    open_deals = Opportunity.objects.filter(person_id__in=ids).exclude(
        stage__in=[s.value for s in CLOSED_STAGES]
    )
    for chunk in _chunks(ids):
        for opportunity in open_deals.filter(person_id__in=chunk):
            close_as_lost(
                opportunity=opportunity,
                by=by,
                lost_reason=f"put on Avoid: {reason}",
                disposition=LostDisposition.AVOID,
                at=at,
            )
    details: dict[int, tuple[str, str]] = {}
    records = []
    for person_id, person_type in fresh.select("person_id", "person_type").iter_rows():
        change = people.put_on_avoid(PersonType(person_type), by=_who(by), reason=reason)
        records.append(
            TypeChangeRecord(
                person_id=person_id,
                before=change.before.value,
                after=change.after.value,
                event=PersonEvent.PUT_ON_AVOID.value,
                reason=change.reason,
                by=by,
                at=at,
            )
        )
    for chunk in _chunks(ids):
        for pk, email, phone in Person.objects.filter(pk__in=chunk).values_list(
            "id", "email_normalized", "phone_normalized"
        ):
            details[pk] = (email or "", phone or "")
        stored = Person.objects.filter(pk__in=chunk)
        for before in {t for (t,) in stored.values_list("person_type").distinct()}:
            stored.filter(person_type=before).update(
                type_before_avoid=before, person_type=PersonType.AVOID.value
            )
        Task.objects.filter(person_id__in=chunk, done_at__isnull=True).update(done_at=at)
        ProposedDisqualification.objects.filter(
            person_id__in=chunk, status=ProposedDisqualification.Status.OPEN
        ).update(status=ProposedDisqualification.Status.SUPERSEDED, resolved_by=by, resolved_at=at)
    TypeChangeRecord.objects.bulk_create(records, batch_size=_CHUNK)
    AvoidEntry.objects.bulk_create(
        (
            AvoidEntry(
                person_id=pk,
                email_normalized=details[pk][0],
                phone_normalized=details[pk][1],
                reason=reason,
                added_by=by,
                added_at=at,
            )
            for pk in ids
        ),
        batch_size=_CHUNK,
    )


def _add_bare_entries(
    rows: pl.DataFrame, report: pl.DataFrame, *, reason: str, by: User | None, at: datetime
) -> None:
    """An entry per unmatched email or phone not already on an active entry."""
    unmatched = rows.join(
        report.filter(pl.col("outcome") == RowOutcome.ENTRY_ADDED.value).select("row"), on="row"
    ).unique(["email_key", "phone_key"], keep="first")
    emails = unmatched["email_key"].drop_nulls().unique().to_list()
    phones = unmatched["phone_key"].drop_nulls().unique().to_list()
    known_emails: set[str] = set()
    known_phones: set[str] = set()
    active = AvoidEntry.objects.filter(lifted_at__isnull=True)
    for chunk in _chunks(emails):
        known_emails.update(
            active.filter(email_normalized__in=chunk).values_list("email_normalized", flat=True)
        )
    for chunk in _chunks(phones):
        known_phones.update(
            active.filter(phone_normalized__in=chunk).values_list("phone_normalized", flat=True)
        )
    entries = [
        AvoidEntry(
            email_normalized=email or "",
            phone_normalized=phone or "",
            reason=reason,
            added_by=by,
            added_at=at,
        )
        for email, phone in unmatched.select("email_key", "phone_key").iter_rows()
        if not (
            (email is None or email in known_emails) and (phone is None or phone in known_phones)
        )
    ]
    AvoidEntry.objects.bulk_create(entries, batch_size=_CHUNK)


__all__ = [
    "RowOutcome",
    "SuppressionKind",
    "SuppressionReport",
    "import_suppressions",
]
