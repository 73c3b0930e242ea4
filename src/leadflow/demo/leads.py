"""A person's story before the pipeline: interest, promotion, qualification, follow-ups.

Each step asks the domain what happens (apply_event, qualify, confirm_disqualification,
read_temperature, next_step_for) and writes down the answer with who, when and why, the
way the services would have if the team had done it by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from leadflow.crm.models.work import FOLLOW_UP_TASK
from leadflow.demo.plan import (
    Config,
    PlannedActivity,
    PlannedAvoid,
    PlannedPerson,
    PlannedProposal,
    PlannedQualification,
    PlannedTask,
    PlannedTypeChange,
    Staff,
)
from leadflow.demo.timeline import Clock
from leadflow.domain import people
from leadflow.domain import qualification as q
from leadflow.domain.people import PersonEvent, PersonType, Role
from leadflow.domain.profile import LeadProfile, Trait
from leadflow.domain.qualification import QualificationStatus
from leadflow.domain.temperature import (
    InterestActivity,
    follow_up_for,
    pulls_forward,
    read_temperature,
    temperature_of,
)

# Tasks that only make sense while we still try to get a first appointment.
PROSPECTING_TASKS = frozenset(
    {"call", "personal_follow_up", "callback", "confirm_disqualification"}
)


def domain_activities(activities: Iterable[PlannedActivity]) -> list[InterestActivity]:
    return [InterestActivity(a.kind, a.wish, a.at.date(), a.problem_indicators) for a in activities]


def add_activity(person: PlannedPerson, config: Config, activity: PlannedActivity) -> None:
    """Record an interest activity; the first one turns a prospect into a lead."""
    activity.temperature = temperature_of(
        InterestActivity(activity.kind, activity.wish, activity.at.date()), config.triggers
    )
    person.activities.append(activity)
    change = people.apply_event(PersonType(person.person_type), PersonEvent.INTEREST_SHOWN)
    if change.changed:
        person.person_type = change.after.value
        person.became_lead_at = activity.at
        person.lead_source = person.lead_source or activity.source
        person.first_campaign = person.first_campaign or activity.campaign
        person.type_changes.append(
            PlannedTypeChange(
                change.before.value,
                change.after.value,
                change.event.value,
                activity.at,
                change.reason,
                activity.by,
            )
        )


def read_temperature_into(person: PlannedPerson, config: Config) -> None:
    reading = read_temperature(domain_activities(person.activities), config.triggers)
    if reading is not None:
        person.temperature = int(reading.temperature)
        person.temperature_explanation = reading.explanation
        person.has_problem_indicators = reading.has_problem_indicators


def _store(person: PlannedPerson, record: PlannedQualification) -> None:
    result = record.result
    person.qualifications.append(record)
    person.qualification_status = result.status.value
    person.unqualified_reason = result.reason.value if result.reason else None
    person.sweet_spot = result.sweet_spot
    person.qualification_explanation = result.explanation
    person.incomplete = result.incomplete


def _alert_task(
    person: PlannedPerson,
    clock: Clock,
    config: Config,
    kind: str,
    note: str,
    at_: PlannedQualification,
) -> PlannedTask:
    due = clock.calendar.add_business_days(at_.at.date(), config.raw_age_alert_days)
    task = PlannedTask(kind, Role.SETTER.value, due, note, at_.at)
    person.tasks.append(task)
    return task


def qualify_lead(
    person: PlannedPerson,
    profile: LeadProfile,
    result: q.Qualification,
    *,
    config: Config,
    clock: Clock,
    staff: Staff,
) -> None:
    """Store the automatic verdict, open its proposals, and let a setter who called the
    lead confirm or reject them when that call has happened by now."""
    assert person.became_lead_at is not None
    first = PlannedQualification(person.became_lead_at, "automatic", result, by=None)
    _store(person, first)
    if result.incomplete:
        missing = ", ".join(t.value.replace("_", " ") for t in result.missing)
        _alert_task(
            person, clock, config, "gather_missing_information", f"missing: {missing}", first
        )
    if not result.proposed:
        return
    proposals = [
        PlannedProposal(
            p.criterion.criterion.trait.value, p.reason.value, p.criterion.describe(), first.at
        )
        for p in result.proposed
    ]
    person.proposals.extend(proposals)
    task = _alert_task(
        person,
        clock,
        config,
        "confirm_disqualification",
        "; ".join(p.detail for p in proposals),
        first,
    )
    rng = clock.rng
    called = clock.after(first.at, 1, 6)
    recent = (clock.now - first.at).days < 21
    if not clock.past(called) or rng.random() < (0.6 if recent else 0.08):
        return  # still waiting for that call: a raw lead with an open proposal
    setter = rng.choice(staff.setters)
    for proposal in proposals:
        proposal.resolved_by, proposal.resolved_at = setter, called
    task.done_at = called
    chosen = result.proposed[0]
    if rng.random() < 0.75:
        proposals[0].status = "confirmed"
        proposals[0].note = "talked to them: " + chosen.criterion.describe()
        for other in proposals[1:]:
            other.status = "superseded"
        # As the service does it: from the stored proposal's reason and description.
        verdict = q.confirm_disqualification(
            chosen.reason, proposals[0].detail, by=setter, note=proposals[0].note
        )
        _store(person, PlannedQualification(called, "confirmed", verdict, by=setter))
        return
    for proposal in proposals:
        proposal.status = "rejected"
        proposal.note = "talked to them: it is not what the record said"
    waived = frozenset(Trait(p.trait) for p in proposals)
    person.waived_traits = sorted(t.value for t in waived)
    verdict = q.qualify(profile, config.playbook, waived=waived)
    _store(person, PlannedQualification(called, "rejected", verdict, by=setter))


def schedule_next_steps(person: PlannedPerson, *, config: Config, clock: Clock) -> None:
    """The temperature's next step after each activity, decided by the same domain rules
    as the services: a hotter activity pulls an open task forward, a cooler one leaves it
    alone, and an unqualified lead gets no personal follow-up."""
    seen: list[PlannedActivity] = []
    open_task: PlannedTask | None = None
    for activity in person.activities:
        seen.append(activity)
        reading = read_temperature(domain_activities(seen), config.triggers)
        if reading is None:
            continue
        follow_up = follow_up_for(
            reading.temperature,
            activity.at.date(),
            clock.calendar,
            qualification=_status_at(person, activity.at),
            steps=config.next_steps,
        )
        if follow_up is None:
            continue
        kind, due = FOLLOW_UP_TASK[follow_up.action], follow_up.due
        still_open = open_task is not None and (
            open_task.done_at is None or open_task.done_at > activity.at
        )
        if open_task is not None and still_open:
            if pulls_forward(open_task.due_on, follow_up):
                open_task.due_on, open_task.kind = due, kind
                open_task.done_at = _worked(clock, due, open_task.created_at)
            continue
        open_task = PlannedTask(
            kind,
            Role.SETTER.value,
            due,
            follow_up.step.describe(),
            activity.at,
            done_at=_worked(clock, due, activity.at),
        )
        person.tasks.append(open_task)


def _status_at(person: PlannedPerson, at: datetime) -> QualificationStatus | None:
    """The lead's qualification as it stood at `at` (decisions are kept in time order)."""
    status = None
    for decision in person.qualifications:
        if decision.at <= at:
            status = decision.result.status
    return status


