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
import json
import logging
import re
import secrets
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from leadflow.crm.models import DeliveryState, Source, WebhookDelivery
from leadflow.intake.fields import Field
from leadflow.intake.mappings import fields_of_keys, usable_mapping
from leadflow.intake.options import IntakeOptions, ListKind, Mode, Outcome
from leadflow.intake.records import check_records, merge_aliases, table_from_records
from leadflow.intake.report import JSON_ROW, IntakeReport, report_json
from leadflow.intake.run import run_intake

logger = logging.getLogger(__name__)

# Deliveries one batch claims (most carry one record, a few up to 1,000); a drain commits
# after every batch, so the people show up while a long queue is still being taken in.
BATCH_DELIVERIES = 2000
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
    check_records(merged, blank_columns=BLANK_COLUMNS)  # every record can be a row
    return merged


def _digest(signature: str) -> str:
    return hashlib.sha256(signature.strip().lower().encode("utf-8", "replace")).hexdigest()


def accept(
    source: Source, records: list[object], signature: str, *, now: datetime | None = None
) -> WebhookDelivery | None:
    """Store a checked request's records (records_for_intake); None when this signature
    was already received from this source: a replay."""
    return _received(source, signature, records=records, record_count=len(records), now=now)


def refuse(
    source: Source, reason: str, signature: str, *, now: datetime | None = None
) -> WebhookDelivery | None:
    """Keep a request that could not be taken in at all (not JSON, a record that cannot
    be a row) as refused, so it is on record and a replay of it is still a replay; None
    when it was already received."""
    return _received(
        source,
        signature,
        records=[],
        record_count=0,
        state=DeliveryState.REFUSED.value,
        finished=True,
        report={"written": False, "errors": [reason]},
        status_code=422,
        now=now,
    )


def _received(
    source: Source,
    signature: str,
    *,
    now: datetime | None,
    finished: bool = False,
    **fields: Any,
) -> WebhookDelivery | None:
    when = now or timezone.now()
    try:
        with transaction.atomic():
            return WebhookDelivery.objects.create(
                source=source,
                token=secrets.token_hex(16),
                signature=_digest(signature),
                received_at=when,
                finished_at=when if finished else None,
                **fields,
            )
    except IntegrityError:  # the signature is unique per source
        return None


def withdraw(delivery: WebhookDelivery) -> bool:
    """Forget a delivery not yet taken in, or refused on arrival (a call turned away after
    all, so it may be sent again); False when a drain got to it first: it was received
    and stays."""
    untouched = Q(state=DeliveryState.QUEUED.value) | Q(
        state=DeliveryState.REFUSED.value, record_count=0
    )
    deleted, _ = WebhookDelivery.objects.filter(untouched, pk=delivery.pk).delete()
    return deleted > 0


def drain() -> int:
    """Take every queued delivery in, a batch at a time; the number of deliveries taken."""
    taken = 0
    while batch := take_in_batch():
        taken += batch
    return taken


def take_in_batch() -> int:
    """Take one batch of queued deliveries in (the oldest); how many it held."""
    started = time.perf_counter()
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
    if claimed:
        took = (time.perf_counter() - started) * 1000
        logger.info("took %d webhook deliveries in, in %.0f ms", len(claimed), took)
    return len(claimed)


@dataclass(frozen=True)
class _Span:
    delivery: WebhookDelivery
    first: int  # the delivery's first row in the batch, 1-based
    count: int


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
        whole = run_intake(table_from_records(records, blank_columns=BLANK_COLUMNS), options)
        reports = _reports(whole, spans)
        refused = [n for n, report in enumerate(reports) if report["errors"]]
        if whole.written or not refused:
            # Written; or refused as a whole for a reason no row carries: say so to each.
            _finish(spans, reports)
            return
        _finish([spans[n] for n in refused], [reports[n] for n in refused])
        kept = set(range(len(spans))) - set(refused)
        pending = [span.delivery for n, span in enumerate(spans) if n in kept]


def _spans(deliveries: list[WebhookDelivery]) -> tuple[list[_Span], list[object]]:
    spans: list[_Span] = []
    records: list[object] = []
    for delivery in deliveries:
        spans.append(_Span(delivery, first=len(records) + 1, count=len(delivery.records)))
        records += delivery.records
    return spans, records


def _reports(whole: IntakeReport, spans: list[_Span]) -> list[dict[str, Any]]:
    """Each delivery's report (as JSON) from the batch's: its own rows, numbered as in its
    request. The batch's rows are read out once; a delivery is a slice of them."""
    rows = whole.rows.sort("row").select(*JSON_ROW).to_dicts()
    reports = []
    for span in spans:
        own = rows[span.first - 1 : span.first - 1 + span.count]
        offset = span.first - 1
        for row in own:
            row["row"] -= offset
            if row["outcome"] == Outcome.ERROR.value and offset:
                row["detail"] = _renumbered(row["detail"], offset)
        errors = sum(row["outcome"] == Outcome.ERROR.value for row in own)
        reason = whole.reason
        if errors and not whole.written:
            reason = f"nothing was written: {errors} row(s) have errors (mode all-or-nothing)"
        reports.append(
            report_json(own, written=whole.written, reason=reason, warnings=whole.warnings)
        )
    return reports


def _renumbered(detail: str, offset: int) -> str:
    """An error's text names its row by its place in the batch: by its place in the request."""
    return _ROW.sub(lambda m: f"row {int(m[1]) - offset}: ", detail)


def _finish(spans: list[_Span], reports: list[dict[str, Any]]) -> None:
    """Record each delivery's outcome: one statement, sent once per batch."""
    now = timezone.now()
    jsonb = "::jsonb" if connection.vendor == "postgresql" else ""
    table = WebhookDelivery._meta.db_table
    values = [
        (
            (DeliveryState.WRITTEN if report["written"] else DeliveryState.REFUSED).value,
            json.dumps(report, cls=DjangoJSONEncoder),
            _status_code(report),
            now,
            span.delivery.pk,
        )
        for span, report in zip(spans, reports, strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET state = %s, report = %s{jsonb}, status_code = %s, "
            "finished_at = %s WHERE id = %s",
            values,
        )


def _status_code(report: dict[str, Any]) -> int:
    """What the webhook answers for this outcome: 201 someone was created, 200 not, 422
    nothing was written."""
    if not report["written"]:
        return 422
    return 201 if report["counts"][Outcome.CREATED.value] else 200


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
