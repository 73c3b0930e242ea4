"""What a lead-score model reads: one definition for training and for scoring one lead.

A `FeatureSpec` names the fields and how each is read; `feature_frame` turns any frame of
lead attributes (a CSV, the CRM's rows, one person) into exactly those columns, cleaned
the same way every time. Models call it themselves on whatever they are given, so the
frame a model learned from and the frame it scores can never be cleaned differently.

Categories are strings with every kind of "not given" (null, blank, a form's `Select`)
turned into one `MISSING` value: not answering is itself a signal, and a model must see
it the same way whichever spelling of blank the source used. Numbers are floats with
null for missing; the models decide how to bin them, from their training side only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt
import polars as pl

# The row id and the outcome in every frame a model learns from.
LEAD_ID = "lead_id"
WON = "won"

MISSING = "(missing)"


class FieldKind(StrEnum):
    CATEGORY = "category"
    NUMBER = "number"


@dataclass(frozen=True)
class Field:
    """One field a model reads: its column, what people call it, and its kind."""

    name: str
    label: str
    kind: FieldKind = FieldKind.CATEGORY
    # Some sources spell one value in several cases ("Google", "google").
    fold_case: bool = False

    def __post_init__(self) -> None:
        # Kinds are compared by identity: "number" must become FieldKind.NUMBER.
        object.__setattr__(self, "kind", FieldKind(self.kind))


@dataclass(frozen=True)
class FeatureSpec:
    """The fields a model reads, and the columns it must never read.

    `never_read` names columns that hold what was learned after intake (a rep's tags, a
    last activity): they leak the outcome, so no field may read them and they are dropped
    whatever the input holds.
    """

    name: str
    fields: tuple[Field, ...]
    missing_markers: frozenset[str] = frozenset({""})
    never_read: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: a field is listed twice")
        leaking = sorted(set(names) & self.never_read)
        if leaking:
            raise ValueError(f"{self.name}: {', '.join(leaking)} leak the outcome")
        if {LEAD_ID, WON} & set(names):
            raise ValueError(f"{self.name}: {LEAD_ID} and {WON} are not features")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def of_kind(self, kind: FieldKind) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.kind is kind)


def _category(field: Field, markers: frozenset[str]) -> pl.Expr:
    text = pl.col(field.name).cast(pl.Utf8).str.strip_chars()
    if field.fold_case:
        text = text.str.to_lowercase()
    blank = text.is_null() | text.is_in(sorted(markers))
    return pl.when(blank).then(pl.lit(MISSING)).otherwise(text).alias(field.name)


def _number(field: Field) -> pl.Expr:
    # A text column ("12", "Select") becomes a number where it reads as one, else missing.
    return pl.col(field.name).cast(pl.Float64, strict=False).fill_nan(None).alias(field.name)


def feature_frame(raw: pl.DataFrame, spec: FeatureSpec) -> pl.DataFrame:
    """Exactly the spec's fields, cleaned; every other column (ids, leaks) is dropped."""
    absent = [name for name in spec.names if name not in raw.columns]
    if absent:
        raise ValueError(f"{spec.name}: the frame lacks the fields {', '.join(absent)}")
    exprs = [
        _category(f, spec.missing_markers) if f.kind is FieldKind.CATEGORY else _number(f)
        for f in spec.fields
    ]
    return raw.select(exprs)


def quantile_edges(values: npt.ArrayLike, bins: int) -> npt.NDArray[np.float64]:
    """Inner edges of up to `bins` equal-count bins; ties merge bins (a column that is
    mostly 0 gets fewer), so every bin holds values and no edge repeats."""
    known = np.asarray(values, dtype=np.float64)
    known = known[~np.isnan(known)]
    if known.size == 0 or bins < 2:
        return np.empty(0, dtype=np.float64)
    inner = np.quantile(known, np.linspace(0.0, 1.0, bins + 1)[1:-1])
    return np.unique(inner)


def bin_labels(values: npt.ArrayLike, edges: npt.NDArray[np.float64]) -> npt.NDArray[np.str_]:
    """Each value's bin as a category ("bin 3"), `MISSING` for a missing value."""
    numbers = np.asarray(values, dtype=np.float64)
    index = np.searchsorted(edges, numbers, side="right")
    labels = np.char.add("bin ", index.astype(str))
    return np.where(np.isnan(numbers), MISSING, labels)
