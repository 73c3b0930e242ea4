from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User
from django.utils import timezone

from leadflow.crm.models import Person, TypeChangeRecord
from leadflow.domain.people import TypeChange


def now_or(at: datetime | None) -> datetime:
    return at or timezone.now()


def record_type_change(
    person: Person, change: TypeChange, *, by: User | None, at: datetime
) -> TypeChangeRecord | None:
    """Apply a domain TypeChange to the row and keep its history; no row if nothing changed."""
    if not change.changed:
        return None
    person.person_type = change.after.value
    return TypeChangeRecord.objects.create(
        person=person,
        before=change.before.value,
        after=change.after.value,
        event=change.event.value,
        reason=change.reason,
        by=by,
        at=at,
    )
