"""Records about a person the people endpoints answer with: activities, proposed
disqualifications and Avoid entries (who, when, why), in stable snake_case names."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from leadflow.crm.models import Activity, AvoidEntry, ProposedDisqualification
from leadflow.crm.selectors.people import who
from leadflow.domain.temperature import Temperature


def temperature_word(value: int | None) -> str | None:
    return Temperature(value).name.lower() if value is not None else None


class Ref(Schema):
    id: int
    name: str


class ProposalOut(Schema):
    id: int
    person_id: int
    reason: str
    trait: str
    detail: str
    status: str
    proposed_at: datetime
    proposed_by: str | None
    resolved_by: str | None
    resolved_at: datetime | None
    note: str


class AvoidEntryOut(Schema):
    id: int
    person: Ref | None
    email: str = Field(description="normalized")
    phone: str = Field(description="E.164")
    company_domain: str
    reason: str
    added_by: str
    added_at: datetime
    active: bool
    lifted_by: str | None
    lifted_at: datetime | None
    lift_reason: str


class ActivityOut(Schema):
    id: int
    kind: str
    wish: str
    occurred_at: datetime
    temperature: str
    campaign: Ref | None
    source: Ref | None
    problem_indicators: list[str]
    note: str
    recorded_by: str | None
    recorded_at: datetime


def ref(obj: Any) -> dict[str, Any] | None:
    return {"id": obj.pk, "name": str(obj)} if obj is not None else None


def proposal_out(p: ProposedDisqualification) -> dict[str, Any]:
    return {
        "id": p.pk,
        "person_id": p.person_id,
        "reason": p.reason,
        "trait": p.trait,
        "detail": p.detail,
        "status": p.status,
        "proposed_at": p.proposed_at,
        "proposed_by": who(p.proposed_by) if p.proposed_by_id else None,
        "resolved_by": who(p.resolved_by) if p.resolved_by_id else None,
        "resolved_at": p.resolved_at,
        "note": p.note,
    }


def avoid_entry_out(e: AvoidEntry) -> dict[str, Any]:
    return {
        "id": e.pk,
        "person": {"id": e.person.pk, "name": str(e.person)} if e.person else None,
        "email": e.email_normalized,
        "phone": e.phone_normalized,
        "company_domain": e.company_domain,
        "reason": e.reason,
        "added_by": who(e.added_by),
        "added_at": e.added_at,
        "active": e.active,
        "lifted_by": who(e.lifted_by) if e.lifted_by_id else None,
        "lifted_at": e.lifted_at,
        "lift_reason": e.lift_reason,
    }


def activity_out(a: Activity) -> dict[str, Any]:
    return {
        "id": a.pk,
        "kind": a.kind,
        "wish": a.wish,
        "occurred_at": a.occurred_at,
        "temperature": temperature_word(a.temperature),
        "campaign": ref(a.campaign),
        "source": ref(a.source),
        "problem_indicators": [str(p) for p in a.problem_indicators or []],
        "note": a.note,
        "recorded_by": who(a.recorded_by) if a.recorded_by_id else None,
        "recorded_at": a.recorded_at,
    }
