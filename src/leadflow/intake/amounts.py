"""Amounts people type: employee counts and monthly budgets.

Employee counts read as the number a company certainly has: "25" → 25, a range its lower
bound ("10-49" → 10, "5-10 employees" → 5), "50+" / "over 50" → 50, "under 10" → 1.
Avatars say "at least N", and only the lower bound passes that honestly. "1,000",
"1.000" (DE) and "1 000" are 1000; "2k" is 2000; "12.5" is not a number of employees.
A budget is a monthly amount: currency and "per month" are ignored, a range reads as its
lower bound.
"""

from __future__ import annotations

import polars as pl

_NUMBER = r"(\d+(?:[.,\s]\d{3})*(?:[.,]\d+)?\s*k?)"


def _amount(text: pl.Series) -> pl.Series:
    """ "5,000.50", "5.000,50", "5 000", "5k" → Float64; null when not a number."""
    work = text.str.strip_chars().to_frame("text")
    work = work.with_columns(
        kilo=pl.col("text").str.ends_with("k"),
        body=pl.col("text").str.strip_suffix("k").str.strip_chars(),
    )
    body = pl.col("body")
    canonical = (
        pl.when(body.str.contains(r"^\d+$"))
        .then(body)
        .when(body.str.contains(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$"))
        .then(body.str.replace_all(",", "", literal=True))
        .when(body.str.contains(r"^\d{1,3}(?:\.\d{3})+(?:,\d+)?$"))
        .then(body.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True))
        .when(body.str.contains(r"^\d{1,3}(?:\s\d{3})+(?:[.,]\d+)?$"))
        .then(body.str.replace_all(r"\s", "").str.replace(",", ".", literal=True))
        .when(body.str.contains(r"^\d+\.\d+$"))
        .then(body)
        .when(body.str.contains(r"^\d+,\d{1,2}$"))
        .then(body.str.replace(",", ".", literal=True))
    )
    number = canonical.cast(pl.Float64, strict=False)
    return work.select(pl.when("kilo").then(number * 1000).otherwise(number)).to_series()


def read_budgets(text: pl.Series) -> pl.Series:
    """A monthly amount: currency and "per month" ignored; a range reads as its lower bound."""
    cleaned = text.str.to_lowercase().str.replace_all(
        r"usd|eur|gbp|us\$|[$€£]|per\s+month|a\s+month|/\s*mo(?:nth)?\b|monthly|p\.?m\.?$", ""
    )
    return _amount(
        cleaned.str.strip_chars().str.extract(
            rf"^{_NUMBER}(?:\s*(?:-|\x{{2013}}|\x{{2014}}|to)\s*\S.*)?$"
        )
    )


def read_employee_counts(text: pl.Series) -> pl.Series:
    """The number of employees a company certainly has; see the module doc."""
    t = (
        text.str.to_lowercase()
        .str.replace_all(
            r"\b(?:employees?|staff|people|persons?|ftes?|headcount|workers|approx\.?"
            r"|approximately|about|around|circa|ca\.)(?:\s|$)|[~≈]",
            " ",
        )
        .str.strip_chars()
    )
    under = t.str.contains(rf"^(?:less than|fewer than|under|below|up to|<=?|≤)\s*{_NUMBER}$")
    first = pl.select(
        pl.coalesce(
            t.str.extract(rf"^(?:over|more than|above|>=?|≥)\s*{_NUMBER}$"),
            t.str.extract(rf"^{_NUMBER}\s*(?:\+|or more|and up|and above|plus)$"),
            t.str.extract(rf"^{_NUMBER}\s*(?:-|\x{{2013}}|\x{{2014}}|to|bis)\s*{_NUMBER}$"),
            t.str.extract(rf"^{_NUMBER}$"),
        )
    ).to_series()
    count = _amount(first).to_frame("count").with_columns(under=under)
    whole = pl.col("count") == pl.col("count").floor()
    return count.select(pl.when("under").then(1.0).when(whole).then("count")).to_series()
