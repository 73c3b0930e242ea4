"""The API's people endpoints: search, a person with their reasons, their activities;
and, from the people_* modules, intake, qualification, consent and the Avoid list.

Thin adapters, as the pages are (web/views.py, web/consent.py, web/queues/,
web/control/avoid.py): search is crm/selectors/search.py, a person is the person page's
selector (the stored judgment, the one eligibility function per channel, the timeline),
writes are the services. Each operation has the role of its page.

Lists page with an opaque cursor (people_paging.py): the people list without text by
keyset on the id, newest first; a text search, capped at SEARCH_CAP like the page, by
position within the cap. Neither ever scans a million people to skip them.
"""

# No `from __future__ import annotations`: ninja reads the views' annotations through
# GuardedRouter's wrapper, whose globals are access.py's, so they must not be strings.

from typing import Any

from django.http import HttpRequest
from ninja import Query, Schema, Status

from leadflow.api import people_avoid, people_intake, people_review
from leadflow.api.access import EVERYONE, GuardedRouter, api_user
from leadflow.api.errors import ApiError
from leadflow.api.form_errors import invalid
from leadflow.api.people_in import ActivityIn, PeopleQuery
from leadflow.api.people_out import (
    PersonDetailOut,
    PersonOut,
    PersonSummary,
    load_person,
    person_detail_out,
    person_out,
    person_summary,
)
from leadflow.api.people_paging import (
    Paging,
    check_params,
    encode,
    errors,
    keyset_page,
    next_link,
    position,
)
from leadflow.api.people_records import ActivityOut, activity_out
from leadflow.crm.models import Activity, Campaign, Person
from leadflow.crm.selectors import people as people_selectors
from leadflow.crm.selectors import search
from leadflow.crm.services.people import record_interest_activity
from leadflow.domain.people import Role
from leadflow.web.access import ENTERERS

_OWN: dict[str, frozenset[Role]] = {
    # The people list and the person page are open to every signed-in role.
    "people_search": EVERYONE,
    "people_get": EVERYONE,
    "activities_list": EVERYONE,
    # Recording what someone did is manual entry's work: owner, marketing, setter.
    "activities_create": ENTERERS,
}
ACCESS: dict[str, frozenset[Role]] = {
    **_OWN,
    **people_intake.ACCESS,
    **people_review.ACCESS,
    **people_avoid.ACCESS,
}

# Tags by operation: a router's own tags would also tag the routers added to it.
router = GuardedRouter(access=ACCESS)
people_intake.register(router)
router.add_router("", people_review.router)
router.add_router("", people_avoid.router)


class PeoplePage(Schema):
    items: list[PersonSummary]
    next_cursor: str | None
    next: str | None
    capped: bool = False


class ActivityPage(Schema):
    items: list[ActivityOut]
    next_cursor: str | None
    next: str | None


class ActivityCreated(Schema):
    activity: ActivityOut
    person: PersonOut


@router.get(
    "/people",
    response={200: PeoplePage, **errors(422)},
    operation_id="people_search",
    tags=["people"],
    summary="Search and filter people",
)
def people_search(request: HttpRequest, query: Query[PeopleQuery]) -> dict[str, Any]:
    """`q` is the start of a name, an email, a phone number or a company name, as on the
    people page; without it, the filters list people newest first. A text search finds
    at most 1,000 people (`capped: true` when there are more): narrow it with filters."""
    check_params(request, PeopleQuery)
    filters = query.filters()
    if filters.q.strip():
        results = search.search_people(filters)
        start = position(request, query.cursor, cap=search.SEARCH_CAP)
        people: list[Person] = results[start : start + query.limit]
        end = start + len(people)
        cursor = encode(request, [end]) if end < results.count() else None
        capped = results.capped
    else:
        # Only the filters: their queryset keyset-paged newest first, where the page
        # would count and OFFSET (search_people orders the same rows by -id).
        rows = search._filtered(filters, None)
        people, cursor = keyset_page(
            request, rows, order=("-id",), limit=query.limit, cursor=query.cursor
        )
        capped = False
    return {
        "items": [person_summary(p) for p in people],
        "next_cursor": cursor,
        "next": next_link(request, cursor),
        "capped": capped,
    }


@router.get(
    "/people/{person_id}",
    response={200: PersonDetailOut, **errors(404)},
    operation_id="people_get",
    tags=["people"],
    summary="A person with the reasons for their status, their channels and timeline",
)
def people_get(request: HttpRequest, person_id: int) -> dict[str, Any]:
    """What the person page shows: the stored qualification with the rules and avatars
    that decided it, every channel with why not when it is not allowed (the one
    eligibility function), open proposals and tasks, and the timeline, newest first."""
    load_person(person_id)  # a 404 for an id out of range too
    detail = people_selectors.person_detail(person_id)
    if detail is None:
        raise ApiError(404, "not_found", "no such person")
    return person_detail_out(detail)


@router.get(
    "/people/{person_id}/activities",
    response={200: ActivityPage, **errors(404, 422)},
    operation_id="activities_list",
    tags=["people"],
    summary="What a person did, newest first",
)
def activities_list(request: HttpRequest, person_id: int, query: Query[Paging]) -> dict[str, Any]:
    check_params(request, Paging)
    person = load_person(person_id)
    rows = Activity.objects.filter(person=person).select_related(
        "campaign", "source", "recorded_by"
    )
    page, cursor = keyset_page(
        request, rows, order=("-occurred_at", "-id"), limit=query.limit, cursor=query.cursor
    )
    return {
        "items": [activity_out(a) for a in page],
        "next_cursor": cursor,
        "next": next_link(request, cursor),
    }


@router.post(
    "/people/{person_id}/activities",
    response={201: ActivityCreated, **errors(404, 409, 422)},
    operation_id="activities_create",
    tags=["people"],
    summary="Record what a person did (a prospect's first makes them a lead)",
)
def activities_create(
    request: HttpRequest, person_id: int, payload: ActivityIn
) -> Status[dict[str, Any]]:
    """Temperature is read again from every activity, and its next step scheduled. An
    Avoid person's interest is never recorded (409 ``on_avoid_list``)."""
    person = load_person(person_id)
    campaign = None
    if payload.campaign_id is not None:
        campaign = Campaign.objects.select_related("source").filter(pk=payload.campaign_id).first()
        if campaign is None:
            raise invalid("body", "campaign_id", "no such campaign")
    activity = record_interest_activity(
        person=person,
        kind=payload.kind,
        wish=payload.wish,
        by=api_user(request),
        campaign=campaign,
        problem_indicators=tuple(p.strip() for p in payload.problem_indicators if p.strip()),
        note=payload.note,
        at=payload.occurred_at,
    )
    stored = Activity.objects.select_related("campaign", "source", "recorded_by").get(
        pk=activity.pk
    )
    return Status(
        201, {"activity": activity_out(stored), "person": person_out(load_person(person_id))}
    )
