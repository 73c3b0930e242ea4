"""The embeddable web form: ``POST /intake/form/<source>`` from a customer's own site.

Each submission is a one-row table through ``run_intake``:

- **campaign** ``"<source> web form"``: one campaign per form, so the funnel can tell the
  website's form apart from the same source's lists, and no one has to create a campaign
  before embedding a form.
- **mode skip-bad**: with one row it means the same as all-or-nothing for what is written;
  it is chosen so spam and blocked rows are simply reported, never refused.
- **activity** ``web_form`` unless the form posts an ``activity`` field (a webinar's
  registration form can say ``event_attended``): the column wins over the default.

CSRF-exempt, because the page that posts is not ours; what protects the door instead:
only stored sources accept posts (404 otherwise), rate limits per client IP and per
source (ratelimit.py: 429 with Retry-After), and the honeypot.
The answer never tells the sender whether a submission was spam or someone on the Avoid
list: both get the same thank-you a real person gets, so a bot learns nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from leadflow.crm.models import Source
from leadflow.domain.temperature import ActivityKind
from leadflow.intake.fields import Field
from leadflow.intake.options import IntakeOptions, ListKind, Mode, Outcome
from leadflow.intake.read import IntakeFileError
from leadflow.intake.records import table_from_records
from leadflow.intake.run import run_intake
from leadflow.web.access import client_ip
from leadflow.web.intake import ratelimit
from leadflow.web.intake.reports import error_lines

# The hidden field of the snippet. "fax_number" is a header the pipeline's honeypot
# aliases know, and a name form-filling bots cannot resist; "honeypot" is accepted too.
HONEYPOT_NAME = "fax_number"
_HONEYPOT_NAMES = (HONEYPOT_NAME, Field.HONEYPOT.value)
# What a form may post: every intake field but the honeypot, which is routed explicitly.
FORM_FIELDS = tuple(f.value for f in Field if f is not Field.HONEYPOT)
THANKS = "Thank you: we received your details."


def campaign_for(source: str) -> str:
    return f"{source} web form"


@csrf_exempt
@require_POST
def submit(request: HttpRequest, source: str) -> HttpResponse:
    wants_json = _wants_json(request)
    # The address first, so one bot's posts never use up the source's allowance; the
    # source only once it is known to exist, so made-up names make no counters.
    refused = ratelimit.count("form", "ip", client_ip(request))
    if refused is None and not Source.objects.filter(name=source).exists():
        return _answer(request, wants_json, status=404, message=f"unknown form {source!r}")
    refused = refused or ratelimit.count("form", "source", source)
    if refused is not None:
        return _too_many(request, wants_json, refused)
    record = _record(request)
    options = IntakeOptions(
        campaign=campaign_for(source),
        source=source,
        kind=ListKind.RESPONSES,
        mode=Mode.SKIP_BAD,
        activity=ActivityKind.WEB_FORM,
    )
    try:
        table = table_from_records([record], blank_columns=(Field.EMAIL.value, Field.PHONE.value))
        report = run_intake(table, options)
    except IntakeFileError as error:
        return _answer(request, wants_json, status=422, errors=[error.reason])
    if report.counts[Outcome.ERROR]:
        return _answer(request, wants_json, status=422, errors=report.errors)
    next_url = request.POST.get("next", "")
    if not wants_json and next_url and _may_redirect(request, next_url):
        return redirect(next_url)
    return _answer(request, wants_json, status=200, message=THANKS)


def _record(request: HttpRequest) -> dict[str, str]:
    record = {
        name: "; ".join(v for v in request.POST.getlist(name) if v.strip())
        for name in FORM_FIELDS
        if name in request.POST
    }
    bait = next((request.POST[n] for n in _HONEYPOT_NAMES if request.POST.get(n)), "")
    record[Field.HONEYPOT.value] = bait
    return record


def _too_many(request: HttpRequest, wants_json: bool, refused: ratelimit.Refusal) -> HttpResponse:
    who = "your address" if refused.scope == "ip" else "all visitors of this form"
    message = f"too many submissions from {who}; please try again in {refused.retry_after} seconds"
    response = _answer(request, wants_json, status=429, message=message)
    response["Retry-After"] = str(refused.retry_after)
    return response


def _wants_json(request: HttpRequest) -> bool:
    if request.GET.get("format") == "json" or request.POST.get("format") == "json":
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def _may_redirect(request: HttpRequest, url: str) -> bool:
    """Our own site, or a host the settings name (LEADFLOW_FORM_REDIRECT_HOSTS): anything
    else would make this endpoint an open redirect for phishing links."""
    hosts = {request.get_host(), *settings.LEADFLOW_FORM_REDIRECT_HOSTS}
    return url_has_allowed_host_and_scheme(url, allowed_hosts=hosts)


def _answer(
    request: HttpRequest,
    wants_json: bool,
    *,
    status: int,
    message: str = "",
    errors: list[str] | None = None,
) -> HttpResponse:
    errors = errors or []
    lines = [line for error in errors for line in error_lines(error)]
    response: HttpResponse
    if wants_json:
        body: dict[str, object] = {"ok": status < 400, "message": message}
        if errors:
            body["errors"] = errors
            # For the customer's script, to show each reason next to its input.
            fields: dict[str, list[str]] = {}
            for line in lines:
                fields.setdefault(line.column or "__all__", []).append(line.reason)
            body["fields"] = fields
        response = JsonResponse(body, status=status)
        # The customer's page reads this answer from its own origin; nothing here is
        # personal to a session (no cookies are read), so any origin may.
        response["Access-Control-Allow-Origin"] = "*"
        return response
    # A visitor filled in one form: "row 1" would only puzzle them.
    shown = [f"{line.column}: {line.reason}" if line.column else line.reason for line in lines]
    context = {"message": message, "errors": shown, "status": status}
    return render(request, "web/intake/form_answer.html", context, status=status)
