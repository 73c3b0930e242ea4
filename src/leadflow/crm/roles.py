"""Roles are Django groups named after PRODUCT.md's roles."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, Group, User

from leadflow.domain.people import Role


def ensure_role_groups() -> None:
    for role in Role:
        Group.objects.get_or_create(name=role.value)


def roles_of(user: User | AnonymousUser | None) -> frozenset[Role]:
    if user is None:
        return frozenset()
    if isinstance(user, AnonymousUser):
        return frozenset()
    if user.is_superuser:
        return frozenset(Role)
    names = set(user.groups.values_list("name", flat=True))
    return frozenset(r for r in Role if r.value in names)
