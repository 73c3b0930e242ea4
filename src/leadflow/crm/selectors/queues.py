"""Reads for the work queues: raw review, the call list, disqualification confirmations.

Each queue is one queryset the page paginates (so the database filters, orders and
counts), and a `*_rows` function that dresses one page of it with a fixed number of
extra queries, whatever the page size: nothing here runs a query per row.

A page is paginated as ids (`*_ids`, see `paging.py`) and then loaded (`in_order`): to
find the fifty on a page the database orders candidates, and with the joins in the same
statement it would join the company, avatar and campaign of every candidate it orders,
not only of those fifty (tens of thousands of raw or callable leads at a million people).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import product
from typing import TypeVar

from django.db.models import Exists, F, Min, Model, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from leadflow.crm import adapters
from leadflow.crm.models import Opportunity, Person, ProposedDisqualification, Task
from leadflow.crm.models.work import CALL_TASK_KINDS, CallLog
from leadflow.crm.selectors.paging import CappedIds, ConcatenatedIds
from leadflow.domain.channels import Channel, eligibility
from leadflow.domain.people import PersonType
from leadflow.domain.pipeline import CLOSED_STAGES
from leadflow.domain.qualification import QualificationStatus
from leadflow.domain.temperature import Temperature, next_step_for, priority_key
from leadflow.domain.worklists import business_ages, over_age

OPEN = ProposedDisqualification.Status.OPEN
_Row = TypeVar("_Row", Task, ProposedDisqualification)
_Model = TypeVar("_Model", bound=Model)
_PERSON_FIELDS = ("company", "sweet_spot", "lead_source", "first_campaign")


def page_ids(queryset: QuerySet[_Model]) -> QuerySet[_Model, int]:
    """The queue's ids in its order: what a page paginates (the count and the slice)."""
    return queryset.values_list("pk", flat=True)


def in_order(queryset: QuerySet[_Model], ids: Sequence[int]) -> list[_Model]:
    """The rows of one page, loaded with their joins, in the page's order; a row gone
    since the page was cut (deleted as spam a moment ago) is left out."""
    found = queryset.in_bulk(list(ids))
    return [found[pk] for pk in ids if pk in found]


def _by_person(rows: Iterable[_Row]) -> dict[int, list[_Row]]:
    grouped: dict[int, list[_Row]] = defaultdict(list)
    for row in rows:
        grouped[row.person_id].append(row)
    return grouped


def _last_calls(person_ids: Sequence[int]) -> dict[int, CallLog]:
    """Each person's latest call, in one query (newest first, the first seen wins)."""
    latest: dict[int, CallLog] = {}
    calls = CallLog.objects.filter(person_id__in=person_ids).select_related("by")
    for call in calls.order_by("person_id", "-at", "-id"):
        latest.setdefault(call.person_id, call)
    return latest


# ---------------------------------------------------------------------------------------
# Raw review


@dataclass(frozen=True)
class RawRow:
    person: Person
    arrived_on: date
    age: int  # business days waited, today included
    over_age: bool
    open_proposals: tuple[ProposedDisqualification, ...]
    gather_task: Task | None

    @property
    def still_raw(self) -> bool:
        return (
            self.person.person_type == PersonType.LEAD
            and self.person.qualification_status == QualificationStatus.RAW
        )


def raw_queue() -> QuerySet[Person]:
    """Raw leads, oldest first. Arrival is when the person became a lead, or was created
    if that is unknown: the dashboard's age alert counts the same way. The (type,
    status, temperature) index finds them; ordering by an expression also keeps the
    database from walking `became_lead_at`'s index through every lead to find the raw
    ones (raw leads are the newest)."""
    return Person.objects.filter(
        person_type=PersonType.LEAD, qualification_status=QualificationStatus.RAW
    ).order_by(Coalesce("became_lead_at", "created_at"), "id")


def raw_ids() -> CappedIds:
    return CappedIds(page_ids(raw_queue()))


def raw_people(ids: Sequence[int]) -> list[Person]:
    return in_order(Person.objects.select_related(*_PERSON_FIELDS), ids)


def _arrived_on(person: Person) -> date:
    return timezone.localdate(person.became_lead_at or person.created_at)


