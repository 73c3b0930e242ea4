"""Marking a follow-up task done, by the person whose task it is."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from leadflow.crm.models import Task
from leadflow.crm.roles import roles_of
from leadflow.crm.services.common import now_or
from leadflow.domain.errors import IllegalTransition, NotPermitted
from leadflow.domain.people import Role
from leadflow.domain.worklists import may_complete_task


def may_complete(task: Task, user: User) -> bool:
    return may_complete_task(
        task_role=Role(task.role),
        assignee_id=task.assignee_id,
        user_id=user.pk,
        user_roles=roles_of(user),
    )


@transaction.atomic
def complete_task(*, task: Task, by: User, at: datetime | None = None) -> Task:
    """Done, with who and when. Someone else's task is refused (see `may_complete_task`);
    a task already done says when, so two setters on one lead learn who was first."""
    at = now_or(at)
    task = Task.objects.select_for_update().get(pk=task.pk)
    if not may_complete(task, by):
        raise NotPermitted("this task is not yours: it is assigned to someone else or another role")
    if task.done_at is not None:
        raise IllegalTransition(f"already done on {timezone.localdate(task.done_at)}")
    task.done_at = at
    task.done_by = by
    task.save(update_fields=["done_at", "done_by"])
    return task
