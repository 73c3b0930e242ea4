"""Reading an intake file: the bytes of a CSV or a workbook → a table of text cells.

Every later stage (map headers, validate, normalize) expects what this module promises:

- **Every cell is text** (``pl.String``). Nothing is guessed: a zip code keeps its leading
  zero, a phone number stays text. Workbook cells are turned into the text a person sees:
  a number that is whole loses its ``.0`` (5125550100.0 → ``"5125550100"``), a date
  becomes ISO ``"2024-03-05"`` (``"2024-03-05 14:30:00"`` when it has a time).
- **An empty cell is null**, in every format, whether it was written ``,,`` or ``,"",``.
  Whitespace is kept as it is: trimming is the normalizer's job.
- **Blank rows are skipped** (every cell empty): people leave them between blocks of a list.
- **``__row`` is the row number the person sees in Excel** (header row 1, first data row 2),
  counted over records, so a quoted value with line breaks is one row and skipped blank
  rows keep later numbers right. Blank lines above the header shift the numbers as Excel
  would show them.
- **Encoding**: UTF-8, with or without BOM, and UTF-16 with a BOM (Excel's "Unicode text").
  Anything else is read as Windows-1252, the superset of Latin-1 that Excel on Windows
  writes (curly quotes, €, dashes in bytes 0x80-0x9F, which are unused control codes in
  Latin-1); the five bytes cp1252 leaves undefined are read as Latin-1. Decoding goes
  sequence by sequence, so a file that is UTF-8 except for a few pasted Latin-1 bytes
  keeps its UTF-8 text. ``Table.encoding`` says ``"latin-1"`` and a warning is added.
- **Headers**: stripped of a BOM and surrounding whitespace. Duplicates are an error. A
  blank header over a column that has values is named ``column N`` (its position, 1-based)
  with a warning, so the values can still be mapped with ``--map 'column N=phone'``; a blank
  header over an empty column (a trailing delimiter) is dropped silently.
- **Ragged rows**: fewer cells than headers → the missing cells are null; more cells → an
  error naming the row, unless the extra cells are all empty (a trailing delimiter).
- The format is decided from the content, not the file name: a ZIP (xlsx, xlsm, xlsb, ods)
  or OLE (xls) signature means a workbook, read with fastexcel; anything else must be text.

Anything wrong with the file raises ``IntakeFileError`` whose ``reason`` a marketing
manager can act on; nothing else escapes.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import fastexcel
import polars as pl

ROW = "__row"
MAX_FIELD_CHARS = 100_000
_SAMPLE_BYTES = 32 * 1024
_DELIMITERS = ",;\t|"
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_WORKBOOK_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
_MARKUP_STARTS = ("<!doctype html", "<html", "<table", "<?xml")
_LEADING_BLANK_LINES = re.compile(rb"(?:[ \t,;|]*\r?\n)+")
# calamine renders a date cell as "YYYY-MM-DD HH:MM:SS" and a time-only cell as a time on
# Excel's day zero; a person typed a date or a time, so give back just that.
_MIDNIGHT = re.compile(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$")
_DAY_ZERO = re.compile(r"^1899-12-3[01] (\d{2}:\d{2}:\d{2})$")
_BLANK = re.compile(rb"(?:\xef\xbb\xbf)?[\s\x00]*\Z")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class IntakeFileError(Exception):
    """The file cannot be read; ``reason`` is a sentence a marketing manager can act on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Table:
    frame: pl.DataFrame  # "__row" (UInt32) then one String column per header
    headers: list[str]
    encoding: str  # "utf-8", "utf-8-sig", "utf-16", "latin-1", or "xlsx" for any workbook
    warnings: list[str] = field(default_factory=list)


def read_table(path: Path, *, sheet: str | None = None) -> Table:
    """Read a CSV or workbook from disk; see the module docstring for what comes back."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as error:
        raise IntakeFileError(f"the file {str(path)!r} was not found") from error
    except IsADirectoryError as error:
        raise IntakeFileError(f"{str(path)!r} is a folder, not a file") from error
    except OSError as error:
        raise IntakeFileError(
            f"the file {str(path)!r} could not be opened ({error.strerror or error})"
        ) from error
    return read_bytes(data, filename=path.name, sheet=sheet)


def read_bytes(data: bytes, *, filename: str, sheet: str | None = None) -> Table:
    """Read an uploaded file's bytes; ``filename`` is only used in messages."""
    if _BLANK.match(data):
        raise IntakeFileError("the file is empty")
    if data.startswith(_WORKBOOK_SIGNATURES):
        return _read_workbook(data, filename, sheet)
    table = _read_csv(data, filename)
    if sheet is not None:
        table.warnings.append(f"sheet {sheet!r} was ignored: a CSV file has no sheets")
    return table


