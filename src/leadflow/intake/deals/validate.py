"""A deal file's cells → typed columns and row errors, over whole polars columns.

Pure: no database. What needs Python (an email's syntax, a stage name) runs once per
*distinct* value, never once per row.

Dates are read as the business's local time (``time_zone``) unless they carry an offset:
another CRM's export says "2018-02-26 19:58:54" and means the clock on the office wall.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from leadflow.domain.normalize import InvalidValue, normalize_email
from leadflow.domain.pipeline import CLOSED_STAGES, LostDisposition, Stage
from leadflow.intake.deals.columns import DealField
from leadflow.intake.deals.options import StageNames, known_stages

USERNAME_MAX = 150  # django.contrib.auth's User.username
VALUE_MAX = 10**10  # Opportunity.contract_value: 12 digits, 2 of them decimals
_CLOSED = sorted(s.value for s in CLOSED_STAGES)
_TEXT = [f.value for f in DealField]


@dataclass(frozen=True)
class CheckedDeals:
    """One row per input row: the typed values, and ``errors`` ("row N: column: reason"
    joined by "; ", null when the row is fine)."""

    frame: pl.DataFrame
    zero_values: int  # won deals whose value was 0: kept without a value


def check_deals(
    frame: pl.DataFrame,
    *,
    stages: StageNames,
    default_stage: Stage | None,
    default_disposition: LostDisposition | None,
    time_zone: str,
) -> CheckedDeals:
    """``frame`` is `columns.deal_frame`'s: ``row`` and one text column per DealField."""
    stage_text = pl.col("stage")
    if default_stage is not None:
        stage_text = stage_text.fill_null(pl.lit(default_stage.value))
    work = (
        frame.with_columns(
            pl.col(c).cast(pl.String).str.strip_chars().replace("", None) for c in _TEXT
        )
        .with_columns(
            _per_distinct(pl.col("email"), _email, "email_normalized", "email_error"),
            _per_distinct(stage_text, _stage_of(stages), "stage_value", "stage_error"),
            _per_distinct(
                pl.col("disposition"), _disposition, "disposition_value", "disposition_error"
            ),
            engaged_at=_datetime(pl.col("engaged_on"), time_zone),
            closed_at=_datetime(pl.col("closed_on"), time_zone),
            amount=_amount(pl.col("value")),
        )
        .unnest("email_normalized", "stage_value", "disposition_value")
        .rename({"stage": "stage_text", "disposition": "disposition_text"})
        .rename({"stage_value": "stage", "disposition_value": "disposition"})
    )
    closed = pl.col("stage").is_in(_CLOSED)
    won, lost = pl.col("stage") == Stage.WON.value, pl.col("stage") == Stage.LOST.value
    amount = pl.col("amount").cast(pl.Float64, strict=False)
    errors = [
        _error(
            "person",
            pl.col("external_id").is_null() & pl.col("email").is_null(),
            pl.lit("no external id or email: a deal never lands without its person"),
        ),
        _error("email", pl.col("email_error").is_not_null(), pl.col("email_error")),
        _error("stage", pl.col("stage_error").is_not_null(), pl.col("stage_error")),
        _error("engaged_on", _unreadable("engaged_on", "engaged_at"), _not_a_date("engaged_on")),
        _error("closed_on", _unreadable("closed_on", "closed_at"), _not_a_date("closed_on")),
        _error(
            "closed_on",
            closed & pl.col("closed_on").is_null(),
            pl.format("a {} deal needs its close date", pl.col("stage")),
        ),
        _error(
            "engaged_on",
            ~closed & pl.col("engaged_on").is_null(),
            pl.lit("an open deal needs the date it started (created or first appointment)"),
        ),
        _error(
            "closed_on",
            closed & (pl.col("closed_at") < pl.col("engaged_at")),
            pl.format(
                "{} is before engaged_on {}",
                pl.col("closed_at").dt.date(),
                pl.col("engaged_at").dt.date(),
            ),
        ),
        _error(
            "value",
            pl.col("value").is_not_null() & pl.col("amount").is_null(),
            pl.format('"{}" is not an amount', pl.col("value")),
        ),
        _error("value", amount < 0, pl.format('"{}" is below zero', pl.col("value"))),
        _error(
            "value",
            amount >= VALUE_MAX,
            pl.format('"{}" is too large (below 10,000,000,000)', pl.col("value")),
        ),
        _error(
            "lost_reason",
            lost & pl.col("lost_reason").is_null(),
            pl.lit("a lost deal needs its reason"),
        ),
        _error(
            "disposition",
            pl.col("disposition_error").is_not_null(),
            pl.col("disposition_error"),
        ),
        _error(
            "disposition",
            lost
            & pl.col("disposition_text").is_null()
            & pl.lit(default_disposition is None, pl.Boolean),
            pl.lit(
                "a lost deal needs a disposition (nurture, unqualified or avoid): "
                "map a column to disposition or give --default-disposition"
            ),
        ),
        *(
            _error(
                role,
                pl.col(role).str.len_chars() > USERNAME_MAX,
                pl.lit(f"longer than {USERNAME_MAX} characters"),
            )
            for role in ("setter", "rep")
        ),
    ]
    zero = won & (amount == 0)
    checked = work.with_columns(
        errors=pl.concat_list(errors).list.drop_nulls().list.join("; ").replace("", None),
        disposition=pl.when(lost).then(
            pl.coalesce(
                "disposition",
                pl.lit(default_disposition.value if default_disposition else None, pl.String),
            )
        ),
        lost_reason=pl.when(lost).then("lost_reason"),
        # Old systems often kept no value for a won deal and wrote 0: not a price of nothing.
        amount=pl.when(~zero).then("amount"),
        closed_at=pl.when(closed).then("closed_at"),
        zero_value=zero.fill_null(False),
    )
    return CheckedDeals(
        frame=checked.select(
            "row",
            "external_id",
            "email_normalized",
            "stage",
            "engaged_at",
            "closed_at",
            "amount",
            "lost_reason",
            "disposition",
            "setter",
            "rep",
            "errors",
        ),
        zero_values=checked.filter(pl.col("zero_value") & pl.col("errors").is_null()).height,
    )


