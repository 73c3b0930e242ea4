"""CSV cells a spreadsheet must show as text, never run as a formula.

Names, companies, sources and campaigns arrive from the public web form and the
webhook; a CSV opened in Excel or LibreOffice runs a cell starting with `=`, `+`, `-`
or `@` as a formula (OWASP "CSV injection"). Such a cell is written with a leading `'`,
which spreadsheets show as text. A signed number or phone number (`+1 555 0100`,
`-12.5`) cannot call anything and is left as it is, so phone columns stay dialable.
"""

from __future__ import annotations

import csv
import re
from typing import Any, TextIO

import polars as pl

# A formula trigger first, or a sign followed by anything that is not part of a number.
_FORMULA = r"(?s)^(?:[=@\t\r]|[+-].*[^0-9\s()./-])"
_formula = re.compile(_FORMULA)


def defuse_cell(value: Any) -> Any:
    """`value` as a CSV cell that no spreadsheet runs."""
    if isinstance(value, str) and _formula.match(value):
        return "'" + value
    return value


def defuse_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text column of `frame` with its formula-like cells defused."""
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(_FORMULA))
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name, dtype in frame.schema.items()
        if dtype == pl.String
    )


def write_csv(handle: TextIO, frame: pl.DataFrame) -> None:
    """`frame` as CSV to an open text handle: a header line, then the defused rows."""
    writer = csv.writer(handle)
    writer.writerow(frame.columns)
    writer.writerows(defuse_formulas(frame).iter_rows())
