from __future__ import annotations

from enum import StrEnum

from django.db import models

from leadflow.crm.models.choices import choices
from leadflow.crm.models.marketing import Source


class DeliveryState(StrEnum):
    QUEUED = "queued"
    WRITTEN = "written"
    REFUSED = "refused"  # a row had an error: nothing of it was written (all-or-nothing)


class WebhookDelivery(models.Model):
    """One accepted webhook request, kept until the intake pipeline has taken it in
    (intake/inbox.py). Accepting is one INSERT, so the webhook answers at once under load;
    the records go through the pipeline in batches. The signature is unique per source:
    a request replayed from the wire, to any web process, is a conflict."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="deliveries")
    # The receipt the sender gets back, for GET .../deliveries/<token>: random, so a
    # receipt cannot be guessed from another.
    token = models.CharField(max_length=32, unique=True)
    signature = models.CharField(max_length=64)  # sha256 of the signature header
    received_at = models.DateTimeField()
    records = models.JSONField()
    record_count = models.PositiveIntegerField()
    state = models.CharField(
        max_length=10, choices=choices(DeliveryState), default=DeliveryState.QUEUED.value
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    # The intake report of its records (IntakeReport.as_json) and the HTTP status
    # the webhook would have answered with: 201 someone created, 200 none, 422 refused.
    report = models.JSONField(null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "signature"], name="webhook_delivery_signature_once"
            ),
        ]
        indexes = [
            # The drain's queue: only the queued ones, oldest first.
            models.Index(
                fields=["id"],
                name="webhook_delivery_queued",
                condition=models.Q(state="queued"),
            ),
        ]

    def __str__(self) -> str:
        return f"delivery {self.token} ({self.state})"
