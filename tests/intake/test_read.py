"""Reading intake files (issue 4, step 1): every cell as text, rows numbered as Excel shows
them, and a clear sentence for every file that cannot be read.

Pure file tests: fixtures are written into ``tmp_path``, workbooks built with openpyxl.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadflow.intake.read import IntakeFileError, Table, read_bytes, read_table


def write(tmp_path: Path, content: str | bytes, name: str = "list.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def workbook(tmp_path: Path, sheets: dict[str, list[list[Any]]], name: str = "list.xlsx") -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def cells(table: Table) -> list[tuple[Any, ...]]:
    """Rows as tuples, ``__row`` first."""
    return table.frame.select("__row", *table.headers).rows()


def reason_for(path: Path, **kwargs: Any) -> str:
    with pytest.raises(IntakeFileError) as caught:
        read_table(path, **kwargs)
    return caught.value.reason


# --- CSV: delimiters and encodings ---------------------------------------------------


def test_comma_delimited_csv_is_read(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, "First Name,Email\nAnn,ann@example.com\n"))

    assert table.headers == ["First Name", "Email"]
    assert cells(table) == [(2, "Ann", "ann@example.com")]
    assert table.encoding == "utf-8"
    assert table.warnings == []
    assert table.frame.schema == pl.Schema(
        {"__row": pl.UInt32, "First Name": pl.String, "Email": pl.String}
    )


def test_semicolon_delimited_csv_is_read(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, "Name;Company\nAnn;Acme, Inc.\nBob;Bolt\n"))

    assert table.headers == ["Name", "Company"]
    assert cells(table) == [(2, "Ann", "Acme, Inc."), (3, "Bob", "Bolt")]


@pytest.mark.parametrize("delimiter", ["\t", "|"])
def test_tab_and_pipe_delimited_csv_are_read(tmp_path: Path, delimiter: str) -> None:
    text = f"Name{delimiter}Phone\nAnn{delimiter}512 555 0100\n"

    table = read_table(write(tmp_path, text))

    assert cells(table) == [(2, "Ann", "512 555 0100")]


def test_delimiter_comes_from_the_header_when_values_are_full_of_other_punctuation(
    tmp_path: Path,
) -> None:
    text = "Name;Note\n" + "".join(f"Ann {i};a, b, c, d, e | f\n" for i in range(20))

    table = read_table(write(tmp_path, text))

    assert table.headers == ["Name", "Note"]
    assert cells(table)[0] == (2, "Ann 0", "a, b, c, d, e | f")


def test_single_column_file_is_read(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, "Email\nann@example.com\nbob@example.com\n"))

    assert cells(table) == [(2, "ann@example.com"), (3, "bob@example.com")]


def test_utf8_bom_is_stripped_from_the_first_header(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, "\ufeffEmail,Name\nann@example.com,Ann\n"))

    assert table.headers == ["Email", "Name"]
    assert table.encoding == "utf-8-sig"
    assert cells(table) == [(2, "ann@example.com", "Ann")]


def test_latin1_file_is_read_with_a_warning(tmp_path: Path) -> None:
    # Windows Excel writes cp1252: the curly quotes, dash and euro are bytes 0x80-0x9F.
    note = "\u201curgent\u201d \u2013 budget 5 000 \u20ac"  # curly quotes, en dash, euro
    text = f"Name,City,Note\nJürgen Müller,Köln,{note}\n"

    table = read_table(write(tmp_path, text.encode("cp1252")))

    assert table.encoding == "latin-1"
    assert cells(table) == [(2, "Jürgen Müller", "Köln", note)]
    assert any("not UTF-8" in warning for warning in table.warnings)


def test_utf8_file_with_a_few_latin1_bytes_keeps_its_utf8_text(tmp_path: Path) -> None:
    good = "".join(f"Zoë {i},Köln\n" for i in range(5000)).encode()
    data = b"Name,City\n" + good + "Renée,Montréal\n".encode("latin-1") + good

    table = read_table(write(tmp_path, data))

    assert table.encoding == "latin-1"
    assert table.warnings
    assert table.frame.filter(pl.col("__row") == 5002).rows() == [(5002, "Renée", "Montréal")]
    assert table.frame.row(0) == (2, "Zoë 0", "Köln")
    assert table.frame.row(-1) == (10002, "Zoë 4999", "Köln")


def test_utf16_unicode_text_from_excel_is_read(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, "Name\tCity\nZoë\tKöln\n".encode("utf-16")))

    assert table.encoding == "utf-16"
    assert cells(table) == [(2, "Zoë", "Köln")]


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["windows", "classic-mac"])
def test_crlf_and_cr_line_endings_are_read(tmp_path: Path, newline: str) -> None:
    text = newline.join(["Name,Phone", "Ann,5125550100", "Bob,5125550101", ""])

    table = read_table(write(tmp_path, text))

    assert cells(table) == [(2, "Ann", "5125550100"), (3, "Bob", "5125550101")]


# --- CSV: cells ----------------------------------------------------------------------


def test_zip_codes_and_phones_keep_leading_zeros(tmp_path: Path) -> None:
    text = "Zip,Phone,Employees,Date,Flag\n02134,0044 20 7946 0000,1e3,2024-03-05,TRUE\n"

    table = read_table(write(tmp_path, text))

    assert cells(table) == [(2, "02134", "0044 20 7946 0000", "1e3", "2024-03-05", "TRUE")]
    assert all(dtype == pl.String for name, dtype in table.frame.schema.items() if name != "__row")


def test_every_column_is_text_even_in_a_long_column_of_numbers(tmp_path: Path) -> None:
    text = "Zip\n" + "".join(f"{n}\n" for n in range(20_000)) + "01234\n"

    table = read_table(write(tmp_path, text))

    assert table.frame.schema["Zip"] == pl.String
    assert table.frame["Zip"][-1] == "01234"


def test_quoted_commas_and_newlines_survive(tmp_path: Path) -> None:
    text = (
        "Company,Note,Phone\r\n"
        '"Acme, Inc.","line one\r\nline two, with a comma",5125550100\r\n'
        '"Bolt ""Best"" LLC","",5125550101\r\n'
    )

    table = read_table(write(tmp_path, text))

    assert cells(table) == [
        (2, "Acme, Inc.", "line one\r\nline two, with a comma", "5125550100"),
        (3, 'Bolt "Best" LLC', None, "5125550101"),
    ]


def test_empty_cells_are_null_whether_quoted_or_not(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, 'Name,Email,Phone\nAnn,,""\n'))

    assert cells(table) == [(2, "Ann", None, None)]


def test_whitespace_in_cells_is_kept_for_the_normalizer(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, "Name,Email\n  Ann , \n"))

    assert cells(table) == [(2, "  Ann ", " ")]


def test_fewer_cells_than_headers_leave_the_rest_null(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, "Name,Email,Phone\nAnn\nBob,bob@example.com\n"))

    assert cells(table) == [(2, "Ann", None, None), (3, "Bob", "bob@example.com", None)]


def test_more_cells_than_headers_is_a_clear_error_with_the_row(tmp_path: Path) -> None:
    text = "Name,Company\nAnn,Acme\nBob,Bolt, Inc.\n"

    reason = reason_for(write(tmp_path, text))

    assert reason.startswith("row 3: has 3 cells but the header has 2 columns")


def test_trailing_delimiters_with_nothing_after_them_are_ignored(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, "Name,Email\nAnn,ann@example.com,,\nBob,,\n"))

    assert cells(table) == [(2, "Ann", "ann@example.com"), (3, "Bob", None)]


def test_unclosed_quote_is_a_clear_error_with_the_row(tmp_path: Path) -> None:
    text = 'Name,Note\nAnn,fine\nBob,"never closed\nCarla,x\n'

    assert reason_for(write(tmp_path, text)) == (
        'row 3: a value opens a quote (") that is never closed'
    )


def test_stray_quote_after_a_quoted_value_is_a_clear_error_with_the_row(tmp_path: Path) -> None:
    text = 'Name,Note\nAnn,fine\nBob,"quoted"tail\n'

    assert reason_for(write(tmp_path, text)) == 'row 3: a quoted value has a stray quote (") in it'


# --- CSV: rows and headers -----------------------------------------------------------


def test_row_numbers_match_the_spreadsheet(tmp_path: Path) -> None:
    # Excel shows one row per record (a quoted line break stays inside its row) and shows
    # blank lines as blank rows, so numbers after them must not shift.
    text = 'Name,Note\nAnn,"two\nlines"\n\nBob,x\n,\nCarla,y\n'

    table = read_table(write(tmp_path, text))

    assert cells(table) == [(2, "Ann", "two\nlines"), (4, "Bob", "x"), (6, "Carla", "y")]


def test_blank_lines_above_the_header_shift_row_numbers_as_excel_does(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, "\n\nName\nAnn\n"))

    assert table.headers == ["Name"]
    assert cells(table) == [(4, "Ann")]


def test_headers_are_stripped_of_surrounding_whitespace(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, " Email , First Name\nann@example.com,Ann\n"))

    assert table.headers == ["Email", "First Name"]


def test_blank_header_over_values_is_named_after_its_position(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, "Name,,Email\nAnn,5125550100,ann@example.com\n"))

    assert table.headers == ["Name", "column 2", "Email"]
    assert cells(table) == [(2, "Ann", "5125550100", "ann@example.com")]
    assert table.warnings == ['column 2 has no header: it is called "column 2"']


def test_blank_header_over_an_empty_column_is_dropped(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, "Name,Email,\nAnn,ann@example.com,\n"))

    assert table.headers == ["Name", "Email"]
    assert table.warnings == []


def test_duplicate_headers_are_a_clear_error(tmp_path: Path) -> None:
    reason = reason_for(write(tmp_path, "Email,Name,Email \na@example.com,Ann,b@example.com\n"))

    assert reason == 'the header names a column more than once: "Email" (columns 1, 3)'


def test_column_named_like_the_row_number_is_a_clear_error(tmp_path: Path) -> None:
    assert "__row" in reason_for(write(tmp_path, "__row,Name\n1,Ann\n"))


# --- malformed files -----------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [b"", b"\n\n  \r\n", b"\xef\xbb\xbf", b"\n,,\n"],
    ids=["zero", "blank", "bom", "commas"],
)
def test_empty_file_is_a_clear_error(tmp_path: Path, content: bytes) -> None:
    assert reason_for(write(tmp_path, content)) == "the file is empty"


def test_header_only_file_is_a_clear_error(tmp_path: Path) -> None:
    assert reason_for(write(tmp_path, "Name,Email\n")) == "the file has a header but no rows"


def test_header_and_blank_rows_only_is_a_clear_error(tmp_path: Path) -> None:
    assert reason_for(write(tmp_path, "Name,Email\n,\n\n")) == "the file has a header but no rows"


@pytest.mark.parametrize(
    "content",
    [
        bytes(range(256)) * 40,
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200),
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 4,
        b"\x1f\x8b\x08\x00" + bytes(100),
        bytes([0x80 + i % 31 for i in range(3000)]) + b"\x01\x02\x03" * 100,
    ],
    ids=["random", "png", "pdf", "gzip", "high-bytes"],
)
def test_binary_garbage_is_a_clear_error(tmp_path: Path, content: bytes) -> None:
    reason = reason_for(write(tmp_path, content, "leads.csv"))

    assert "is not a CSV or Excel file" in reason


@pytest.mark.parametrize(
    "content", [b"PK\x03\x04" + bytes(range(256)), b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512)]
)
def test_damaged_workbook_is_a_clear_error(tmp_path: Path, content: bytes) -> None:
    reason = reason_for(write(tmp_path, content, "leads.xlsx"))

    assert "could not be opened" in reason


def test_web_page_saved_as_xls_is_a_clear_error(tmp_path: Path) -> None:
    page = "<html><body><table><tr><td>Name</td></tr></table></body></html>"

    reason = reason_for(write(tmp_path, page, "export.xls"))

    assert "web page" in reason


def test_ten_megabyte_field_is_a_clear_error(tmp_path: Path) -> None:
    text = "Name,Note\nAnn,short\nBob," + "x" * 10_000_000 + "\n"

    reason = reason_for(write(tmp_path, text))

    assert reason == 'row 3: column "Note" is longer than 100,000 characters'


def test_field_of_exactly_the_limit_is_read(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, "Name,Note\nAnn," + "é" * 100_000 + "\n"))

    assert len(table.frame["Note"][0]) == 100_000


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    assert "was not found" in reason_for(tmp_path / "nowhere.csv")


def test_folder_is_a_clear_error(tmp_path: Path) -> None:
    assert "is a folder" in reason_for(tmp_path)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_give_a_table_or_a_clear_error(data: bytes) -> None:
    try:
        table = read_bytes(data, filename="upload.csv")
    except IntakeFileError as error:
        reason = error.reason
    else:
        reason = "read"
        assert table.frame.height > 0
        assert table.frame.columns == ["__row", *table.headers]
    assert reason


# --- workbooks -----------------------------------------------------------------------


def test_excel_numbers_become_text_without_dot_zero(tmp_path: Path) -> None:
    path = workbook(
        tmp_path,
        {"Leads": [["Phone", "Zip", "Budget"], [5125550100.0, 2134, 1500.5], [7, 0, -3.0]]},
    )

    table = read_table(path)

    assert table.encoding == "xlsx"
    assert cells(table) == [(2, "5125550100", "2134", "1500.5"), (3, "7", "0", "-3")]


def test_excel_text_cells_keep_leading_zeros(tmp_path: Path) -> None:
    table = read_table(workbook(tmp_path, {"Leads": [["Zip"], ["02134"], [None], ["00501"]]}))

    assert cells(table) == [(2, "02134"), (4, "00501")]


def test_excel_dates_become_iso_text(tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["Registered", "Called at", "Slot"],
        [date(2024, 3, 5), datetime(2024, 3, 5, 14, 30), time(10, 30)],
    ]

    table = read_table(workbook(tmp_path, {"Leads": rows}))

    assert cells(table) == [(2, "2024-03-05", "2024-03-05 14:30:00", "10:30:00")]


def test_excel_booleans_and_blank_text_cells(tmp_path: Path) -> None:
    rows: list[list[Any]] = [["Name", "Opt in", "Note"], ["Ann", True, ""], ["Bob", False, "call"]]

    table = read_table(workbook(tmp_path, {"Leads": rows}))

    assert cells(table) == [(2, "Ann", "true", None), (3, "Bob", "false", "call")]


def test_excel_with_several_sheets_reads_the_first_and_warns(tmp_path: Path) -> None:
    path = workbook(
        tmp_path,
        {"Leads": [["Name"], ["Ann"]], "Notes": [["x"], ["y"]], "Old": [["Name"], ["Bob"]]},
    )

    table = read_table(path)

    assert cells(table) == [(2, "Ann")]
    assert len(table.warnings) == 1
    assert "'Leads'" in table.warnings[0]
    assert "'Notes', 'Old'" in table.warnings[0]


def test_named_sheet_is_read(tmp_path: Path) -> None:
    path = workbook(tmp_path, {"Leads": [["Name"], ["Ann"]], "Booth 2": [["Email"], ["b@x.io"]]})

    table = read_table(path, sheet="Booth 2")

    assert table.headers == ["Email"]
    assert cells(table) == [(2, "b@x.io")]
    assert table.warnings == []


def test_named_sheet_matches_ignoring_case(tmp_path: Path) -> None:
    path = workbook(tmp_path, {"Leads": [["Name"], ["Ann"]], "Booth 2": [["Email"], ["b@x.io"]]})

    assert read_table(path, sheet="booth 2").headers == ["Email"]


def test_unknown_sheet_lists_the_sheets(tmp_path: Path) -> None:
    path = workbook(tmp_path, {"Leads": [["Name"], ["Ann"]], "Booth 2": [["Email"], ["b@x.io"]]})

    assert reason_for(path, sheet="Webinar") == (
        "the workbook has no sheet named 'Webinar'; its sheets: 'Leads', 'Booth 2'"
    )


def test_empty_sheet_is_a_clear_error(tmp_path: Path) -> None:
    path = workbook(tmp_path, {"Sheet1": [], "Leads": [["Name"], ["Ann"]]})

    reason = reason_for(path)

    assert reason.startswith("the sheet 'Sheet1' is empty")
    assert "'Leads'" in reason


def test_excel_header_only_is_a_clear_error(tmp_path: Path) -> None:
    path = workbook(tmp_path, {"Leads": [["Name", "Email"]]})

    assert reason_for(path) == "the file has a header but no rows"


def test_excel_row_numbers_follow_the_sheet(tmp_path: Path) -> None:
    # A title block above the header and a blank row between entries: numbers stay the
    # ones on the left edge of the sheet.
    path = workbook(
        tmp_path, {"Leads": [[], [], ["Name", "Email"], ["Ann", "a@x.io"], [], ["Bob"]]}
    )

    table = read_table(path)

    assert cells(table) == [(4, "Ann", "a@x.io"), (6, "Bob", None)]


def test_excel_duplicate_headers_are_a_clear_error(tmp_path: Path) -> None:
    path = workbook(tmp_path, {"Leads": [["Email", "Email"], ["a@x.io", "b@x.io"]]})

    assert "more than once" in reason_for(path)


def test_excel_blank_header_over_values_is_named_after_its_position(tmp_path: Path) -> None:
    path = workbook(tmp_path, {"Leads": [["Name", None, "Email"], ["Ann", "555", "a@x.io"]]})

    assert read_table(path).headers == ["Name", "column 2", "Email"]


# --- format from content, uploads ----------------------------------------------------


def test_format_is_detected_from_content_not_the_extension(tmp_path: Path) -> None:
    book = workbook(tmp_path, {"Leads": [["Name"], ["Ann"]]}, name="really-a-workbook.csv")
    text = write(tmp_path, "Name\nBob\n", "really-a-csv.xlsx")

    assert read_table(book).encoding == "xlsx"
    assert cells(read_table(text)) == [(2, "Bob")]


def test_read_bytes_reads_an_upload_like_a_file(tmp_path: Path) -> None:
    book = workbook(tmp_path, {"Leads": [["Name"], ["Ann"]]})

    assert cells(read_bytes(book.read_bytes(), filename="upload.xlsx")) == [(2, "Ann")]
    assert cells(read_bytes(b"Name\nBob\n", filename="upload.csv")) == [(2, "Bob")]


def test_sheet_given_for_a_csv_is_ignored_with_a_warning(tmp_path: Path) -> None:
    table = read_table(write(tmp_path, "Name\nAnn\n"), sheet="Leads")

    assert cells(table) == [(2, "Ann")]
    assert table.warnings == ["sheet 'Leads' was ignored: a CSV file has no sheets"]


# --- property ------------------------------------------------------------------------

CELL = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\x00"),
    max_size=12,
) | st.sampled_from(['"', ",", "\n", "\r\n", "\r", ";", "|", "\t", " ", "", '""'])
HEADERS = ["first", "second", "third"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(CELL, min_size=3, max_size=3), min_size=1, max_size=15))
def test_any_csv_written_by_python_round_trips_cell_for_cell(
    tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]]
) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    path = tmp_path_factory.mktemp("roundtrip") / "list.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
    expected = [
        (number, *(cell or None for cell in row))
        for number, row in enumerate(rows, start=2)
        if any(row)
    ]

    if not expected:
        assert reason_for(path) == "the file has a header but no rows"
        return
    table = read_table(path)

    assert table.headers == HEADERS
    assert cells(table) == expected