# --- helpers ---------------------------------------------------------------------------


def _error(column: str, failed: pl.Expr, reason: pl.Expr) -> pl.Expr:
    return pl.when(failed.fill_null(False)).then(
        pl.format("row {}: {}: {}", pl.col("row"), pl.lit(column), reason)
    )


def _unreadable(text: str, parsed: str) -> pl.Expr:
    return pl.col(text).is_not_null() & pl.col(parsed).is_null()


def _not_a_date(text: str) -> pl.Expr:
    return pl.format('"{}" is not a date (expected e.g. 2024-03-05 or 2024-03-05 14:30)', text)


def _per_distinct(
    column: pl.Expr, decide: Callable[[str], tuple[str | None, str | None]], value: str, error: str
) -> pl.Expr:
    """Run a Python decision once per distinct cell; a struct of (value, error) per row."""
    return column.map_batches(
        lambda cells: _decide_distinct(cells, decide, value, error),
        return_dtype=pl.Struct({value: pl.String, error: pl.String}),
    ).alias(value)


def _decide_distinct(
    cells: pl.Series,
    decide: Callable[[str], tuple[str | None, str | None]],
    value: str,
    error: str,
) -> pl.Series:
    distinct = cells.drop_nulls().unique().to_list()
    decided = [decide(cell) for cell in distinct]
    table = pl.DataFrame(
        {
            "cell": distinct,
            value: [v for v, _ in decided],
            error: [e for _, e in decided],
        },
        schema={"cell": pl.String, value: pl.String, error: pl.String},
    )
    joined = cells.to_frame("cell").join(table, on="cell", how="left", maintain_order="left")
    return joined.select(pl.struct(value, error)).to_series()


def _email(cell: str) -> tuple[str | None, str | None]:
    try:
        return normalize_email(cell), None
    except InvalidValue as error:
        return None, error.reason


def _stage_of(stages: StageNames) -> Callable[[str], tuple[str | None, str | None]]:
    def decide(cell: str) -> tuple[str | None, str | None]:
        stage = stages.resolve(cell)
        if stage is None:
            return None, (
                f'unknown stage "{cell}" (known: {known_stages()}); '
                f"map it with --stage-map '{cell}=<stage>'"
            )
        return stage.value, None

    return decide


def _disposition(cell: str) -> tuple[str | None, str | None]:
    try:
        return LostDisposition(cell.casefold()).value, None
    except ValueError:
        known = ", ".join(d.value for d in LostDisposition)
        return None, f'unknown disposition "{cell}" (known: {known})'


# --- dates -----------------------------------------------------------------------------

