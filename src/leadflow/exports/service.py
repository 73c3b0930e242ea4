"""The export use case: decide, write the list (and the excluded report), record it."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from leadflow.crm.models import ExportRecord
from leadflow.domain.channels import Channel
from leadflow.domain.errors import DomainError
from leadflow.exports.candidates import Filters
from leadflow.exports.engine import ExportResult, export_list
from leadflow.exports.history import pack_ids
from leadflow.spreadsheet import defuse_formulas


class ExportFileError(DomainError):
    pass


# An Excel sheet holds 1,048,576 rows, one of them the header.
EXCEL_MAX_ROWS = 1_048_575


def file_bytes(frame: pl.DataFrame, path: Path) -> bytes:
    """The frame as the file `path` names: .csv or .xlsx."""
    buffer = io.BytesIO()
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        if frame.height > EXCEL_MAX_ROWS:
            raise ExportFileError(
                f"{path.name}: {frame.height:,} rows do not fit in an Excel sheet "
                f"(at most {EXCEL_MAX_ROWS:,}): write a .csv file instead"
            )
        frame.write_excel(buffer, worksheet="list", autofit=frame.height <= 10_000)
    elif suffix == ".csv":
        defuse_formulas(frame).write_csv(buffer)
    else:
        raise ExportFileError(f"{path.name}: write a .csv or .xlsx file")
    return buffer.getvalue()


def excluded_report(result: ExportResult) -> pl.DataFrame:
    """The excluded people, one line each, reasons as text a spreadsheet can show."""
    return result.excluded.with_columns(pl.col("reasons").list.join("; "))


@dataclass(frozen=True)
class Export:
    result: ExportResult
    record: ExportRecord


def export_channel_list(
    *,
    channel: Channel,
    filters: Filters | None = None,
    out: Path | None = None,
    excluded_out: Path | None = None,
    exported_by: User | None = None,
    via: str = "cli",
    described: dict[str, Any] | None = None,
) -> Export:
    """Export `channel`'s list: write it to `out` (the checksum is of exactly those
    bytes), the excluded report to `excluded_out`, and record who, when, what and whom.

    With no `out` the list is hashed as CSV. `described` adds to the recorded filters
    what the caller knows by name (a segment)."""
    filters = filters or Filters()
    result = export_list(channel, filters)
    target = out or Path("export.csv")
    content = file_bytes(result.included, target)
    report = file_bytes(excluded_report(result), excluded_out) if excluded_out else None
    if out is not None:
        out.write_bytes(content)
    if excluded_out is not None and report is not None:
        excluded_out.write_bytes(report)
    with transaction.atomic():
        record = ExportRecord.objects.create(
            channel=channel.value,
            exported_by=exported_by,
            via=via,
            exported_at=timezone.now(),
            filters={**filters.describe(), **(described or {})},
            considered_count=result.considered,
            included_count=result.included.height,
            excluded_count=result.excluded.height,
            excluded_by_reason={k.value: v for k, v in result.excluded_by_reason.items()},
            file_name=out.name if out else "",
            file_sha256=hashlib.sha256(content).hexdigest(),
            person_ids=pack_ids(result.included["person_id"]),
        )
    return Export(result, record)
