"""The webhook's inbox: a request is accepted in one INSERT and taken in later, in batches.

The intake pipeline costs about a tenth of a second per run whatever its size (it is made
for files: polars plans, the playbook, the funnel facts), so running it once per webhook
request caps a busy site's webhook at a few requests a second. Instead the webhook checks
the request (signature, shape of every record) and stores it as a ``WebhookDelivery``;
``drain()`` then takes every queued delivery through ``run_intake`` as one batch — the
same pipeline and rules as every other door.

- **Each delivery stays all-or-nothing**: when a row of the batch has an error, the
  deliveries with error rows are refused (their report says which rows and why) and the
  others run again without them.
- **Exactly once**: a delivery's rows and its ``written`` state are committed in the same
  transaction, so a drain killed half-way leaves it queued and nothing written; the next
  drain takes it in. Several drains at once (web processes, workers) each claim different
  deliveries (PostgreSQL: ``FOR UPDATE SKIP LOCKED``; SQLite: one writer at a time).
- **Where the drain runs**: the webhook asks for it as a task (jobs.py). On the embedded
  default that runs in the request, which then answers with the outcome as before; with
  ``LEADFLOW_TASKS_BACKEND=database`` a worker runs it and the webhook answers 202 with a
  receipt to look the outcome up by.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl
from django.db import IntegrityError, transaction
from django.utils import timezone

from leadflow.crm.models import DeliveryState, Source, WebhookDelivery
from leadflow.intake.fields import Field
from leadflow.intake.mappings import fields_of_keys, usable_mapping
from leadflow.intake.options import IntakeOptions, ListKind, Mode, Outcome
from leadflow.intake.records import merge_aliases, table_from_records
from leadflow.intake.report import IntakeReport
from leadflow.intake.run import run_intake

# Deliveries one batch claims (each of up to 1,000 records); a drain commits after every
# batch, so the people show up while a long queue is still being taken in.
BATCH_DELIVERIES = 100
# Every door that receives records has these columns, so an empty one is a row error
# ("needs an email, a phone or an external id"), not a missing column.
BLANK_COLUMNS = (Field.EMAIL.value, Field.PHONE.value)
_ROW = re.compile(r"\brow (\d+): ")


def campaign_for(source: str) -> str:
    return f"{source} webhook"


def records_for_intake(source: Source, records: Sequence[object]) -> list[object]:
    """The records with the keys a field answers to (aliases, the source's saved mapping)
    merged into the field's name; raises RecordError for a record that cannot be a row."""
    keys = (k for r in records if isinstance(r, dict) for k in r if isinstance(k, str))
    merged = merge_aliases(records, fields_of_keys(keys, usable_mapping(source.field_mapping)))
    table_from_records(merged, blank_columns=BLANK_COLUMNS)  # every record can be a row
    return merged


def _digest(signature: str) -> str:
    return hashlib.sha256(signature.strip().lower().encode("utf-8", "replace")).hexdigest()


def accept(
    source: Source, records: list[object], signature: str, *, now: datetime | None = None
) -> WebhookDelivery | None:
    """Store a checked request's records (records_for_intake); None when this signature
    was already received from this source: a replay."""
    try:
        with transaction.atomic():
            return WebhookDelivery.objects.create(
                source=source,
                token=secrets.token_hex(16),
                signature=_digest(signature),
                received_at=now or timezone.now(),
                records=records,
                record_count=len(records),
            )
    except IntegrityError:
        return None


def refuse(
    source: Source, reason: str, signature: str, *, now: datetime | None = None
) -> WebhookDelivery | None:
    """Keep a request that could not be taken in at all (not JSON, a record that cannot
    be a row) as refused, so it is on record and a replay of it is still a replay; None
    when it was already received."""
    when = now or timezone.now()
    try:
        with transaction.atomic():
            return WebhookDelivery.objects.create(
                source=source,
                token=secrets.token_hex(16),
                signature=_digest(signature),
                received_at=when,
                records=[],
                record_count=0,
                state=DeliveryState.REFUSED.value,
                finished_at=when,
                report={"written": False, "errors": [reason]},
                status_code=422,
            )
    except IntegrityError:
        return None


def drain() -> int:
    """Take every queued delivery in, a batch at a time; the number of deliveries taken."""
    taken = 0
    while batch := _drain_batch():
        taken += batch
    return taken


def _drain_batch() -> int:
    with transaction.atomic():
        claimed = list(
            WebhookDelivery.objects.filter(state=DeliveryState.QUEUED.value)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("source")
            .order_by("id")[:BATCH_DELIVERIES]
        )
        by_source: dict[str, list[WebhookDelivery]] = defaultdict(list)
        for delivery in claimed:
            by_source[delivery.source.name].append(delivery)
        for source, deliveries in by_source.items():
            _take_in(source, deliveries)
    return len(claimed)


@dataclass(frozen=True)
class _Span:
    delivery: WebhookDelivery
    first: int  # the delivery's first row in the batch, 1-based
    count: int

    def report(self, whole: IntakeReport) -> IntakeReport:
        """The delivery's own rows of the batch's report, numbered as in its request."""
        rows = whole.rows.filter(
            pl.col("row").is_between(self.first, self.first + self.count - 1)
        ).with_columns(pl.col("row") - (self.first - 1))
        failed = pl.col("outcome") == Outcome.ERROR.value
        errors = rows.filter(failed).height
        if errors:  # an error's text names its row: the few there are, numbered anew
            offset = self.first - 1
            renumbered = rows.filter(failed).select(
                "row",
                _detail=pl.col("detail").map_elements(
                    lambda text: _ROW.sub(lambda m: f"row {int(m[1]) - offset}: ", text),
                    return_dtype=pl.String,
                ),
            )
            rows = (
                rows.join(renumbered, on="row", how="left")
                .with_columns(detail=pl.coalesce("_detail", "detail"))
                .drop("_detail")
                .sort("row")
            )
        reason = whole.reason
        if not whole.written and errors:
            reason = f"nothing was written: {errors} row(s) have errors (mode all-or-nothing)"
        return IntakeReport(rows, written=whole.written, reason=reason, warnings=whole.warnings)


def _take_in(source: str, deliveries: list[WebhookDelivery]) -> None:
    options = IntakeOptions(
        campaign=campaign_for(source),
        source=source,
        kind=ListKind.RESPONSES,
        mode=Mode.ALL_OR_NOTHING,
    )
    pending = deliveries
    while pending:
        spans, records = _spans(pending)
        report = run_intake(table_from_records(records, blank_columns=BLANK_COLUMNS), options)
        if report.written:
            for span in spans:
                _finish(span.delivery, span.report(report))
            return
        refused = [span for span in spans if span.report(report).counts[Outcome.ERROR]]
        if not refused:  # refused as a whole for a reason no row carries: say so to each
            for span in spans:
                _finish(span.delivery, span.report(report))
            return
        for span in refused:
            _finish(span.delivery, span.report(report))
        kept = {span.delivery.pk for span in spans} - {span.delivery.pk for span in refused}
        pending = [d for d in pending if d.pk in kept]


def _spans(deliveries: list[WebhookDelivery]) -> tuple[list[_Span], list[object]]:
    spans: list[_Span] = []
    records: list[object] = []
    for delivery in deliveries:
        spans.append(_Span(delivery, first=len(records) + 1, count=len(delivery.records)))
        records += delivery.records
    return spans, records


def _finish(delivery: WebhookDelivery, report: IntakeReport) -> None:
    delivery.state = (DeliveryState.WRITTEN if report.written else DeliveryState.REFUSED).value
    delivery.report = report.as_json()
    delivery.status_code = status_code(report)
    delivery.finished_at = timezone.now()
    delivery.save(update_fields=["state", "report", "status_code", "finished_at"])


def status_code(report: IntakeReport) -> int:
    """What the webhook answers for this outcome: 201 someone was created, 200 not, 422
    nothing was written."""
    if not report.written:
        return 422
    return 201 if report.counts[Outcome.CREATED] else 200


def outcome(delivery: WebhookDelivery) -> dict[str, Any]:
    """The receipt's answer: the delivery's state, and once taken in, its report."""
    answer: dict[str, Any] = {
        "delivery": delivery.token,
        "state": delivery.state,
        "received_at": delivery.received_at.isoformat(),
        "records": delivery.record_count,
    }
    if delivery.report is not None:
        answer |= {"finished_at": delivery.finished_at and delivery.finished_at.isoformat()}
        answer |= delivery.report
    return answer
