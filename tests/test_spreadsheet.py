"""CSV files never carry a cell a spreadsheet would run as a formula (CSV injection)."""

from __future__ import annotations

import io

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadflow.spreadsheet import defuse_cell, defuse_formulas, write_csv

pytestmark = pytest.mark.same_on_every_database

HOSTILE = [
    '=HYPERLINK("http://evil.example","click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def test_a_formula_in_a_csv_cell_is_written_as_text() -> None:
    assert [defuse_cell(v) for v in HOSTILE] == ["'" + v for v in HOSTILE]


def test_numbers_phones_and_plain_text_are_left_as_they_are() -> None:
    kept = ["+1 (555) 010-0100", "+15550100", "-12.5", "Acme = best", "Ann", "", 42, None]
    assert [defuse_cell(v) for v in kept] == kept


@given(st.lists(st.text(max_size=12), max_size=20))
def test_the_column_and_the_cell_rule_agree(values: list[str]) -> None:
    frame = pl.DataFrame({"name": values}, schema={"name": pl.String})
    assert defuse_formulas(frame)["name"].to_list() == [defuse_cell(v) for v in values]


def test_write_csv_defuses_every_text_column_and_keeps_numbers() -> None:
    out = io.StringIO(newline="")
    write_csv(out, pl.DataFrame({"row": [2], "detail": ["=1+1"]}))
    assert out.getvalue().splitlines() == ["row,detail", "2,'=1+1"]
