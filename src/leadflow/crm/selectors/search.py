"""Search: people and companies by name, email, phone or company, plus the list filters.

It must answer in well under 200 ms with a million people, on SQLite without ANALYZE
statistics too, so every text match is an exact or prefix match that an index serves,
never a `LIKE '%word%'` scan, and every list is read in the order of the index it
searches, so that a page costs its 50 rows however many people match:

- an email (anything with "@"): a whole address is an exact match on the unique
  `email_normalized`, a part of one ("rita@", "rita@old") a prefix of it; "@domain"
  finds the people of companies with that domain.
- a phone (digits and phone punctuation, 4+ digits): a whole number in any spelling is
  normalized to E.164 and matched exactly on `phone_normalized`; a partial number is a
  prefix of it, with or without the default country code ("512 555" finds +1512555…).
  Trailing digits alone ("0142") are not searched: a suffix match would scan.
- anything else: names, then companies. One word is the start of a last name (index
  `person_name_search`), then of a first name (`person_first_name_search`), then of a
  company's normalized name or domain, then of an email address; several words are a
  first and last name in either order ("rita raw", "raw, rita") or a company name.
  Each of those is one *part* of the results, read in its index's order, and a person
  appears once, in the first part that finds them. The people of matching companies
  are a part only while at most COMPANY_PEOPLE_LIMIT companies match; the page lists
  the companies themselves with their people counts (search_companies).

A text search counts at most SEARCH_CAP people ("more than 1000"): counting every
"Smith" in a million would cost more than showing them. Filters alone (no text) list
the newest people first, the order each single-column index (and the (type, status,
temperature) index with all three set) already keeps, and count exactly.

A prefix match is a range over the index (`>= prefix` and `< the next prefix`) that
narrows the rows, with `LIKE 'prefix%'` on top for exactness: SQLite's LIKE is
case-insensitive and cannot use an ordinary index, and a range is what both SQLite and
PostgreSQL can walk.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import overload

from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, Lower
from django.db.models.lookups import Exact, GreaterThanOrEqual, LessThan, StartsWith

from leadflow.crm.models import Activity, Company, Opportunity, Person
from leadflow.crm.selectors.dashboard import raw_age_limit, raw_over_age
from leadflow.domain.normalize import InvalidValue, normalize_company_name, normalize_phone
from leadflow.domain.people import PersonType
from leadflow.domain.pipeline import Stage
from leadflow.domain.qualification import QualificationStatus, UnqualifiedReason
from leadflow.domain.temperature import Temperature

SEARCH_CAP = 1000
COMPANIES_SHOWN = 10
# People of more companies than this are not listed among the people: the companies
# are, with their counts, and one click lists a company's people.
COMPANY_PEOPLE_LIMIT = 50
# The region people's phones were normalized in (crm/services/people.py).
PHONE_REGION = "US"
PHONE_COUNTRY_CODE = "1"
# Several words are split into first and last name at every gap: keep that small.
MAX_NAME_WORDS = 5


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
    campaign_id: int | None = None
    source_id: int | None = None
    company_id: int | None = None


class SearchResults:
    """The people a search finds: consecutive parts, each read in its own index order.

    Paginator-compatible: `count()` and slicing. Later parts leave out whoever an
    earlier part found, so a person is listed once.
    """

    def __init__(self, parts: Sequence[QuerySet[Person]], *, cap: int | None) -> None:
        self._parts = tuple(parts)
        self._cap = cap
        self._sizes: list[int] | None = None

    def _measure(self) -> list[int]:
        if self._sizes is None:
            if self._cap is None:
                self._sizes = [part.count() for part in self._parts]
            else:
                room = self._cap + 1  # one more than the cap tells "capped" from "exactly"
                self._sizes = []
                for part in self._parts:
                    size = part[:room].count() if room > 0 else 0
                    self._sizes.append(size)
                    room -= size
        return self._sizes

    def count(self) -> int:
        total = sum(self._measure())
        return total if self._cap is None else min(total, self._cap)

    @property
    def capped(self) -> bool:
        return self._cap is not None and sum(self._measure()) > self._cap

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[Person]:
        return iter(self[:])

    @overload
    def __getitem__(self, key: int, /) -> Person: ...
    @overload
    def __getitem__(self, key: slice, /) -> list[Person]: ...
    def __getitem__(self, key: int | slice, /) -> Person | list[Person]:
        if isinstance(key, int):
            return self[key : key + 1][0]
        start, stop = key.start or 0, self.count() if key.stop is None else key.stop
        found: list[Person] = []
        offset = 0
        for part, size in zip(self._parts, self._measure(), strict=True):
            low, high = max(start - offset, 0), min(stop - offset, size)
            if low < high:
                found.extend(part[low:high])
            offset += size
            if offset >= stop:
                break
        return found


@dataclass(frozen=True)
class CompanyHit:
    id: int
    name: str
    domain: str
    people: int


@dataclass(frozen=True)
class CompanyHits:
    companies: tuple[CompanyHit, ...]
    total: int  # counted up to one more than `cap`
    cap: int = SEARCH_CAP

    @property
    def capped(self) -> bool:
        return self.total > self.cap

    @property
    def more(self) -> int:
        return self.total - len(self.companies)


PHONE_LIKE = re.compile(r"\+?[\d\s().\-/]+")
_DOMAIN_LIKE = re.compile(r"@?[a-z0-9\-]+(\.[a-z0-9\-]+)*\.?")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def search_people(filters: PeopleFilters, *, today: date | None = None) -> SearchResults:
    people = _filtered(filters, today)
    if not filters.q.strip():
        return SearchResults([people.order_by("-id")], cap=None)
    return SearchResults(_parts(people, filters.q), cap=SEARCH_CAP)


def search_companies(text: str, *, limit: int = COMPANIES_SHOWN) -> CompanyHits:
    """Companies whose name or domain starts with the query, each with its people count:
    three queries whatever the number of hits (count, rows, one grouped count)."""
    match = company_match(text)
    if match is None:
        return CompanyHits((), 0)
    companies = Company.objects.filter(match)
    total = companies[: SEARCH_CAP + 1].count()
    rows = list(companies.order_by("normalized_name", "id")[:limit])
    counts = dict(
        Person.objects.filter(company_id__in=[c.pk for c in rows])
        .order_by()
        .values("company_id")
        .annotate(n=Count("id"))
        .values_list("company_id", "n")
    )
    hits = tuple(CompanyHit(c.pk, c.name, c.domain, counts.get(c.pk, 0)) for c in rows)
    return CompanyHits(hits, total)


def company_of(filters: PeopleFilters) -> Company | None:
    """The company the list is narrowed to, to name it on the page."""
    if filters.company_id is None:
        return None
    return Company.objects.filter(pk=filters.company_id).first()


def _filtered(filters: PeopleFilters, today: date | None) -> QuerySet[Person]:
    """The filters, as conditions. With a text search they must not take the index:
    SQLite without statistics prefers any equality index (person_type = 'lead') to the
    name range and then sorts 350,000 leads for one page; the text's index, walked in
    order and checked against the filters, stops after a page."""
    searching = bool(filters.q.strip())
    equal = {
        "person_type": filters.person_type.value if filters.person_type else None,
        "qualification_status": filters.status.value if filters.status else None,
        "temperature": int(filters.temperature) if filters.temperature else None,
        "sweet_spot_id": filters.avatar_id,
        "unqualified_reason": (
            filters.unqualified_reason.value if filters.unqualified_reason else None
        ),
        "lead_source_id": filters.source_id,
        "company_id": filters.company_id,
    }
    people = Person.objects.select_related("company", "sweet_spot", "lead_source")
    for field, value in equal.items():
        if value is not None:
            people = people.filter(_equals(field, value, use_index=not searching))
    if filters.stage is not None:
        people = people.filter(
            pk__in=Opportunity.objects.filter(stage=filters.stage).values("person_id")
        )
    if filters.campaign_id is not None:
        # Listed by the campaign (its first campaign) or responded to it (an activity).
        responded = Activity.objects.filter(campaign_id=filters.campaign_id).values("person_id")
        people = people.filter(Q(first_campaign_id=filters.campaign_id) | Q(pk__in=responded))
    if filters.raw_over_age:
        _, cutoff = raw_age_limit(today)
        people = people.filter(raw_over_age(cutoff))
    return people


def _equals(field: str, value: str | int, *, use_index: bool) -> Q:
    if use_index:
        return Q(**{field: value})
    # COALESCE(field, blank) = value is the same test (value is never the blank), but no
    # index on `field` serves it, on SQLite or PostgreSQL.
    blank: str | int = "" if isinstance(value, str) else 0
    return Q(Exact(Coalesce(F(field), Value(blank)), value))


def _parts(people: QuerySet[Person], text: str) -> list[QuerySet[Person]]:
    """The parts of a text search, earlier ones first, each walked in its index's order."""
    text = " ".join(text.split())
    last, first = Lower("last_name"), Lower("first_name")
    by_name: tuple[str | Combinable, ...] = (last, first, "id")
    email = F("email_normalized")
    by_email: tuple[str | Combinable, ...] = ("email_normalized",)
    parts: list[tuple[Q | None, tuple[str | Combinable, ...]]] = []
    if "@" in text and " " not in text:
        if text.startswith("@"):
            parts.append((_people_of(company_match(text)), by_name))
        else:
            # Stored lower-cased with an ASCII domain; "Rita@OldRaw.example" still matches.
            parts.append((_not_null(email) & starts_with(email, text.lower()), by_email))
    elif PHONE_LIKE.fullmatch(text) and len(re.sub(r"\D", "", text)) >= 4:
        parts.append((_phone_match(text), ("phone_normalized", "id")))
    else:
        words = [w for w in re.split(r"[\s,]+", fold_case(text)) if w]
        if len(words) == 1:
            parts.append((starts_with(last, words[0]), by_name))
            parts.append((starts_with(first, words[0]), (first, last, "id")))
        elif len(words) <= MAX_NAME_WORDS:
            # "mary ann smith": first and last name split at every gap, in both orders.
            splits = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
            for given, family in splits:
                parts.append((starts_with(last, family) & Q(StartsWith(first, given)), by_name))
            for family, given in splits:
                parts.append((starts_with(last, family) & Q(StartsWith(first, given)), by_name))
        parts.append((_people_of(company_match(text)), by_name))
        if " " not in text:
            parts.append((_not_null(email) & starts_with(email, text.lower()), by_email))
    found = Q(pk__in=[])
    querysets = []
    for condition, order in parts:
        if condition is None:
            continue
        querysets.append(people.filter(condition).exclude(found).order_by(*order))
        found |= condition
    return querysets


