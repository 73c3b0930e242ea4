"""How intake reads a cell, and how it computes a column cheaply.

Owns what counts as a blank cell ("n/a", "-", "unknown", "tbd"... in a cell that must
otherwise be valid; "Select" and its kin from a web form's untouched drop-down in the
others) and `by_distinct`: every parser in the intake modules runs over a column's
distinct values and maps the answers back, because intake columns repeat a handful of
values and a regex over 200 values beats one over a million.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import polars as pl

NULL_TEXT = pl.lit(None, dtype=pl.String)

# Blank, and what people type for "blank" in a cell that must otherwise be valid.
PLACEHOLDERS = sorted(
    {
        spelling
        for word in ["", *"n/a na n.a. - -- ? unknown tbd none null nil".split()]
        for spelling in (word, word.upper(), word.capitalize())
    }
)
# What a web form's untouched drop-down exports ("Select"): nothing was chosen.
UNCHOSEN = sorted(
    {
        spelling
        for word in ["", "select", "-- select --", "please select", "choose one", "--"]
        for spelling in (word, word.upper(), word.capitalize(), word.title())
    }
)


def cell_text(values: pl.Series, *, placeholders: bool = False) -> pl.Series:
    """A column that was not trimmed up front: trimmed, blank (or a placeholder) as null."""
    return values.str.strip_chars().replace(PLACEHOLDERS if placeholders else UNCHOSEN, None)


def reading(
    parse: Callable[[pl.Series], pl.Series], *, placeholders: bool = False
) -> Callable[[pl.Series], pl.Series]:
    """`parse` of the trimmed text."""
    return lambda values: parse(cell_text(values, placeholders=placeholders))


def by_distinct(values: pl.Series, compute: Callable[[pl.Series], pl.Series]) -> pl.Series:
    """`compute(values)`, run over each distinct value and mapped back: intake columns
    repeat a handful of values, and a regex over 200 values beats one over a million. A
    column of mostly distinct values (timestamps, phones) is computed directly."""
    if values.null_count() == len(values):
        return pl.repeat(None, len(values), dtype=compute(values.head(0)).dtype, eager=True)
    if cast(int, values.approx_n_unique()) * 10 > len(values):
        return compute(values)
    keys = values.drop_nulls().unique()
    index = pl.int_range(len(keys), dtype=pl.UInt32, eager=True)
    return compute(keys).gather(values.replace_strict(keys, index, default=None))


def by_distinct_py(
    values: pl.Series,
    compute: Callable[[str], object],
    dtype: pl.DataType,
    only: pl.Series | None = None,
) -> pl.Series:
    """A per-value Python function, run once per distinct value (of `only`, if given;
    other values map to null)."""
    keys = (values if only is None else only).drop_nulls().unique()
    results = pl.Series([compute(k) for k in keys], dtype=dtype)
    return values.replace_strict(keys, results, default=None, return_dtype=dtype)
