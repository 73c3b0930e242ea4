"""The pipeline board: opportunities as columns by stage (PRODUCT.md §4).

A column shows its count and its first cards only, so the board costs the same with ten
opportunities or a hundred thousand: one grouped count, then one indexed query per
column (``opportunity_stage_since`` / ``opportunity_rep_stage_since``). Won and Lost show
the recent past only; an open stage shows everything, the longest waiting first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from leadflow.crm.models import Appointment, Criterion, Opportunity
from leadflow.domain.pipeline import CLOSED_STAGES, Stage, allowed_moves
from leadflow.domain.profile import Trait
from leadflow.domain.qualification import Operator

CARDS_PER_COLUMN = 20
CLOSED_WINDOW_DAYS = 30
_ORDER = {stage: index for index, stage in enumerate(Stage)}


@dataclass(frozen=True)
class Move:
    stage: str
    label: str


@dataclass(frozen=True)
class Card:
    opportunity: Opportunity
    moves: tuple[Move, ...]
    appointment_at: datetime | None = None  # at Appointment set: when the meeting is
    callback_on: date | None = None  # at Cancelled: when the setter calls back


@dataclass(frozen=True)
class Column:
    stage: str
    label: str
    is_open: bool
    count: int
    cards: tuple[Card, ...]
    page: int
    has_more: bool

    @property
    def remaining(self) -> int:
        """Cards after this page."""
        return max(self.count - self.page * CARDS_PER_COLUMN, 0)


@dataclass(frozen=True)
class Board:
    columns: tuple[Column, ...]
    closed_since: datetime
    total_open: int


def moves_from(stage: Stage) -> tuple[Move, ...]:
    """The moves the domain's table allows, in the funnel's order (Lost last)."""
    targets = sorted(allowed_moves(stage), key=_ORDER.__getitem__)
    return tuple(Move(t.value, t.label) for t in targets)


def scoped(rep_id: int | None) -> QuerySet[Opportunity]:
    """Everyone's opportunities, or one rep's."""
    queryset = Opportunity.objects.all()
    return queryset if rep_id is None else queryset.filter(rep_id=rep_id)


def _closed_since(now: datetime | None) -> datetime:
    return (now or timezone.now()) - timedelta(days=CLOSED_WINDOW_DAYS)


def _on_board(since: datetime) -> Q:
    closed = [s.value for s in CLOSED_STAGES]
    return ~Q(stage__in=closed) | Q(stage__in=closed, stage_entered_at__gte=since)


def _column_queryset(rep_id: int | None, stage: Stage, since: datetime) -> QuerySet[Opportunity]:
    queryset = (
        scoped(rep_id).filter(stage=stage.value).select_related("person__company", "rep", "setter")
    )
    if not stage.is_open:
        return queryset.filter(stage_entered_at__gte=since).order_by("-stage_entered_at", "-id")
    return queryset.order_by("stage_entered_at", "id")


# The columns whose cards show their latest appointment (its time, or its callback date).
_WITH_APPOINTMENT = (Stage.APPOINTMENT_SET, Stage.CANCELLED)


def _latest_appointments(ids: list[int]) -> dict[int, Appointment]:
    """The newest appointment of each of a column's cards, in one query (a correlated
    subquery in the column's query would run for every row of the stage before sorting)."""
    latest: dict[int, Appointment] = {}
    rows = Appointment.objects.filter(opportunity_id__in=ids).order_by(
        "opportunity_id", "-scheduled_at", "-id"
    )
    for appointment in rows.only("opportunity_id", "scheduled_at", "callback_on"):
        latest.setdefault(appointment.opportunity_id, appointment)
    return latest


def _column(rep_id: int | None, stage: Stage, *, count: int, page: int, since: datetime) -> Column:
    offset = (page - 1) * CARDS_PER_COLUMN
    rows = list(_column_queryset(rep_id, stage, since)[offset : offset + CARDS_PER_COLUMN])
    latest = (
        _latest_appointments([o.pk for o in rows]) if stage in _WITH_APPOINTMENT and rows else {}
    )
    moves = moves_from(stage)
    cards = []
    for o in rows:
        appointment = latest.get(o.pk)
        cards.append(
            Card(
                o,
                moves,
                appointment_at=appointment.scheduled_at
                if appointment and stage is Stage.APPOINTMENT_SET
                else None,
                callback_on=appointment.callback_on if appointment else None,
            )
        )
    return Column(
        stage=stage.value,
        label=stage.label,
        is_open=stage.is_open,
        count=count,
        cards=tuple(cards),
        page=page,
        has_more=count > offset + CARDS_PER_COLUMN,
    )


def board(*, rep_id: int | None, now: datetime | None = None) -> Board:
    """Every column's count and first cards."""
    since = _closed_since(now)
    counts = dict(
        scoped(rep_id)
        .filter(_on_board(since))
        .values_list("stage")
        .annotate(n=Count("id"))
        .order_by()
    )
    columns = tuple(
        _column(rep_id, stage, count=counts.get(stage.value, 0), page=1, since=since)
        for stage in Stage
    )
    total_open = sum(c.count for c in columns if c.is_open)
    return Board(columns=columns, closed_since=since, total_open=total_open)


def column(*, rep_id: int | None, stage: Stage, page: int, now: datetime | None = None) -> Column:
    """One more page of one column (the board's "show more")."""
    since = _closed_since(now)
    count = scoped(rep_id).filter(_on_board(since), stage=stage.value).count()
    last = max(-(-count // CARDS_PER_COLUMN), 1)
    return _column(rep_id, stage, count=count, page=min(max(page, 1), last), since=since)


def opportunity_for(opportunity_id: int, *, rep_id: int | None) -> Opportunity | None:
    """One opportunity the user may see and move (None: none such, or another rep's)."""
    return (
        scoped(rep_id)
        .select_related("person__company", "rep", "setter")
        .filter(pk=opportunity_id)
        .first()
    )


def services_offered() -> tuple[str, ...]:
    """What we sell, from the playbook's "services wanted: one of" rules (what a won deal
    may have bought)."""
    values = Criterion.objects.filter(
        avatar__isnull=True, trait=Trait.SERVICES_WANTED.value, operator=Operator.ONE_OF.value
    ).values_list("value", flat=True)
    offered: set[str] = set()
    for value in values:
        offered.update(str(v) for v in (value if isinstance(value, list) else [value]))
    return tuple(sorted(offered))