def raw_age_limit() -> int:
    """The configured raw-age alert, in business days."""
    return adapters.business_settings().raw_age_alert_business_days


def raw_rows(
    people: Sequence[Person], *, limit: int | None = None, today: date | None = None
) -> list[RawRow]:
    """One page of the raw queue with age, alert, open proposals and the gather task."""
    today = today or timezone.localdate()
    limit = raw_age_limit() if limit is None else limit
    ages = business_ages((_arrived_on(p) for p in people), today, adapters.calendar())
    ids = [p.pk for p in people]
    proposals = _by_person(
        ProposedDisqualification.objects.filter(person_id__in=ids, status=OPEN).order_by(
            "proposed_at", "id"
        )
    )
    gather = _by_person(
        Task.objects.filter(
            person_id__in=ids,
            kind=Task.Kind.GATHER_MISSING_INFORMATION,
            done_at__isnull=True,
        ).order_by("due_on", "id")
    )
    rows = []
    for person in people:
        arrived = _arrived_on(person)
        age = ages[arrived]
        rows.append(
            RawRow(
                person=person,
                arrived_on=arrived,
                age=age,
                over_age=over_age(age, limit),
                open_proposals=tuple(proposals.get(person.pk, ())),
                gather_task=next(iter(gather.get(person.pk, ())), None),
            )
        )
    return rows


def raw_row(person_id: int) -> RawRow | None:
    """One person as a raw-queue row, raw or not any more (after an action on it)."""
    person = Person.objects.select_related(*_PERSON_FIELDS).filter(pk=person_id).first()
    return raw_rows([person])[0] if person is not None else None


# ---------------------------------------------------------------------------------------
# Call list


@dataclass(frozen=True)
class CallRow:
    person: Person
    why: tuple[str, ...]  # why this lead may be called and sits where it does
    next_task: Task | None  # the earliest open call task
    playbook_step: str  # what the temperature's next step says, for a lead with no task
    due_on: date | None
    overdue: bool
    last_call: CallLog | None


def callable_leads() -> QuerySet[Person]:
    """Leads a setter may call, hottest first, problem indicators first, earliest due.

    The filter is the cheap, indexable part of telemarketing eligibility for a lead
    (qualified, sweet spot, a phone, not on do-not-call, no open opportunity); the page
    still asks `domain.channels.eligibility` about every row it shows, and a test holds
    the two to the same answer for every kind of person. The order is
    `domain.temperature.priority_key`, written in SQL so the database can paginate it.
    A lead whose "not interested" waits on the Confirmations page is left out: the next
    step there is a decision, not another call.
    """
    open_opportunity = Opportunity.objects.filter(person=OuterRef("pk")).exclude(
        stage__in=[s.value for s in CLOSED_STAGES]
    )
    open_proposal = ProposedDisqualification.objects.filter(person=OuterRef("pk"), status=OPEN)
    next_due = (
        Task.objects.filter(person=OuterRef("pk"), kind__in=CALL_TASK_KINDS, done_at__isnull=True)
        .order_by()
        .values("person")
        .annotate(due=Min("due_on"))
        .values("due")
    )
    return (
        Person.objects.filter(
            person_type=PersonType.LEAD,
            qualification_status=QualificationStatus.QUALIFIED,
            sweet_spot__isnull=False,
            do_not_call=False,
            phone_normalized__isnull=False,
        )
        .exclude(phone_normalized="")
        .filter(~Exists(open_opportunity), ~Exists(open_proposal))
        .annotate(next_due=Subquery(next_due))
        .select_related("company", "sweet_spot")
        .order_by(
            F("temperature").desc(nulls_last=True),
            F("has_problem_indicators").desc(),
            F("next_due").asc(nulls_last=True),
            "id",
        )
    )


def _call_groups() -> list[tuple[Temperature | None, bool]]:
    """(temperature, problem indicators) in `priority_key` order; no temperature last."""
    groups = sorted(
        product(Temperature, (True, False)), key=lambda g: priority_key(g[0], g[1], None)
    )
    return [*groups, (None, True), (None, False)]


