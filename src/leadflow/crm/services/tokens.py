"""Personal API tokens: made and shown once, kept as a SHA-256, revoked by their owner."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from leadflow.crm.models import ApiToken
from leadflow.crm.services.common import now_or
from leadflow.domain.errors import NotPermitted
from leadflow.domain.normalize import InvalidValue

TOKEN_PREFIX = "lf_"
# Writing last_used_at on every request would make every read a write; a minute is as
# exact as "last used" needs to be.
LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # the only time the plain token exists outside the caller's hands


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


@transaction.atomic
def create_token(*, user: User, name: str, at: datetime | None = None) -> NewToken:
    name = name.strip()
    if not name:
        raise InvalidValue("give the token a name, such as the tool that will use it")
    if len(name) > 100:
        raise InvalidValue("a token's name has at most 100 characters")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[:10],
        digest=digest_of(secret),
        created_at=now_or(at),
    )
    return NewToken(token, secret)


@transaction.atomic
def revoke_token(*, token: ApiToken, by: User, at: datetime | None = None) -> ApiToken:
    if token.user_id != by.pk and not by.is_superuser:
        raise NotPermitted("only the token's owner may revoke it")
    if token.revoked_at is None:
        token.revoked_at = now_or(at)
        token.save(update_fields=["revoked_at"])
    return token


def user_for_token(secret: str) -> tuple[User, ApiToken] | None:
    """The active user a live token belongs to, noting when it was last used."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=digest_of(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token.user, token
