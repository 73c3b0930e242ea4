"""Who may open which intake page: roles are Django groups (crm/roles.py)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

from leadflow.crm.roles import roles_of
from leadflow.domain.people import Role

View = TypeVar("View", bound=Callable[..., HttpResponseBase])

UPLOADERS = frozenset({Role.OWNER, Role.MARKETING})
ENTERERS = frozenset({Role.OWNER, Role.MARKETING, Role.SETTER})
OWNERS = frozenset({Role.OWNER})


def role_required(allowed: frozenset[Role]) -> Callable[[View], View]:
    """Anonymous visitors go to the login page; a signed-in user without one of
    ``allowed`` gets 403, so a setter learns the page exists but is not theirs."""

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not roles_of(request.user) & allowed:
                raise PermissionDenied("this page needs the role " + " or ".join(sorted(allowed)))
            return view(request, *args, **kwargs)

        return cast(View, login_required(guarded))

    return decorate


def signed_in_user(request: HttpRequest) -> User | None:
    """The user to record as the one who imported (None for an anonymous door)."""
    user = request.user
    return user if isinstance(user, User) else None


def client_ip(request: HttpRequest) -> str:
    """The address the rate limits key on.

    With no trusted proxy, REMOTE_ADDR: X-Forwarded-For is whatever the client writes,
    and a limit keyed on it would let a bot pick a new key per post. Behind N proxies
    (LEADFLOW_TRUSTED_PROXIES) each appends the address it saw, so the Nth entry from
    the right is the one the outermost proxy saw; anything left of it is the client's
    say. Fewer entries than proxies means the request bypassed them: REMOTE_ADDR."""
    remote = str(request.META.get("REMOTE_ADDR") or "unknown")
    proxies = int(settings.LEADFLOW_TRUSTED_PROXIES)
    if proxies == 0:
        return remote
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    return hops[-proxies] if len(hops) >= proxies else remote
