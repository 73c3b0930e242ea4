"""The API's exports endpoints."""

from __future__ import annotations

from leadflow.api.access import GuardedRouter
from leadflow.domain.people import Role

ACCESS: dict[str, frozenset[Role]] = {}

router = GuardedRouter(access=ACCESS, tags=["exports"])
