"""Reads about one person: everything the person page shows.

The person page shows decisions with their reasons, never re-deciding them here: the
qualification explanation is the stored one, and channels come from the one eligibility
function in `domain/channels.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch
from django.utils import timezone

from leadflow.crm import adapters
from leadflow.crm.models import (
    Activity,
    Appointment,
    AvoidEntry,
    ConsentChange,
    Opportunity,
    Person,
    ProposedDisqualification,
    QualificationRecord,
    StageChange,
    Task,
    TypeChangeRecord,
)
from leadflow.crm.models.work import CallLog
from leadflow.domain.calls import CallOutcome
from leadflow.domain.channels import Channel, eligibility
from leadflow.domain.people import PersonType
from leadflow.domain.pipeline import Stage
from leadflow.domain.qualification import Verdict
from leadflow.domain.temperature import Temperature
from leadflow.scoring.service import LeadScore, score_people


@dataclass(frozen=True)
class CriterionLine:
    """One criterion as it was judged: "employee_count at least 10", passed, "is 25"."""

    text: str
    criterion: str
    verdict: str  # a Verdict value, or "" when the stored text has another shape
    actual: str


@dataclass(frozen=True)
class AvatarLine:
    name: str
    fits: bool
    criteria: tuple[CriterionLine, ...]


@dataclass(frozen=True)
class QualificationDetail:
    """The stored judgment behind the lead's status: rules, avatars, what is missing."""

    kind: str
    status: str
    at: datetime
    by: str
    reason: str
    rules: tuple[CriterionLine, ...]
    avatars: tuple[AvatarLine, ...]
    proposed: tuple[str, ...]
    missing: tuple[str, ...]


@dataclass(frozen=True)
class ChannelLine:
    channel: str
    label: str
    allowed: bool
    why_not: str


@dataclass(frozen=True)
class StageLine:
    at: datetime
    by: str
    before: str
    after: str
    reason: str
    details: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class OpportunityLine:
    opportunity: Opportunity
    stage: str
    is_open: bool
    setter: str
    rep: str
    history: tuple[StageLine, ...]  # newest first
    appointments: tuple[Appointment, ...]


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    title: str
    by: str
    why: str


@dataclass(frozen=True)
class PersonDetail:
    person: Person
    avoid_entry: AvoidEntry | None
    avoid_added_by: str
    latest_record: QualificationRecord | None
    judgment: QualificationDetail | None
    open_proposals: tuple[ProposedDisqualification, ...]
    channels: tuple[ChannelLine, ...]
    opportunities: tuple[OpportunityLine, ...]
    timeline: tuple[TimelineEntry, ...]
    open_tasks: tuple[Task, ...]
    done_tasks: tuple[Task, ...]
    calls: tuple[CallLog, ...]  # newest first
    today: date  # for "overdue" next to an open task
    # The learned lead score (issue 7), beside temperature: None when the person is not a
    # lead or no model has been trained.
    score: LeadScore | None = None


def who(user: AbstractBaseUser | None) -> str:
    if user is None:
        return "system"
    full_name = getattr(user, "get_full_name", None)
    return (full_name() if full_name else "") or user.get_username()


_DESCRIBED = re.compile(
    r"^(?P<criterion>.*): (?P<verdict>"
    + "|".join(v.value for v in Verdict)
    + r") \(is (?P<actual>.*)\)$",
    re.DOTALL,
)


def criterion_line(text: str) -> CriterionLine:
    """Split a stored `CriterionResult.describe()` so a page can mark passed and failed."""
    found = _DESCRIBED.match(text)
    if found is None:
        return CriterionLine(text, text, "", "")
    return CriterionLine(text, found["criterion"], found["verdict"], found["actual"])