def company_match(text: str) -> Q | None:
    """Companies by the start of their normalized name or of their domain; None for a
    query that is an email address or a phone number, which names no company."""
    text = " ".join(text.split())
    if not text or ("@" in text and not text.startswith("@")) or PHONE_LIKE.fullmatch(text):
        return None
    match = Q(pk__in=[])
    if not text.startswith("@") and (name := normalize_company_name(text)):
        match |= starts_with(F("normalized_name"), name)
    if _DOMAIN_LIKE.fullmatch(text.lower()):
        # "oldraw", "oldraw.example", "@oldraw.example": the start of the company's domain.
        match |= starts_with(F("domain"), text.lower().lstrip("@").rstrip("."))
    return match


def _people_of(companies: Q | None) -> Q | None:
    """People of the matching companies, when few enough companies match to list them."""
    if companies is None:
        return None
    matching = Company.objects.filter(companies).values_list("id", flat=True)
    ids = list(matching[: COMPANY_PEOPLE_LIMIT + 1])
    if not ids or len(ids) > COMPANY_PEOPLE_LIMIT:
        return None
    return Q(company_id__in=ids)


def _phone_match(text: str) -> Q:
    field = F("phone_normalized")
    try:
        number = normalize_phone(text, PHONE_REGION)
    except InvalidValue:
        number = None
    if number is not None:
        return Q(phone_normalized=number)
    digits = re.sub(r"\D", "", text)
    if text.startswith("+"):
        return _not_null(field) & starts_with(field, "+" + digits)
    with_code = starts_with(field, "+" + digits) | starts_with(
        field, "+" + PHONE_COUNTRY_CODE + digits
    )
    return _not_null(field) & with_code


