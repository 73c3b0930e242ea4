"""What the people endpoints answer about a person: who they are, their judgment with its
reasons, their channels and timeline, in stable snake_case names.

Values are the domain's own (``"lead"``, ``"qualified"``, ``"email-drip"``); temperature
is its word (``"hot"``), never the number it is stored as. The builders only read what the
selectors already decided: nothing here re-judges a person.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from leadflow.api.errors import ApiError
from leadflow.api.people_records import (
    AvoidEntryOut,
    ProposalOut,
    Ref,
    avoid_entry_out,
    proposal_out,
    ref,
    temperature_word,
)
from leadflow.api.schemas import MAX_ID
from leadflow.crm.models import Person, Task
from leadflow.crm.selectors.people import (
    CriterionLine,
    PersonDetail,
    QualificationDetail,
    TimelineEntry,
)
from leadflow.domain.profile import Authority


class CompanyOut(Schema):
    id: int
    name: str
    domain: str
    niche: str
    company_type: str
    employee_count: int | None
    geography: str


class PersonSummary(Schema):
    """A person as a list shows them."""

    id: int
    name: str
    email: str
    phone: str
    title: str
    company: str | None
    person_type: str
    qualification_status: str | None
    unqualified_reason: str | None
    sweet_spot: str | None
    temperature: str | None = Field(description="cold, cool, warm or hot")
    lead_source: str | None
    incomplete: bool
    created_at: datetime


class PersonOut(Schema):
    """A person with every field leadflow keeps about them."""

    id: int
    name: str
    first_name: str
    last_name: str
    email: str
    phone: str
    title: str
    authority: str | None
    external_id: str | None
    company: CompanyOut | None
    street: str
    city: str
    region: str
    postcode: str
    country: str
    person_type: str
    qualification_status: str | None
    unqualified_reason: str | None
    sweet_spot: Ref | None
    qualification_explanation: str
    incomplete: bool
    temperature: str | None
    temperature_explanation: str
    has_problem_indicators: bool
    monthly_budget: Decimal | None
    outsourcing: str | None
    switch_reason: str | None
    need: str | None
    services_wanted: list[str]
    lead_source: Ref | None
    first_campaign: Ref | None
    email_opt_out: bool
    do_not_call: bool
    client_refunded: bool
    client_late_pay: bool
    created_at: datetime
    became_lead_at: datetime | None
    became_client_at: datetime | None


class CriterionOut(Schema):
    text: str
    criterion: str
    verdict: str = Field(description="passed, failed or unknown; blank for another shape")
    actual: str


class AvatarOut(Schema):
    name: str
    fits: bool
    criteria: list[CriterionOut]


class QualificationOut(Schema):
    """The judgment behind the status: which rule or avatar decided, what failed."""

    kind: str
    status: str
    at: datetime
    by: str
    reason: str
    rules: list[CriterionOut]
    avatars: list[AvatarOut]
    proposed: list[str]
    missing: list[str]


class ChannelOut(Schema):
    channel: str
    allowed: bool
    why_not: str


class OpportunityBrief(Schema):
    id: int
    stage: str
    is_open: bool
    setter: str
    rep: str
    created_at: datetime


class TaskOut(Schema):
    id: int
    kind: str
    role: str
    due_on: date | None
    note: str


class TimelineOut(Schema):
    at: datetime
    kind: str
    title: str
    by: str
    why: str


class PersonDetailOut(Schema):
    person: PersonOut
    avoid_entry: AvoidEntryOut | None
    qualification: QualificationOut | None = Field(
        description="the newest judgment of rules and avatars, with its reasons"
    )
    open_proposals: list[ProposalOut]
    channels: list[ChannelOut] = Field(description="every channel: allowed, or why not")
    opportunities: list[OpportunityBrief]
    open_tasks: list[TaskOut]
    timeline: list[TimelineOut] = Field(description="newest first: who, when, why")


def _or_none(text: str | None) -> str | None:
    return text or None


def person_summary(p: Person) -> dict[str, Any]:
    return {
        "id": p.pk,
        "name": p.full_name,
        "email": p.email,
        "phone": p.phone,
        "title": p.title,
        "company": p.company.name if p.company_id and p.company else None,
        "person_type": p.person_type,
        "qualification_status": p.qualification_status,
        "unqualified_reason": p.unqualified_reason,
        "sweet_spot": p.sweet_spot.name if p.sweet_spot_id and p.sweet_spot else None,
        "temperature": temperature_word(p.temperature),
        "lead_source": p.lead_source.name if p.lead_source_id and p.lead_source else None,
        "incomplete": p.incomplete,
        "created_at": p.created_at,
    }


def person_out(p: Person) -> dict[str, Any]:
    company = p.company
    return {
        "id": p.pk,
        "name": p.full_name,
        "first_name": p.first_name,
        "last_name": p.last_name,
        "email": p.email,
        "phone": p.phone,
        "title": p.title,
        "authority": Authority(p.authority).name.lower() if p.authority is not None else None,
        "external_id": p.external_id,
        "company": None
        if company is None
        else {
            "id": company.pk,
            "name": company.name,
            "domain": company.domain,
            "niche": company.niche,
            "company_type": company.company_type,
            "employee_count": company.employee_count,
            "geography": company.geography,
        },
        "street": p.street,
        "city": p.city,
        "region": p.region,
        "postcode": p.postcode,
        "country": p.country,
        "person_type": p.person_type,
        "qualification_status": p.qualification_status,
        "unqualified_reason": p.unqualified_reason,
        "sweet_spot": ref(p.sweet_spot),
        "qualification_explanation": p.qualification_explanation,
        "incomplete": p.incomplete,
        "temperature": temperature_word(p.temperature),
        "temperature_explanation": p.temperature_explanation,
        "has_problem_indicators": p.has_problem_indicators,
        "monthly_budget": p.monthly_budget,
        "outsourcing": _or_none(p.outsourcing),
        "switch_reason": _or_none(p.switch_reason),
        "need": _or_none(p.need),
        "services_wanted": [str(s) for s in p.services_wanted or []],
        "lead_source": ref(p.lead_source),
        "first_campaign": ref(p.first_campaign),
        "email_opt_out": p.email_opt_out,
        "do_not_call": p.do_not_call,
        "client_refunded": p.client_refunded,
        "client_late_pay": p.client_late_pay,
        "created_at": p.created_at,
        "became_lead_at": p.became_lead_at,
        "became_client_at": p.became_client_at,
    }


def load_person(person_id: int) -> Person:
    """The person with what `person_out` reads; a 404 when there is none."""
    found = None
    if 1 <= person_id <= MAX_ID:  # a larger number would overflow the query, not miss
        found = (
            Person.objects.select_related("company", "sweet_spot", "lead_source", "first_campaign")
            .filter(pk=person_id)
            .first()
        )
    if found is None:
        raise ApiError(404, "not_found", "no such person")
    return found


def _criterion(line: CriterionLine) -> dict[str, Any]:
    return {
        "text": line.text,
        "criterion": line.criterion,
        "verdict": line.verdict,
        "actual": line.actual,
    }


def qualification_out(j: QualificationDetail) -> dict[str, Any]:
    return {
        "kind": j.kind,
        # The selector gives the label ("Qualified"); the API gives the value, one word.
        "status": j.status.lower(),
        "at": j.at,
        "by": j.by,
        "reason": j.reason,
        "rules": [_criterion(c) for c in j.rules],
        "avatars": [
            {"name": a.name, "fits": a.fits, "criteria": [_criterion(c) for c in a.criteria]}
            for a in j.avatars
        ],
        "proposed": list(j.proposed),
        "missing": list(j.missing),
    }


def _task(t: Task) -> dict[str, Any]:
    return {"id": t.pk, "kind": t.kind, "role": t.role, "due_on": t.due_on, "note": t.note}


def _timeline(t: TimelineEntry) -> dict[str, Any]:
    return {"at": t.at, "kind": t.kind, "title": t.title, "by": t.by, "why": t.why}


def person_detail_out(d: PersonDetail) -> dict[str, Any]:
    return {
        "person": person_out(d.person),
        "avoid_entry": avoid_entry_out(d.avoid_entry) if d.avoid_entry else None,
        "qualification": qualification_out(d.judgment) if d.judgment else None,
        "open_proposals": [proposal_out(p) for p in d.open_proposals],
        "channels": [
            {"channel": c.channel, "allowed": c.allowed, "why_not": c.why_not} for c in d.channels
        ],
        "opportunities": [
            {
                "id": o.opportunity.pk,
                "stage": o.opportunity.stage,
                "is_open": o.is_open,
                "setter": o.setter,
                "rep": o.rep,
                "created_at": o.opportunity.created_at,
            }
            for o in d.opportunities
        ],
        "open_tasks": [_task(t) for t in d.open_tasks],
        "timeline": [_timeline(t) for t in d.timeline],
    }
