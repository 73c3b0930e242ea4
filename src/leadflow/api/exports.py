"""``/exports``: a channel's list export as a job, its record, and its files.

`POST /exports` checks the request with the exports page's form and enqueues
`leadflow.jobs.export_list` through Django's tasks API; the job runs the same service as
`leadflow export` and the page (`leadflow.exports.service`), so nobody on the Avoid list
is ever on a list, and every exclusion is counted with its reason. Owners and marketing
only, as the exports page; a list's files go to the person who ran it, or an owner.
"""

# No `from __future__ import annotations` here: GuardedRouter wraps each view, and
# django-ninja resolves string annotations in the wrapper's module, where `Query` and these
# schemas are unknown. Real annotations need no resolving.

import hashlib
from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django_tasks import TaskResultStatus
from ninja import Field, Schema, Status

from leadflow.api.access import GuardedRouter, api_user
from leadflow.api.deals_schemas import in_range
from leadflow.api.errors import ApiError
from leadflow.api.form_errors import failures, raise_for
from leadflow.api.schemas import Input
from leadflow.crm.models import ExportRecord
from leadflow.crm.selectors.people import who
from leadflow.domain.channels import Channel
from leadflow.domain.people import Role
from leadflow.jobs import export_list, kept_file
from leadflow.web.exports.forms import ExportForm, reason_label
from leadflow.web.exports.views import CONTENT_TYPES, EXPORTERS, may_download

ACCESS: dict[str, frozenset[Role]] = {
    "exports_create": EXPORTERS,
    "exports_get": EXPORTERS,
    "exports_file": EXPORTERS,
    "exports_excluded": EXPORTERS,
}

router = GuardedRouter(access=ACCESS, tags=["exports"])

# What a finished job's record says; the tasks API's words for a job not yet done.
JobStatus = Literal["queued", "running", "failed", "done"]
DONE: Literal["done"] = "done"
_JOB_STATUS: dict[TaskResultStatus, JobStatus] = {
    TaskResultStatus.READY: "queued",
    TaskResultStatus.RUNNING: "running",
    TaskResultStatus.FAILED: "failed",
    TaskResultStatus.SUCCESSFUL: DONE,
}


class ExportIn(Input):
    channel: Channel
    campaign: str | None = Field(None, description="only people from this campaign (its name)")
    segment: str | None = Field(None, description="only people in this saved segment (its name)")
    file_format: Literal["csv", "xlsx"] = "csv"


class ExportLinks(Schema):
    self: str
    file: str | None = Field(description="the list; null when its files are not kept here")
    excluded: str | None = Field(description="who was left out and why")


class ExportAccepted(Schema):
    id: int | None = Field(description="the export's id once the job has run")
    status: JobStatus
    job: str = Field(description="the job's id in the tasks backend")
    links: ExportLinks | None


class ExcludedCount(Schema):
    reason: str
    label: str
    count: int


class ExportOut(Schema):
    id: int
    status: Literal["done"]
    channel: Channel
    exported_by: str | None = Field(description="who ran it; null for a command-line export")
    via: str = Field(description="cli, web or api")
    exported_at: datetime
    filters: dict[str, Any]
    file_format: Literal["csv", "xlsx"]
    considered: int
    included: int
    excluded: int
    excluded_by_reason: list[ExcludedCount]
    file_sha256: str = Field(description="the checksum of exactly the list's bytes")
    links: ExportLinks


def _links(record: ExportRecord) -> ExportLinks:
    kept = kept_file(record, "list") is not None
    return ExportLinks(
        self=reverse("api-v1:exports_get", kwargs={"export_id": record.pk}),
        file=reverse("api-v1:exports_file", kwargs={"export_id": record.pk}) if kept else None,
        excluded=reverse("api-v1:exports_excluded", kwargs={"export_id": record.pk})
        if kept
        else None,
    )


def _record(export_id: int) -> ExportRecord:
    record = ExportRecord.objects.select_related("exported_by").defer("person_ids")
    found = record.filter(pk=export_id).first() if in_range(export_id) else None
    if found is None:
        raise ApiError(404, "not_found", "no such export")
    return found


