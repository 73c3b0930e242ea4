"""The playbook: its defaults, stored once, then edited as data with every change recorded."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction

from leadflow.crm import adapters
from leadflow.crm.adapters import criterion_value_for_storage
from leadflow.crm.models import (
    Avatar,
    BusinessSettings,
    Criterion,
    NextStepSetting,
    TemperatureTrigger,
)
from leadflow.crm.models.history import PlaybookChange
from leadflow.crm.roles import ensure_role_groups
from leadflow.crm.services.common import now_or
from leadflow.domain import qualification as q
from leadflow.domain.calendar import BusinessCalendar
from leadflow.domain.defaults import default_playbook
from leadflow.domain.errors import DomainError, MissingDetail
from leadflow.domain.temperature import (
    DEFAULT_NEXT_STEPS,
    DEFAULT_TRIGGERS,
    ActivityKind,
    FollowUpWish,
    NextStep,
    Temperature,
)


@transaction.atomic
def seed_defaults(playbook: q.Playbook | None = None) -> bool:
    """Store the default rules, avatars, triggers and next steps if none are stored yet.

    Returns True when it wrote anything. Never overwrites what a business has edited.
    """
    ensure_role_groups()
    BusinessSettings.objects.get_or_create(id=1)
    wrote = False
    if not TemperatureTrigger.objects.exists():
        TemperatureTrigger.objects.bulk_create(
            TemperatureTrigger(kind=k.value, wish=w.value, temperature=int(t))
            for (k, w), t in DEFAULT_TRIGGERS.items()
        )
        wrote = True
    if not NextStepSetting.objects.exists():
        NextStepSetting.objects.bulk_create(
            NextStepSetting(
                temperature=int(t),
                action=s.action.value,
                within_business_days=s.within_business_days,
            )
            for t, s in DEFAULT_NEXT_STEPS.items()
        )
        wrote = True
    if not Criterion.objects.exists() and not Avatar.objects.exists():
        store_playbook(playbook or default_playbook())
        wrote = True
    return wrote


def store_playbook(playbook: q.Playbook) -> None:
    Criterion.objects.bulk_create(
        _row(c, position=i, avatar=None) for i, c in enumerate(playbook.rules)
    )
    for priority, avatar in enumerate(playbook.avatars, start=1):
        row = Avatar.objects.create(name=avatar.name, priority=priority * 10)
        Criterion.objects.bulk_create(
            _row(c, position=i, avatar=row) for i, c in enumerate(avatar.criteria)
        )


def _row(c: q.Criterion, *, position: int, avatar: Avatar | None) -> Criterion:
    return Criterion(
        avatar=avatar,
        trait=c.trait.value,
        operator=c.operator.value,
        value=criterion_value_for_storage(c.value),
        position=position,
    )


# ---------------------------------------------------------------------------------------
# Editing the playbook. Every change leaves a PlaybookChange row (who, when, why, what,
# before → after) and re-judges nobody: a lead is judged by the playbook in force when
# it is next judged (it becomes a lead, an import changes it while Raw, or a proposed
# disqualification is rejected).


def _record(
    *,
    by: User,
    area: PlaybookChange.Area,
    action: PlaybookChange.Action,
    subject: str,
    before: dict[str, object] | None,
    after: dict[str, object] | None,
    reason: str,
    at: datetime | None,
) -> PlaybookChange:
    return PlaybookChange.objects.create(
        by=by,
        at=now_or(at),
        area=area,
        action=action,
        subject=subject[:200],
        before=before,
        after=after,
        reason=reason.strip(),
    )


def _changed(
    before: Mapping[str, object], after: Mapping[str, object]
) -> tuple[dict[str, object], dict[str, object]]:
    """Only the values that differ, so the log says what changed and nothing else."""
    keys = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def criterion_owner(avatar: Avatar | None) -> str:
    return f"avatar {avatar.name}" if avatar is not None else "qualification rules"


def _avatar_values(avatar: Avatar) -> dict[str, object]:
    return {f: getattr(avatar, f) for f in ("name", "description", "priority", "active")}


def _check_name(name: str, *, other_than: int | None = None) -> None:
    if not name.strip():
        raise MissingDetail("an avatar needs a name")
    taken = Avatar.objects.filter(name=name.strip())
    if other_than is not None:
        taken = taken.exclude(pk=other_than)
    if taken.exists():
        raise DomainError(f"there is already an avatar named {name.strip()!r}")


@transaction.atomic
def add_avatar(
    *,
    by: User,
    name: str,
    description: str = "",
    priority: int = 100,
    active: bool = True,
    reason: str = "",
    at: datetime | None = None,
) -> Avatar:
    _check_name(name)
    avatar = Avatar.objects.create(
        name=name.strip(), description=description.strip(), priority=priority, active=active
    )
    _record(
        by=by,
        area=PlaybookChange.Area.AVATAR,
        action=PlaybookChange.Action.ADDED,
        subject=f"avatar {avatar.name}",
        before=None,
        after=_avatar_values(avatar),
        reason=reason,
        at=at,
    )
    return avatar


@transaction.atomic
def change_avatar(
    *,
    avatar: Avatar,
    by: User,
    name: str,
    description: str,
    priority: int,
    active: bool,
    reason: str = "",
    at: datetime | None = None,
) -> PlaybookChange | None:
    """Rename, describe, reorder or retire an avatar. Retiring (active=False) is how an
    avatar goes: deleting one would silently untag every sweet-spot lead it matched."""
    _check_name(name, other_than=avatar.pk)
    avatar = Avatar.objects.select_for_update().get(pk=avatar.pk)
    before = _avatar_values(avatar)
    avatar.name, avatar.description = name.strip(), description.strip()
    avatar.priority, avatar.active = priority, active
    old, new = _changed(before, _avatar_values(avatar))
    if not new:
        return None
    avatar.save(update_fields=["name", "description", "priority", "active"])
    return _record(
        by=by,
        area=PlaybookChange.Area.AVATAR,
        action=PlaybookChange.Action.CHANGED,
        subject=f"avatar {before['name']}",
        before=old,
        after=new,
        reason=reason,
        at=at,
    )


@transaction.atomic
def add_criterion(
    *,
    by: User,
    avatar: Avatar | None,
    criterion: q.Criterion,
    reason: str = "",
    at: datetime | None = None,
) -> Criterion:
    """Add a criterion to an avatar, or to the qualification rules when `avatar` is None.
    `criterion` is the domain's value, so an impossible one never gets this far."""
    siblings = Criterion.objects.filter(avatar=avatar)
    last = siblings.order_by("-position").values_list("position", flat=True).first()
    row = _row(criterion, position=0 if last is None else last + 1, avatar=avatar)
    row.save()
    _record(
        by=by,
        area=PlaybookChange.Area.CRITERION,
        action=PlaybookChange.Action.ADDED,
        subject=criterion_owner(avatar),
        before=None,
        after={"criterion": criterion.describe()},
        reason=reason,
        at=at,
    )
    return row