def _not_null(field: F) -> Q:
    # A later part excludes an earlier part's condition; NOT over a NULL column would be
    # NULL and drop the person, so nullable columns say IS NOT NULL first.
    return Q(**{f"{field.name}__isnull": False})


def fold_case(text: str) -> str:
    """Lower-case the query the way the database's LOWER() folds the column: SQLite's
    folds ASCII letters only, PostgreSQL's folds every letter."""
    if connection.vendor == "sqlite":
        return text.translate(_ASCII_LOWER)
    return text.lower()


def starts_with(expression: Combinable, start: str) -> Q:
    """`expression` starts with `start`, as an index range plus an exact LIKE."""
    condition = Q(StartsWith(expression, start))
    bounds = prefix_bounds(start, binary=connection.vendor == "sqlite")
    if bounds is not None:
        low, high = bounds
        condition &= Q(GreaterThanOrEqual(expression, low)) & Q(LessThan(expression, high))
    return condition


# ASCII letters and digits sort alike in every collation we meet (binary, C, and the
# linguistic ones), so in a collation we do not know only they are stepped.
_STEPPABLE = "abcdefghijklmnopqrstuvwxy012345678"


def _binary_bounds(start: str) -> tuple[str, str] | None:
    """Step the last character that can be stepped: U+10FFFF cannot (drop it and step
    the one before), and the step over U+D7FF skips the surrogates, which are no text."""
    core = start
    while core and ord(core[-1]) >= 0x10FFFF:
        core = core[:-1]
    if not core:
        return None
    following = ord(core[-1]) + 1
    if 0xD800 <= following <= 0xDFFF:
        following = 0xE000
    return start, core[:-1] + chr(following)


def prefix_bounds(start: str, *, binary: bool = False) -> tuple[str, str] | None:
    """A range [low, high) holding every string that starts with `start`.

    In binary (code point) order, SQLite's for our columns, `high` is `start` with its
    last character stepped. Otherwise it steps the last ASCII letter or digit that can be
    stepped ("raw" → "rax", "raz" → "rb") after dropping trailing punctuation, which a
    linguistic collation may ignore. None when nothing can be stepped ("zz", "é"): then
    LIKE alone decides, slowly but rightly.
    """
    if binary:
        return _binary_bounds(start)
    core = start
    while core and core[-1] not in _STEPPABLE:
        core = core[:-1]
    if not core:
        return None
    low = start
    while low and not low[-1].isalnum():
        low = low[:-1]
    return low, core[:-1] + chr(ord(core[-1]) + 1)
