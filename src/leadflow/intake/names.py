"""People's names: first and last as given, or split out of a full name.

A full name is split only when both first and last are blank: "Doe, Jane" and
"Dr. Jane Doe" are Jane + Doe, honorifics and suffixes (Jr., PhD) go, the family name
keeps its particles ("Ludwig van Beethoven" is Ludwig + van Beethoven), and a single word
is a first name.
"""

from __future__ import annotations

import polars as pl

_HONORIFIC = r"(?i)^(?:mr|mrs|ms|miss|mx|dr|prof|sir)\.?\s+"
_NAME_SUFFIX = r"(?i),?\s+(?:jr|sr|ii|iii|iv|phd|md|esq|mba)\.?$"
# The family name keeps its particles: "Ludwig van Beethoven" is Ludwig + van Beethoven.
_SURNAME = (
    r"(?i)^(.*?)\s+((?:(?:van|von|de|da|del|della|der|den|di|du|dos|das|le|la|ter|ten|bin"
    r"|ibn|al|st\.?)\s+)*\S+)$"
)


def read_names(df: pl.DataFrame) -> list[pl.Series]:
    """First and last name as given; a full name is split only when both are blank:
    "Doe, Jane" and "Dr. Jane Doe" are Jane + Doe, a single word is a first name."""
    split = pl.col("first_name").is_null() & pl.col("last_name").is_null()
    given_full = pl.when(split).then(pl.col("full_name").str.strip_chars())
    work = df.select(
        "first_name",
        "last_name",
        full=given_full.str.replace(_HONORIFIC, "").str.replace(_NAME_SUFFIX, "").str.strip_chars(),
    )
    work = work.with_columns(full=pl.when(pl.col("full") != "").then("full"))
    work = work.with_columns(
        comma=pl.col("full").str.contains(",", literal=True),
        spaced=pl.col("full").str.contains(r"\s"),
    )
    full = pl.col("full")
    given = (
        pl.when("comma")
        .then(full.str.extract(r",\s*(.+)$"))
        .when("spaced")
        .then(full.str.extract(_SURNAME, 1))
        .otherwise(full)
    )
    family = (
        pl.when("comma")
        .then(full.str.extract(r"^\s*([^,]+?)\s*,"))
        .when("spaced")
        .then(full.str.extract(_SURNAME, 2))
    )
    names = work.select(
        pl.coalesce("first_name", given).alias("first_name"),
        pl.when(full.is_null()).then("last_name").otherwise(family).alias("last_name"),
    )
    return names.get_columns()
