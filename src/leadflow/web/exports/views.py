"""The exports page: run a channel's export, see its summary, download the list and the
excluded report, browse recent exports, and ask "was this person on a list on DATE?".

Owners and marketing only. Running an export calls the same service as `leadflow
export` (leadflow.exports.service), which writes the files, checksums the list and
records who ran it; this module only parses the form and renders the record.
"""

from __future__ import annotations

import hashlib
import io
import re
import secrets
from dataclasses import replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from leadflow.crm.models import ExportRecord
from leadflow.crm.roles import roles_of
from leadflow.domain.errors import DomainError
from leadflow.domain.people import Role
from leadflow.exports.candidates import Filters
from leadflow.exports.history import was_on_list
from leadflow.exports.segments import segment_filter
from leadflow.exports.service import export_channel_list
from leadflow.web.access import UPLOADERS, role_required, signed_in_user
from leadflow.web.exports.forms import ExportForm, OnListForm, reason_label

EXPORTERS = UPLOADERS  # owner, marketing
RECENT = 25
# A web export's files: a random token, so a name on disk says nothing and guesses nothing.
_LIST_NAME = re.compile(r"[0-9a-f]{32}\.(csv|xlsx)")
KINDS = ("list", "excluded")
CONTENT_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "exports"


def _file_path(record: ExportRecord, kind: str) -> Path | None:
    """Where a web export's `kind` file is kept, or None for a CLI export (its files are
    wherever the command line put them) or a name this page never wrote."""
    if record.via != "web" or not _LIST_NAME.fullmatch(record.file_name):
        return None
    listed = export_dir() / record.file_name
    if kind == "list":
        return listed
    return listed.with_name(f"{listed.stem}-excluded{listed.suffix}")


def may_download(request: HttpRequest, record: ExportRecord) -> bool:
    """The person who ran the export, or an owner: a list is contact data handed out."""
    user = signed_in_user(request)
    if user is None:
        return False
    return record.exported_by_id == user.pk or Role.OWNER in roles_of(user)


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(EXPORTERS)
def exports(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        # Bound even when empty: a POST with no fields is a form with errors, not a blank one.
        form = ExportForm(request.POST)
        if form.is_valid():
            record = _run(request, form)
            if record is not None:
                return redirect("export", export_id=record.pk)
        return _render_page(request, form, status=400)
    return _render_page(request, ExportForm())


def _run(request: HttpRequest, form: ExportForm) -> ExportRecord | None:
    campaign = form.cleaned_data["campaign"]
    segment = form.cleaned_data["segment"]
    filters = Filters(campaign=campaign.name if campaign else None)
    described: dict[str, Any] = {}
    token = secrets.token_hex(16)
    extension = form.cleaned_data["file_format"]
    out = export_dir() / f"{token}.{extension}"
    try:
        if segment is not None:
            filters = replace(filters, where=segment_filter(segment.name))
            described["segment"] = segment.name
        out.parent.mkdir(parents=True, exist_ok=True)
        done = export_channel_list(
            channel=form.cleaned_channel(),
            filters=filters,
            out=out,
            excluded_out=export_dir() / f"{token}-excluded.{extension}",
            exported_by=signed_in_user(request),
            via="web",
            described=described,
        )
    except DomainError as error:
        form.add_error(None, error.reason)
    except LookupError as error:  # the segment was deleted after the form was shown
        form.add_error("segment", str(error.args[0]) if error.args else "no such segment")
    except OSError as error:
        form.add_error(None, f"the export files could not be written: {error.strerror}")
    else:
        return done.record
    return None


def _render_page(request: HttpRequest, form: ExportForm, *, status: int = 200) -> HttpResponse:
    lookup = OnListForm(request.GET) if "person" in request.GET else OnListForm()
    found: list[ExportRecord] | None = None
    if lookup.is_bound and lookup.is_valid():
        found = was_on_list(lookup.cleaned_data["person"], on=lookup.cleaned_data["on"])
    recent = ExportRecord.objects.select_related("exported_by").order_by("-exported_at", "-id")
    context = {
        "form": form,
        "lookup": lookup,
        "found": _rows(request, found) if found is not None else None,
        "recent": _rows(request, list(recent.defer("person_ids")[:RECENT])),
    }
    if lookup.is_bound and not lookup.is_valid():
        status = 400
    return render(request, "web/exports/exports.html", context, status=status)


def _rows(request: HttpRequest, records: list[ExportRecord]) -> list[tuple[ExportRecord, bool]]:
    return [(r, _file_path(r, "list") is not None and may_download(request, r)) for r in records]


@require_GET
@role_required(EXPORTERS)
def export_detail(request: HttpRequest, export_id: int) -> HttpResponse:
    record = _record(export_id)
    reasons = [(reason_label(code), n) for code, n in record.excluded_by_reason.items()]
    context = {
        "record": record,
        "reasons": reasons,
        "downloadable": _file_path(record, "list") is not None and may_download(request, record),
    }
    return render(request, "web/exports/export_detail.html", context)


@require_GET
@role_required(EXPORTERS)
def export_download(request: HttpRequest, export_id: int, kind: str, ext: str) -> FileResponse:
    record = _record(export_id)
    if kind not in KINDS or ext != record.file_format:
        raise Http404("no such file")
    if not may_download(request, record):
        raise PermissionDenied("only the person who ran this export, or an owner, may download it")
    path = _file_path(record, kind)
    if path is None or not path.is_file():
        raise Http404("this export's files are not kept here")
    content = path.read_bytes()
    # The list handed out is exactly the one recorded, or nothing.
    if kind == "list" and hashlib.sha256(content).hexdigest() != record.file_sha256:
        raise Http404("this export's list file no longer matches its recorded checksum")
    name = f"{record.channel}-{record.exported_at:%Y%m%d-%H%M}-{record.pk}-{kind}.{ext}"
    return FileResponse(
        io.BytesIO(content), as_attachment=True, filename=name, content_type=CONTENT_TYPES[ext]
    )


def _record(export_id: int) -> ExportRecord:
    record = ExportRecord.objects.select_related("exported_by").filter(pk=export_id).first()
    if record is None:
        raise Http404("no such export")
    return record
