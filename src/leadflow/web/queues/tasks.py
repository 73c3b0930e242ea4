"""Tasks: my follow-ups due today or overdue, for every role; mark one done in place."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST, require_safe

from leadflow.crm.roles import roles_of
from leadflow.crm.selectors import tasks as task_selectors
from leadflow.crm.services.tasks import complete_task, may_complete
from leadflow.domain.errors import DomainError
from leadflow.web.queues.rows import acting_user, back_to, queue_page, row_response

ROW = "web/queues/_task_row.html"


@require_safe
@login_required
def my_tasks(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    roles = roles_of(user)
    ids = task_selectors.my_task_ids(user, roles)
    page, listing = queue_page(request, ids)
    context = {
        **listing,
        "rows": [task_selectors.task_row(t) for t in task_selectors.tasks_in_order(list(page))],
        "roles_shown": sorted(r.value for r in roles),
    }
    return render(request, "web/queues/tasks.html", context)


@require_POST
@login_required
def done(request: HttpRequest, task_id: int) -> HttpResponse:
    user = acting_user(request)
    task = task_selectors.task_by_id(task_id)
    if task is None:
        raise Http404("no such task")
    if not may_complete(task, user):
        raise PermissionDenied("this task is assigned to someone else or another role")
    error = ""
    try:
        complete_task(task=task, by=user)
    except DomainError as refused:
        error = refused.reason
    task = task_selectors.task_by_id(task_id)
    if task is None:  # its person was deleted (as spam) a moment ago
        raise Http404("no such task")
    done_text = "" if error else f"Done: {task.get_kind_display()} for {task.person}"
    return row_response(
        request,
        template=ROW,
        context={"row": task_selectors.task_row(task), "error": error, "done": done_text},
        back=back_to(request, "tasks"),
        done=done_text,
        refused=bool(error),
    )
