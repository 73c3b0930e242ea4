"""The dashboard's numbers (PRODUCT.md §1-§6).

Every count is one aggregate query (`values().annotate(Count)` or `Count(filter=...)`):
the database counts, Python only fills in the zero rows so the tables keep their shape.
The filters that define a count live here too, so the people list a count links to
shows exactly the people it counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from leadflow.crm import adapters
from leadflow.crm.models import Avatar, Opportunity, Person, Task
from leadflow.crm.models.choices import label_of
from leadflow.domain.calendar import BusinessCalendar
from leadflow.domain.people import PersonType
from leadflow.domain.pipeline import CLOSED_STAGES, Stage
from leadflow.domain.qualification import QualificationStatus, UnqualifiedReason
from leadflow.domain.temperature import Temperature
from leadflow.reports.show_rate import SetterShowRate, show_rate_threshold, show_rates

LEADS = Q(person_type=PersonType.LEAD)
OPEN_STAGES: tuple[Stage, ...] = tuple(s for s in Stage if s not in CLOSED_STAGES)


@dataclass(frozen=True)
class Tally:
    """One row of a count table; `key` is the people-list filter value it links to."""

    key: str
    label: str
    count: int


@dataclass(frozen=True)
class RawAgeAlert:
    """Raw leads nobody has reviewed within the alert limit (PRODUCT.md §2)."""

    count: int
    limit_business_days: int
    # A raw lead that became a lead on or before this day is over the limit.
    late_if_lead_on_or_before: date


@dataclass(frozen=True)
class TaskCounts:
    open_total: int
    due_today: int
    overdue: int


@dataclass(frozen=True)
class Dashboard:
    today: date
    counted_at: datetime
    people_by_type: tuple[Tally, ...]
    leads_by_status: tuple[Tally, ...]
    sweet_spot_by_avatar: tuple[Tally, ...]
    leads_by_temperature: tuple[Tally, ...]
    open_opportunities_by_stage: tuple[Tally, ...]
    unqualified_by_reason: tuple[Tally, ...]
    raw_age_alert: RawAgeAlert
    tasks: TaskCounts
    show_rates: tuple[SetterShowRate, ...]
    show_rate_threshold: Decimal


def _count_by(queryset: QuerySet[Any], field: str) -> dict[Any, int]:
    """One GROUP BY query: {value of field: how many rows}."""
    rows = queryset.order_by().values(field).annotate(n=Count("id"))
    return {row[field]: row["n"] for row in rows}


def people_by_type() -> tuple[Tally, ...]:
    counts = _count_by(Person.objects.all(), "person_type")
    return tuple(Tally(t.value, label_of(t), counts.get(t.value, 0)) for t in PersonType)


def leads_by_status() -> tuple[Tally, ...]:
    counts = _count_by(Person.objects.filter(LEADS), "qualification_status")
    return tuple(Tally(s.value, label_of(s), counts.get(s.value, 0)) for s in QualificationStatus)


def sweet_spot_by_avatar() -> tuple[Tally, ...]:
    """Qualified leads tagged with each avatar; inactive avatars only while they still count."""
    tagged = Q(
        people__person_type=PersonType.LEAD,
        people__qualification_status=QualificationStatus.QUALIFIED,
    )
    rows = (
        Avatar.objects.annotate(n=Count("people", filter=tagged))
        .filter(Q(active=True) | Q(n__gt=0))
        .order_by("priority", "id")
        .values_list("id", "name", "n")
    )
    return tuple(Tally(str(pk), name, n) for pk, name, n in rows)


def leads_by_temperature() -> tuple[Tally, ...]:
    counts = _count_by(Person.objects.filter(LEADS), "temperature")
    return tuple(Tally(str(int(t)), t.label, counts.get(int(t), 0)) for t in Temperature)


def open_opportunities_by_stage() -> tuple[Tally, ...]:
    open_ones = Opportunity.objects.filter(stage__in=[s.value for s in OPEN_STAGES])
    counts = _count_by(open_ones, "stage")
    return tuple(Tally(s.value, label_of(s), counts.get(s.value, 0)) for s in OPEN_STAGES)


def unqualified_by_reason() -> tuple[Tally, ...]:
    unqualified = Person.objects.filter(LEADS, qualification_status=QualificationStatus.UNQUALIFIED)
    counts = _count_by(unqualified, "unqualified_reason")
    return tuple(Tally(r.value, label_of(r), counts.get(r.value, 0)) for r in UnqualifiedReason)


def raw_age_cutoff(today: date, limit_business_days: int, calendar: BusinessCalendar) -> date:
    """The last day a lead could arrive and be more than `limit` business days old today.

    Walks back over days (a handful), never over leads: the count itself stays in SQL.
    """
    day = today
    age = 0  # business days after `day` up to and including `today`
    while age <= limit_business_days:
        if calendar.is_business_day(day):
            age += 1
        day -= timedelta(days=1)
    return day


def raw_age_limit(today: date | None = None) -> tuple[int, date]:
    """The configured limit in business days, and the cutoff day it gives today."""
    today = today or timezone.localdate()
    limit = adapters.business_settings().raw_age_alert_business_days
    return limit, raw_age_cutoff(today, limit, adapters.calendar())


def raw_over_age(cutoff: date) -> Q:
    """Raw leads that became leads on or before `cutoff` (in the business's time zone)."""
    before = timezone.make_aware(datetime.combine(cutoff + timedelta(days=1), time.min))
    arrived = Q(became_lead_at__lt=before) | Q(became_lead_at__isnull=True, created_at__lt=before)
    return LEADS & Q(qualification_status=QualificationStatus.RAW) & arrived


def raw_leads_over_age(today: date | None = None) -> RawAgeAlert:
    limit, cutoff = raw_age_limit(today)
    return RawAgeAlert(Person.objects.filter(raw_over_age(cutoff)).count(), limit, cutoff)


def open_task_counts(today: date | None = None) -> TaskCounts:
    today = today or timezone.localdate()
    counts = Task.objects.filter(done_at__isnull=True).aggregate(
        open_total=Count("id"),
        due_today=Count("id", filter=Q(due_on=today)),
        overdue=Count("id", filter=Q(due_on__lt=today)),
    )
    return TaskCounts(counts["open_total"], counts["due_today"], counts["overdue"])


def show_rate_by_setter(threshold: Decimal | None = None) -> tuple[SetterShowRate, ...]:
    """Sat ÷ set per setter over all appointments, flagged below the threshold."""
    return show_rates(threshold=threshold)


def dashboard(today: date | None = None) -> Dashboard:
    today = today or timezone.localdate()
    threshold = show_rate_threshold()
    return Dashboard(
        today=today,
        counted_at=timezone.now(),
        people_by_type=people_by_type(),
        leads_by_status=leads_by_status(),
        sweet_spot_by_avatar=sweet_spot_by_avatar(),
        leads_by_temperature=leads_by_temperature(),
        open_opportunities_by_stage=open_opportunities_by_stage(),
        unqualified_by_reason=unqualified_by_reason(),
        raw_age_alert=raw_leads_over_age(today),
        tasks=open_task_counts(today),
        show_rates=show_rate_by_setter(threshold),
        show_rate_threshold=threshold,
    )


# The dashboard counts every person several ways: 0.4 to 1.3 s at a million people, for
# numbers that move slowly. Counted at most once a minute per process; the page says when.
DASHBOARD_SECONDS = 60


def recent_dashboard() -> Dashboard:
    today = timezone.localdate()
    settings = adapters.business_settings()
    # A changed threshold shows at once: the settings are part of what was counted.
    key = (
        f"leadflow:dashboard:{today.isoformat()}:{settings.raw_age_alert_business_days}:"
        f"{settings.show_rate_threshold}"
    )
    found = cache.get(key)
    if isinstance(found, Dashboard):
        return found
    fresh = dashboard(today)
    cache.set(key, fresh, DASHBOARD_SECONDS)
    return fresh