def _strings(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def qualification_detail(record: QualificationRecord) -> QualificationDetail:
    details = record.details if isinstance(record.details, dict) else {}
    avatars = tuple(
        AvatarLine(
            name=str(a.get("avatar", "")),
            fits=bool(a.get("fits")),
            criteria=tuple(criterion_line(c) for c in _strings(a.get("criteria"))),
        )
        for a in details.get("avatars", [])
        if isinstance(a, dict)
    )
    proposed = tuple(
        f"{str(p.get('reason', '')).replace('_', ' ')}: {p.get('criterion', '')}"
        for p in details.get("proposed", [])
        if isinstance(p, dict)
    )
    return QualificationDetail(
        kind=record.kind,
        status=record.get_status_display(),
        at=record.at,
        by=who(record.by),
        reason=record.reason,
        rules=tuple(criterion_line(c) for c in _strings(details.get("rules"))),
        avatars=avatars,
        proposed=proposed,
        missing=tuple(t.replace("_", " ") for t in _strings(details.get("missing"))),
    )


def _judgment(records: list[QualificationRecord]) -> QualificationDetail | None:
    """The newest record that judged rules or avatars. A confirmation or a lost deal
    stores no criteria; the criteria shown are then those of the judgment before it."""
    for record in records:
        details = record.details if isinstance(record.details, dict) else {}
        if details.get("rules") or details.get("avatars"):
            return qualification_detail(record)
    return None


def _channels(
    person: Person, *, has_open_opportunity: bool, avoid_entry: AvoidEntry | None
) -> tuple[ChannelLine, ...]:
    subject = adapters.channel_subject(
        person, has_open_opportunity=has_open_opportunity, avoid_entry=avoid_entry
    )
    lines = []
    for channel in Channel:
        decision = eligibility(subject, channel)
        lines.append(
            ChannelLine(
                channel=channel.value,
                label=channel.value.replace("-", " ").capitalize(),
                allowed=decision.allowed,
                why_not="" if decision.allowed else decision.explain(),
            )
        )
    return tuple(lines)


def _stage_label(value: str) -> str:
    return Stage(value).label if value else ""


def _stage_details(change: StageChange) -> tuple[tuple[str, str], ...]:
    """What the move recorded beyond its reason (callback date, value...), each once."""
    details = change.details if isinstance(change.details, dict) else {}
    return tuple(
        (key.replace("_", " "), str(value))
        for key, value in sorted(details.items())
        if str(value) != change.reason
    )


def _opportunities(person: Person) -> tuple[OpportunityLine, ...]:
    rows = (
        Opportunity.objects.filter(person=person)
        .select_related("setter", "rep")
        .prefetch_related(
            Prefetch(
                "stage_changes",
                queryset=StageChange.objects.select_related("by").order_by("-at", "-id"),
            ),
            Prefetch(
                "appointments",
                queryset=Appointment.objects.select_related("setter", "rep").order_by(
                    "-scheduled_at", "-id"
                ),
            ),
        )
        .order_by("-created_at", "-id")
    )
    return tuple(
        OpportunityLine(
            opportunity=o,
            stage=Stage(o.stage).label,
            is_open=o.is_open,
            setter=who(o.setter) if o.setter_id else "",
            rep=who(o.rep) if o.rep_id else "",
            history=tuple(
                StageLine(
                    at=c.at,
                    by=who(c.by),
                    before=_stage_label(c.before),
                    after=_stage_label(c.after),
                    reason=c.reason,
                    details=_stage_details(c),
                )
                for c in o.stage_changes.all()
            ),
            appointments=tuple(o.appointments.all()),
        )
        for o in rows
    )


def _call_entry(call: CallLog) -> TimelineEntry:
    outcome = CallOutcome(call.outcome).label
    why = "; ".join(part for part in (call.reason, call.note) if part)
    return TimelineEntry(call.at, "call", f"Call: {outcome}", who(call.by), why)


def _timeline(
    person: Person, records: list[QualificationRecord], calls: tuple[CallLog, ...]
) -> tuple[TimelineEntry, ...]:
    """Activities, type changes, qualification records, consent changes, Avoid entries
    and calls of one person, newest first: who, when, why."""
    entries: list[TimelineEntry] = []
    for a in Activity.objects.filter(person=person).select_related("recorded_by", "campaign"):
        where = f" ({a.campaign.name})" if a.campaign else ""
        why = [a.note, *(f"problem: {p}" for p in a.problem_indicators or [])]
        entries.append(
            TimelineEntry(
                a.occurred_at,
                "activity",
                f"{a.get_kind_display()}{where}: follow-up wish {a.wish}, "
                f"{Temperature(a.temperature).label}",
                who(a.recorded_by),
                "; ".join(part for part in why if part),
            )
        )
    for t in TypeChangeRecord.objects.filter(person=person).select_related("by"):
        entries.append(
            TimelineEntry(
                t.at, "type", f"Type {t.before or 'new'} → {t.after}", who(t.by), t.reason
            )
        )
    for r in records:
        tag = f", sweet spot {r.sweet_spot}" if r.sweet_spot else ""
        reason = f" ({r.get_unqualified_reason_display()})" if r.unqualified_reason else ""
        entries.append(
            TimelineEntry(
                r.at,
                "qualification",
                f"Qualification {r.kind}: {r.status}{reason}{tag}",
                who(r.by),
                r.reason,
            )
        )
    for c in ConsentChange.objects.filter(person=person).select_related("by"):
        state = "set" if c.value else "cleared"
        entries.append(
            TimelineEntry(c.at, "consent", f"{c.get_flag_display()} {state}", who(c.by), c.reason)
        )
    for e in AvoidEntry.objects.filter(person=person).select_related("added_by", "lifted_by"):
        entries.append(
            TimelineEntry(e.added_at, "avoid", "Put on the Avoid list", who(e.added_by), e.reason)
        )
        if e.lifted_at is not None:
            entries.append(
                TimelineEntry(
                    e.lifted_at,
                    "avoid",
                    "Lifted from the Avoid list",
                    who(e.lifted_by),
                    e.lift_reason,
                )
            )
    entries.extend(_call_entry(c) for c in calls)
    # Ties keep cause before effect (activity, type change, judgment), shown newest first.
    ordered = sorted(enumerate(entries), key=lambda pair: (pair[1].at, pair[0]), reverse=True)
    return tuple(entry for _, entry in ordered)


def _score(person: Person) -> LeadScore | None:
    """Only a lead has a chance still to take; a client already took it."""
    if person.person_type != PersonType.LEAD:
        return None
    scores = score_people([person.pk])
    return None if scores is None else scores.get(person.pk)


def person_detail(person_id: int) -> PersonDetail | None:
    person = (
        Person.objects.select_related("company", "sweet_spot", "lead_source", "first_campaign")
        .filter(pk=person_id)
        .first()
    )
    if person is None:
        return None
    avoid_entry = (
        AvoidEntry.objects.filter(person=person, lifted_at__isnull=True)
        .select_related("added_by")
        .order_by("-added_at")
        .first()
    )
    records = list(
        QualificationRecord.objects.filter(person=person)
        .select_related("by")
        .order_by("-at", "-id")
    )
    opportunities = _opportunities(person)
    calls = tuple(CallLog.objects.filter(person=person).select_related("by").order_by("-at", "-id"))
    tasks = list(
        Task.objects.filter(person=person)
        .select_related("assignee", "opportunity")
        .order_by("due_on", "id")
    )
    return PersonDetail(
        person=person,
        avoid_entry=avoid_entry,
        avoid_added_by=who(avoid_entry.added_by) if avoid_entry else "",
        latest_record=records[0] if records else None,
        judgment=_judgment(records),
        open_proposals=tuple(
            ProposedDisqualification.objects.filter(
                person=person, status=ProposedDisqualification.Status.OPEN
            ).order_by("proposed_at", "id")
        ),
        channels=_channels(
            person,
            has_open_opportunity=any(o.is_open for o in opportunities),
            avoid_entry=avoid_entry,
        ),
        opportunities=opportunities,
        timeline=_timeline(person, records, calls),
        open_tasks=tuple(t for t in tasks if t.done_at is None),
        done_tasks=tuple(
            sorted(
                (t for t in tasks if t.done_at is not None),
                key=lambda t: t.done_at or t.created_at,
                reverse=True,
            )
        ),
        calls=calls,
        today=timezone.localdate(),
        score=_score(person),
    )
