"""Saving a segment: the rules are checked by SegmentRules before anything is stored."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction

from leadflow.crm.models import Segment
from leadflow.crm.models.segments import SegmentRules
from leadflow.crm.services.common import now_or
from leadflow.domain.errors import DomainError


@transaction.atomic
def save_segment(
    *,
    name: str,
    rules: SegmentRules,
    by: User | None,
    description: str = "",
    segment: Segment | None = None,
    at: datetime | None = None,
) -> Segment:
    """Create a segment, or change `segment`; names are unique (case-insensitively)."""
    at = now_or(at)
    name = " ".join(name.split())
    if not name:
        raise DomainError("a segment needs a name")
    clash = Segment.objects.filter(name__iexact=name)
    if segment is not None:
        clash = clash.exclude(pk=segment.pk)
    if clash.exists():
        raise DomainError(f'there is already a segment named "{name}"')
    if segment is None:
        segment = Segment(created_at=at)
    segment.name = name
    segment.description = description.strip()
    segment.rules = rules.as_json()
    segment.updated_at = at
    segment.updated_by = by
    segment.save()
    return segment