@transaction.atomic
def change_criterion(
    *,
    row: Criterion,
    by: User,
    criterion: q.Criterion,
    reason: str = "",
    at: datetime | None = None,
) -> PlaybookChange | None:
    row = Criterion.objects.select_for_update(of=("self",)).select_related("avatar").get(pk=row.pk)
    before = adapters.criterion(row)
    if before == criterion:
        return None
    row.trait, row.operator = criterion.trait.value, criterion.operator.value
    row.value = criterion_value_for_storage(criterion.value)
    row.save(update_fields=["trait", "operator", "value"])
    return _record(
        by=by,
        area=PlaybookChange.Area.CRITERION,
        action=PlaybookChange.Action.CHANGED,
        subject=criterion_owner(row.avatar),
        before={"criterion": before.describe()},
        after={"criterion": criterion.describe()},
        reason=reason,
        at=at,
    )


@transaction.atomic
def remove_criterion(
    *, row: Criterion, by: User, reason: str = "", at: datetime | None = None
) -> PlaybookChange:
    row = Criterion.objects.select_for_update(of=("self",)).select_related("avatar").get(pk=row.pk)
    described = adapters.criterion(row).describe()
    owner = criterion_owner(row.avatar)
    row.delete()
    return _record(
        by=by,
        area=PlaybookChange.Area.CRITERION,
        action=PlaybookChange.Action.REMOVED,
        subject=owner,
        before={"criterion": described},
        after=None,
        reason=reason,
        at=at,
    )


def trigger_key(kind: ActivityKind, wish: FollowUpWish) -> str:
    return f"{kind.value.replace('_', ' ')}, wish {wish.value}"


