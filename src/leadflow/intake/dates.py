"""Dates and times of day, a column at a time, as UTC datetimes.

Dates with slashes or dashes are US (month first) unless the first number cannot be a
month (> 12); dates with dots are European (day first); ISO dates are ISO. Month names
may be English or German ("5 March 2024", "5. März 2024"). A date without a time zone is
read as UTC. Years outside 1900-2100 are not dates. Five-digit numbers are Excel serial
days (a date cell read as text).
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from leadflow.intake.cells import by_distinct

_DAY = r"^(?P<a>\d{1,4})(?P<sep>[-/.])(?P<b>\d{1,2})[-/.](?P<c>\d{4}|\d{2})$"
_CLOCK = (
    r"^(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?P<f>\.\d{1,9})?)?"
    r"(?: ?(?P<ampm>[ap])\.?m\.?)?(?: ?(?P<tz>z|utc|gmt|[+-]\d{2}:?\d{2}))?$"
)
_NAMED_DAY = (
    r"^(?:[a-z]{3,9},? )?(?:(?P<d1>\d{1,2})(?:st|nd|rd|th|\.)?[ -](?P<m1>[a-zä]{3,9})\.?,?[ -]"
    r"(?P<y1>\d{4}|\d{2})|(?P<m2>[a-zä]{3,9})\.? (?P<d2>\d{1,2})(?:st|nd|rd|th)?,? "
    r"(?P<y2>\d{4}))(?:,? (?P<clock>\d.*))?$"
)
_EXCEL_EPOCH = datetime(1899, 12, 30)


def read_dates(text: pl.Series) -> pl.Series:
    """ISO, US m/d/Y, European d.m.Y, "5 March 2024", Excel serial days → UTC datetime.

    A timestamp is a day and a time of day, each far less varied than the two together,
    so each part is parsed once per distinct value: a million timestamps cost a split and
    two lookups. A part is picked apart by a regex and put back together as ISO.
    """
    work = text.to_frame("text").with_columns(
        numeric=pl.col("text").str.contains(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{2,4}(?:[ tT]|$)")
    )
    split = pl.when("numeric").then(pl.col("text").str.replace("T", " ", literal=True))
    work = work.with_columns(parts=split.str.splitn(" ", 2)).unnest("parts")
    named = work.select(pl.when(~pl.col("numeric")).then("text")).to_series()
    day = by_distinct(work["field_0"], _day).cast(pl.Datetime("us"))
    clock = by_distinct(work["field_1"], _clock)
    stamp = (
        pl.when(pl.col("field_1").is_null())
        .then(day)
        .otherwise(day + pl.duration(microseconds=pl.lit(clock)))
    )
    return work.select(
        pl.coalesce(stamp, by_distinct(named, _named_date)).dt.replace_time_zone("UTC")
    ).to_series()


def _day(text: pl.Series) -> pl.Series:
    """ "2024-03-05", "3/5/2024", "13/02/24", "05.03.2024" → Date: US month first unless the
    first number cannot be a month; dots are European."""
    work = text.str.extract_groups(_DAY).struct.unnest()
    a, b, c = pl.col("a"), pl.col("b"), pl.col("c")
    iso = a.str.len_chars() == 4
    day_first = (pl.col("sep") == ".") | (a.cast(pl.Int32, strict=False) > 12)
    work = work.with_columns(
        year=pl.when(iso).then(a).otherwise(c),
        month=pl.when(iso | day_first).then(b).otherwise(a),
        day=pl.when(iso).then(c).when(day_first).then(a).otherwise(b),
    )
    return work.select(_iso_date()).to_series()


def _iso_date() -> pl.Expr:
    """A Date from String columns year (2 or 4 digits), month and day; null if no such day."""
    year, digits = pl.col("year"), pl.col("year").cast(pl.Int32, strict=False)
    full = (
        pl.when(year.str.len_chars() != 2)
        .then(digits)
        .when(digits < 70)
        .then(digits + 2000)
        .otherwise(digits + 1900)
    )
    stamp = pl.concat_str(
        full.cast(pl.String).str.zfill(4), pl.lit("-"), pl.col("month").str.zfill(2),
        pl.lit("-"), pl.col("day").str.zfill(2),
    )  # fmt: skip
    date = stamp.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    return pl.when(full.is_between(1900, 2100)).then(date)


def _clock(text: pl.Series) -> pl.Series:
    """ "14:30", "2:30 PM", "10:11:12.5+02:00" → microseconds after midnight UTC."""
    work = text.str.to_lowercase().str.strip_chars().str.extract_groups(_CLOCK).struct.unnest()
    hour = pl.col("h").cast(pl.Int64, strict=False)
    hour = (
        pl.when((pl.col("ampm") == "p") & (hour < 12))
        .then(hour + 12)
        .when((pl.col("ampm") == "a") & (hour == 12))
        .then(0)
        .otherwise(hour)
    )
    minute = pl.col("mi").cast(pl.Int64, strict=False)
    second = pl.col("s").cast(pl.Int64, strict=False).fill_null(0)
    fraction = pl.concat_str(pl.lit("0"), "f").cast(pl.Float64, strict=False).fill_null(0.0)
    zone = pl.col("tz").str.replace_all(r"\D", "")
    offset = zone.str.slice(0, 2).cast(pl.Int64, strict=False) * 60 + zone.str.slice(2, 2).cast(
        pl.Int64, strict=False
    )
    offset = pl.when(pl.col("tz").str.starts_with("-")).then(-offset).otherwise(offset)
    ok = (hour < 24) & (minute < 60) & (second < 60)
    micros = ((hour * 60 + minute - offset.fill_null(0)) * 60 + second) * 1_000_000 + (
        fraction * 1_000_000
    ).round().cast(pl.Int64)
    return work.select(pl.when(ok).then(micros)).to_series()


def _named_date(text: pl.Series) -> pl.Series:
    """ "5 March 2024", "Tue, Mar 5, 2024 2:30 PM" and Excel serial days → datetime."""
    lower = text.str.to_lowercase().str.replace_all(r"\s+", " ")
    work = lower.str.extract_groups(_NAMED_DAY).struct.unnest()
    month = pl.coalesce("m1", "m2").replace_strict(MONTHS, default=None, return_dtype=pl.String)
    work = work.with_columns(year=pl.coalesce("y1", "y2"), month=month, day=pl.coalesce("d1", "d2"))
    clock = _clock(work["clock"])
    day = work.select(_iso_date().cast(pl.Datetime("us"))).to_series()
    named = pl.select(
        pl.when(work["clock"].is_null())
        .then(day)
        .otherwise(day + pl.duration(microseconds=pl.lit(clock)))
    ).to_series()
    serial = text.str.extract(r"^(\d{5}(?:\.\d+)?)$").cast(pl.Float64, strict=False)
    excel = pl.select(
        pl.when(serial.is_between(20_000, 80_000)).then(
            pl.lit(_EXCEL_EPOCH)
            + pl.duration(microseconds=pl.lit(serial * 86_400_000_000).round().cast(pl.Int64))
        )
    ).to_series()
    return named.fill_null(excel)


MONTHS = {
    name: f"{number:02d}"
    for number, names in enumerate(
        (
            "jan january januar", "feb february februar", "mar march märz maerz mär",
            "apr april", "may mai", "jun june juni", "jul july juli", "aug august",
            "sep sept september", "oct october okt oktober", "nov november",
            "dec december dez dezember",
        ),
        start=1,
    )
    for name in names.split()
}  # fmt: skip
