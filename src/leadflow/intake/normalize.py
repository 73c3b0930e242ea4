"""Validate and normalize intake rows, whole columns at a time (issue 4, steps 1-2).

The per-value functions in `leadflow.domain.normalize` define what a normalized email,
phone and company name are; intake computes the same answers for a million rows in
seconds. Common shapes are settled with polars expressions; anything else goes through the
per-value function once per *distinct* value (`cells.by_distinct`).

This module puts the columns together and names the bad cells; each column is read by
its own module:

- `cells`: blank cells and placeholders ("n/a", "-", "unknown", "tbd"... in an email,
  phone, date, count or budget cell mean blank, not an error); `by_distinct`.
- `names`: first and last name, a full name split.
- `emails`: email addresses; `companies`: company names and web domains.
- `phones`: E.164, read in the row's country when it has one, else in `default_region`.
- `places`: ISO country, region and geography ("US-TX").
- `amounts`: employee counts and monthly budgets; `dates`: dates and times of day.
- `vocabulary`: free text read as the domain's words (need, outsourcing, switch reason,
  activity, follow-up wish, consent flags, services wanted, lead source).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import polars as pl

from leadflow.domain.profile import authority_from_title
from leadflow.intake.amounts import read_budgets, read_employee_counts
from leadflow.intake.cells import (
    NULL_TEXT,
    PLACEHOLDERS,
    UNCHOSEN,
    by_distinct,
    by_distinct_py,
    cell_text,
    reading,
)
from leadflow.intake.companies import read_company_domains, read_company_names
from leadflow.intake.dates import read_dates
from leadflow.intake.emails import read_emails
from leadflow.intake.fields import Field
from leadflow.intake.names import read_names
from leadflow.intake.phones import read_phones
from leadflow.intake.places import read_places
from leadflow.intake.vocabulary import (
    ACTIVITY,
    NEED,
    OUTSOURCING,
    SWITCH_REASON,
    WISH,
    YES_NO,
    chooser,
    read_services,
    read_source_names,
)


@dataclass(frozen=True)
class Normalized:
    frame: pl.DataFrame  # one row per input row
    errors: pl.DataFrame  # row, column, value, reason: one line per bad cell


ERROR_SCHEMA = pl.Schema(
    {"row": pl.UInt32(), "column": pl.String(), "value": pl.String(), "reason": pl.String()}
)


def normalize(frame: pl.DataFrame, *, default_region: str = "US") -> Normalized:
    """Normalize String columns named by Field values (plus "__row"); see the module doc."""
    df = _trimmed(frame)
    groups: list[Callable[[], list[pl.Series]]] = [  # longest first, for an even split
        lambda: _contact(df, default_region),
        lambda: _email_and_domains(df),
        lambda: _profile(df),
        lambda: [
            by_distinct(df["occurred_on"], reading(read_dates, placeholders=True)).alias(
                "occurred_at"
            )
        ],
        lambda: [by_distinct(df["company"], read_company_names).alias("company_normalized")],
    ]
    # The groups share nothing, and most polars string kernels run on one core with the
    # GIL released: two threads keep both cores of a small machine busy.
    with ThreadPoolExecutor(max_workers=2) as pool:
        df = df.with_columns(column for group in pool.map(_call, groups) for column in group)
    out = df.select(
        "row", "first_name", "last_name", "email", "email_normalized", "email_domain",
        "phone", "phone_normalized", "title", "authority", "company", "company_normalized",
        "company_domain", "niche", "company_type",
        pl.col("employees").cast(pl.Int32, strict=False).alias("employee_count"),
        "street", "city", "region", "postcode", "country", "geography",
        pl.col("budget").cast(pl.Float64).alias("monthly_budget"),
        "outsourcing", "switch_reason", "need", "services_wanted", "activity", "wish",
        "problem", pl.col("occurred_at").cast(pl.Datetime("us", "UTC")), "honeypot", "note",
        "external_id", "lead_source",
        (pl.col("email_opt_out") == "yes").alias("email_opt_out"),
        (pl.col("do_not_call") == "yes").alias("do_not_call"),
    )  # fmt: skip
    return Normalized(out, _errors(df))


def _call(group: Callable[[], list[pl.Series]]) -> list[pl.Series]:
    return group()


def _contact(df: pl.DataFrame, default_region: str) -> list[pl.Series]:
    """Country, region and geography; the phone, read in the row's country."""
    country, region, geography = read_places(df)
    phone = read_phones(df.with_columns(country), default_region)
    return [country, region, geography, phone.alias("phone_normalized")]


