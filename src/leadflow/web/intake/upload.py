"""The upload page: file → preview with the column mapping → run → report.

Three steps because a list from outside rarely has our headers: the preview shows what
each column was taken to be, and lets the uploader correct it, before anything is written.
"""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from leadflow.crm.models import Campaign, Source
from leadflow.intake.mappings import apply_mapping, default_mapping, save_mapping, saved_mapping
from leadflow.intake.options import IntakeOptions, ListKind, Mode
from leadflow.intake.read import IntakeFileError, Table, read_bytes
from leadflow.intake.run import run_intake
from leadflow.web.access import UPLOADERS, role_required, signed_in_user
from leadflow.web.intake.forms import MappingForm, UploadForm
from leadflow.web.intake.reports import counts_table, first_errors, rows_page
from leadflow.web.intake.store import (
    Upload,
    find_upload,
    new_upload,
    read_upload,
    record_run,
)

PREVIEW_ROWS = 10
_REFUSED = 422


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(UPLOADERS)
def upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        data = file.read()
        sheet = form.cleaned_data["sheet"].strip()
        try:
            read_bytes(data, filename=file.name, sheet=sheet or None)
        except IntakeFileError as error:
            form.add_error("file", error.reason)
        else:
            stored = new_upload(
                request.session,
                data,
                filename=file.name,
                campaign=form.cleaned_data["campaign"],
                source=form.cleaned_data["source"],
                kind=form.cleaned_data["kind"],
                mode=form.cleaned_data["mode"],
                sheet=sheet,
            )
            return redirect("intake-preview", token=stored.token)
    status = _REFUSED if request.method == "POST" else 200
    return render(request, "web/intake/upload.html", _names({"form": form}), status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(UPLOADERS)
def preview(request: HttpRequest, token: str) -> HttpResponse:
    stored = _upload_or_404(request, token)
    data = read_upload(stored)
    if data is None:  # written and deleted, or swept
        if stored.summary is not None:
            return redirect("intake-report", token=token)
        raise Http404("this upload has expired; upload the file again")
    try:
        table = read_bytes(data, filename=stored.filename, sheet=stored.sheet or None)
    except IntakeFileError as error:  # it was read once already; only a changed reader
        raise Http404(error.reason) from error
    initial = stored.mapping or default_mapping(table.headers, saved_mapping(stored.source))
    form = MappingForm(
        request.POST or None,
        headers=table.headers,
        initial_mapping=initial,
        initial={"mode": stored.mode},
    )
    if request.method == "POST" and form.is_valid():
        mapping = form.mapping()
        done = _run(request, stored, table, mapping, Mode(form.cleaned_data["mode"]))
        if isinstance(done, str):
            form.add_error(None, done)
        else:
            if form.cleaned_data["save_mapping"]:
                save_mapping(stored.source, mapping)
            return redirect("intake-report", token=token)
    context = {
        "upload": stored,
        "row_count": table.frame.height,
        "warnings": table.warnings,
        "form": form,
        "columns": form.column_fields(),
        "sample": table.frame.head(PREVIEW_ROWS).rows(),
        "has_saved_mapping": bool(saved_mapping(stored.source)),
    }
    status = _REFUSED if request.method == "POST" else 200
    return render(request, "web/intake/preview.html", context, status=status)


def _run(
    request: HttpRequest, stored: Upload, table: Table, mapping: dict[str, str], mode: Mode
) -> Upload | str:
    """The run's upload record, or why the pipeline refused the whole file."""
    trimmed, overrides = apply_mapping(table, mapping)
    options = IntakeOptions(
        campaign=stored.campaign,
        source=stored.source,
        kind=ListKind(stored.kind),
        mode=mode,
        mapping=overrides,
    )
    try:
        report = run_intake(trimmed, options, by=signed_in_user(request))
    except IntakeFileError as error:
        return error.reason
    return record_run(request.session, stored, report, mapping)


@require_safe
@role_required(UPLOADERS)
def report(request: HttpRequest, token: str) -> HttpResponse:
    stored = _upload_or_404(request, token)
    summary = stored.summary
    if summary is None or not stored.report_csv.exists():
        return redirect("intake-preview", token=token)
    outcome = request.GET.get("outcome") or None
    try:
        page_number = int(request.GET.get("page", "1"))
    except ValueError:
        page_number = 1
    context = {
        "upload": stored,
        "summary": summary,
        "counts": counts_table(summary.counts, summary.read),
        "errors": first_errors(stored.report_csv),
        "error_count": summary.counts.get("error", 0),
        "page": rows_page(stored.report_csv, page=page_number, outcome=outcome),
        "outcome": outcome or "",
        "can_rerun": not summary.written and stored.file.exists(),
        "preview_url": reverse("intake-preview", kwargs={"token": token}),
    }
    return render(request, "web/intake/report.html", context)


@require_safe
@role_required(UPLOADERS)
def report_csv(request: HttpRequest, token: str) -> FileResponse:
    stored = _upload_or_404(request, token)
    if stored.summary is None or not stored.report_csv.exists():
        raise Http404("this upload has not been run")
    stem = stored.filename.rsplit(".", 1)[0] or "import"
    return FileResponse(
        stored.report_csv.open("rb"),
        as_attachment=True,
        filename=f"{stem}-report.csv",
        content_type="text/csv",
    )


def _upload_or_404(request: HttpRequest, token: str) -> Upload:
    stored = find_upload(request.session, token)
    if stored is None:
        raise Http404("no such upload in this session")
    return stored


def _names(context: dict[str, object]) -> dict[str, object]:
    """The stored campaign and source names the inputs suggest."""
    return {
        **context,
        "campaign_names": Campaign.objects.order_by("name").values_list("name", flat=True),
        "source_names": Source.objects.order_by("name").values_list("name", flat=True),
    }
