"""Reads for the Tasks page: the signed-in user's open tasks, due today or overdue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import User
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from leadflow.crm.models import Task
from leadflow.crm.selectors.paging import MergedIds
from leadflow.domain.people import Role


@dataclass(frozen=True)
class TaskRow:
    task: Task
    overdue: bool
    undated: bool


def mine(user: User, roles: frozenset[Role]) -> Q:
    """Assigned to me, or assigned to nobody in a role I hold: the same rule as
    `domain.worklists.may_complete_task`, so every task listed can be marked done."""
    return Q(assignee=user) | Q(assignee__isnull=True, role__in=sorted(r.value for r in roles))


def my_tasks(user: User, roles: frozenset[Role], *, today: date | None = None) -> QuerySet[Task]:
    """Open, and due today or earlier, oldest first. A task without a date is due now:
    nobody would otherwise ever be shown it. The (role, done_at, due_on) index serves
    the role side, the assignee index the other."""
    today = today or timezone.localdate()
    due = Q(due_on__lte=today) | Q(due_on__isnull=True)
    return (
        Task.objects.filter(mine(user, roles), due, done_at__isnull=True)
        .select_related("person", "person__company", "assignee")
        .order_by(F("due_on").asc(nulls_last=True), "id")
    )


def _order_key(row: tuple[date | None, int]) -> tuple[bool, date, int]:
    due, pk = row
    return (due is None, due or date.min, pk)


def my_task_ids(user: User, roles: frozenset[Role], *, today: date | None = None) -> MergedIds:
    """`my_tasks` in its order, cut from one query per source (assigned to me; unassigned
    in each of my roles), dated and undated apart: each is read in order straight from
    the (role, done_at, due_on) or assignee index, where one query over all of them
    would sort every open task of the role to show fifty."""
    today = today or timezone.localdate()
    open_tasks = Task.objects.filter(done_at__isnull=True)
    sources = [open_tasks.filter(assignee=user)] + [
        open_tasks.filter(assignee__isnull=True, role=role)
        for role in sorted(r.value for r in roles)
    ]
    parts = []
    for source in sources:
        parts.append(source.filter(due_on__lte=today).order_by("due_on", "id"))
        parts.append(source.filter(due_on__isnull=True).order_by("id"))
    return MergedIds(
        [part.values_list("due_on", "pk") for part in parts],
        key=_order_key,
        counted=my_tasks(user, roles, today=today).values_list("pk", flat=True),
    )


def tasks_in_order(ids: list[int]) -> list[Task]:
    """One page of tasks with what the row shows, in the page's order."""
    found = Task.objects.select_related("person", "person__company", "assignee").in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def task_row(task: Task, *, today: date | None = None) -> TaskRow:
    today = today or timezone.localdate()
    return TaskRow(
        task=task,
        overdue=task.due_on is not None and task.due_on < today and task.done_at is None,
        undated=task.due_on is None,
    )


def task_by_id(task_id: int) -> Task | None:
    return (
        Task.objects.select_related("person", "person__company", "assignee", "done_by")
        .filter(pk=task_id)
        .first()
    )
