"""``GET /me``: who the API takes the caller to be, and with which roles."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Schema

from leadflow.api.access import EVERYONE, GuardedRouter, api_user
from leadflow.crm.roles import roles_of

router = GuardedRouter(access={"me": EVERYONE}, tags=["me"])


class MeOut(Schema):
    username: str
    name: str
    roles: list[str]
    # "token" or "session"
    via: str
    token_name: str | None = None


@router.get("/me", response=MeOut, operation_id="me", summary="Who am I")
def me(request: HttpRequest) -> MeOut:
    user = api_user(request)
    token = getattr(request, "api_token", None)
    return MeOut(
        username=user.get_username(),
        name=user.get_full_name() or user.get_username(),
        roles=sorted(roles_of(user)),
        via="token" if token else "session",
        token_name=token.name if token else None,
    )
