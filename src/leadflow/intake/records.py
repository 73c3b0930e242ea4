"""Records → a ``Table``: how the web form, the webhook and manual entry join the pipeline.

Those doors receive objects (a form's fields, a webhook's JSON) instead of a file. Turning
them into the same ``Table`` that ``read.py`` returns lets them go through ``run_intake``
unchanged, so every rule (normalize, spam, Avoid, dedupe, classify) applies to a form
submission exactly as it does to a trade-show list; there is no second implementation.

What comes back keeps ``read.py``'s promises:

- **Every cell is text** or null. ``None`` and ``""`` are null (an empty cell); a bool is
  ``"yes"``/``"no"``; a whole float loses its ``.0``; a list of scalars (checkboxes, a JSON
  array of services) is joined with ``"; "``, which the services parser splits again.
- **Headers** are the records' keys in the order they first appear, so the same aliases
  recognise them ("E-mail", "Phone Number"...). A record without a key has a null cell.
- **``__row`` is the record's position, 1-based**: a webhook's third object is "row 3",
  the one record of a form is "row 1". There is no header row to count here.

A record that cannot be a row (not an object, a nested object, a value too long) raises
``RecordError``, an ``IntakeFileError``, so an adapter handles both with one ``except``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import polars as pl

from leadflow.intake.read import MAX_FIELD_CHARS, ROW, IntakeFileError, Table

ENCODING = "utf-8"  # records arrive decoded; the name keeps Table.encoding meaningful


class RecordError(IntakeFileError):
    """A record cannot be turned into a row; ``reason`` names the record and the key."""


def table_from_records(records: Sequence[object], *, blank_columns: Iterable[str] = ()) -> Table:
    """One row per record; see the module docstring.

    ``blank_columns`` are added (all null) when no record has them: a form that always has
    an email column gets "row 1: needs an email, a phone or an external id" when it is
    left empty, instead of a whole-request "no email column". They go last, so a record's
    own alias ("E-mail") still feeds the field first.
    """
    rows, headers = _rows(records, blank_columns)
    frame = pl.DataFrame(
        {
            ROW: pl.Series(ROW, range(1, len(rows) + 1), dtype=pl.UInt32),
            **{h: pl.Series(h, [row.get(h) for row in rows], dtype=pl.String) for h in headers},
        }
    )
    return Table(frame=frame, headers=list(headers), encoding=ENCODING)


def check_records(records: Sequence[object], *, blank_columns: Iterable[str] = ()) -> None:
    """Raise the RecordError ``table_from_records`` would, without building the table."""
    _rows(records, blank_columns)


def _rows(
    records: Sequence[object], blank_columns: Iterable[str]
) -> tuple[list[dict[str, str | None]], dict[str, None]]:
    """Each record's cells, and the headers in the order they first appear."""
    if isinstance(records, str | bytes) or not isinstance(records, Sequence):
        raise RecordError("expected a list of records")
    if not records:
        raise RecordError("there are no records")
    rows = [_cells(position, record) for position, record in enumerate(records, start=1)]
    headers: dict[str, None] = {}
    for row in rows:
        headers.update(dict.fromkeys(row))
    for name in blank_columns:
        headers.setdefault(name, None)
    if not headers:
        raise RecordError("the records have no fields")
    return rows, headers


def merge_aliases(records: Sequence[object], fields: Mapping[str, str | None]) -> list[object]:
    """Each record with its keys renamed to the field they feed (``fields``: key → field
    name, or None to drop the key); keys not in ``fields`` are kept as they are.

    A file has one header per column, but objects in one batch may spell a field
    differently ("E-mail" here, "email" there); without this, only the first spelling
    would feed the field and the other objects would look as if they had no email. In
    one record the first value that is not blank wins, as the first column of a file
    does. Items that are not objects pass through, for ``table_from_records`` to refuse.
    """
    merged: list[object] = []
    for record in records:
        if not isinstance(record, Mapping):
            merged.append(record)
            continue
        renamed: dict[object, object] = {}
        for key, value in record.items():
            name = fields.get(key, key) if isinstance(key, str) else key
            if name is None:
                continue
            if name not in renamed or _blank(renamed[name]):
                renamed[name] = value
        merged.append(renamed)
    return merged


def _blank(value: object) -> bool:
    if isinstance(value, str):
        return not value.strip()
    return value is None or value == [] or value == ()


def _cells(position: int, record: object) -> dict[str, str | None]:
    if not isinstance(record, Mapping):
        raise RecordError(f"row {position}: is {_kind(record)}, not an object of fields")
    cells: dict[str, str | None] = {}
    for key, value in record.items():
        if not isinstance(key, str):
            raise RecordError(f"row {position}: a field name is not text ({key!r})")
        name = key.strip()
        if not _encodable(name):
            raise RecordError(f"row {position}: a field name is not valid text ({name!r})")
        if not name:
            raise RecordError(f"row {position}: a field has no name")
        if name == ROW:
            raise RecordError(f'row {position}: "{ROW}" is a name leadflow keeps for itself')
        if name in cells:
            raise RecordError(f'row {position}: the field "{name}" is given twice')
        text = _text(value, position, name)
        if text is not None and not _encodable(text):
            # JSON may escape half of a surrogate pair ("\ud800"): no text, no database
            # and no polars column can hold it.
            raise RecordError(f'row {position}: "{name}" is not valid text ({text!r})')
        if text is not None and len(text) > MAX_FIELD_CHARS:
            raise RecordError(
                f'row {position}: "{name}" is longer than {MAX_FIELD_CHARS:,} characters'
            )
        cells[name] = text
    return cells


def _text(value: object, position: int, name: str) -> str | None:
    """The text a person would have typed into a cell for this value."""
    if value is None:
        return None
    if isinstance(value, bool):  # before int: True is an int
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, list | tuple):
        if any(isinstance(item, Mapping | list | tuple) for item in value):
            raise RecordError(f'row {position}: "{name}" is a list of lists or objects')
        parts = (_text(item, position, name) for item in value)
        return "; ".join(p for p in parts if p is not None) or None
    raise RecordError(f'row {position}: "{name}" is {_kind(value)}, not a text or a number')


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _kind(value: object) -> str:
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, str):
        return "a text"
    return f"a {type(value).__name__}"
