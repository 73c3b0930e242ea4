"""The appointments page: a rep's (an owner's: everyone's) appointments of today and this
week, and earlier ones still waiting for an outcome; sat, no-show or cancelled with a
callback date (which becomes the setter's callback task), recorded in place with htmx."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from leadflow.crm.selectors.appointments import AppointmentLine, agenda, appointment_line
from leadflow.crm.selectors.people import who
from leadflow.crm.services.pipeline import record_appointment_outcome
from leadflow.domain.errors import DomainError
from leadflow.domain.pipeline import AppointmentOutcome
from leadflow.web.access import role_required
from leadflow.web.deals.common import SELLERS, is_htmx, is_owner, own_scope, view_scope
from leadflow.web.deals.forms import OutcomeForm


def _page(
    request: HttpRequest,
    *,
    failed: OutcomeForm | None = None,
    failed_id: int = 0,
    status: int = 200,
) -> HttpResponse:
    rep_id, rep_filter = view_scope(request)
    context: dict[str, Any] = {
        "agenda": agenda(rep_id=rep_id),
        "rep_filter": rep_filter,
        "show_rep": rep_filter is not None,
        "failed": failed,
        "failed_id": failed_id,
        "query": _query(request),
        **_roots(),
    }
    return render(request, "web/deals/appointments.html", context, status=status)


def _roots() -> dict[str, str]:
    """Where a row's links start; the row template joins the rest (a {% url %} per row
    and button was most of the time of a full page)."""
    return {"appointments_root": reverse("appointments"), "people_root": reverse("people")}


@require_safe
@role_required(SELLERS)
def appointments(request: HttpRequest) -> HttpResponse:
    return _page(request)


def _recorded(line: AppointmentLine, outcome: AppointmentOutcome) -> str:
    a = line.appointment
    person = a.opportunity.person
    if outcome is AppointmentOutcome.CANCELLED:
        return (
            f"{person}: cancelled; {who(a.setter)} has a task to call back on "
            f"{a.callback_on:%Y-%m-%d}."
        )
    if outcome is AppointmentOutcome.NO_SHOW:
        return f"{person}: no-show recorded; rebook from the pipeline board."
    return f"{person}: sat; next, a proposal on the pipeline board."


@require_POST
@role_required(SELLERS)
def record_outcome(request: HttpRequest, appointment_id: int) -> HttpResponse:
    scope = own_scope(request)
    line = appointment_line(appointment_id, rep_id=scope)
    if line is None:
        raise Http404("no such appointment among yours")
    form = OutcomeForm(request.POST)
    if form.is_valid():
        outcome, details = form.details()
        user = request.user
        assert isinstance(user, User)
        try:
            record_appointment_outcome(
                appointment=line.appointment,
                outcome=outcome,
                by=user,
                callback_on=details.callback_on,
                reason=details.reason,
            )
        except DomainError as refused:
            form.add_error(None, refused.reason)
        else:
            fresh = appointment_line(appointment_id, rep_id=scope) or line
            notice = _recorded(fresh, outcome)
            if not is_htmx(request):
                messages.success(request, notice)
                return redirect(reverse("appointments") + _query(request))
            return _row(request, fresh, notice=notice)
    if is_htmx(request):
        return _row(request, line, form=form, status=422)
    return _page(request, failed=form, failed_id=appointment_id, status=422)


def _query(request: HttpRequest) -> str:
    rep = request.GET.get("rep", "")
    return f"?rep={rep}" if rep and is_owner(request) else ""


def _row(
    request: HttpRequest,
    line: AppointmentLine,
    *,
    form: OutcomeForm | None = None,
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {
        "line": line,
        "form": form,
        "notice": notice,
        "show_rep": is_owner(request),
        "query": _query(request),
        **_roots(),
    }
    return render(request, "web/deals/_appointment_row.html", context, status=status)