# --- text -----------------------------------------------------------------------------

_CP1252 = [bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in range(256)]


def _as_cp1252(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    chunk = error.object[error.start : error.end]
    return "".join(_CP1252[b] for b in chunk), error.end


codecs.register_error("leadflow.cp1252", _as_cp1252)


def _decode(data: bytes, filename: str) -> tuple[bytes, str, list[str]]:
    """The file as UTF-8 bytes (what polars reads), its encoding, and any warning.

    Only a sample is checked here: validating 100 MB costs more than polars' own check, so
    a file that goes wrong further down is caught when polars refuses it (``_read_csv``).
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16").encode(), "utf-16", []
        except UnicodeDecodeError as error:
            raise IntakeFileError(
                f"{filename!r} starts like UTF-16 text but is not: it looks damaged"
            ) from error
    if b"\x00" in data[:_SAMPLE_BYTES]:
        raise _not_readable(filename)
    encoding = "utf-8"
    if data.startswith(codecs.BOM_UTF8):
        data, encoding = data[len(codecs.BOM_UTF8) :], "utf-8-sig"
    try:
        data[:_SAMPLE_BYTES].decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < _SAMPLE_BYTES - 3:  # not just a character cut by the sample's end
            return _from_latin1(data, filename)
    return data, encoding, []


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _from_latin1(data: bytes, filename: str) -> tuple[bytes, str, list[str]]:
    # Byte by byte through the error handler costs a Python call per accent; a file with no
    # UTF-8 sequence at all (the usual Excel export) decodes in C.
    # Decoding with surrogateescape keeps one character per byte unless some bytes form
    # UTF-8 sequences, so comparing lengths tells the two kinds of file apart.
    if len(data.decode("utf-8", errors="surrogateescape")) == len(data):
        text = data.decode("cp1252", errors="leadflow.cp1252")
    else:
        text = data.decode("utf-8", errors="leadflow.cp1252")
    sample = text[:_SAMPLE_BYTES]
    if len(_CONTROL.findall(sample)) > len(sample) / 100:
        raise _not_readable(filename)
    warning = "file is not UTF-8: read as Latin-1 (Windows-1252); check accented letters"
    return text.encode(), "latin-1", [warning]


def _not_readable(filename: str) -> IntakeFileError:
    return IntakeFileError(
        f"{filename!r} is not a CSV or Excel file (it contains binary data); "
        "save the list as CSV or .xlsx and try again"
    )


def _sniff(sample: str) -> str:
    """The delimiter: the only candidate in the header line, else csv.Sniffer decides.

    Headers are plain words, so the header line is the most reliable witness; the sniffer
    only breaks ties, because quoted values full of other punctuation can fool it.
    """
    header = sample.split("\n", 1)[0]
    counts = {d: header.count(d) for d in _DELIMITERS if d in header}
    if len(counts) == 1:
        return next(iter(counts))
    cut = sample.rfind("\n")
    try:
        sniffed = csv.Sniffer().sniff(sample[:cut] if cut > 0 else sample, _DELIMITERS)
    except csv.Error:
        sniffed = None
    if sniffed is not None and (not counts or sniffed.delimiter in counts):
        return str(sniffed.delimiter)
    return max(counts, key=lambda d: counts[d]) if counts else ","


def _read_csv(data: bytes, filename: str) -> Table:
    utf8, encoding, warnings = _decode(data, filename)
    head = utf8[:_SAMPLE_BYTES].lstrip()[:200].decode(errors="ignore").lower()
    if head.startswith(_MARKUP_STARTS):
        raise IntakeFileError(
            f"{filename!r} is a web page or XML file, not a CSV or Excel workbook; "
            "open it in Excel and save it as .xlsx or CSV"
        )
    if b"\n" not in utf8[:_SAMPLE_BYTES] and b"\r" in utf8[:_SAMPLE_BYTES]:
        utf8 = utf8.replace(b"\r", b"\n")  # classic Mac line endings
    blank = _LEADING_BLANK_LINES.match(utf8)
    skipped = blank.group().count(b"\n") if blank else 0
    if blank:
        utf8 = utf8[blank.end() :]
    if _BLANK.match(utf8):
        raise IntakeFileError("the file is empty")
    delimiter = _sniff(utf8[:_SAMPLE_BYTES].decode(errors="ignore"))
    try:
        raw = _parse_csv(utf8, delimiter, truncate=False)
    except pl.exceptions.PolarsError:
        if not _is_utf8(utf8):
            utf8, encoding, warnings = _from_latin1(utf8, filename)
        raw = _parse_or_explain(utf8, delimiter, skipped)
    headers = list(raw.row(0))
    rows = raw.slice(1).with_columns(
        pl.int_range(skipped + 2, skipped + raw.height + 1, dtype=pl.UInt32).alias(ROW)
    )
    return _table(rows, headers, encoding, warnings)


def _parse_csv(utf8: bytes, delimiter: str, *, truncate: bool) -> pl.DataFrame:
    return pl.read_csv(
        utf8,
        has_header=False,
        infer_schema=False,
        separator=delimiter,
        quote_char='"',
        truncate_ragged_lines=truncate,
        raise_if_empty=True,
    )


def _parse_or_explain(utf8: bytes, delimiter: str, skipped: int) -> pl.DataFrame:
    try:
        return _parse_csv(utf8, delimiter, truncate=False)
    except pl.exceptions.PolarsError as error:
        problem = _diagnose(utf8, delimiter, skipped)
        if problem is not None:
            raise problem from error
    try:
        return _parse_csv(utf8, delimiter, truncate=True)  # only empty cells stuck out
    except pl.exceptions.PolarsError as error:
        first = str(error).strip().splitlines()[0]
        reason = f"the file could not be read as {_DELIMITER_NAMES[delimiter]}-separated"
        raise IntakeFileError(f"{reason} text ({first})") from error


def _diagnose(utf8: bytes, delimiter: str, skipped: int) -> IntakeFileError | None:
    """Find the row polars choked on (the slow path runs only for a broken file)."""
    reader = csv.reader(io.StringIO(utf8.decode(), newline=""), delimiter=delimiter, strict=True)
    width = 0
    done = 0  # records read so far; the next one is row skipped + done + 1
    try:
        for record in reader:
            if done == 0:
                width = len(record)
            elif len(record) > width and any(record[width:]):
                return IntakeFileError(
                    f"row {skipped + done + 1}: has {len(record)} cells but the header has "
                    f"{width} columns; a value probably contains an unquoted "
                    f"{_DELIMITER_NAMES[delimiter]}"
                )
            done += 1
        return None
    except csv.Error as error:
        row = skipped + done + 1
        if "field larger" in str(error):
            return IntakeFileError(
                f"row {row}: a value is longer than {MAX_FIELD_CHARS:,} characters"
            )
        if "end of data" in str(error):
            return IntakeFileError(f'row {row}: a value opens a quote (") that is never closed')
        return IntakeFileError(f'row {row}: a quoted value has a stray quote (") in it')


# --- workbooks ------------------------------------------------------------------------


def sheet_names(path: Path) -> list[str]:
    """The sheets of an Excel workbook, in order."""
    try:
        return list(fastexcel.read_excel(path.read_bytes()).sheet_names)
    except OSError as error:
        raise IntakeFileError(f"cannot read {path}: {error.strerror}") from error
    except Exception as error:  # calamine's errors have no common base worth naming
        raise IntakeFileError(
            f"{path.name!r} is not an Excel workbook that can be opened"
        ) from error


def _read_workbook(data: bytes, filename: str, sheet: str | None) -> Table:
    try:
        reader = fastexcel.read_excel(data)
        names = list(reader.sheet_names)
    except Exception as error:  # calamine's errors have no common base worth naming
        raise IntakeFileError(
            f"{filename!r} looks like an Excel or spreadsheet file but could not be opened; "
            "it may be damaged or password-protected"
        ) from error
    listing = ", ".join(repr(n) for n in names)
    if not names:
        raise IntakeFileError(f"the workbook {filename!r} has no sheets")
    warnings: list[str] = []
    if sheet is None:
        chosen = names[0]
        if len(names) > 1:
            others = ", ".join(repr(n) for n in names[1:])
            warnings.append(
                f"the workbook has {len(names)} sheets: read the first, {chosen!r}; "
                f"not read: {others} (name a sheet to read another)"
            )
    else:
        matches = [n for n in names if n == sheet] or [
            n for n in names if n.strip().casefold() == sheet.strip().casefold()
        ]
        if not matches:
            raise IntakeFileError(
                f"the workbook has no sheet named {sheet!r}; its sheets: {listing}"
            )
        chosen = matches[0]
    try:
        cells = reader.load_sheet(chosen, header_row=None, skip_rows=0, dtypes="string")
        raw = cells.to_polars()
    except Exception as error:
        raise IntakeFileError(f"the sheet {chosen!r} could not be read ({error})") from error
    raw = raw.with_columns(
        pl.col(c)
        .cast(pl.String)
        .str.replace(_MIDNIGHT.pattern, "$1")
        .str.replace(_DAY_ZERO.pattern, "$1")
        for c in raw.columns
    ).with_row_index(ROW, offset=1)
    filled = raw.select(pl.any_horizontal(pl.exclude(ROW).is_not_null()).arg_true().first())
    first = filled.item() if raw.width > 1 else None
    if first is None:
        more = f" (the workbook also has {listing})" if len(names) > 1 else ""
        raise IntakeFileError(f"the sheet {chosen!r} is empty{more}")
    headers = list(raw.row(first)[1:])
    rows = raw.slice(first + 1).with_columns(pl.col(ROW).cast(pl.UInt32))
    return _table(rows, headers, "xlsx", warnings)


# --- shared ---------------------------------------------------------------------------


def _table(
    raw: pl.DataFrame, raw_headers: list[str | None], encoding: str, warnings: list[str]
) -> Table:
    """Name the columns, make empty cells null, drop blank rows, enforce the limits.

    ``raw`` has the cell columns in file order (whatever their names) plus ``__row``.
    """
    cells = [c for c in raw.columns if c != ROW]
    stats = raw.select(
        *((pl.col(c) != "").any().alias(f"filled {c}") for c in cells),
        *((pl.col(c) == "").any().alias(f"empty {c}") for c in cells),
    ).row(0)
    filled, has_empty = stats[: len(cells)], stats[len(cells) :]
    names: dict[str, str] = {}
    for position, (column, header, has_values) in enumerate(
        zip(cells, raw_headers, filled, strict=True), start=1
    ):
        name = (header or "").strip().lstrip("\ufeff").strip()
        if not name:
            if not has_values:
                continue
            name = f"column {position}"
            warnings.append(f'column {position} has no header: it is called "{name}"')
        names[column] = name
    headers = list(names.values())
    if not headers:
        raise IntakeFileError("the header row has no column names")
    _check_headers(headers)
    emptied = {c for c, empty in zip(cells, has_empty, strict=True) if empty}
    frame = raw.select(
        pl.col(ROW),
        *(
            (pl.when(pl.col(c) != "").then(pl.col(c)) if c in emptied else pl.col(c)).alias(n)
            for c, n in names.items()
        ),
    )
    frame = frame.filter(pl.any_horizontal(pl.col(h).is_not_null() for h in headers))
    if frame.height == 0:
        raise IntakeFileError("the file has a header but no rows")
    _check_lengths(frame, headers)
    return Table(frame=frame, headers=headers, encoding=encoding, warnings=warnings)


def _check_headers(headers: list[str]) -> None:
    positions: dict[str, list[int]] = {}
    for position, header in enumerate(headers, start=1):
        positions.setdefault(header, []).append(position)
    repeated = {h: p for h, p in positions.items() if len(p) > 1}
    if repeated:
        named = "; ".join(
            f'"{h}" (columns {", ".join(str(p) for p in ps)})' for h, ps in repeated.items()
        )
        raise IntakeFileError(f"the header names a column more than once: {named}")
    if ROW in positions:
        raise IntakeFileError(f'a column is called "{ROW}", a name leadflow keeps for itself')


def _check_lengths(frame: pl.DataFrame, headers: list[str]) -> None:
    # Bytes bound characters from above, so the cheap pass clears almost every file.
    widest = frame.select(pl.col(h).str.len_bytes().max() for h in headers).row(0)
    suspects = [h for h, size in zip(headers, widest, strict=True) if (size or 0) > MAX_FIELD_CHARS]
    offenders: list[tuple[int, str]] = []
    for header in suspects:
        rows = frame.filter(pl.col(header).str.len_chars() > MAX_FIELD_CHARS)[ROW]
        if rows.len():
            offenders.append((int(rows[0]), header))
    if offenders:
        row, header = min(offenders)
        raise IntakeFileError(
            f'row {row}: column "{header}" is longer than {MAX_FIELD_CHARS:,} characters'
        )
