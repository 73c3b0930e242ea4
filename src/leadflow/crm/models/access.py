"""Who may come in and what they did (issue 8): personal API tokens, the requests
already answered under an Idempotency-Key, and the audit log of every write."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is kept: the token is 256 random bits, so a
    slow password hash would add nothing but latency to every request, and the plain
    token is shown once, when it is made. It acts with its user's roles at the time of
    each request, so taking a role from a person takes it from their tokens too."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    # The first characters of the token, so a person can tell their tokens apart.
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class IdempotentRequest(models.Model):
    """A POST answered under an Idempotency-Key: a retry with the same key and body gets
    the stored answer instead of running again. `status` 0 means still running."""

    # Who asked: a hash of the token, or the session's user, so two callers' keys never
    # meet.
    caller = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    # SHA-256 of method, path and body: the same key with another request is an error.
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(default=0)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(default=b"")
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["caller", "key"], name="idempotent_request_key")
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.status or 'running'})"


class AuditEntry(models.Model):
    """One write: a request through the API or a page (`action` "request", with its
    method, path and answer), or a row it changed (`action` created / updated / deleted,
    with the fields before and after). Rows of one request share its `request_id`."""

    at = models.DateTimeField(db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # "user alice", "token 'zapier' of alice", "anonymous" ...: kept as text so the entry
    # still says who after the user or token is gone.
    actor = models.CharField(max_length=200)
    via = models.CharField(max_length=16)  # api, page, admin
    request_id = models.CharField(max_length=32, db_index=True)
    action = models.CharField(max_length=16)
    method = models.CharField(max_length=8, blank=True)
    path = models.CharField(max_length=500, blank=True)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        what = f"{self.object_type} {self.object_id}" if self.object_type else self.path
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {what}"
