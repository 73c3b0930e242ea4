"""``/avoid``: the Avoid list through the API, with the Avoid page's roles and rules.

Owners and admins list and add; only an admin lifts (web/control/avoid.py). The page's
form checks and normalizes what an entry matches (an email, a phone, a company domain,
as intake will compare them); crm/services/avoid.py keeps who, when and why.
"""

# No `from __future__ import annotations`: ninja reads the views' annotations through
# GuardedRouter's wrapper, whose globals are access.py's, so they must not be strings.

from typing import Any

from django.http import HttpRequest
from ninja import Query, Schema, Status

from leadflow.api.access import GuardedRouter, api_user
from leadflow.api.errors import ApiError
from leadflow.api.form_errors import raise_for
from leadflow.api.people_in import AvoidIn, AvoidQuery, LiftIn
from leadflow.api.people_out import load_person
from leadflow.api.people_paging import check_params, errors, keyset_page, next_link
from leadflow.api.people_records import AvoidEntryOut, avoid_entry_out
from leadflow.api.schemas import MAX_ID
from leadflow.crm.models import AvoidEntry
from leadflow.crm.selectors import avoid as avoid_selectors
from leadflow.crm.services.avoid import lift_avoid
from leadflow.domain.people import Role
from leadflow.web.control.avoid import AVOID_KEEPERS, LIFTERS
from leadflow.web.control.avoid_forms import AvoidAddForm, AvoidLiftForm

ACCESS: dict[str, frozenset[Role]] = {
    "avoid_list": AVOID_KEEPERS,
    "avoid_add": AVOID_KEEPERS,
    "avoid_lift": LIFTERS,
}

router = GuardedRouter(access=ACCESS, tags=["avoid"])


class AvoidPage(Schema):
    items: list[AvoidEntryOut]
    next_cursor: str | None
    next: str | None


class LiftOut(Schema):
    entry: AvoidEntryOut
    person_type: str | None


def _entry(entry_id: int) -> AvoidEntry:
    found = avoid_selectors.entry_for_lift(entry_id) if 1 <= entry_id <= MAX_ID else None
    if found is None:
        raise ApiError(404, "not_found", "no such Avoid entry")
    return found


@router.get(
    "/avoid",
    response={200: AvoidPage, **errors(422)},
    operation_id="avoid_list",
    summary="Avoid entries, newest first, searched like the Avoid page",
)
def avoid_list(request: HttpRequest, query: Query[AvoidQuery]) -> dict[str, Any]:
    check_params(request, AvoidQuery)
    entries = avoid_selectors.avoid_entries(query.q, state=query.state)
    page, cursor = keyset_page(
        request, entries, order=("-added_at", "-id"), limit=query.limit, cursor=query.cursor
    )
    return {
        "items": [avoid_entry_out(e) for e in page],
        "next_cursor": cursor,
        "next": next_link(request, cursor),
    }


@router.post(
    "/avoid",
    response={201: AvoidEntryOut, **errors(404, 409, 422)},
    operation_id="avoid_add",
    summary="Put a person, or an email, phone or company domain, on the Avoid list",
)
def avoid_add(request: HttpRequest, payload: AvoidIn) -> Status[dict[str, Any]]:
    """A person's open opportunity is lost (disposition avoid) and their open tasks end;
    a bare entry blocks any later import or form that matches it."""
    form = raise_for(
        AvoidAddForm(
            {
                "person": payload.person_id or "",
                "email": payload.email,
                "phone": payload.phone,
                "domain": payload.company_domain,
                "reason": payload.reason,
            }
        ),
        where="body",
        names={"person": "person_id", "domain": "company_domain"},
    )
    person_id = form.cleaned_data["person"]
    person = load_person(person_id) if person_id else None
    entry = form.add(person=person, by=api_user(request))
    return Status(201, avoid_entry_out(_entry(entry.pk)))


@router.post(
    "/avoid/{entry_id}/lift",
    response={200: LiftOut, **errors(404, 409, 422)},
    operation_id="avoid_lift",
    summary="Take an entry off the Avoid list (admin only, with a reason)",
)
def avoid_lift(request: HttpRequest, entry_id: int, payload: LiftIn) -> dict[str, Any]:
    """The person returns to the type they had before (a prospect when unknown)."""
    entry = _entry(entry_id)
    form = raise_for(AvoidLiftForm({"reason": payload.reason}), where="body")
    person = lift_avoid(entry=entry, by=api_user(request), reason=form.cleaned_data["reason"])
    return {
        "entry": avoid_entry_out(_entry(entry_id)),
        "person_type": person.person_type if person else None,
    }
