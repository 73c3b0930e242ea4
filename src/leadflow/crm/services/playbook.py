"""The playbook's defaults: stored once, then edited as data."""

from __future__ import annotations

from django.db import transaction

from leadflow.crm.adapters import criterion_value_for_storage
from leadflow.crm.models import (
    Avatar,
    BusinessSettings,
    Criterion,
    NextStepSetting,
    TemperatureTrigger,
)
from leadflow.crm.roles import ensure_role_groups
from leadflow.domain import qualification as q
from leadflow.domain.defaults import default_playbook
from leadflow.domain.temperature import DEFAULT_NEXT_STEPS, DEFAULT_TRIGGERS


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
