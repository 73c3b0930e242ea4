"""What we know about a lead that qualification can judge (PRODUCT.md §2 criteria)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from enum import IntEnum, StrEnum


class Authority(IntEnum):
    """Authority to buy, ordered so that criteria can say 'at least manager'."""

    NONE = 0
    STAFF = 1
    MANAGER = 2
    DIRECTOR = 3
    EXECUTIVE = 4  # owner, CEO, president, partner, managing director

    @property
    def label(self) -> str:
        return self.name.lower()


class Outsourcing(StrEnum):
    """Whether they already pay someone for IT: paying one shows they will spend."""

    NONE = "none"
    IN_HOUSE = "in_house"
    OUTSOURCED = "outsourced"


class SwitchReason(StrEnum):
    """Why an outsourced company wants to switch: cheaper is a bad sign, poor service a good one."""

    POOR_SERVICE = "poor_service"
    CHEAPER = "cheaper"
    GROWTH = "growth"
    OTHER = "other"


class Need(StrEnum):
    NEED_NOW = "need_now"
    CURIOUS = "curious"
    PRICE_SHOPPING = "price_shopping"
    RFP_ONLY = "rfp_only"


class Trait(StrEnum):
    """A fact about a lead that a criterion can test."""

    NICHE = "niche"
    GEOGRAPHY = "geography"
    COMPANY_TYPE = "company_type"
    EMPLOYEE_COUNT = "employee_count"
    AUTHORITY = "authority"
    MONTHLY_BUDGET = "monthly_budget"
    OUTSOURCING = "outsourcing"
    SWITCH_REASON = "switch_reason"
    NEED = "need"
    LEAD_SOURCE = "lead_source"
    SERVICES_WANTED = "services_wanted"


TraitValue = str | int | Decimal | Authority | frozenset[str] | None


@dataclass(frozen=True)
class LeadProfile:
    """Plain values about one lead; None means not known yet."""

    niche: str | None = None
    geography: str | None = None  # a region code such as "US-TX" or a country "US"
    company_type: str | None = None
    employee_count: int | None = None
    authority: Authority | None = None
    monthly_budget: Decimal | None = None
    outsourcing: Outsourcing | None = None
    switch_reason: SwitchReason | None = None
    need: Need | None = None
    lead_source: str | None = None
    services_wanted: frozenset[str] = field(default_factory=frozenset)

    def value_of(self, trait: Trait) -> TraitValue:
        value: TraitValue = getattr(self, trait.value)
        if trait is Trait.SERVICES_WANTED and not value:
            return None
        return value


# Most specific first: "assistant to the CEO" is staff, "IT manager" is a manager. The
# look-arounds keep a rank word from being read inside a different title: a "vice
# president" is not a president, a "principal engineer" or "partner manager" is not an
# owner, and a "lead generation specialist" leads nobody.
_TITLE_RULES: tuple[tuple[re.Pattern[str], Authority], ...] = (
    (
        re.compile(
            r"\bassistant\b(?!\s+(?:manager|director|vice president|vp)\b)"
            r"|\b(?:intern|coordinator|receptionist|trainee|secretary|sysadmin)\b"
            r"|\b(?:office|system|systems|network|database|it) administrator\b"
        ),
        Authority.STAFF,
    ),
    (
        re.compile(
            r"\b(?:ceo|cfo|coo|cto|cio|ciso|founder|co-founder|proprietor|chief"
            r"|managing director|executive director|general manager|gm)\b"
            r"|\b(?<!vice )(?<!vice-)president\b"
            r"|\b(?<!product )owner\b"
            r"|\bpartner\b(?!\s+(?:manager|marketing|account|success|relations|program|sales"
            r"|channel|development|engineer)\b)"
            r"|\bprincipal\b(?!\s+(?:engineer|software|consultant|architect|analyst|scientist"
            r"|developer|designer)\b)"
        ),
        Authority.EXECUTIVE,
    ),
    (
        re.compile(r"\b(?:vp|svp|evp|avp|vice president|vice-president|director|head of)\b"),
        Authority.DIRECTOR,
    ),
    (
        re.compile(
            r"\b(?:manager|mgr|supervisor|administrator|controller|comptroller)\b"
            r"|\b(?:team )?lead$"
        ),
        Authority.MANAGER,
    ),
    (
        re.compile(r"\b(?:engineer|technician|specialist|analyst|associate|staff|clerk|rep)\b"),
        Authority.STAFF,
    ),
)


def authority_from_title(title: str | None) -> Authority | None:
    """Map a job title to an authority level; None when there is no title to judge.

    A title that names no rank we know reads as staff: the person can still be shown
    to be the decision-maker, but only by someone who talked to them.
    """
    if title is None or not title.strip():
        return None
    text = " ".join(title.lower().replace(".", "").replace(",", " ").split())
    for pattern, level in _TITLE_RULES:
        if pattern.search(text):
            return level
    return Authority.STAFF
