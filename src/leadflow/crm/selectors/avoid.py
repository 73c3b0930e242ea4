"""Reads for the Avoid list page: the entries with their audit, searched like people are.

An entry keeps the normalized email and phone it was made with (and a company domain for
a bare domain entry), so search matches those columns by exact value or prefix, each
indexed, and a person's name by prefix through the same name index the people search
uses (crm/selectors/search.py). One exception: a domain ("@example.com", "example.com")
also matches the domain part of an entry's email. That is a scan, but of the Avoid
entries only, a small table next to the people (1% of them in the 1M benchmark).
"""

from __future__ import annotations

import re

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Lower
from django.db.models.lookups import StartsWith

from leadflow.crm.models import AvoidEntry, Person
from leadflow.crm.selectors.search import (
    MAX_NAME_WORDS,
    PHONE_LIKE,
    PHONE_REGION,
    PeopleFilters,
    fold_case,
    search_people,
    starts_with,
)
from leadflow.domain.normalize import InvalidValue, normalize_phone

PEOPLE_SHOWN = 10


def avoid_entries(text: str = "", *, state: str = "active") -> QuerySet[AvoidEntry]:
    """Entries newest first, with who added and lifted them; `state` is active, lifted
    or all. One query per page: the person, company and both users are joined."""
    entries = AvoidEntry.objects.select_related(
        "person", "person__company", "added_by", "lifted_by"
    )
    if state == "active":
        entries = entries.filter(lifted_at__isnull=True)
    elif state == "lifted":
        entries = entries.filter(lifted_at__isnull=False)
    if text.strip():
        entries = entries.filter(entry_match(text))
    return entries.order_by("-added_at", "-id")


def entry_match(text: str) -> Q:
    text = " ".join(text.split())
    lowered = text.lower()
    if "@" in text and " " not in text:
        if text.startswith("@"):
            return _domain(lowered[1:])
        return starts_with(F("email_normalized"), lowered)
    digits = re.sub(r"\D", "", text)
    if PHONE_LIKE.fullmatch(text) and len(digits) >= 4:
        try:
            number = normalize_phone(text, PHONE_REGION)
        except InvalidValue:
            number = None
        if number is not None:
            return Q(phone_normalized=number)
        return starts_with(F("phone_normalized"), "+" + digits) | starts_with(
            F("phone_normalized"), "+1" + digits
        )
    match = _name(text)
    if " " not in text:
        match |= starts_with(F("email_normalized"), lowered)
        match |= _domain(lowered) if "." in text else starts_with(F("company_domain"), lowered)
    return match


def _domain(domain: str) -> Q:
    """A company domain entry, or an email at that domain (see the module's note)."""
    return starts_with(F("company_domain"), domain) | Q(email_normalized__contains="@" + domain)


def _name(text: str) -> Q:
    """Entries of people whose name starts so. The names are matched in a subquery on the
    people table, where the name indexes serve it: as a join condition OR-ed with the
    entry's own columns, PostgreSQL read all the people instead (~450 ms at 1M)."""
    words = [w for w in re.split(r"[\s,]+", fold_case(text)) if w]
    last, first = Lower("last_name"), Lower("first_name")
    if len(words) == 1:
        named = starts_with(last, words[0]) | starts_with(first, words[0])
    else:
        named = Q(pk__in=[])
        if len(words) <= MAX_NAME_WORDS:
            for split in range(1, len(words)):
                head, tail = " ".join(words[:split]), " ".join(words[split:])
                named |= starts_with(last, tail) & Q(StartsWith(first, head))
                named |= starts_with(last, head) & Q(StartsWith(first, tail))
    return Q(person_id__in=Person.objects.filter(named).values("pk"))


def people_to_avoid(text: str) -> list[Person]:
    """The first people a search finds, to put one on Avoid from the results."""
    if not text.strip():
        return []
    return search_people(PeopleFilters(q=text))[:PEOPLE_SHOWN]


def person_for_avoid(person_id: int | None) -> Person | None:
    if person_id is None:
        return None
    return Person.objects.select_related("company").filter(pk=person_id).first()


def entry_for_lift(entry_id: int) -> AvoidEntry | None:
    return (
        AvoidEntry.objects.select_related("person", "added_by", "lifted_by")
        .filter(pk=entry_id)
        .first()
    )
