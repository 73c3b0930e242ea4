"""Pages of the people side of the API: an opaque cursor, never an OFFSET over a table.

A list ordered by an index is cut by *keyset*: the cursor holds the last row's sort key
and the next page is "after that key", read through the same index, so page 10,000 of a
million people costs what page 1 does. A text search is the one exception: its results
are parts each walked in its own index order (crm/selectors/search.py) and are capped at
SEARCH_CAP, so its cursor is a position below the cap, never a scan of the table.

A cursor also carries a fingerprint of the query it belongs to: sent with other filters
it is refused (422) instead of quietly paging a different list.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from django.db import models
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.errors import ValidationError
from pydantic import ConfigDict

from leadflow.api.schemas import ErrorOut

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
_PAGING_PARAMS = frozenset({"limit", "cursor"})

M = TypeVar("M", bound=models.Model)


class Paging(Schema):
    """Query parameters every list takes. Unknown parameters are refused by `check_params`
    (a misspelt filter must not silently list everyone)."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"at most {MAX_LIMIT}")
    cursor: str | None = Field(
        None, max_length=500, description="the `next_cursor` of the page before"
    )


def check_params(request: HttpRequest, schema: type[Schema]) -> None:
    """A 422 for a query parameter the operation does not know."""
    unknown = sorted(set(request.GET) - set(schema.model_fields))
    if unknown:
        raise ValidationError(
            [
                {"loc": ("query", name), "msg": "unknown field", "type": "extra_forbidden"}
                for name in unknown
            ]
        )


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """The error answers an operation documents besides 401 and 403."""
    return dict.fromkeys((401, 403, *statuses), ErrorOut)


def _fingerprint(request: HttpRequest) -> str:
    query = sorted((k, v) for k, v in request.GET.items() if k not in _PAGING_PARAMS)
    return hashlib.sha256(f"{request.path}?{query}".encode()).hexdigest()[:12]


def _bad_cursor(message: str = "not a cursor this API handed out") -> ValidationError:
    return ValidationError([{"loc": ("query", "cursor"), "msg": message, "type": "value_error"}])


def encode(request: HttpRequest, key: Sequence[Any]) -> str:
    data = {"f": _fingerprint(request), "k": list(key)}
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def decode(request: HttpRequest, cursor: str | None, *, length: int) -> list[Any] | None:
    """The sort key a cursor holds (None: the first page)."""
    if not cursor:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError):
        raise _bad_cursor() from None
    if not isinstance(data, dict) or not isinstance(data.get("k"), list):
        raise _bad_cursor()
    if data.get("f") != _fingerprint(request):
        raise _bad_cursor("this cursor belongs to another query: keep the filters of its page")
    key: list[Any] = data["k"]
    if len(key) != length:
        raise _bad_cursor()
    return key


def next_link(request: HttpRequest, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    params = request.GET.copy()
    params["cursor"] = cursor
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")


def _value(field: object, raw: Any) -> Any:
    if isinstance(field, models.DateTimeField):
        if not isinstance(raw, str):
            raise _bad_cursor()
        try:
            return datetime.fromisoformat(raw)
        except ValueError:
            raise _bad_cursor() from None
    if not isinstance(raw, int) or isinstance(raw, bool) or not 0 <= raw < 2**63:
        raise _bad_cursor()
    return raw


def _key_of(row: models.Model, names: Sequence[str]) -> list[Any]:
    values = [getattr(row, name) for name in names]
    return [v.isoformat() if isinstance(v, datetime) else v for v in values]


def keyset_page(
    request: HttpRequest,
    rows: QuerySet[M],
    *,
    order: Sequence[str],
    limit: int,
    cursor: str | None,
) -> tuple[list[M], str | None]:
    """One page of `rows` in `order` (descending fields, the last one unique, such as
    ("-added_at", "-id")), after the cursor's key, and the cursor of the next page."""
    names = [name.removeprefix("-") for name in order]
    key = decode(request, cursor, length=len(names))
    if key is not None:
        values = [
            _value(rows.model._meta.get_field(n), raw) for n, raw in zip(names, key, strict=True)
        ]
        after = Q(pk__in=[])
        for i, name in enumerate(names):
            lookup = "lt" if order[i].startswith("-") else "gt"
            same = {names[j]: values[j] for j in range(i)}
            after |= Q(**same, **{f"{name}__{lookup}": values[i]})
        rows = rows.filter(after)
    found = list(rows.order_by(*order)[: limit + 1])
    page = found[:limit]
    more = len(found) > limit
    return page, encode(request, _key_of(page[-1], names)) if more else None


def position(request: HttpRequest, cursor: str | None, *, cap: int) -> int:
    """Where a capped list's page starts: a position below `cap`."""
    key = decode(request, cursor, length=1)
    if key is None:
        return 0
    (start,) = key
    if not isinstance(start, int) or isinstance(start, bool) or not 0 < start <= cap:
        raise _bad_cursor()
    return start
