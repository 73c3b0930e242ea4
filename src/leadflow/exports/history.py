"""The people on an exported list, kept compressed in ExportRecord.person_ids, and the
question it answers: "was this person on the list we sent on DATE?"."""

from __future__ import annotations

import io
from datetime import date

import polars as pl

from leadflow.crm.models import ExportRecord


def pack_ids(ids: pl.Series) -> bytes:
    """Sorted, delta-encoded person ids as a zstd-compressed Arrow IPC stream."""
    ordered = ids.cast(pl.Int64).sort()
    deltas = ordered.diff().fill_null(ordered.head(1).item() if ordered.len() else 0)
    buffer = io.BytesIO()
    pl.DataFrame({"delta": deltas}).write_ipc_stream(buffer, compression="zstd")
    return buffer.getvalue()


def unpack_ids(blob: bytes | memoryview) -> pl.Series:
    deltas = pl.read_ipc_stream(io.BytesIO(bytes(blob)))["delta"]
    return deltas.cum_sum().alias("person_id")


def was_on_list(person_id: int, *, on: date | None = None) -> list[ExportRecord]:
    """The exports (of day `on`, or ever) whose list held this person, newest first."""
    records = ExportRecord.objects.order_by("-exported_at", "-id")
    if on is not None:
        records = records.filter(exported_at__date=on)
    return [r for r in records if unpack_ids(r.person_ids).is_in([person_id]).any()]
