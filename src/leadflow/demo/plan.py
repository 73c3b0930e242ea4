"""The demo world as plain values, before anything touches the database.

Users are referred to by username and campaigns by name; the writer resolves them to
rows. Every list is in time order, as the history it stands for happened.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from leadflow.domain.calendar import BusinessCalendar
from leadflow.domain.qualification import Playbook, Qualification
from leadflow.domain.temperature import ActivityKind, FollowUpWish, NextStep, Temperature, Triggers


@dataclass
class PlannedCampaign:
    name: str
    source: str
    started_on: date
    spam_count: int


@dataclass
class PlannedCompany:
    name: str
    normalized_name: str
    domain: str
    niche: str
    company_type: str
    employee_count: int | None
    geography: str


@dataclass
class PlannedActivity:
    kind: ActivityKind
    wish: FollowUpWish
    at: datetime
    campaign: str | None
    source: str | None
    temperature: Temperature
    problem_indicators: tuple[str, ...] = ()
    note: str = ""
    by: str | None = None


@dataclass
class PlannedQualification:
    """A classification as decided at that moment; `kind` as in QualificationRecord."""

    at: datetime
    kind: str
    result: Qualification
    by: str | None = None
    opportunity: int | None = None  # the lost opportunity that decided it


@dataclass
class PlannedProposal:
    trait: str
    reason: str
    detail: str
    at: datetime
    status: str = "open"
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    note: str = ""


@dataclass
class PlannedTask:
    kind: str
    role: str
    due_on: date | None
    note: str
    created_at: datetime
    done_at: datetime | None = None
    assignee: str | None = None
    opportunity: int | None = None  # index into the person's opportunities


@dataclass
class PlannedAppointment:
    setter: str
    rep: str
    booked_at: datetime
    scheduled_at: datetime
    outcome: str | None = None
    outcome_at: datetime | None = None
    callback_on: date | None = None


@dataclass
class PlannedStageChange:
    before: str
    after: str
    at: datetime
    by: str
    reason: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class PlannedOpportunity:
    setter: str
    rep: str
    created_at: datetime
    stage: str = ""
    stage_entered_at: datetime | None = None
    closed_at: datetime | None = None
    lost_reason: str = ""
    disposition: str | None = None
    contract_value: Decimal | None = None
    services_bought: list[str] = field(default_factory=list)
    appointments: list[PlannedAppointment] = field(default_factory=list)
    changes: list[PlannedStageChange] = field(default_factory=list)


@dataclass
class PlannedTypeChange:
    before: str
    after: str
    event: str
    at: datetime
    reason: str
    by: str | None = None


@dataclass
class PlannedAvoid:
    reason: str
    by: str
    at: datetime


@dataclass
class PlannedConsent:
    flag: str
    value: bool
    at: datetime
    reason: str
    by: str | None = None


@dataclass
class PlannedPerson:
    first_name: str
    last_name: str
    email: str
    email_normalized: str | None
    phone: str
    phone_normalized: str | None
    title: str
    company: int | None  # index into World.companies
    street: str
    city: str
    region: str
    postcode: str
    country: str
    created_at: datetime
    person_type: str = "prospect"
    created_by: str | None = None
    lead_source: str | None = None
    first_campaign: str | None = None
    authority: int | None = None
    monthly_budget: Decimal | None = None
    outsourcing: str = ""
    switch_reason: str = ""
    need: str = ""
    services_wanted: list[str] = field(default_factory=list)
    type_before_avoid: str = ""
    qualification_status: str | None = None
    unqualified_reason: str | None = None
    sweet_spot: str | None = None
    qualification_explanation: str = ""
    incomplete: bool = False
    waived_traits: list[str] = field(default_factory=list)
    temperature: int | None = None
    temperature_explanation: str = ""
    has_problem_indicators: bool = False
    email_opt_out: bool = False
    do_not_call: bool = False
    client_refunded: bool = False
    client_late_pay: bool = False
    became_lead_at: datetime | None = None
    became_client_at: datetime | None = None
    activities: list[PlannedActivity] = field(default_factory=list)
    qualifications: list[PlannedQualification] = field(default_factory=list)
    proposals: list[PlannedProposal] = field(default_factory=list)
    tasks: list[PlannedTask] = field(default_factory=list)
    opportunities: list[PlannedOpportunity] = field(default_factory=list)
    type_changes: list[PlannedTypeChange] = field(default_factory=list)
    avoid: PlannedAvoid | None = None
    consents: list[PlannedConsent] = field(default_factory=list)


@dataclass
class World:
    now: datetime
    campaigns: list[PlannedCampaign]
    companies: list[PlannedCompany]
    people: list[PlannedPerson]


@dataclass(frozen=True)
class Staff:
    """The demo team by username; setters' show rates are what their appointments aim at."""

    owner: str
    marketing: str
    admin: str
    setters: tuple[str, ...]
    show_rates: tuple[float, ...]
    reps: tuple[str, ...]

    def show_rate(self, setter: str) -> float:
        return self.show_rates[self.setters.index(setter)]


@dataclass(frozen=True)
class Config:
    """The stored configuration every decision in the plan is taken with."""

    playbook: Playbook
    triggers: Triggers
    next_steps: Mapping[Temperature, NextStep]
    raw_age_alert_days: int
    calendar: BusinessCalendar
