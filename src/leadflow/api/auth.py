"""Two ways in: a personal API token (``Authorization: Bearer lf_…``) for programs, the
browser's session (with its CSRF token on writes) for pages calling the API.

Each operation gets its own pair, holding the roles its access rule allows: the role is
checked as the caller is recognised, before the request's parameters are read, so a
caller without the role gets 403 whatever they send (never a 422 that would tell them
about the endpoint's fields)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.http import HttpRequest
from ninja.errors import AuthorizationError
from ninja.security import HttpBearer, SessionAuth

from leadflow.crm.roles import roles_of
from leadflow.crm.services.tokens import user_for_token
from leadflow.domain.people import Role


class _RoleCheck:
    allowed: frozenset[Role] = frozenset(Role)
    operation_id: str = ""

    def _admit(self, user: User) -> User:
        if not roles_of(user) & self.allowed:
            needs = " or ".join(sorted(self.allowed))
            raise AuthorizationError(message=f"{self.operation_id} needs the role {needs}")
        return user


class TokenAuth(_RoleCheck, HttpBearer):
    def __init__(self, allowed: frozenset[Role] = frozenset(Role), operation_id: str = "") -> None:
        super().__init__()
        self.allowed, self.operation_id = allowed, operation_id

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = user_for_token(token)
        if found is None:
            return None
        user, api_token = found
        # The views, the audit log and the idempotency check all read request.user.
        request.user = user
        request.api_token = api_token  # type: ignore[attr-defined]
        return self._admit(user)


class SessionAuthWithRoles(_RoleCheck, SessionAuth):
    def __init__(self, allowed: frozenset[Role] = frozenset(Role), operation_id: str = "") -> None:
        super().__init__(csrf=True)
        self.allowed, self.operation_id = allowed, operation_id

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        return None if user is None else self._admit(user)


def auth_for(allowed: frozenset[Role], operation_id: str) -> list[Any]:
    return [TokenAuth(allowed, operation_id), SessionAuthWithRoles(allowed, operation_id)]


AUTH = auth_for(frozenset(Role), "")
