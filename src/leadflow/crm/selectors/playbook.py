"""Reads for the playbook settings page: the stored playbook as the domain sees it, and
the change log. A handful of queries whatever the size of the playbook."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import QuerySet

from leadflow.crm import adapters
from leadflow.crm.models import Avatar, BusinessSettings, Criterion
from leadflow.crm.models.history import PlaybookChange
from leadflow.domain import qualification as q
from leadflow.domain.profile import Authority, Trait
from leadflow.domain.temperature import ActivityKind, FollowUpWish, NextStep, Temperature


@dataclass(frozen=True)
class CriterionLine:
    id: int
    text: str  # "employee_count at least 10", the domain's own words
    hard: bool  # may disqualify without a conversation
    trait: str
    operator: str
    value: str  # as typed in the form: "legal, accounting" or "10" or "manager"


@dataclass(frozen=True)
class AvatarCard:
    avatar: Avatar
    criteria: tuple[CriterionLine, ...]


@dataclass(frozen=True)
class TriggerRow:
    kind: ActivityKind
    temperatures: tuple[tuple[FollowUpWish, Temperature], ...]


@dataclass(frozen=True)
class PlaybookView:
    rules: tuple[CriterionLine, ...]
    avatars: tuple[AvatarCard, ...]
    triggers: tuple[TriggerRow, ...]
    next_steps: tuple[tuple[Temperature, NextStep], ...]
    settings: BusinessSettings

    @property
    def show_rate_percent(self) -> int:
        return int(Decimal(str(self.settings.show_rate_threshold)) * 100)


def criterion_line(row: Criterion) -> CriterionLine:
    criterion = adapters.criterion(row)
    return CriterionLine(
        id=row.pk,
        text=criterion.describe(),
        hard=criterion.hard,
        trait=criterion.trait.value,
        operator=criterion.operator.value,
        value=value_text(criterion),
    )


def value_text(criterion: q.Criterion) -> str:
    """The criterion's value as the editor shows and reads it back."""
    value = criterion.value
    if isinstance(value, frozenset):
        return ", ".join(sorted(value))
    if criterion.trait is Trait.AUTHORITY and value in set(Authority):
        return Authority(int(value)).label
    return str(value)


def playbook_view() -> PlaybookView:
    rows = list(Criterion.objects.order_by("position", "id"))
    avatars = list(Avatar.objects.order_by("priority", "id"))
    triggers = adapters.triggers()
    steps = adapters.next_steps()
    return PlaybookView(
        rules=tuple(criterion_line(r) for r in rows if r.avatar_id is None),
        avatars=tuple(
            AvatarCard(a, tuple(criterion_line(r) for r in rows if r.avatar_id == a.pk))
            for a in avatars
        ),
        triggers=tuple(
            TriggerRow(kind, tuple((wish, triggers[(kind, wish)]) for wish in FollowUpWish))
            for kind in ActivityKind
        ),
        next_steps=tuple((t, steps[t]) for t in Temperature),
        settings=adapters.business_settings(),
    )


@dataclass(frozen=True)
class ChangeLine:
    """One change as the log shows it: each value that changed, before → after."""

    at: datetime
    by: str
    area: str
    action: str
    subject: str
    values: tuple[tuple[str, str, str], ...]  # (what, before, after); "" for none
    reason: str


def change_log() -> QuerySet[PlaybookChange]:
    """Newest first, with who made each change (one query per page of the log)."""
    return PlaybookChange.objects.select_related("by").order_by("-at", "-id")


def change_line(change: PlaybookChange) -> ChangeLine:
    before, after = change.before or {}, change.after or {}
    keys = list(dict.fromkeys([*before, *after]))
    user = change.by
    return ChangeLine(
        at=change.at,
        by=(user.get_full_name() or user.get_username()) if user else "",
        area=change.get_area_display(),
        action=change.action,
        subject=change.subject,
        values=tuple((k, _shown(before.get(k)), _shown(after.get(k))) for k in keys),
        reason=change.reason,
    )


def _shown(value: object) -> str:
    if value is None or value == "":
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def avatar_by_id(avatar_id: int) -> Avatar | None:
    return Avatar.objects.filter(pk=avatar_id).first()


def criterion_by_id(criterion_id: int) -> Criterion | None:
    return Criterion.objects.select_related("avatar").filter(pk=criterion_id).first()
