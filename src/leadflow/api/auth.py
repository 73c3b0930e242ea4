"""Two ways in: a personal API token (``Authorization: Bearer lf_…``) for programs, the
browser's session (with its CSRF token on writes) for pages calling the API."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from leadflow.crm.services.tokens import user_for_token


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = user_for_token(token)
        if found is None:
            return None
        user, api_token = found
        # The views, the audit log and the access rules all read request.user.
        request.user = user
        request.api_token = api_token  # type: ignore[attr-defined]
        return user


AUTH = [TokenAuth(), SessionAuth(csrf=True)]
