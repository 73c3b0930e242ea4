"""Roles are Django groups named after PRODUCT.md's roles."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group

from leadflow.domain.people import Role


def ensure_role_groups() -> None:
    for role in Role:
        Group.objects.get_or_create(name=role.value)


def roles_of(user: AbstractBaseUser | AnonymousUser | None) -> frozenset[Role]:
    if user is None or not user.is_authenticated:
        return frozenset()
    if getattr(user, "is_superuser", False):
        return frozenset(Role)
    names = set(user.groups.values_list("name", flat=True))  # type: ignore[union-attr]
    return frozenset(r for r in Role if r.value in names)
