"""The owner's pages for a source's doors: the form snippet to embed, the webhook secret.

The secret is shown once, in the answer to the POST that made it, and never again: it is
stored in clear (HMAC needs it), but a page that redisplays it would leak it to anyone
who later looks over the owner's shoulder or into the browser history. Losing it means
rotating it, which also cuts off whoever else may have seen it.
"""

from __future__ import annotations

import secrets

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from leadflow.crm.models import Source
from leadflow.crm.roles import roles_of
from leadflow.domain.people import Role
from leadflow.intake import inbox
from leadflow.web.access import ENTERERS, OWNERS, UPLOADERS, role_required
from leadflow.web.intake import ratelimit, webform, webhook
from leadflow.web.intake.forms import SourceForm

SECRET_BYTES = 32


@require_safe
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The doors this user may open. The nav links here for everyone (base.html cannot
    look up roles), so a user without an intake role is told so rather than refused."""
    roles = roles_of(request.user)
    context = {
        "can_upload": bool(roles & UPLOADERS),
        "can_enter": bool(roles & ENTERERS),
        "is_owner": Role.OWNER in roles,
    }
    return render(request, "web/intake/index.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(OWNERS)
def source_list(request: HttpRequest) -> HttpResponse:
    form = SourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        source, _ = Source.objects.get_or_create(name=form.cleaned_data["name"])
        return redirect("intake-source", source_id=source.pk)
    context = {"form": form, "sources": Source.objects.order_by("name")}
    return render(request, "web/intake/sources.html", context, status=_status(request, form))


@require_safe
@role_required(OWNERS)
def source_detail(request: HttpRequest, source_id: int) -> HttpResponse:
    return _render_source(request, get_object_or_404(Source, pk=source_id), new_secret="")


@require_POST
@role_required(OWNERS)
def source_secret(request: HttpRequest, source_id: int) -> HttpResponse:
    """``action=rotate`` makes a new secret (the old one stops working at once) and shows
    it this one time; ``action=disable`` clears it, which turns the webhook off."""
    source = get_object_or_404(Source, pk=source_id)
    action = request.POST.get("action")
    if action == "disable":
        source.webhook_secret = ""
        source.save(update_fields=["webhook_secret"])
        return redirect("intake-source", source_id=source.pk)
    if action != "rotate":
        raise Http404("unknown action")
    source.webhook_secret = secrets.token_hex(SECRET_BYTES)
    source.save(update_fields=["webhook_secret"])
    response = _render_source(request, source, new_secret=source.webhook_secret)
    response["Cache-Control"] = "no-store"
    return response


def _render_source(request: HttpRequest, source: Source, *, new_secret: str) -> HttpResponse:
    form_url = request.build_absolute_uri(reverse("intake-form", kwargs={"source": source.name}))
    webhook_url = request.build_absolute_uri(
        reverse("intake-webhook", kwargs={"source": source.name})
    )
    snippet = render_to_string(
        "web/intake/form_snippet.html",
        {"action": form_url, "honeypot": webform.HONEYPOT_NAME, "source": source.name},
    ).strip()
    context = {
        "source": source,
        "snippet": snippet,
        "form_url": form_url,
        "campaign": webform.campaign_for(source.name),
        "webhook_url": webhook_url,
        "webhook_campaign": inbox.campaign_for(source.name),
        "header": webhook.SIGNATURE_HEADER,
        "timestamp_header": webhook.TIMESTAMP_HEADER,
        "tolerance_minutes": webhook.TIMESTAMP_TOLERANCE_SECONDS // 60,
        "new_secret": new_secret,
        "mapping": sorted(source.field_mapping.items()) if source.field_mapping else [],
        "form_limits": ratelimit.limits("form"),
        "webhook_limits": ratelimit.limits("webhook"),
    }
    return render(request, "web/intake/source.html", context)


def _status(request: HttpRequest, form: SourceForm) -> int:
    return 422 if request.method == "POST" and form.errors else 200