@router.post(
    "/exports",
    response={202: ExportAccepted, **failures(422)},
    operation_id="exports_create",
    summary="Export a channel's list (a job)",
)
def exports_create(
    request: HttpRequest, payload: ExportIn, response: HttpResponse
) -> Status[ExportAccepted]:
    """Answers 202 with the job's status; on the default (embedded) tasks backend the job
    has already run, and `id` and `links` lead to the export and its files. A job that
    could not make the list (more rows than an Excel sheet holds) is a 422 with the
    reason."""
    user = api_user(request)
    form = raise_for(
        ExportForm(
            {
                "channel": payload.channel.value,
                "campaign": payload.campaign or "",
                "segment": payload.segment or "",
                "file_format": payload.file_format,
            }
        ),
        where="body",
    )
    data = form.cleaned_data
    result = export_list.enqueue(
        channel=form.cleaned_channel().value,
        campaign=data["campaign"].name if data["campaign"] else None,
        segment=data["segment"].name if data["segment"] else None,
        file_format=data["file_format"],
        exported_by_id=user.pk,
    )
    status: JobStatus = _JOB_STATUS.get(result.status, "queued")
    if status == "failed":
        raise ApiError(500, "export_failed", "the export job failed")  # a bug: see the log
    if status != DONE:
        return Status(202, ExportAccepted(id=None, status=status, job=result.id, links=None))
    answer = result.return_value or {}
    if "error" in answer:
        raise ApiError(422, "export_failed", str(answer["error"]))
    record = _record(int(answer["export_id"]))
    links = _links(record)
    response["Location"] = links.self
    return Status(202, ExportAccepted(id=record.pk, status=DONE, job=result.id, links=links))


@router.get(
    "/exports/{export_id}",
    response={200: ExportOut, **failures(404)},
    operation_id="exports_get",
    url_name="exports_get",
    summary="An export's record: who, when, what, and who was left out why",
)
def exports_get(request: HttpRequest, export_id: int) -> ExportOut:
    record = _record(export_id)
    return ExportOut(
        id=record.pk,
        status=DONE,
        channel=Channel(record.channel),
        exported_by=who(record.exported_by) if record.exported_by else None,
        via=record.via,
        exported_at=record.exported_at,
        filters=record.filters,
        file_format=record.file_format,  # type: ignore[arg-type]
        considered=record.considered_count,
        included=record.included_count,
        excluded=record.excluded_count,
        excluded_by_reason=[
            ExcludedCount(reason=code, label=reason_label(code), count=count)
            for code, count in sorted(record.excluded_by_reason.items())
        ],
        file_sha256=record.file_sha256,
        links=_links(record),
    )


_FILE_RESPONSES: dict[str, Any] = {
    "responses": {
        200: {
            "description": "the file, CSV or Excel as the export was asked for",
            "content": {
                kind: {"schema": {"type": "string", "format": "binary"}}
                for kind in CONTENT_TYPES.values()
            },
        }
    }
}


def _file(request: HttpRequest, export_id: int, kind: str) -> HttpResponse:
    record = _record(export_id)
    if not may_download(request, record):
        raise ApiError(
            403, "forbidden", "only the person who ran this export, or an owner, may download it"
        )
    path = kept_file(record, kind)
    if path is None or not path.is_file():
        raise ApiError(404, "not_found", "this export's files are not kept here")
    content = path.read_bytes()
    # The list handed out is exactly the one recorded, or nothing.
    if kind == "list" and hashlib.sha256(content).hexdigest() != record.file_sha256:
        raise ApiError(
            404, "not_found", "this export's list file no longer matches its recorded checksum"
        )
    ext = record.file_format
    name = f"{record.channel}-{record.exported_at:%Y%m%d-%H%M}-{record.pk}-{kind}.{ext}"
    answer = HttpResponse(content, content_type=CONTENT_TYPES[ext])
    answer["Content-Disposition"] = f'attachment; filename="{name}"'
    return answer


@router.get(
    "/exports/{export_id}/file",
    response=failures(404),
    operation_id="exports_file",
    url_name="exports_file",
    summary="The exported list",
    openapi_extra=_FILE_RESPONSES,
)
def exports_file(request: HttpRequest, export_id: int) -> HttpResponse:
    return _file(request, export_id, "list")


@router.get(
    "/exports/{export_id}/excluded",
    response=failures(404),
    operation_id="exports_excluded",
    url_name="exports_excluded",
    summary="Who was left out of the list, and why",
    openapi_extra=_FILE_RESPONSES,
)
def exports_excluded(request: HttpRequest, export_id: int) -> HttpResponse:
    return _file(request, export_id, "excluded")
