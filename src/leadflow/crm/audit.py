"""The audit log: every write through the API or a page, who, when, what, before/after.

`AuditMiddleware` marks each unsafe request (POST, PUT, PATCH, DELETE) for the length of
the request; while it is marked, saving or deleting a row of an audited model writes an
AuditEntry with the fields before and after, and the request itself gets one entry with
its method, path and answer. Bulk writes (an import's bulk_create, an export) send no
row signals: their request entry says who did them, and their own records (the intake
report, ExportRecord, the history tables) say what. Writes outside a request (the CLI,
jobs) are not marked: they leave their own records.

Rows that are derived or that are themselves history (funnel facts, stage changes,
idempotency keys, the audit log) are not audited: they would double the log and say
nothing the audited rows do not.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import Group, User
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from leadflow.crm.models import (
    Activity,
    ApiToken,
    Appointment,
    AuditEntry,
    Avatar,
    AvoidEntry,
    BusinessSettings,
    Campaign,
    Company,
    Criterion,
    NextStepSetting,
    Opportunity,
    Person,
    ProposedDisqualification,
    Segment,
    Source,
    Task,
    TemperatureTrigger,
)

AUDITED: tuple[type[models.Model], ...] = (
    Person,
    Company,
    AvoidEntry,
    Activity,
    Opportunity,
    Appointment,
    Task,
    ProposedDisqualification,
    Avatar,
    Criterion,
    TemperatureTrigger,
    NextStepSetting,
    BusinessSettings,
    Segment,
    Source,
    Campaign,
    ApiToken,
    User,
    Group,
)
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# The webhook keeps its own record of every call, the inbox (crm/models/inbox.py: which
# source, when, the records sent, what became of each row); a second row per call here
# would cost its busiest door a write for nothing.
UNAUDITED = ("/intake/webhook/",)
# Never copied into the log: a hash is still a secret worth not spreading.
_SECRET_FIELDS = {"password", "digest", "webhook_secret"}


@dataclass
class _Marked:
    request: HttpRequest
    request_id: str
    # Rows' values before a save, by (model label, pk).
    before: dict[tuple[str, Any], dict[str, Any]] = field(default_factory=dict)


_current: ContextVar[_Marked | None] = ContextVar("leadflow_audit", default=None)


class AuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in UNSAFE or request.path.startswith(UNAUDITED):
            return self.get_response(request)
        marked = _Marked(request, uuid.uuid4().hex)
        reset = _current.set(marked)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(reset)
        AuditEntry.objects.create(
            **_who(request),
            at=timezone.now(),
            request_id=marked.request_id,
            action="request",
            method=request.method or "",
            path=request.get_full_path()[:500],
            status=response.status_code,
        )
        return response


def _via(request: HttpRequest) -> str:
    if request.path.startswith("/api/"):
        return "api"
    if request.path.startswith("/admin/"):
        return "admin"
    return "page"


def _who(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    token = getattr(request, "api_token", None)
    if isinstance(user, User) and user.is_authenticated:
        actor = f"user {user.get_username()}"
        if token is not None:
            actor = f"token '{token.name}' of {user.get_username()}"
        return {"user": user, "actor": actor[:200], "via": _via(request)}
    return {"user": None, "actor": "anonymous", "via": _via(request)}


def _values(instance: models.Model) -> dict[str, Any]:
    found = {
        f.attname: f.value_from_object(instance)
        for f in instance._meta.concrete_fields
        if f.name not in _SECRET_FIELDS and not isinstance(f, models.BinaryField)
    }
    loaded: dict[str, Any] = json.loads(json.dumps(found, cls=DjangoJSONEncoder))
    return loaded


def _key(instance: models.Model) -> tuple[str, Any]:
    return (instance._meta.label, instance.pk)


def _before_save(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    marked = _current.get()
    if marked is None or instance.pk is None or kwargs.get("raw"):
        return
    old = sender._base_manager.filter(pk=instance.pk).first()
    if old is not None:
        marked.before[_key(instance)] = _values(old)


def _after_save(
    sender: type[models.Model], instance: models.Model, created: bool, **kwargs: Any
) -> None:
    marked = _current.get()
    if marked is None or kwargs.get("raw"):
        return
    after = _values(instance)
    before = marked.before.pop(_key(instance), None)
    if created or before is None:
        _entry(marked, instance, "created", None, after)
        return
    changed = [name for name in after if after[name] != before.get(name)]
    if changed:
        _entry(
            marked,
            instance,
            "updated",
            {name: before.get(name) for name in changed},
            {name: after[name] for name in changed},
        )


def _after_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    marked = _current.get()
    if marked is not None:
        _entry(marked, instance, "deleted", _values(instance), None)


def _entry(
    marked: _Marked,
    instance: models.Model,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    AuditEntry.objects.create(
        **_who(marked.request),
        at=timezone.now(),
        request_id=marked.request_id,
        action=action,
        method=marked.request.method or "",
        path=marked.request.path[:500],
        object_type=instance._meta.label,
        object_id=str(instance.pk),
        before=before,
        after=after,
    )


def connect() -> None:
    """Called once from the app's ready()."""
    for model in AUDITED:
        uid = f"leadflow-audit-{model._meta.label}"
        pre_save.connect(_before_save, sender=model, dispatch_uid=uid + "-pre")
        post_save.connect(_after_save, sender=model, dispatch_uid=uid + "-post")
        post_delete.connect(_after_delete, sender=model, dispatch_uid=uid + "-delete")
