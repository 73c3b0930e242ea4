from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from leadflow.crm.models.choices import choices, one_of
from leadflow.domain.temperature import ActivityKind, FollowUpWish, Temperature


class Source(models.Model):
    """Where leads come from: webinar, trade show, website, rented list, referral..."""

    name = models.CharField(max_length=100, unique=True)
    # How this source's files map onto intake fields ("File Header" -> field), saved so
    # next month's export of the same list imports without --map.
    field_mapping = models.JSONField(default=dict, blank=True)
    # Shared secret of the webhook POST /intake/webhook/<source> (HMAC-SHA256); blank: off.
    webhook_secret = models.CharField(max_length=128, blank=True)

    def __str__(self) -> str:
        return self.name


class Campaign(models.Model):
    name = models.CharField(max_length=200, unique=True)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="campaigns")
    started_on = models.DateField(null=True, blank=True)
    # Spam responses are deleted; only their count is kept (PRODUCT.md §2).
    spam_count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.name


class Activity(models.Model):
    """An interest activity: the only thing that turns a prospect into a lead."""

    person = models.ForeignKey("crm.Person", on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(max_length=32, choices=choices(ActivityKind))
    wish = models.CharField(max_length=16, choices=choices(FollowUpWish))
    occurred_at = models.DateTimeField(db_index=True)
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.PROTECT, related_name="activities"
    )
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.PROTECT, related_name="activities"
    )
    problem_indicators = models.JSONField(default=list, blank=True)
    temperature = models.PositiveSmallIntegerField(choices=choices(Temperature))
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A default, not auto_now_add: history loaded in bulk keeps the time it was recorded.
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "activities"
        ordering = ["-occurred_at"]
        constraints = [
            one_of("kind", ActivityKind, name="activity_kind_valid"),
            one_of("wish", FollowUpWish, name="activity_wish_valid"),
            one_of("temperature", Temperature, name="activity_temperature_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.wish}) on {self.occurred_at:%Y-%m-%d}"
