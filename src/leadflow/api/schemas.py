"""What every request and answer schema shares."""

from __future__ import annotations

from ninja import Schema
from pydantic import ConfigDict

# The database's largest id: a larger number in a path or a body would overflow the
# query instead of missing, so it is refused (404 or 422) before any query.
MAX_ID = 2**63 - 1


class Input(Schema):
    """A request body: a field the API does not know is an error, not silently dropped
    (a typo such as "emial" would otherwise create a person without an email)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ErrorOut(Schema):
    code: str
    message: str
    errors: list[dict[str, str]] | None = None
