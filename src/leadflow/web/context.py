"""Template context every page gets: the signed-in user's roles, for the navigation."""

from __future__ import annotations

from django.http import HttpRequest

from leadflow.crm.roles import roles_of


def roles(request: HttpRequest) -> dict[str, frozenset[str]]:
    """`roles` as plain strings ("owner", "setter"...), so a template can ask
    `{% if "setter" in roles %}`; pages still check their own access."""
    return {"roles": frozenset(role.value for role in roles_of(request.user))}
