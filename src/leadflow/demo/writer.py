"""Write a planned world with one bulk insert per table (in chunks), never a row at a time.

Rows go in parent-first order so each child can point at the keys its parents got back
from `bulk_create` (SQLite and PostgreSQL both return them). The caller holds the
transaction: a half-written demo world never exists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.db import models

from leadflow.crm.models import (
    Activity,
    Appointment,
    Avatar,
    AvoidEntry,
    Campaign,
    Company,
    ConsentChange,
    Opportunity,
    Person,
    ProposedDisqualification,
    QualificationRecord,
    Source,
    StageChange,
    Task,
    TypeChangeRecord,
)
from leadflow.crm.services.qualification import explanation_details
from leadflow.demo.plan import PlannedPerson, World
from leadflow.domain.qualification import Qualification
from leadflow.reports import facts

BATCH = 500
M = TypeVar("M", bound=models.Model)
Step = Callable[[str], None]


def _bulk(model: type[M], rows: Iterable[M]) -> list[M]:
    return model._default_manager.bulk_create(list(rows), batch_size=BATCH)


def write_world(world: World, *, users: dict[str, User], step: Step) -> dict[str, int]:
    """Insert the world; returns how many rows went into each table."""
    user = users.get

    def who(username: str | None) -> User | None:
        return user(username) if username else None

    step("sources and campaigns")
    names = sorted({c.source for c in world.campaigns})
    sources = {s.name: s for s in Source.objects.filter(name__in=names)}
    sources.update(
        {s.name: s for s in _bulk(Source, (Source(name=n) for n in names if n not in sources))}
    )
    campaigns = {
        c.name: c
        for c in _bulk(
            Campaign,
            (
                Campaign(
                    name=c.name,
                    source=sources[c.source],
                    started_on=c.started_on,
                    spam_count=c.spam_count,
                )
                for c in world.campaigns
            ),
        )
    }

    step("companies")
    companies = _bulk(Company, (Company(**vars(c)) for c in world.companies))

    step("people")
    avatars = {a.name: a for a in Avatar.objects.all()}
    people = _bulk(
        Person,
        (
            _person(p, companies, avatars, sources, campaigns, who(p.created_by))
            for p in world.people
        ),
    )
    pairs = list(zip(world.people, people, strict=True))

    step("opportunities")
    planned_opps = [
        (plan, row, i, o) for plan, row in pairs for i, o in enumerate(plan.opportunities)
    ]
    opportunities = _bulk(
        Opportunity,
        (
            Opportunity(
                person=row,
                stage=o.stage,
                stage_entered_at=o.stage_entered_at or o.created_at,
                setter=who(o.setter),
                rep=who(o.rep),
                created_at=o.created_at,
                closed_at=o.closed_at,
                lost_reason=o.lost_reason,
                disposition=o.disposition,
                contract_value=o.contract_value,
                services_bought=o.services_bought,
            )
            for _, row, _, o in planned_opps
        ),
    )
    opp_of = {
        (id(plan), i): opp for (plan, _, i, _), opp in zip(planned_opps, opportunities, strict=True)
    }

    step("appointments and stage history")
    appointments = _bulk(
        Appointment,
        (
            Appointment(
                opportunity=opp,
                setter=who(a.setter),
                rep=who(a.rep),
                scheduled_at=a.scheduled_at,
                booked_at=a.booked_at,
                has_problem_we_solve=True,
                has_authority_to_buy=True,
                agreed_to_talk_to_sales=True,
                outcome=a.outcome,
                outcome_at=a.outcome_at,
                callback_on=a.callback_on,
            )
            for (_, _, _, o), opp in zip(planned_opps, opportunities, strict=True)
            for a in o.appointments
        ),
    )
    changes = _bulk(
        StageChange,
        (
            StageChange(
                opportunity=opp,
                before=c.before,
                after=c.after,
                details=c.details,
                reason=c.reason,
                by=who(c.by),
                at=c.at,
            )
            for (_, _, _, o), opp in zip(planned_opps, opportunities, strict=True)
            for c in o.changes
        ),
    )

    step("history of types and qualifications")
    type_changes = _bulk(
        TypeChangeRecord,
        (
            TypeChangeRecord(
                person=row,
                before=t.before,
                after=t.after,
                event=t.event,
                reason=t.reason,
                by=who(t.by),
                at=t.at,
            )
            for plan, row in pairs
            for t in plan.type_changes
        ),
    )
    qualifications = _bulk(
        QualificationRecord,
        (
            QualificationRecord(
                person=row,
                kind=r.kind,
                status=r.result.status.value,
                unqualified_reason=r.result.reason.value if r.result.reason else None,
                sweet_spot=r.result.sweet_spot or "",
                details=_details(
                    r.result,
                    opp_of[(id(plan), r.opportunity)] if r.opportunity is not None else None,
                ),
                reason=r.result.explanation,
                by=who(r.by),
                at=r.at,
            )
            for plan, row in pairs
            for r in plan.qualifications
        ),
    )

    step("activities")
    activities = _bulk(
        Activity,
        (
            Activity(
                person=row,
                kind=a.kind.value,
                wish=a.wish.value,
                occurred_at=a.at,
                campaign=campaigns.get(a.campaign) if a.campaign else None,
                source=sources.get(a.source) if a.source else None,
                problem_indicators=list(a.problem_indicators),
                temperature=int(a.temperature),
                note=a.note,
                recorded_by=who(a.by),
                recorded_at=a.at,  # the demo's history was recorded as it happened
            )
            for plan, row in pairs
            for a in plan.activities
        ),
    )

    step("tasks and proposals")
    tasks = _bulk(
        Task,
        (
            Task(
                person=row,
                opportunity=opp_of.get((id(plan), t.opportunity))
                if t.opportunity is not None
                else None,
                kind=t.kind,
                role=t.role,
                assignee=who(t.assignee),
                due_on=t.due_on,
                note=t.note,
                created_at=t.created_at,
                done_at=t.done_at,
            )
            for plan, row in pairs
            for t in plan.tasks
        ),
    )
    proposals = _bulk(
        ProposedDisqualification,
        (
            ProposedDisqualification(
                person=row,
                reason=p.reason,
                trait=p.trait,
                detail=p.detail,
                status=p.status,
                proposed_at=p.at,
                resolved_by=who(p.resolved_by),
                resolved_at=p.resolved_at,
                note=p.note,
            )
            for plan, row in pairs
            for p in plan.proposals
        ),
    )

    step("Avoid list and consent history")
    avoid = _bulk(
        AvoidEntry,
        (
            AvoidEntry(
                person=row,
                email_normalized=plan.email_normalized or "",
                phone_normalized=plan.phone_normalized or "",
                company_domain="",
                reason=plan.avoid.reason,
                added_by=who(plan.avoid.by),
                added_at=plan.avoid.at,
            )
            for plan, row in pairs
            if plan.avoid is not None
        ),
    )
    consents = _bulk(
        ConsentChange,
        (
            ConsentChange(
                person=row, flag=c.flag, value=c.value, by=who(c.by), at=c.at, reason=c.reason
            )
            for plan, row in pairs
            for c in plan.consents
        ),
    )
    step("funnel facts")
    facts.refresh(p.pk for p in people)
    return {
        "campaigns": len(campaigns),
        "companies": len(companies),
        "people": len(people),
        "opportunities": len(opportunities),
        "appointments": len(appointments),
        "stage changes": len(changes),
        "type changes": len(type_changes),
        "qualification records": len(qualifications),
        "activities": len(activities),
        "tasks": len(tasks),
        "proposals": len(proposals),
        "avoid entries": len(avoid),
        "consent changes": len(consents),
    }


def _details(result: Qualification, opportunity: Opportunity | None) -> dict[str, Any]:
    # A loss judged "not a fit" points at the opportunity, as the pipeline service stores it.
    if opportunity is not None:
        return {"opportunity": opportunity.pk}
    return explanation_details(result)


def _person(
    p: PlannedPerson,
    companies: Sequence[Company],
    avatars: dict[str, Avatar],
    sources: dict[str, Source],
    campaigns: dict[str, Campaign],
    created_by: User | None,
) -> Person:
    return Person(
        first_name=p.first_name,
        last_name=p.last_name,
        email=p.email,
        email_normalized=p.email_normalized,
        phone=p.phone,
        phone_normalized=p.phone_normalized,
        title=p.title,
        company=companies[p.company] if p.company is not None else None,
        street=p.street,
        city=p.city,
        region=p.region,
        postcode=p.postcode,
        country=p.country,
        person_type=p.person_type,
        type_before_avoid=p.type_before_avoid,
        qualification_status=p.qualification_status,
        unqualified_reason=p.unqualified_reason,
        sweet_spot=avatars.get(p.sweet_spot) if p.sweet_spot else None,
        qualification_explanation=p.qualification_explanation,
        incomplete=p.incomplete,
        waived_traits=p.waived_traits,
        authority=p.authority,
        monthly_budget=p.monthly_budget,
        outsourcing=p.outsourcing,
        switch_reason=p.switch_reason,
        need=p.need,
        services_wanted=p.services_wanted,
        temperature=p.temperature,
        temperature_explanation=p.temperature_explanation,
        has_problem_indicators=p.has_problem_indicators,
        lead_source=sources.get(p.lead_source) if p.lead_source else None,
        first_campaign=campaigns.get(p.first_campaign) if p.first_campaign else None,
        email_opt_out=p.email_opt_out,
        do_not_call=p.do_not_call,
        client_refunded=p.client_refunded,
        client_late_pay=p.client_late_pay,
        created_at=p.created_at,
        became_lead_at=p.became_lead_at,
        became_client_at=p.became_client_at,
        created_by=created_by,
    )