def _profile(df: pl.DataFrame) -> list[pl.Series]:
    """Names and what qualification judges, most of it once per distinct value."""
    return [
        *read_names(df),
        by_distinct_py(df["title"], _authority, pl.Int8()).alias("authority"),
        by_distinct(df["employee_count"], reading(read_employee_counts, placeholders=True)).alias(
            "employees"
        ),
        by_distinct(df["monthly_budget"], reading(read_budgets, placeholders=True)).alias("budget"),
        by_distinct(df["need"], reading(chooser(NEED))).alias("need"),
        by_distinct(df["outsourcing"], reading(chooser(OUTSOURCING))).alias("outsourcing"),
        by_distinct(df["switch_reason"], reading(chooser(SWITCH_REASON))).alias("switch_reason"),
        by_distinct(df["activity"], reading(chooser(ACTIVITY))).alias("activity"),
        by_distinct(df["follow_up"], reading(chooser(WISH))).alias("wish"),
        by_distinct(df["services_wanted"], reading(read_services)).alias("services_wanted"),
        by_distinct(df["niche"], reading(lambda niche: niche.str.to_lowercase())).alias("niche"),
        by_distinct(df["email_opt_out"], reading(chooser(YES_NO))).alias("email_opt_out"),
        by_distinct(df["do_not_call"], reading(chooser(YES_NO))).alias("do_not_call"),
        by_distinct(df["lead_source"], reading(read_source_names)).alias("lead_source"),
    ]


def _email_and_domains(df: pl.DataFrame) -> list[pl.Series]:
    email = read_emails(df["email"]).alias("email_normalized")
    domain = email.str.slice(email.str.find("@", literal=True) + 1).alias("email_domain")
    company = read_company_domains(df["website"], domain).alias("company_domain")
    return [email, domain, company]


_PLACEHOLDER_FIELDS = {"email", "phone"}  # counts, budgets, dates: reading(placeholders=True)
# Columns shown as given, so trimmed here. The others are only ever read through a parser
# that runs once per distinct value, which trims them far more cheaply (see cell_text).
_SHOWN = {
    "first_name", "last_name", "email", "phone", "title", "company", "company_type",
    "street", "city", "postcode", "problem", "honeypot", "note", "external_id",
}  # fmt: skip


def _trimmed(frame: pl.DataFrame) -> pl.DataFrame:
    """`row` and every Field column: shown ones trimmed, blank (or a placeholder) as null;
    the others as text, for their parsers to trim."""
    present = [field.value for field in Field if field.value in frame.columns]
    df = frame.select(
        pl.col("__row").cast(pl.UInt32).alias("row"),
        *(pl.col(name).cast(pl.String) for name in present),
        *(NULL_TEXT.alias(field.value) for field in Field if field.value not in present),
    )
    return df.with_columns(
        pl.col(name)
        .str.strip_chars()
        .replace(PLACEHOLDERS if name in _PLACEHOLDER_FIELDS else UNCHOSEN, None)
        for name in present
        if name in _SHOWN
    )


def _authority(title: str) -> int | None:
    level = authority_from_title(title)
    return None if level is None else int(level)


# --- errors ------------------------------------------------------------------------------


def _errors(df: pl.DataFrame) -> pl.DataFrame:
    def bad(column: str, normalized: str, reason: str) -> pl.DataFrame:
        rows = df.filter(pl.col(column).is_not_null() & pl.col(normalized).is_null())
        rows = rows.with_columns(cell_text(rows[column], placeholders=True).alias(column))
        return rows.filter(pl.col(column).is_not_null()).select(
            "row",
            column=pl.lit(column),
            value=pl.col(column),
            reason=pl.format('"{}" ' + reason, pl.col(column)),
        )

    missing = df.filter(
        pl.col("email").is_null() & pl.col("phone").is_null() & pl.col("external_id").is_null()
    ).select(
        "row",
        column=pl.lit("email"),
        value=NULL_TEXT,
        reason=pl.lit("needs an email, a phone or an external id"),
    )
    checks = [
        bad("email", "email_normalized", "is not an email address"),
        bad("phone", "phone_normalized", "is not a phone number"),
        bad("occurred_on", "occurred_at", "is not a date"),
        bad("employee_count", "employees", "is not a number of employees"),
        bad("monthly_budget", "budget", "is not an amount"),
        missing,
    ]
    return pl.concat(checks).cast(ERROR_SCHEMA).sort("row", maintain_order=True)
