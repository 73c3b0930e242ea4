"""Reads for the people list: search by name, email, phone, company, and filters."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

from leadflow.crm.models import Opportunity, Person
from leadflow.crm.selectors.dashboard import raw_age_limit, raw_over_age
from leadflow.domain.people import PersonType
from leadflow.domain.pipeline import Stage
from leadflow.domain.qualification import QualificationStatus, UnqualifiedReason
from leadflow.domain.temperature import Temperature


@dataclass(frozen=True)
class PeopleFilters:
    """What the people list can be narrowed by; each matches a dashboard count."""

    q: str = ""
    person_type: PersonType | None = None
    status: QualificationStatus | None = None
    temperature: Temperature | None = None
    avatar_id: int | None = None
    unqualified_reason: UnqualifiedReason | None = None
    stage: Stage | None = None
    raw_over_age: bool = False


_PHONE_LIKE = re.compile(r"[\d\s()+.\-]+")
_SEARCH_FIELDS = ("first_name", "last_name", "email", "phone", "company__name")


def _search(text: str) -> Q:
    """Every word must match a name, email, phone or company; digits also match the
    normalized phone, so "(512) 555-0100" finds +15125550100."""
    condition = Q()
    for word in text.split():
        match = Q()
        for field in _SEARCH_FIELDS:
            match |= Q(**{f"{field}__icontains": word})
        condition &= match
    digits = re.sub(r"\D", "", text)
    if _PHONE_LIKE.fullmatch(text.strip()) and len(digits) >= 4:
        condition |= Q(phone_normalized__contains=digits)
    return condition


def search_people(filters: PeopleFilters, *, today: date | None = None) -> QuerySet[Person]:
    people = Person.objects.select_related("company", "sweet_spot")
    if filters.q.strip():
        people = people.filter(_search(filters.q))
    if filters.person_type is not None:
        people = people.filter(person_type=filters.person_type)
    if filters.status is not None:
        people = people.filter(qualification_status=filters.status)
    if filters.temperature is not None:
        people = people.filter(temperature=int(filters.temperature))
    if filters.avatar_id is not None:
        people = people.filter(sweet_spot_id=filters.avatar_id)
    if filters.unqualified_reason is not None:
        people = people.filter(unqualified_reason=filters.unqualified_reason)
    if filters.stage is not None:
        people = people.filter(
            pk__in=Opportunity.objects.filter(stage=filters.stage).values("person_id")
        )
    if filters.raw_over_age:
        _, cutoff = raw_age_limit(today)
        people = people.filter(raw_over_age(cutoff))
    return people.order_by("last_name", "first_name", "id")


# ---------------------------------------------------------------------------------------
# The person page
