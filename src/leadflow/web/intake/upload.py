"""The upload page: file → preview with the column mapping → run → report.

Three steps because a list from outside rarely has our headers: the preview shows what
each column was taken to be, and lets the uploader correct it, before anything is written.

The run is a job (intake/upload_job.py). On the embedded default it runs inside the
preview's post, which answers as it always did: the report, or the reason the pipeline
refused the file as a form error. With a worker the report page says the run is queued
or running, and follows it until the report is there.
"""

from __future__ import annotations

import io

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from leadflow.crm.models import Campaign, IntakeUpload, Source, UploadStatus
from leadflow.intake.mappings import default_mapping, saved_mapping
from leadflow.intake.options import Mode
from leadflow.intake.read import IntakeFileError, read_bytes
from leadflow.intake.upload_job import PENDING, RunSummary
from leadflow.jobs import jobs_wait_for_a_worker
from leadflow.web.access import UPLOADERS, role_required, signed_in_user
from leadflow.web.intake.forms import MappingForm, UploadForm
from leadflow.web.intake.reports import counts_table, first_errors, rows_page
from leadflow.web.intake.store import (
    find_upload,
    keeps_file,
    new_upload,
    queue_run,
    run_state,
    upload_bytes,
)

PREVIEW_ROWS = 10
_REFUSED = 422


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(UPLOADERS)
def upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    user = signed_in_user(request)
    if request.method == "POST" and form.is_valid() and user is not None:
        file = form.cleaned_data["file"]
        data = file.read()
        sheet = form.cleaned_data["sheet"].strip()
        try:
            read_bytes(data, filename=file.name, sheet=sheet or None)
        except IntakeFileError as error:
            form.add_error("file", error.reason)
        else:
            stored = new_upload(
                user,
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
    if stored.status in PENDING and not run_state(stored).may_run_again:
        return redirect("intake-report", token=token)
    data = upload_bytes(stored)
    if data is None:  # written, and the file dropped
        return redirect("intake-report", token=token)
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
        queued = queue_run(
            stored,
            mapping=form.mapping(),
            mode=Mode(form.cleaned_data["mode"]),
            save_mapping=form.cleaned_data["save_mapping"],
        )
        ran = IntakeUpload.objects.only("status", "reason").get(pk=stored.pk)
        if not queued or ran.status != UploadStatus.REFUSED:
            return redirect("intake-report", token=token)
        form.add_error(None, ran.reason)  # the embedded default: it ran, and was refused
    context = {
        "upload": stored,
        "row_count": table.frame.height,
        "warnings": table.warnings,
        "form": form,
        "columns": form.column_fields(),
        "sample": table.frame.head(PREVIEW_ROWS).rows(),
        "has_saved_mapping": bool(saved_mapping(stored.source)),
        "unfinished": stored.status in PENDING,  # a run was asked for and has not ended
    }
    status = _REFUSED if request.method == "POST" else 200
    return render(request, "web/intake/preview.html", context, status=status)


@require_safe
@role_required(UPLOADERS)
def report(request: HttpRequest, token: str) -> HttpResponse:
    stored = _upload_or_404(request, token)
    summary = RunSummary.stored(stored)
    if stored.status != UploadStatus.DONE or summary is None:
        if stored.status == UploadStatus.UPLOADED:
            return redirect("intake-preview", token=token)
        return render(request, "web/intake/run.html", _run_context(stored))
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
        "can_rerun": not summary.written and keeps_file(stored),
        "preview_url": reverse("intake-preview", kwargs={"token": token}),
    }
    return render(request, "web/intake/report.html", context)


@require_safe
@role_required(UPLOADERS)
def run_status(request: HttpRequest, token: str) -> HttpResponse:
    """The run's state for the report page to poll (htmx); once the run is over, the
    page reloads itself into the report."""
    stored = _upload_or_404(request, token)
    if stored.status not in PENDING:
        return HttpResponse(headers={"HX-Refresh": "true"})
    return render(request, "web/intake/_run_state.html", _run_context(stored))


def _run_context(stored: IntakeUpload) -> dict[str, object]:
    """A run that is not (or not yet) a report: queued, running, refused, failed."""
    state = run_state(stored) if stored.status in PENDING else None
    return {
        "upload": stored,
        "state": state,
        "follow": state is not None and not state.ended,
        "worker": jobs_wait_for_a_worker(),
        "preview_url": reverse("intake-preview", kwargs={"token": stored.token}),
    }


@require_safe
@role_required(UPLOADERS)
def report_csv(request: HttpRequest, token: str) -> FileResponse:
    stored = _upload_or_404(request, token)
    if stored.status != UploadStatus.DONE:
        raise Http404("this upload has not been run")
    stem = stored.filename.rsplit(".", 1)[0] or "import"
    return FileResponse(
        io.BytesIO(stored.report_csv.encode()),
        as_attachment=True,
        filename=f"{stem}-report.csv",
        content_type="text/csv",
    )


def _upload_or_404(request: HttpRequest, token: str) -> IntakeUpload:
    stored = find_upload(signed_in_user(request), token)
    if stored is None:
        raise Http404("no such upload of yours")
    return stored


def _names(context: dict[str, object]) -> dict[str, object]:
    """The stored campaign and source names the inputs suggest."""
    return {
        **context,
        "campaign_names": Campaign.objects.order_by("name").values_list("name", flat=True),
        "source_names": Source.objects.order_by("name").values_list("name", flat=True),
    }
