"""The webhook: ``POST /intake/webhook/<source>``, JSON records signed with a shared secret.

- **Body**: one JSON object or a list of them; keys are intake field names or any header
  the aliases recognise ("E-mail", "Phone Number"), and objects of one batch may spell a
  field differently. The source's saved column mapping applies too, so a vendor's own
  keys can be mapped once on the upload page.
- **Authentication**: two headers. ``X-Leadflow-Timestamp: <unix seconds>`` and
  ``X-Leadflow-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>." followed by the raw
  body, keyed with the source's webhook secret>`` (``signature()`` below), compared in
  constant time. An unknown source, a source without a secret and a bad or missing
  signature all get the same 401, so the endpoint does not tell a stranger which sources
  exist.
- **Replays**: the timestamp is signed, so an old request cannot be dated anew: one more
  than 5 minutes from our clock either way is 401 (saying by how much), and a signature
  already received is 409, so a request caught on the wire cannot be sent again — to any
  web process: the signatures received are kept in the database (intake/inbox.py). A
  sender that retries signs again with the current time.
- **Rate limits**: per client IP and per source (ratelimit.py), 429 with Retry-After. The
  source's allowance counts only signed requests, so a stranger cannot use it up.
- **Run**: campaign ``"<source> webhook"``, mode all-or-nothing: the sender is a program
  that can fix and resend the whole batch, and half a batch written is harder to retry.
  A checked request is kept in the inbox (intake/inbox.py) and taken in through the
  intake pipeline in batches, with every request still all-or-nothing on its own.
- **Answers**: every answer names its ``delivery`` (a receipt). JSON that is malformed or
  of the wrong shape is 422 with the reasons at once. Otherwise, when the request could be
  taken in before answering (the embedded default runs jobs in the request): 201 when
  someone was created, else 200, with the counts and every row's outcome, or 422 with the
  reasons (row numbers are positions in the list, from 1) and nothing written. With a
  worker (LEADFLOW_TASKS_BACKEND=database): 202 at once, and ``GET status_url``
  (``/intake/deliveries/<delivery>``) gives ``state`` queued, then written or refused,
  with the same report.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time

from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from leadflow.crm.models import DeliveryState, Source, WebhookDelivery
from leadflow.intake import inbox
from leadflow.intake.read import IntakeFileError
from leadflow.jobs import ask_for_drain, jobs_wait_for_a_worker
from leadflow.web.access import client_ip
from leadflow.web.intake import ratelimit

SIGNATURE_HEADER = "X-Leadflow-Signature"
TIMESTAMP_HEADER = "X-Leadflow-Timestamp"
TIMESTAMP_TOLERANCE_SECONDS = 5 * 60
MAX_RECORDS = 1000  # a bigger batch belongs in a file import
_UNAUTHORIZED = (
    f"missing or wrong signature: send {TIMESTAMP_HEADER}: <unix seconds> and "
    f'{SIGNATURE_HEADER}: sha256=<hex HMAC-SHA256 of "<timestamp>." followed by the body, '
    "keyed with the source's webhook secret>"
)
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


def signature(secret: str, body: bytes, timestamp: int | str) -> str:
    """The X-Leadflow-Signature a sender must send for this body, sent at ``timestamp``
    (unix seconds, the value of its X-Leadflow-Timestamp header)."""
    signed = f"{timestamp}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


@csrf_exempt
@require_POST
def receive(request: HttpRequest, source: str) -> JsonResponse:
    refused = ratelimit.count("webhook", "ip", client_ip(request))
    if refused is not None:
        return _too_many(refused)
    timestamp = request.headers.get(TIMESTAMP_HEADER, "").strip()
    if not _TIMESTAMP.fullmatch(timestamp):
        return _error(
            401,
            f"send {TIMESTAMP_HEADER}: the time of sending in unix seconds, e.g. "
            f"{int(time.time())}; it is signed with the body",
        )
    stored = Source.objects.filter(name=source).first()
    if (
        stored is None
        or not stored.webhook_secret
        or not _signed(request, stored.webhook_secret, timestamp)
    ):
        return _error(401, _UNAUTHORIZED)
    skew = int(time.time()) - int(timestamp)
    if abs(skew) > TIMESTAMP_TOLERANCE_SECONDS:
        when = "old" if skew > 0 else "in the future"
        return _error(
            401,
            f"{TIMESTAMP_HEADER} is {abs(skew)} seconds {when}; it must be within "
            f"{TIMESTAMP_TOLERANCE_SECONDS} seconds of our clock: sign each request when "
            "sending it, with the current time (and check the sender's clock)",
        )
    given = request.headers[SIGNATURE_HEADER]
    try:
        records = inbox.records_for_intake(stored, _records(request.body))
    except IntakeFileError as error:
        delivery = inbox.refuse(stored, error.reason, given)
    else:
        delivery = inbox.accept(stored, records, given)
    if delivery is None:  # this signature was received before: a replay
        return _replayed()
    # After the replay check, so a replayed copy cannot use up the source's allowance.
    refused = ratelimit.count("webhook", "source", source)
    if refused is not None and inbox.withdraw(delivery):
        return _too_many(refused)  # not received: it may come again after Retry-After
    if delivery.state == DeliveryState.QUEUED.value:
        ask_for_drain()
        if not jobs_wait_for_a_worker():
            delivery.refresh_from_db()
    if delivery.status_code is not None:  # taken in already (the embedded default)
        body = {"delivery": delivery.token, **(delivery.report or {})}
        return JsonResponse(body, status=delivery.status_code)
    body = inbox.outcome(delivery) | {
        "status_url": reverse("intake-webhook-delivery", args=[delivery.token]),
    }
    return JsonResponse(body, status=202)


@require_safe
def delivery_outcome(request: HttpRequest, token: str) -> JsonResponse:
    """The receipt of a request answered 202: queued, then its outcome and every row's.
    The token is the credential (random, given only to the sender), as the signature was."""
    refused = ratelimit.count("webhook", "ip", client_ip(request))
    if refused is not None:
        return _too_many(refused)
    delivery = (
        WebhookDelivery.objects.filter(token=token)
        .only("token", "state", "received_at", "record_count", "report", "finished_at")
        .first()
    )
    if delivery is None:
        return _error(404, "no such delivery")
    return JsonResponse(inbox.outcome(delivery))


def _replayed() -> JsonResponse:
    return _error(
        409,
        "this request was already received (same signature); to send it again, sign "
        "it anew with the current time",
    )


def _signed(request: HttpRequest, secret: str, timestamp: str) -> bool:
    given = request.headers.get(SIGNATURE_HEADER, "").strip().lower()
    expected = signature(secret, request.body, timestamp)
    # Bytes, so a header with non-ASCII characters is a mismatch, not a TypeError.
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace"))


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _too_many(refused: ratelimit.Refusal) -> JsonResponse:
    who = "your address" if refused.scope == "ip" else "this source"
    response = _error(
        429,
        f"too many requests from {who}; retry after {refused.retry_after} seconds",
    )
    response["Retry-After"] = str(refused.retry_after)
    return response


def _records(body: bytes) -> list[object]:
    try:
        data = json.loads(body, parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError) as error:
        raise IntakeFileError(f"the body is not JSON ({error})") from error
    if isinstance(data, dict):
        return [data]
    if not isinstance(data, list):
        raise IntakeFileError("the body must be a JSON object or a list of objects")
    if len(data) > MAX_RECORDS:
        raise IntakeFileError(
            f"the body has {len(data):,} objects; send at most {MAX_RECORDS:,} per request"
        )
    return data


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a value JSON allows")
