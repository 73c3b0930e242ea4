"""Names, companies, addresses, emails and phones for the demo world.

Emails use the reserved `.example` domain and phones the 555-01xx fiction range where it
lasts, so an export of the demo can never reach a real person. Both are kept unique: a
shared phone would make one person's Avoid entry block another.
"""

from __future__ import annotations

import random
import re

from leadflow.demo import catalog
from leadflow.demo.plan import PlannedCompany, PlannedPerson
from leadflow.demo.profiles import Facts
from leadflow.domain.normalize import normalize_company_name, normalize_email, normalize_phone
from leadflow.domain.profile import authority_from_title

_ALL_AREA_CODES = tuple(
    sorted(
        {
            code
            for places in catalog.PLACES_BY_REGION.values()
            for p in places
            for code in p.area_codes
        }
    )
)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class Directory:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.companies: list[PlannedCompany] = []
        self._emails: set[str] = set()
        self._phones: set[str] = set()
        self._domains: set[str] = set()

    def company(self, facts: Facts) -> int:
        """A new company with the facts' niche, size and region; its index."""
        rng = self.rng
        niche = facts.niche or rng.choice(catalog.NICHES)
        pattern = rng.choice(catalog.COMPANY_PATTERNS.get(niche, ("{p} {s} Group",)))
        name = pattern.format(
            s=rng.choice(catalog.LAST_NAMES),
            t=rng.choice(catalog.LAST_NAMES),
            p=rng.choice(catalog.PLACES),
        )
        domain = _slug(normalize_company_name(name)) + ".example"
        n = 2
        while domain in self._domains:
            domain = f"{_slug(normalize_company_name(name))}-{n}.example"
            n += 1
        self._domains.add(domain)
        geography = facts.geography if facts.geography and "-" in facts.geography else ""
        self.companies.append(
            PlannedCompany(
                name=name,
                normalized_name=normalize_company_name(name),
                domain=domain,
                niche=facts.niche or "",
                company_type=facts.company_type or "",
                employee_count=facts.employees,
                geography=geography,
            )
        )
        return len(self.companies) - 1

    def _email(self, first: str, last: str, domain: str) -> str:
        base = f"{_slug(first)}.{_slug(last)}"
        candidate, n = f"{base}@{domain}", 2
        while candidate in self._emails:
            candidate, n = f"{base}{n}@{domain}", n + 1
        self._emails.add(candidate)
        return candidate

    def _phone(self, area_codes: tuple[str, ...]) -> str:
        rng = self.rng
        for codes in (area_codes, _ALL_AREA_CODES):
            for _ in range(12):
                number = f"({rng.choice(codes)}) 555-01{rng.randrange(100):02d}"
                if number not in self._phones:
                    self._phones.add(number)
                    return number
        while True:
            number = f"({rng.choice(_ALL_AREA_CODES)}) 555-{rng.randrange(2000, 10000):04d}"
            if number not in self._phones:
                self._phones.add(number)
                return number

    def person(
        self,
        facts: Facts,
        company: int,
        *,
        has_email: bool = True,
        has_phone: bool = True,
        has_address: bool = True,
        **fields: object,
    ) -> PlannedPerson:
        """A person at `company` described by `facts`; `fields` fill the rest of the plan."""
        rng = self.rng
        first, last = rng.choice(catalog.FIRST_NAMES), rng.choice(catalog.LAST_NAMES)
        geography = facts.geography or ""
        country, _, state = geography.partition("-")
        places = catalog.PLACES_BY_REGION.get(geography, ())
        place = rng.choice(places) if places else None
        email = self._email(first, last, self.companies[company].domain) if has_email else ""
        phone = self._phone(place.area_codes if place else _ALL_AREA_CODES) if has_phone else ""
        address = has_address and place is not None
        street = f"{rng.randint(100, 9899)} {rng.choice(catalog.STREETS)}"
        authority = authority_from_title(facts.title)
        return PlannedPerson(
            first_name=first,
            last_name=last,
            email=email,
            email_normalized=normalize_email(email),
            phone=phone,
            phone_normalized=normalize_phone(phone),
            title=facts.title or "",
            authority=int(authority) if authority is not None else None,
            company=company,
            street=street if address else "",
            city=place.city if address and place else "",
            region=state,
            postcode=place.postcode if address and place else "",
            country=country,
            monthly_budget=facts.budget,
            outsourcing=facts.outsourcing.value if facts.outsourcing else "",
            switch_reason=facts.switch_reason.value if facts.switch_reason else "",
            need=facts.need.value if facts.need else "",
            services_wanted=sorted(facts.services),
            **fields,  # type: ignore[arg-type]
        )