@transaction.atomic
def set_triggers(
    *,
    by: User,
    triggers: Mapping[tuple[ActivityKind, FollowUpWish], Temperature],
    reason: str = "",
    at: datetime | None = None,
) -> PlaybookChange | None:
    """Which temperature each (activity, follow-up wish) gives; pairs not given keep
    theirs. Applies to temperatures read from now on."""
    current = adapters.triggers()
    changed = {key: t for key, t in triggers.items() if current.get(key) != t}
    if not changed:
        return None
    for (kind, wish), temperature in changed.items():
        TemperatureTrigger.objects.update_or_create(
            kind=kind.value, wish=wish.value, defaults={"temperature": int(temperature)}
        )
    return _record(
        by=by,
        area=PlaybookChange.Area.TRIGGER,
        action=PlaybookChange.Action.CHANGED,
        subject="temperature triggers",
        before={trigger_key(*key): current[key].label for key in changed},
        after={trigger_key(*key): t.label for key, t in changed.items()},
        reason=reason,
        at=at,
    )


@transaction.atomic
def set_next_steps(
    *,
    by: User,
    steps: Mapping[Temperature, NextStep],
    reason: str = "",
    at: datetime | None = None,
) -> PlaybookChange | None:
    """The next step each temperature calls for. Applies to follow-ups scheduled from now
    on; open tasks keep the due date they were given."""
    current = adapters.next_steps()
    changed = {t: step for t, step in steps.items() if current.get(t) != step}
    if not changed:
        return None
    for temperature, step in changed.items():
        NextStepSetting.objects.update_or_create(
            temperature=int(temperature),
            defaults={
                "action": step.action.value,
                "within_business_days": step.within_business_days,
            },
        )
    return _record(
        by=by,
        area=PlaybookChange.Area.NEXT_STEP,
        action=PlaybookChange.Action.CHANGED,
        subject="next steps",
        before={t.label: current[t].describe() for t in changed},
        after={t.label: step.describe() for t, step in changed.items()},
        reason=reason,
        at=at,
    )


RAW_AGE_LABEL = "raw-age alert (business days)"
SHOW_RATE_LABEL = "show-rate flag below"


@transaction.atomic
def set_thresholds(
    *,
    by: User,
    raw_age_alert_business_days: int,
    show_rate_threshold: Decimal,
    reason: str = "",
    at: datetime | None = None,
) -> PlaybookChange | None:
    """The raw-age alert and the show-rate flag. Both are read when a page asks, so they
    apply at once to the dashboard, the raw review queue and the setters' show rates."""
    if raw_age_alert_business_days < 0:
        raise MissingDetail("the raw-age alert cannot be a negative number of business days")
    if not Decimal(0) <= show_rate_threshold <= Decimal(1):
        raise MissingDetail("the show-rate threshold is a share between 0% and 100%")
    settings, _ = BusinessSettings.objects.select_for_update().get_or_create(id=1)

    def values() -> dict[str, object]:
        share = Decimal(str(settings.show_rate_threshold))
        return {
            RAW_AGE_LABEL: settings.raw_age_alert_business_days,
            SHOW_RATE_LABEL: f"{share:.0%}",
        }

    before = values()
    settings.raw_age_alert_business_days = raw_age_alert_business_days
    settings.show_rate_threshold = show_rate_threshold
    old, new = _changed(before, values())
    if not new:
        return None
    settings.save(update_fields=["raw_age_alert_business_days", "show_rate_threshold"])
    return _record(
        by=by,
        area=PlaybookChange.Area.THRESHOLD,
        action=PlaybookChange.Action.CHANGED,
        subject="thresholds",
        before=old,
        after=new,
        reason=reason,
        at=at,
    )


@transaction.atomic
def set_calendar(
    *, by: User, country: str, subdivision: str, reason: str = "", at: datetime | None = None
) -> PlaybookChange | None:
    """The business-day calendar due dates and the raw-age alert count in. Due dates
    already given stay; the raw-age alert counts by the new calendar at once."""
    country, subdivision = country.strip().upper(), subdivision.strip().upper()
    try:
        BusinessCalendar(country=country, subdivision=subdivision or None)
    except ValueError as error:
        raise MissingDetail(str(error)) from error
    settings, _ = BusinessSettings.objects.select_for_update().get_or_create(id=1)
    before = {"country": settings.country, "subdivision": settings.subdivision}
    old, new = _changed(before, {"country": country, "subdivision": subdivision})
    if not new:
        return None
    settings.country, settings.subdivision = country, subdivision
    settings.save(update_fields=["country", "subdivision"])
    return _record(
        by=by,
        area=PlaybookChange.Area.CALENDAR,
        action=PlaybookChange.Action.CHANGED,
        subject="business-day calendar",
        before=old,
        after=new,
        reason=reason,
        at=at,
    )
