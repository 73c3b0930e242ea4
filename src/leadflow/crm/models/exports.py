"""What was exported to whom: one row per list export (issue 6).

The people on the list are kept as a compressed id list, not a through table: a
1M-person export would otherwise write 1M rows (seconds, and gigabytes a year for weekly
lists), while the question it answers — "was this person on the list we sent on DATE?" —
reads the few records of that day anyway. The ids are sorted, delta-encoded and stored
as a zstd-compressed Arrow IPC stream (about 1 byte a person); `leadflow.exports.history`
reads them back.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from leadflow.crm.models.choices import choices, one_of
from leadflow.domain.channels import Channel


class ExportRecord(models.Model):
    channel = models.CharField(max_length=32, choices=choices(Channel))
    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # "cli" or "web": a CLI export has no signed-in user.
    via = models.CharField(max_length=16, default="cli")
    exported_at = models.DateTimeField(db_index=True)
    # Campaign, segment and any other restriction, as given: {"campaign": "...", ...}.
    filters = models.JSONField(default=dict, blank=True)
    considered_count = models.PositiveIntegerField()
    included_count = models.PositiveIntegerField()
    excluded_count = models.PositiveIntegerField()
    excluded_by_reason = models.JSONField(default=dict, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    file_sha256 = models.CharField(max_length=64)
    person_ids = models.BinaryField()

    class Meta:
        constraints = [
            one_of("channel", Channel, name="export_record_channel_valid"),
            models.CheckConstraint(
                condition=models.Q(
                    considered_count=models.F("included_count") + models.F("excluded_count")
                ),
                name="export_record_counts_add_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} export of {self.exported_at:%Y-%m-%d %H:%M} ({self.included_count})"

    @property
    def file_format(self) -> str:
        """The list's file type, "csv" or "xlsx" (an unnamed CLI list was hashed as CSV)."""
        return "xlsx" if self.file_name.lower().endswith(".xlsx") else "csv"
