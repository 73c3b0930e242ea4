"""Set-based writes for bulk paths, straight from polars frames.

Django's bulk_create builds a model instance per row and runs every value through the
field's prep methods: about 25k rows/s. Here a frame's columns are converted once, as
whole columns, to what the database stores, and the rows go in as one stream: `COPY`
on PostgreSQL, the driver's `executemany` on SQLite.

Frames name their columns by model attname ("person_id", "kind"...); JSON fields arrive
as JSON text. A column the frame lacks takes the field's default. The caller holds the
write transaction (SQLite BEGIN IMMEDIATE, or PostgreSQL sequences), so ids allocated
here cannot be taken by another writer.
"""

from __future__ import annotations

import io
import json
import sqlite3
from collections.abc import Sequence
from typing import Any

import polars as pl
from django.db import connection, models

_CHUNK = 100_000  # rows per COPY / executemany call: bounds the memory of the text form
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S%.6f"  # what Django's SQLite backend stores (UTC)


def allocate_ids(model: type[models.Model], count: int) -> pl.Series:
    """`count` new primary keys for `model`, in order."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return pl.Series("id", [row[0] for row in cursor.fetchall()], dtype=pl.Int64)
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        start = int(cursor.fetchone()[0]) + 1
    return pl.int_range(start, start + count, dtype=pl.Int64, eager=True).alias("id")


def _fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _default(field: models.Field[Any, Any]) -> Any:
    """What Django would store for a field left out: its default, or "" for text."""
    value = field.get_default()
    if isinstance(field, models.JSONField):
        return json.dumps(value)
    return value


def _stored(field: models.Field[Any, Any], frame: pl.DataFrame) -> pl.Expr:
    """The column as the database stores it, or the field's default when absent."""
    name = field.attname
    if name not in frame.columns:
        default = _default(field)
        return pl.lit(default).alias(field.column)
    column = pl.col(name)
    dtype = frame.schema[name]
    if isinstance(field, models.CharField | models.TextField) and field.max_length:
        column = column.cast(pl.String).str.slice(0, field.max_length)
    if connection.vendor == "sqlite":
        if isinstance(dtype, pl.Datetime):
            column = column.dt.convert_time_zone("UTC").dt.strftime(_SQLITE_TIME)
        elif dtype == pl.Date:
            column = column.dt.strftime("%Y-%m-%d")
        elif isinstance(field, models.DecimalField):
            column = column.cast(pl.Float64).round(field.decimal_places or 0)
    elif isinstance(field, models.DecimalField):
        column = column.cast(pl.Float64).round(field.decimal_places or 0)
    return column.alias(field.column)


def _columns(model: type[models.Model], frame: pl.DataFrame) -> tuple[list[str], pl.DataFrame]:
    fields = _fields(model)
    rows = frame.select(pl.col("id"), *(_stored(f, frame) for f in fields))
    return ["id", *(f.column for f in fields)], rows


def insert_frame(model: type[models.Model], frame: pl.DataFrame) -> None:
    """Insert the frame's rows (with their "id" column) into the model's table."""
    if frame.is_empty():
        return
    names, rows = _columns(model, frame)
    _load(model._meta.db_table, names, rows)


def insert_new(model: type[models.Model], frame: pl.DataFrame) -> pl.Series:
    """Insert rows that have no id yet; returns their new ids in row order."""
    ids = allocate_ids(model, frame.height) if frame.height else pl.Series("id", [], pl.Int64)
    insert_frame(model, frame.with_columns(ids))
    return ids


