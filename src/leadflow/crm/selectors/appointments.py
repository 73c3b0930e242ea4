"""Reads for booking and the appointments page (PRODUCT.md §4).

A rep sees the appointments they run; an owner sees everyone's (``rep_id=None``). Each
section is one query with its joins, so a page costs the same for 3 rows or 300.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.utils import timezone

from leadflow.crm.models import Appointment, Person
from leadflow.domain import pipeline
from leadflow.domain.errors import DomainError
from leadflow.domain.people import PersonType, Role
from leadflow.domain.pipeline import CLOSED_STAGES, SalesQualification, Stage
from leadflow.domain.qualification import QualificationStatus

# More than a day's work for a rep; past it the page says how many are not shown (an
# owner narrows the list by rep).
SECTION_LIMIT = 50

# An appointment without an outcome whose opportunity moved on (lost from the board, its
# person put on Avoid) will never get one: it is not shown.
_SHOWN = Q(outcome__isnull=False) | Q(opportunity__stage=Stage.APPOINTMENT_SET.value)


@dataclass(frozen=True)
class AppointmentLine:
    appointment: Appointment

    @property
    def can_record(self) -> bool:
        """Sat, no-show or cancelled may still be recorded."""
        a = self.appointment
        return a.outcome is None and a.opportunity.stage == Stage.APPOINTMENT_SET.value


@dataclass(frozen=True)
class Section:
    lines: tuple[AppointmentLine, ...]
    count: int

    @property
    def hidden(self) -> int:
        return self.count - len(self.lines)


@dataclass(frozen=True)
class Agenda:
    today: date
    week_ends: date  # the last day of this week (a Sunday)
    awaiting: Section  # earlier days, still without an outcome
    today_section: Section
    week: Section  # tomorrow to the end of the week


def staff_with_role(role: Role) -> QuerySet[User]:
    """Active users who hold ``role`` (a superuser holds every role, as in roles_of)."""
    members = User.objects.filter(groups__name=role.value).values("pk")
    return (
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(pk__in=members))
        .order_by("first_name", "last_name", "username")
    )


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _section(queryset: QuerySet[Appointment]) -> Section:
    rows = list(queryset[:SECTION_LIMIT])
    count = len(rows) if len(rows) < SECTION_LIMIT else queryset.count()
    return Section(tuple(AppointmentLine(a) for a in rows), count)


def _appointments(rep_id: int | None) -> QuerySet[Appointment]:
    queryset = Appointment.objects.select_related(
        "opportunity__person__company", "setter", "rep"
    ).filter(_SHOWN)
    return queryset if rep_id is None else queryset.filter(rep_id=rep_id)


SATURDAY = 5


def agenda(*, rep_id: int | None, today: date | None = None) -> Agenda:
    """Today's and this week's appointments (on a Saturday or Sunday, next week's too),
    and earlier ones still waiting for an outcome (a rep who forgot to record one leaves
    the setter's show rate unknown)."""
    today = today or timezone.localdate()
    tomorrow = today + timedelta(days=1)
    week_ends = today + timedelta(days=6 - today.weekday())
    if today.weekday() >= SATURDAY:  # at the weekend "this week" is the one coming
        week_ends += timedelta(days=7)
    start, end_of_today = _start_of(today), _start_of(tomorrow)
    scoped = _appointments(rep_id)
    return Agenda(
        today=today,
        week_ends=week_ends,
        awaiting=_section(
            scoped.filter(scheduled_at__lt=start, outcome__isnull=True).order_by(
                "scheduled_at", "id"
            )
        ),
        today_section=_section(
            scoped.filter(scheduled_at__gte=start, scheduled_at__lt=end_of_today).order_by(
                "scheduled_at", "id"
            )
        ),
        week=_section(
            scoped.filter(
                scheduled_at__gte=end_of_today,
                scheduled_at__lt=_start_of(week_ends + timedelta(days=1)),
            ).order_by("scheduled_at", "id")
        ),
    )


def appointment_line(appointment_id: int, *, rep_id: int | None) -> AppointmentLine | None:
    """One appointment the user may see (None: no such appointment, or another rep's)."""
    found = _appointments(rep_id).filter(pk=appointment_id).first()
    return AppointmentLine(found) if found else None


@dataclass(frozen=True)
class BookingSubject:
    person: Person
    refusal: str  # why this person cannot be booked; blank if they can


def booking_subject(person_id: int) -> BookingSubject | None:
    """The person to book and, before anyone fills in the form, whether the domain
    would refuse them (on Avoid, a prospect, not qualified, already in a deal)."""
    person = Person.objects.select_related("company", "sweet_spot").filter(pk=person_id).first()
    if person is None:
        return None
    has_open = person.opportunities.exclude(stage__in=[s.value for s in CLOSED_STAGES]).exists()
    try:
        pipeline.check_can_book(
            person_type=PersonType(person.person_type),
            status=QualificationStatus(person.qualification_status)
            if person.qualification_status
            else None,
            has_open_opportunity=has_open,
            sql=SalesQualification(True, True, True),
        )
    except DomainError as refused:
        return BookingSubject(person, refused.reason)
    return BookingSubject(person, "")
