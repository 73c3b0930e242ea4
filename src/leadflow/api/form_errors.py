"""The pages' forms as the API's rule book: where a page checks a value (a date not in the
past, a setter who holds the setter role, a goal above zero), the API asks the same form
rather than restating the rule, and turns its errors into a 422 with the fields at fault."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from ninja.errors import ValidationError

from leadflow.api.schemas import ErrorOut

F = TypeVar("F", bound=forms.Form)


def raise_for(form: F, *, where: str, names: Mapping[str, str] | None = None) -> F:
    """The form when it is valid; otherwise a 422 (``invalid``) naming each field as the
    caller sent it (`names` maps a form field to the API's name for it)."""
    if form.is_valid():
        return form
    names = names or {}
    errors: list[dict[str, Any]] = []
    for field, messages in form.errors.items():
        loc = (where,) if field == NON_FIELD_ERRORS else (where, names.get(field, field))
        errors.extend({"loc": loc, "msg": str(message), "type": "form"} for message in messages)
    raise ValidationError(errors)


def invalid(where: str, field: str, message: str) -> ValidationError:
    """One field's error, as a 422 like pydantic's."""
    return ValidationError([{"loc": (where, field), "msg": message, "type": "value_error"}])


def failures(*statuses: int) -> dict[int, type[ErrorOut]]:
    """The error answers an operation documents besides 401 and 403 (every operation
    has those: authentication and its access rule)."""
    return dict.fromkeys((401, 403, *statuses), ErrorOut)
