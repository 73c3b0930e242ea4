"""``/api/v1``: the NinjaAPI, its routers, its docs (served from django-ninja's own static
files, never a CDN) and its access table."""

from __future__ import annotations

from ninja import NinjaAPI
from ninja.throttling import AuthRateThrottle

from leadflow.api import deals, errors, exports, me, people, reports
from leadflow.api.access import GuardedRouter
from leadflow.api.auth import AUTH
from leadflow.domain.people import Role

DESCRIPTION = """
leadflow's JSON API: people and their qualification, consent and Avoid entries;
opportunities, appointments and stage moves; list exports; the numbers.

**Authentication**: `Authorization: Bearer <token>` with a personal API token (made on the
Tokens page, shown once), or the browser's session with its CSRF token. A token acts with
its owner's roles.

**Errors** are always `{"code", "message", "errors"?}`: 401 unauthenticated, 403
forbidden, 404 not_found, 409 conflict / illegal_transition / on_avoid_list, 413
payload_too_large, 422 invalid (with `errors`: field, message), 429 rate_limited.

**Retries**: send `Idempotency-Key: <any unique string>` with a POST; a retry with the same
key and body gets the first answer (header `Idempotent-Replayed: true`) and changes
nothing.
"""

ROUTERS: list[tuple[str, GuardedRouter]] = [
    ("", me.router),
    ("", people.router),
    ("", deals.router),
    ("", exports.router),
    ("", reports.router),
]

api = NinjaAPI(
    title="leadflow",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    auth=AUTH,
    # Per caller (token or user): a runaway script slows down, the team does not.
    throttle=[AuthRateThrottle("3000/m")],
)
errors.install(api)
for prefix, router in ROUTERS:
    api.add_router(prefix, router)


def access_table() -> dict[str, frozenset[Role]]:
    """Every operation's roles: the one table the access matrix test is built from."""
    table: dict[str, frozenset[Role]] = {}
    for _, router in ROUTERS:
        table |= router.access
    return table


def operation_ids() -> set[str]:
    """Every operation the OpenAPI document declares."""
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    return {
        operation["operationId"]
        for methods in schema["paths"].values()
        for operation in methods.values()
    }