def call_list_ids() -> ConcatenatedIds:
    """The call list group by group: the first page sorts only the hottest group by due
    date (hot leads with problem indicators), not every callable lead."""
    leads = callable_leads()
    parts = [
        page_ids(
            leads.filter(temperature=int(t), has_problem_indicators=problems)
            if t is not None
            else leads.filter(temperature__isnull=True, has_problem_indicators=problems)
        )
        for t, problems in _call_groups()
    ]
    return ConcatenatedIds(parts, counted=page_ids(leads))


def call_people(ids: Sequence[int]) -> list[Person]:
    return in_order(Person.objects.select_related("company", "sweet_spot"), ids)


def _why(person: Person) -> tuple[str, ...]:
    reasons = [f"sweet spot: {person.sweet_spot}" if person.sweet_spot else "sweet spot"]
    reasons.append("telemarketing allowed: qualified, has a phone, not on do-not-call")
    if person.temperature_explanation:
        reasons.append(person.temperature_explanation)
    elif person.has_problem_indicators:
        reasons.append("shows problem indicators")
    return tuple(reasons)


def call_rows(people: Sequence[Person], *, today: date | None = None) -> list[CallRow]:
    """One page of the call list, each row re-checked by the eligibility rule.

    `has_open_opportunity=False` is what the queryset established; a row the rule still
    refuses is left off rather than shown to a setter who would then call it.
    """
    today = today or timezone.localdate()
    steps = adapters.next_steps()
    ids = [p.pk for p in people]
    tasks = _by_person(
        Task.objects.filter(
            person_id__in=ids, kind__in=CALL_TASK_KINDS, done_at__isnull=True
        ).order_by(F("due_on").asc(nulls_last=True), "id")
    )
    last_calls = _last_calls(ids)
    rows = []
    for person in people:
        subject = adapters.channel_subject(person, has_open_opportunity=False, avoid_entry=None)
        if not eligibility(subject, Channel.TELEMARKETING).allowed:
            continue
        task = next(iter(tasks.get(person.pk, ())), None)
        due = task.due_on if task is not None else None
        temperature = Temperature(person.temperature) if person.temperature else None
        rows.append(
            CallRow(
                person=person,
                why=_why(person),
                next_task=task,
                playbook_step=next_step_for(temperature, steps).describe() if temperature else "",
                due_on=due,
                overdue=due is not None and due < today,
                last_call=last_calls.get(person.pk),
            )
        )
    return rows


def call_row(person_id: int) -> CallRow | None:
    """One lead as a call-list row, if it is still on the list."""
    person = callable_leads().filter(pk=person_id).first()
    return call_rows([person])[0] if person is not None else None


# ---------------------------------------------------------------------------------------
# Disqualification confirmations


@dataclass(frozen=True)
class ConfirmationRow:
    proposal: ProposedDisqualification
    person: Person
    last_call: CallLog | None  # has anyone talked to the lead yet?


def open_proposals() -> QuerySet[ProposedDisqualification]:
    """Proposals waiting for a decision, oldest first (index on status, proposed_at).
    Only leads: a lead who became a client or went on Avoid has nothing to confirm."""
    return (
        ProposedDisqualification.objects.filter(status=OPEN, person__person_type=PersonType.LEAD)
        .select_related("person", "person__company", "proposed_by")
        .order_by("proposed_at", "id")
    )


def proposal_ids() -> CappedIds:
    return CappedIds(page_ids(open_proposals()))


def proposals_in_order(ids: Sequence[int]) -> list[ProposedDisqualification]:
    related = ("person", "person__company", "proposed_by")
    return in_order(ProposedDisqualification.objects.select_related(*related), ids)


def confirmation_rows(
    proposals: Sequence[ProposedDisqualification],
) -> list[ConfirmationRow]:
    last_calls = _last_calls([p.person_id for p in proposals])
    return [ConfirmationRow(p, p.person, last_calls.get(p.person_id)) for p in proposals]


def confirmation_row(proposal_id: int) -> ConfirmationRow | None:
    """One proposal as a row, whatever its status now (after a decision on it)."""
    proposal = (
        ProposedDisqualification.objects.select_related(
            "person", "person__company", "proposed_by", "resolved_by"
        )
        .filter(pk=proposal_id)
        .first()
    )
    return confirmation_rows([proposal])[0] if proposal is not None else None