def _load(table: str, names: Sequence[str], rows: pl.DataFrame) -> None:
    quoted = ", ".join(connection.ops.quote_name(n) for n in names)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"COPY {table} ({quoted}) FROM STDIN (FORMAT csv)"
            for chunk in rows.iter_slices(_CHUNK):
                # Quoted text, unquoted nulls: COPY tells an empty string from NULL.
                buffer = io.BytesIO()
                chunk.write_csv(
                    buffer, include_header=False, quote_style="non_numeric", null_value=""
                )
                with cursor.cursor.copy(sql) as copy:
                    copy.write(buffer.getvalue())
            return
        marks = ", ".join(["?"] * len(names))
        sql = f"INSERT INTO {table} ({quoted}) VALUES ({marks})"
        for chunk in rows.iter_slices(_CHUNK):
            # sqlite3's own executemany: Django's wrapper would rewrite the query and tee
            # the rows for a check that a stream of tuples does not need.
            sqlite3.Cursor.executemany(cursor.cursor, sql, chunk.iter_rows())


def update_masked(model: type[models.Model], frame: pl.DataFrame, columns: Sequence[str]) -> None:
    """Update rows by "id": column c is written only where the frame's boolean `set_c` is
    true, so one statement serves rows that change different columns.

    The values go to a temporary table by the insert path above, then one
    UPDATE ... FROM applies them (SQLite ≥ 3.33 and PostgreSQL both have it).
    """
    if frame.is_empty():
        return
    table = model._meta.db_table
    by_attname = {f.attname: f for f in _fields(model)}
    fields = [by_attname[c] for c in columns]
    temp = f"_lf_update_{table}"
    quote = connection.ops.quote_name
    mask = pl.sum_horizontal(
        pl.col(f"set_{f.attname}").fill_null(False).cast(pl.Int64) * (1 << i)
        for i, f in enumerate(fields)
    ).alias("mask")
    values = frame.select(pl.col("id"), *(_stored(f, frame) for f in fields), mask)
    selected = ", ".join(quote(f.column) for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {temp}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {temp} AS SELECT id, {selected}, CAST(0 AS BIGINT) AS mask "
            f"FROM {table} WHERE 1 = 0"
        )
    _load(temp, ["id", *(f.column for f in fields), "mask"], values)
    assignments = ", ".join(
        f"{quote(f.column)} = CASE WHEN (t.mask & {1 << i}) <> 0 "
        f"THEN t.{quote(f.column)} ELSE {table}.{quote(f.column)} END"
        for i, f in enumerate(fields)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {assignments} FROM {temp} t WHERE {table}.id = t.id")
        cursor.execute(f"DROP TABLE {temp}")


def json_list(column: str) -> pl.Expr:
    """A List(String) column as JSON array text, sorted: ["backup", "managed-services"]."""
    encoded = pl.struct(pl.col(column).list.sort().alias("v")).struct.json_encode()
    return encoded.str.slice(5, encoded.str.len_chars() - 6)


def insert_rows(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert rows given as {attname: value} (small, dict-shaped batches); returns the new
    ids in row order. The values become a frame and take the frame path above."""
    if not rows:
        return []
    columns: dict[str, list[Any]] = {}
    for field in _fields(model):
        name = field.attname
        if not any(name in row for row in rows):
            continue
        values = [row.get(name, field.get_default()) for row in rows]
        if isinstance(field, models.JSONField):
            values = [json.dumps(v) for v in values]
        elif isinstance(field, models.DecimalField):
            values = [None if v is None else float(v) for v in values]
        columns[name] = values
    return insert_new(model, pl.DataFrame(columns, strict=False)).to_list()


def load_temporary(name: str, frame: pl.DataFrame, *, index: Sequence[str] = ()) -> None:
    """A temporary table of text columns holding the frame, for the database to join
    against: matching a file's keys inside the database reads only the rows that match,
    not a million stored people."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
        columns = ", ".join(f"{quote(c)} TEXT" for c in frame.columns)
        cursor.execute(f"CREATE TEMPORARY TABLE {name} ({columns})")
    _load(name, frame.columns, frame.select(pl.all().cast(pl.String)))
    with connection.cursor() as cursor:
        if index:
            cursor.execute(
                f"CREATE INDEX {name}_idx ON {name} ({', '.join(quote(c) for c in index)})"
            )
        cursor.execute(f"ANALYZE {name}")


def drop_temporary(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
