"""Who may call which operation: every router carries a table of operation id → roles,
and no operation can be declared without a row in it (fail closed, at import).

`leadflow.api.v1.access_table()` joins the routers' tables into the one table the role x
endpoint matrix test is generated from.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from ninja import Router
from ninja.errors import AuthorizationError

from leadflow.api.auth import auth_for
from leadflow.domain.people import Role

EVERYONE = frozenset(Role)
OWNER = frozenset({Role.OWNER})
ADMIN = frozenset({Role.ADMIN})
OWNER_OR_ADMIN = frozenset({Role.OWNER, Role.ADMIN})
MARKETERS = frozenset({Role.OWNER, Role.MARKETING})
SELLERS = frozenset({Role.OWNER, Role.SETTER, Role.REP})
PIPELINE = frozenset({Role.OWNER, Role.SETTER, Role.REP, Role.ADMIN})


class GuardedRouter(Router):
    """A Router whose every operation names its `operation_id` and has a rule in
    `access`; only a caller holding one of the rule's roles gets past authentication."""

    def __init__(self, *, access: Mapping[str, frozenset[Role]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.access = dict(access)

    def add_api_operation(
        self, path: str, methods: list[str], view_func: Callable[..., Any], **kwargs: Any
    ) -> None:
        operation_id = kwargs.get("operation_id")
        if not operation_id:
            raise ImproperlyConfigured(f"{view_func.__qualname__}: give it an operation_id")
        if operation_id not in self.access:
            raise ImproperlyConfigured(f"{operation_id}: no access rule; add it to the table")
        kwargs["auth"] = auth_for(self.access[operation_id], operation_id)
        super().add_api_operation(path, methods, view_func, **kwargs)


def api_user(request: HttpRequest) -> User:
    """The signed-in caller (every operation is behind authentication and a rule)."""
    user = request.user
    if not isinstance(user, User):
        raise AuthorizationError(message="sign in first")
    return user