def _worked(clock: Clock, due: date | None, created: datetime) -> datetime | None:
    """When a setter works the task: on its due date, now and then a day late; one in ten
    is never worked and stays open (the overdue queue a real team has)."""
    if due is None or clock.rng.random() < 0.1:
        return None
    worked = clock.at(clock.calendar.add_business_days(due, clock.rng.choice((0, 0, 0, 1))))
    return max(worked, created + timedelta(minutes=30))


def close_tasks(
    person: PlannedPerson,
    at: datetime,
    note: str,
    *,
    kinds: frozenset[str] | None = None,
    opportunity: int | None = None,
) -> None:
    """Close the tasks still open at `at` (of these kinds, or on this opportunity)."""
    for task in person.tasks:
        if task.created_at > at or (task.done_at is not None and task.done_at <= at):
            continue
        if kinds is not None and task.kind not in kinds:
            continue
        if opportunity is not None and task.opportunity != opportunity:
            continue
        task.done_at, task.note = at, note


def put_on_avoid(person: PlannedPerson, *, by: str, reason: str, at: datetime) -> None:
    """On the Avoid list with who, when and why; nobody works this person any more."""
    change = people.put_on_avoid(PersonType(person.person_type), by=by, reason=reason)
    person.type_before_avoid = person.person_type
    person.person_type = change.after.value
    person.type_changes.append(
        PlannedTypeChange(
            change.before.value, change.after.value, change.event.value, at, change.reason, by
        )
    )
    person.avoid = PlannedAvoid(change.reason, by, at)
    close_tasks(person, at, "closed: person put on Avoid")


def settle_tasks(person: PlannedPerson, now: datetime) -> None:
    """Work planned after now has not happened yet: those tasks are open."""
    for task in person.tasks:
        if task.done_at is not None and task.done_at >= now:
            task.done_at = None
