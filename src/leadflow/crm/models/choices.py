"""Django choices and CHECK constraints built from the domain's enums (one source of truth)."""

from __future__ import annotations

from enum import Enum

from django.db.models import CheckConstraint, Q


def choices(enum: type[Enum]) -> list[tuple[str | int, str]]:
    """Value and label; an enum member's own `label` wins over one made from its name."""
    return [(m.value, label_of(m)) for m in enum]


def label_of(member: Enum) -> str:
    """The label people see for an enum value, the same on every page and in the admin."""
    label = getattr(member, "label", None)
    text = str(label) if isinstance(label, str) else member.name.replace("_", " ").lower()
    return text[:1].upper() + text[1:]


def one_of(field: str, enum: type[Enum], *, name: str, nullable: bool = False) -> CheckConstraint:
    """A database CHECK that the column holds one of the enum's values."""
    condition = Q(**{f"{field}__in": [m.value for m in enum]})
    if nullable:
        condition |= Q(**{f"{field}__isnull": True})
    return CheckConstraint(condition=condition, name=name)
