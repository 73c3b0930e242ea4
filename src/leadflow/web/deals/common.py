"""What the deals pages share: who may open them, whose deals a user sees, htmx."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.http import HttpRequest

from leadflow.crm.roles import roles_of
from leadflow.crm.selectors.appointments import staff_with_role
from leadflow.crm.selectors.people import who
from leadflow.domain.people import Role

BOOKERS = frozenset({Role.OWNER, Role.SETTER})
SELLERS = frozenset({Role.OWNER, Role.REP})


def is_owner(request: HttpRequest) -> bool:
    # Asked several times per request (scope, filter, links): one groups query is enough.
    cached: bool | None = getattr(request, "_leadflow_is_owner", None)
    if cached is None:
        cached = Role.OWNER in roles_of(request.user)
        setattr(request, "_leadflow_is_owner", cached)  # noqa: B010
    return cached


def own_scope(request: HttpRequest) -> int | None:
    """Whose deals the user may see and change: an owner everyone's (None), a rep their own."""
    return None if is_owner(request) else request.user.pk


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


class RepFilter(forms.Form):
    """An owner's "whose deals" filter; an unknown rep is reported and ignored."""

    rep = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, empty_label="every rep", label="Rep"
    )

    def __init__(self, data: Mapping[str, Any] | None) -> None:
        super().__init__(data)
        field = self.fields["rep"]
        field.queryset = staff_with_role(Role.REP)  # type: ignore[attr-defined]
        field.label_from_instance = who  # type: ignore[attr-defined]

    def rep_id(self) -> int | None:
        if not self.is_valid() or self.cleaned_data["rep"] is None:
            return None
        return int(self.cleaned_data["rep"].pk)


def view_scope(request: HttpRequest) -> tuple[int | None, RepFilter | None]:
    """The rep whose deals a page shows, and the owner's filter form (None for a rep)."""
    if not is_owner(request):
        return request.user.pk, None
    picked = RepFilter(request.GET if "rep" in request.GET else None)
    return picked.rep_id(), picked