_ISO = (
    r"^(?<y>\d{4})-(?<m>\d{1,2})-(?<d>\d{1,2})"
    r"(?:[T ](?<H>\d{1,2}):(?<M>\d{2})(?::(?<S>\d{2})(?:[.,](?<f>\d{1,9}))?)?)?"
    r"\s*(?<tz>Z|UTC|[+-]\d{2}:?\d{2})?$"
)
# 3/5/2024 is US month first unless the first number cannot be a month; 05.03.2024 is
# European (as `leadflow import` reads them).
_SLASHED = (
    r"^(?<a>\d{1,2})(?<sep>[/.])(?<b>\d{1,2})[/.](?<y>\d{4})"
    r"(?:[T ](?<H>\d{1,2}):(?<M>\d{2})(?::(?<S>\d{2}))?)?$"
)


def _datetime(text: pl.Expr, time_zone: str) -> pl.Expr:
    """A zone-aware datetime (in ``time_zone``), or null when the text is not a date."""
    iso = text.str.extract_groups(_ISO)
    slashed = text.str.extract_groups(_SLASHED)
    a = slashed.struct.field("a").cast(pl.Int32, strict=False)
    day_first = (slashed.struct.field("sep") == ".") | (a > 12)
    year = pl.coalesce(iso.struct.field("y"), slashed.struct.field("y"))
    month = pl.coalesce(
        iso.struct.field("m"),
        pl.when(day_first).then(slashed.struct.field("b")).otherwise(slashed.struct.field("a")),
    )
    day = pl.coalesce(
        iso.struct.field("d"),
        pl.when(day_first).then(slashed.struct.field("a")).otherwise(slashed.struct.field("b")),
    )
    hour = pl.coalesce(iso.struct.field("H"), slashed.struct.field("H"), pl.lit("0"))
    minute = pl.coalesce(iso.struct.field("M"), slashed.struct.field("M"), pl.lit("0"))
    second = pl.coalesce(iso.struct.field("S"), slashed.struct.field("S"), pl.lit("0"))
    fraction = iso.struct.field("f").fill_null("0").str.slice(0, 6).str.pad_end(6, "0")
    stamp = pl.format(
        "{}-{}-{} {}:{}:{}.{}",
        year,
        month.str.zfill(2),
        day.str.zfill(2),
        hour.str.zfill(2),
        minute.str.zfill(2),
        second.str.zfill(2),
        fraction,
    ).str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S%.f", strict=False)
    zone = iso.struct.field("tz")
    digits = zone.str.replace_all(r"\D", "")
    offset = digits.str.slice(0, 2).cast(pl.Int64, strict=False) * 60 + digits.str.slice(2, 2).cast(
        pl.Int64, strict=False
    )
    offset = pl.when(zone.str.starts_with("-")).then(-offset).otherwise(offset).fill_null(0)
    with_offset = (
        (stamp - pl.duration(minutes=offset))
        .dt.replace_time_zone("UTC")
        .dt.convert_time_zone(time_zone)
    )
    local = pl.coalesce(
        stamp.dt.replace_time_zone(time_zone, ambiguous="earliest", non_existent="null"),
        # A clock time skipped by a daylight-saving change: the wall clock an hour on.
        (stamp + pl.duration(hours=1)).dt.replace_time_zone(
            time_zone, ambiguous="earliest", non_existent="null"
        ),
    )
    return pl.when(zone.is_not_null()).then(with_offset).otherwise(local)


# --- amounts ---------------------------------------------------------------------------


def _amount(text: pl.Expr) -> pl.Expr:
    """ "$12,500.00", "12.500,00 €", "R$ 1 200", "1'000" → "12500.00" (text, exact);
    null when the cell is not an amount. The last of "," and "." is the decimal mark
    when both appear; a lone "," is thousands only in groups of three ("12,500")."""
    bare = text.str.replace_all(r"(?i)[\s\u00a0'\u2019]|[a-z]{3}$|^[a-z]{3}|r\$|[$€£¥₹]", "")
    commas, dots = bare.str.contains(",", literal=True), bare.str.contains(".", literal=True)
    comma_last = bare.str.find(",", literal=True) > bare.str.find(".", literal=True)
    plain = (
        pl.when(commas & dots & comma_last)
        .then(bare.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True))
        .when(commas & dots)
        .then(bare.str.replace_all(",", "", literal=True))
        .when(commas & bare.str.contains(r"^-?\d{1,3}(?:,\d{3})+$"))
        .then(bare.str.replace_all(",", "", literal=True))
        .when(commas)
        .then(bare.str.replace(",", ".", literal=True))
        .otherwise(bare)
    )
    return pl.when(plain.str.contains(r"^-?\d+(?:\.\d+)?$")).then(plain)
