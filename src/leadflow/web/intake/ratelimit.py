"""Rate limits of the public intake doors (the web form and the webhook).

Each door counts requests in fixed windows twice: per client IP, so one bot cannot
hammer a door, and per source, so many addresses together cannot flood one source's
campaign either. The limits are settings (``LEADFLOW_RATE_LIMITS``, from the
environment: conf.py), because a busy site's form needs more than a quiet one's.

The counters live in Django's cache: cheap, shared by every worker when the cache is
shared (a per-process cache gives each worker its own budget, which still stops a
flood). Keys hold a hash of the IP or source name, so a name with spaces or a very long
one is still a valid cache key.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.core.cache import cache

Door = Literal["form", "webhook"]
Scope = Literal["ip", "source"]


@dataclass(frozen=True)
class Limits:
    per_ip: int
    per_source: int
    window: int  # seconds


@dataclass(frozen=True)
class Refusal:
    """A request over a limit: which one, and when the window opens again."""

    scope: Scope
    retry_after: int  # whole seconds, at least 1


def limits(door: Door) -> Limits:
    configured = settings.LEADFLOW_RATE_LIMITS[door]
    return Limits(
        per_ip=int(configured["per_ip"]),
        per_source=int(configured["per_source"]),
        window=int(configured["window"]),
    )


def count(door: Door, scope: Scope, who: str) -> Refusal | None:
    """Count one request by ``who`` (an IP or a source name) at ``door``; a Refusal once
    the window's allowance is used up."""
    window = limits(door)
    allowed = window.per_ip if scope == "ip" else window.per_source
    digest = hashlib.sha256(who.encode("utf-8", "replace")).hexdigest()[:32]
    key = f"leadflow:rate:{door}:{scope}:{digest}"
    now = time.time()
    # A window opens with the first request and closes `window` seconds later, when the
    # counter expires; its opening time is kept beside it for the Retry-After.
    if cache.add(key, 0, timeout=window.window):
        cache.set(f"{key}:opened", now, timeout=window.window)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr: this request opens a new window
        cache.set(key, 1, timeout=window.window)
        cache.set(f"{key}:opened", now, timeout=window.window)
        used = 1
    if used <= allowed:
        return None
    opened = float(cache.get(f"{key}:opened", now))
    return Refusal(scope, retry_after=max(1, math.ceil(opened + window.window - now)))
