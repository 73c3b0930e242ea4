"""The segments page: list with counts, create, edit, and preview a count before saving.

Owners and marketing only (they run the campaigns). Saving goes through
crm/services/segments.py; counts come from the same `rules_filter` the exports use.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from leadflow.crm.models import Segment
from leadflow.crm.services.segments import save_segment
from leadflow.domain.errors import DomainError
from leadflow.exports.segments import segment_count
from leadflow.web.access import UPLOADERS, role_required, signed_in_user
from leadflow.web.segments.forms import SegmentForm

SEGMENT_KEEPERS = UPLOADERS  # owner, marketing


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(SEGMENT_KEEPERS)
def segments(request: HttpRequest) -> HttpResponse:
    form = SegmentForm(request.POST or None)
    if request.method == "POST":
        return _save(request, form, segment=None)
    return _render_list(request, form)


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(SEGMENT_KEEPERS)
def segment_edit(request: HttpRequest, segment_id: int) -> HttpResponse:
    segment = Segment.objects.filter(pk=segment_id).first()
    if segment is None:
        raise Http404("no such segment")
    if request.method == "POST":
        return _save(request, SegmentForm(request.POST), segment=segment)
    form = SegmentForm.for_segment(segment)
    context = {"segment": segment, "form": form, "count": segment_count(segment.parsed_rules)}
    return render(request, "web/segments/segment_edit.html", context)


def _save(request: HttpRequest, form: SegmentForm, *, segment: Segment | None) -> HttpResponse:
    preview = "preview" in request.POST
    count = None
    if form.is_valid():
        rules = form.cleaned_data["rules"]
        count = segment_count(rules)
        if not preview:
            try:
                saved = save_segment(
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    rules=rules,
                    by=signed_in_user(request),
                    segment=segment,
                )
            except DomainError as error:
                form.add_error("name", error.reason)
            else:
                messages.success(request, f'Segment "{saved.name}" saved: {count:,} people now')
                return redirect("segments")
    status = 200 if preview and form.is_valid() else 400
    if segment is None:
        return _render_list(request, form, count=count, status=status)
    context = {"segment": segment, "form": form, "count": count}
    return render(request, "web/segments/segment_edit.html", context, status=status)


def _render_list(
    request: HttpRequest, form: SegmentForm, *, count: int | None = None, status: int = 200
) -> HttpResponse:
    saved = [(s, segment_count(s.parsed_rules)) for s in Segment.objects.all()]
    context = {"segments": saved, "form": form, "count": count}
    return render(request, "web/segments/segments.html", context, status=status)
