"""The answer to a request that failed on our side (Django's handler500).

When the database failed under it (crm/faults.py), the request is answered 503 with
Retry-After and what happened, so a client, a proxy or a person knows to try again and
that nothing was half-written. Anything else is a 500 that says it was logged. The
programmatic doors (the API, the webhook) get JSON in the API's error shape; pages get a
short page. Django has already logged the error with its traceback by the time this runs.
"""

from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import escape

from leadflow.crm.faults import database_fault

_PROGRAMS = ("/api/", "/intake/webhook/", "/intake/deliveries/")


def server_error(request: HttpRequest) -> HttpResponse:
    fault = database_fault(sys.exc_info()[1])
    if fault is None:
        status, code, retry_after = 500, "server_error", None
        message = "something went wrong on our side; it has been logged"
    else:
        status, code, retry_after = (
            503,
            f"database_{fault.kind.replace('-', '_')}",
            fault.retry_after,
        )
        message = fault.message
    response: HttpResponse
    if request.path.startswith(_PROGRAMS) or "json" in request.headers.get("Accept", ""):
        response = JsonResponse({"code": code, "message": message}, status=status)
    else:
        title = "Try again shortly" if fault else "Something went wrong"
        response = HttpResponse(
            f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{escape(message)}</p>",
            status=status,
        )
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response
