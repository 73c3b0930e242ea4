"""What the people endpoints accept: bodies (unknown fields refused, see schemas.Input),
text that is text, and the list filters the people page offers.

Field names of a person are intake's field names (intake/fields.py), so the pipeline's
``row 1: phone: "12" is not a phone number`` comes back naming the field the caller sent.
What a value *means* (is it an email, a phone, a number of employees) is the pipeline's
to decide, as for a CSV row; these schemas check shape only: types, lengths, choices.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal
from typing import Annotated, ClassVar, Literal

from ninja import Field
from pydantic import AfterValidator, AwareDatetime, StringConstraints, field_validator

from leadflow.api.people_paging import Paging
from leadflow.api.schemas import MAX_ID, Input
from leadflow.crm.selectors.dashboard import OPEN_STAGES
from leadflow.crm.selectors.search import PeopleFilters
from leadflow.domain.people import PersonType
from leadflow.domain.pipeline import Stage
from leadflow.domain.profile import Need, Outsourcing, SwitchReason
from leadflow.domain.qualification import QualificationStatus, UnqualifiedReason
from leadflow.domain.temperature import ActivityKind, FollowUpWish, Temperature

_LINE_BREAKS = frozenset("\t\n\r")


def plain_text(value: str) -> str:
    """No control characters (NUL above all: PostgreSQL refuses it) and no lone UTF-16
    surrogates (JSON can escape one; no database can store it)."""
    for char in value:
        if char not in _LINE_BREAKS and unicodedata.category(char) in ("Cc", "Cs"):
            raise ValueError(f"holds a character that is not text (U+{ord(char):04X})")
    return value


def search_text(value: str) -> str:
    """Search text is plain text without unassigned code points either: no name holds
    one, and the prefix search steps its last character to the next code point."""
    plain_text(value)
    for char in value:
        if unicodedata.category(char) == "Cn":
            raise ValueError(f"holds a character that is not text (U+{ord(char):04X})")
    return value


def _text(max_length: int) -> object:
    return StringConstraints(max_length=max_length)


Name = Annotated[str, _text(100), AfterValidator(plain_text)]
Line = Annotated[str, _text(200), AfterValidator(plain_text)]
Note = Annotated[str, _text(2000), AfterValidator(plain_text)]
SearchText = Annotated[str, _text(200), AfterValidator(search_text)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
TemperatureWord = Literal["cold", "cool", "warm", "hot"]


class PersonFields(Input):
    """A person's details, each optional; a value the pipeline cannot read is a 422 naming
    the field."""

    first_name: Name | None = None
    last_name: Name | None = None
    email: Annotated[str, _text(254), AfterValidator(plain_text)] | None = None
    phone: Annotated[str, _text(40), AfterValidator(plain_text)] | None = None
    title: Annotated[str, _text(150), AfterValidator(plain_text)] | None = None
    external_id: Name | None = Field(None, description="another system's id for the person")
    company: Line | None = None
    website: Line | None = None
    niche: Name | None = Field(None, description="the company's industry")
    company_type: Name | None = None
    employee_count: int | None = Field(None, ge=0, le=10_000_000)
    street: Line | None = None
    city: Name | None = None
    region: Annotated[str, _text(50), AfterValidator(plain_text)] | None = None
    postcode: Annotated[str, _text(20), AfterValidator(plain_text)] | None = None
    country: Annotated[str, _text(60), AfterValidator(plain_text)] | None = None
    monthly_budget: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    outsourcing: Outsourcing | None = None
    switch_reason: SwitchReason | None = None
    need: Need | None = None
    services_wanted: list[Name] | None = Field(None, max_length=30)


class PersonIn(PersonFields):
    """A response (someone who did something) or, with ``responded: false``, a prospect
    from a list; it goes through intake exactly like a row of a file."""

    responded: bool = Field(
        True, description="false: a prospect who took no action (a farm list), never a lead"
    )
    activity: ActivityKind | None = Field(
        None, description="what they did; blank: read from the source's name"
    )
    follow_up: FollowUpWish | None = Field(None, description="did they ask to be contacted")
    problem: Note | None = Field(None, description="the problem they mentioned, if any")
    occurred_on: date | None = None
    note: Note | None = None
    email_opt_out: bool | None = Field(None, description="true: never email (only ever set)")
    do_not_call: bool | None = Field(None, description="true: never call (only ever set)")
    campaign: Line = Field("API", min_length=1)
    source: Name = Field("api", min_length=1)

    # What is not a column of the row: the run's options.
    OPTIONS: ClassVar[frozenset[str]] = frozenset({"responded", "campaign", "source"})

    @field_validator("campaign", "source")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        text = " ".join(value.split())
        if not text:
            raise ValueError("give a name")
        return text


class PersonPatch(PersonFields):
    """Details learned about a stored person: intake fills what is blank and never
    overwrites a stored value, so the answer says which fields it filled and which it
    kept."""


class ActivityIn(Input):
    kind: ActivityKind
    wish: FollowUpWish = Field(FollowUpWish.NEUTRAL, description="did they ask for follow-up")
    campaign_id: Id | None = None
    problem_indicators: list[Line] = Field(default_factory=list, max_length=20)
    note: Note = ""
    occurred_at: AwareDatetime | None = Field(None, description="with its time zone; blank: now")


class ProposeIn(Input):
    reason: UnqualifiedReason
    note: Note = ""


class DecisionIn(Input):
    note: Note = Field(description="what the lead said; required")


class ConsentIn(Input):
    """Flags to set (true) or lift (false); a flag left out stays as it is."""

    email_opt_out: bool | None = None
    do_not_call: bool | None = None
    client_refunded: bool | None = None
    client_late_pay: bool | None = None
    reason: Annotated[str, _text(500), AfterValidator(plain_text)] = Field(
        description="kept in the person's history"
    )


class PeopleQuery(Paging):
    """The people page's search and filters."""

    q: SearchText = Field("", description="name, email, phone or company (starts with)")
    type: PersonType | None = None
    status: QualificationStatus | None = None
    temperature: TemperatureWord | None = None
    sweet_spot_id: Id | None = Field(None, description="the avatar a sweet-spot lead matched")
    unqualified_reason: UnqualifiedReason | None = None
    stage: Stage | None = Field(None, description="has an open opportunity at this stage")
    campaign_id: Id | None = Field(None, description="listed by or responded to the campaign")
    source_id: Id | None = Field(None, description="the lead source")
    company_id: Id | None = None
    raw_over_age: bool = Field(False, description="raw leads over the review age alert")

    @field_validator("stage")
    @classmethod
    def _open(cls, stage: Stage | None) -> Stage | None:
        if stage is not None and stage not in OPEN_STAGES:
            raise ValueError("an open stage: " + ", ".join(s.value for s in OPEN_STAGES))
        return stage

    def filters(self) -> PeopleFilters:
        return PeopleFilters(
            q=self.q,
            person_type=self.type,
            status=self.status,
            temperature=Temperature[self.temperature.upper()] if self.temperature else None,
            avatar_id=self.sweet_spot_id,
            unqualified_reason=self.unqualified_reason,
            stage=self.stage,
            raw_over_age=self.raw_over_age,
            campaign_id=self.campaign_id,
            source_id=self.source_id,
            company_id=self.company_id,
        )


class AvoidQuery(Paging):
    q: SearchText = Field("", description="name, email, phone or domain")
    state: Literal["active", "lifted", "all"] = "active"


class AvoidIn(Input):
    """A person to put on Avoid, or an email, phone or company domain to block."""

    person_id: Id | None = None
    email: Annotated[str, _text(254), AfterValidator(plain_text)] = ""
    phone: Annotated[str, _text(40), AfterValidator(plain_text)] = ""
    company_domain: Line = ""
    reason: Annotated[str, _text(1000), AfterValidator(plain_text)] = Field(
        description="why we will not do business with them, or what they asked"
    )


class LiftIn(Input):
    reason: Annotated[str, _text(1000), AfterValidator(plain_text)] = Field(
        description="why we may work with them again"
    )
