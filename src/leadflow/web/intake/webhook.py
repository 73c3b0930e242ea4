"""The webhook: ``POST /intake/webhook/<source>``, JSON records signed with a shared secret.

- **Body**: one JSON object or a list of them; keys are intake field names or any header
  the aliases recognise ("E-mail", "Phone Number"), and objects of one batch may spell a
  field differently. The source's saved column mapping applies too, so a vendor's own
  keys can be mapped once on the upload page.
- **Authentication**: ``X-Leadflow-Signature: sha256=<hex HMAC-SHA256 of the raw body,
  keyed with the source's webhook secret>``, compared in constant time. An unknown source,
  a source without a secret and a bad or missing signature all get the same 401, so the
  endpoint does not tell a stranger which sources exist.
- **Run**: campaign ``"<source> webhook"``, mode all-or-nothing: the sender is a program
  that can fix and resend the whole batch, and half a batch written is harder to retry.
- **Answers**: 201 when someone was created, else 200, with the counts and every row's
  outcome; 422 with the reasons (row numbers are positions in the list, from 1) for JSON
  that is malformed or of the wrong shape, or any row error, and then nothing is written.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from leadflow.crm.models import Source
from leadflow.intake.fields import Field
from leadflow.intake.mappings import fields_of_keys, saved_mapping
from leadflow.intake.options import IntakeOptions, ListKind, Mode, Outcome
from leadflow.intake.read import IntakeFileError
from leadflow.intake.records import merge_aliases, table_from_records
from leadflow.intake.run import run_intake
from leadflow.web.intake.reports import report_json

SIGNATURE_HEADER = "X-Leadflow-Signature"
MAX_RECORDS = 1000  # a bigger batch belongs in a file import
_UNAUTHORIZED = (
    f"missing or wrong signature: send {SIGNATURE_HEADER}: sha256=<hex HMAC-SHA256 of the "
    "body, keyed with the source's webhook secret>"
)


def campaign_for(source: str) -> str:
    return f"{source} webhook"


def signature(secret: str, body: bytes) -> str:
    """The header value a sender must send for this body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@csrf_exempt
@require_POST
def receive(request: HttpRequest, source: str) -> JsonResponse:
    secret = Source.objects.filter(name=source).values_list("webhook_secret", flat=True).first()
    if not secret or not _signed(request, secret):
        return JsonResponse({"error": _UNAUTHORIZED}, status=401)
    try:
        records = _records(request.body)
        keys = (k for r in records if isinstance(r, dict) for k in r if isinstance(k, str))
        records = merge_aliases(records, fields_of_keys(keys, saved_mapping(source)))
        table = table_from_records(records, blank_columns=(Field.EMAIL.value, Field.PHONE.value))
        options = IntakeOptions(
            campaign=campaign_for(source),
            source=source,
            kind=ListKind.RESPONSES,
            mode=Mode.ALL_OR_NOTHING,
        )
        report = run_intake(table, options)
    except IntakeFileError as error:
        return JsonResponse({"written": False, "errors": [error.reason]}, status=422)
    body = report_json(report)
    if not report.written:
        return JsonResponse(body, status=422)
    return JsonResponse(body, status=201 if report.counts[Outcome.CREATED] else 200)


def _signed(request: HttpRequest, secret: str) -> bool:
    given = request.headers.get(SIGNATURE_HEADER, "").strip().lower()
    expected = signature(secret, request.body)
    # Bytes, so a header with non-ASCII characters is a mismatch, not a TypeError.
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace"))


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
