"""``Idempotency-Key`` on API POSTs: a retried request never does its work twice.

The first request with a key runs inside one transaction with the row that claims the
key, and its answer is stored in that row before the commit: if the process dies half
way, neither the work nor the claim survives, and the retry runs cleanly. A second
request with the key while the first runs waits on the row's unique index (PostgreSQL)
or on the write lock (SQLite), then finds the stored answer and gets it back, marked
``Idempotent-Replayed: true``. The same key with another body is a 422: a client bug
that must not pass silently. Answers that change nothing (401, 403, 429, 5xx) are not
kept, so a retry after fixing them runs. Keys are kept for a day.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from leadflow.api.errors import error_body
from leadflow.crm.models import IdempotentRequest

HEADER = "Idempotency-Key"
KEPT_FOR = timedelta(days=1)
_NOT_KEPT = {401, 403, 429}
API_PREFIX = "/api/"


class _Discard(Exception):
    def __init__(self, response: HttpResponse) -> None:
        self.response = response


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if request.method != "POST" or key is None or not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        if not 1 <= len(key) <= 255 or not key.isprintable():
            message = f"{HEADER} must be 1 to 255 printable characters"
            return JsonResponse(error_body("invalid_idempotency_key", message), status=400)
        caller = _caller(request)
        if caller is None:  # not signed in: the API answers 401 and nothing is kept
            return self.get_response(request)
        try:
            body = request.body
        except RequestDataTooBig as error:
            return JsonResponse(error_body("payload_too_large", str(error)), status=413)
        fingerprint = hashlib.sha256(
            b"\n".join([request.method.encode(), request.path.encode(), body])
        ).hexdigest()
        try:
            with transaction.atomic():
                claim = _claim(caller, key, fingerprint)
                if claim is None:
                    return _replay(caller, key, fingerprint)
                response = self.get_response(request)
                if response.status_code >= 500 or response.status_code in _NOT_KEPT:
                    raise _Discard(response)
                claim.status = response.status_code
                claim.content_type = response.get("Content-Type", "")
                claim.body = response.content
                claim.save(update_fields=["status", "content_type", "body"])
                return response
        except _Discard as discarded:
            return discarded.response


def _caller(request: HttpRequest) -> str | None:
    authorization = request.headers.get("Authorization", "")
    if authorization:
        return "token:" + hashlib.sha256(authorization.encode("utf-8", "replace")).hexdigest()[:40]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None


def _claim(caller: str, key: str, fingerprint: str) -> IdempotentRequest | None:
    """The new row claiming the key, or None when another request holds it."""
    now = timezone.now()
    IdempotentRequest.objects.filter(caller=caller, key=key, created_at__lt=now - KEPT_FOR).delete()
    try:
        with transaction.atomic():
            return IdempotentRequest.objects.create(
                caller=caller, key=key, fingerprint=fingerprint, created_at=now
            )
    except IntegrityError:
        return None


def _replay(caller: str, key: str, fingerprint: str) -> HttpResponse:
    kept = IdempotentRequest.objects.filter(caller=caller, key=key).first()
    if kept is None or kept.status == 0:
        busy = JsonResponse(
            error_body("idempotency_key_in_use", "a request with this key is still running"),
            status=409,
        )
        busy["Retry-After"] = "1"
        return busy
    if kept.fingerprint != fingerprint:
        message = f"this {HEADER} was used with another request; use a new key"
        return JsonResponse(error_body("idempotency_key_reused", message), status=422)
    response = HttpResponse(bytes(kept.body), status=kept.status, content_type=kept.content_type)
    response["Idempotent-Replayed"] = "true"
    return response


def forget_old_keys() -> int:
    """Drop keys older than a day (the nightly run)."""
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=timezone.now() - KEPT_FOR).delete()
    return deleted
