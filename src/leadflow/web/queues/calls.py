"""The call list: the leads a setter may call, hottest first, and one form per call."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from leadflow.crm.models import Person
from leadflow.crm.models.choices import choices
from leadflow.crm.models.work import CallLog
from leadflow.crm.selectors import queues
from leadflow.crm.services.calls import log_call
from leadflow.domain.calls import DEFAULT_NOT_INTERESTED_REASON, CallOutcome
from leadflow.domain.errors import DomainError
from leadflow.domain.people import Role
from leadflow.domain.qualification import UnqualifiedReason
from leadflow.web.access import role_required
from leadflow.web.queues.forms import CallForm
from leadflow.web.queues.rows import acting_user, back_to, queue_page, row_response

CALLERS = frozenset({Role.OWNER, Role.SETTER})
ROW = "web/queues/_call_row.html"
REASONS = choices(UnqualifiedReason)


@require_safe
@role_required(CALLERS)
def call_list(request: HttpRequest) -> HttpResponse:
    ids = queues.call_list_ids()
    page, listing = queue_page(request, ids)
    context = {
        **listing,
        "rows": queues.call_rows(queues.call_people(list(page))),
        **_choices(),
    }
    return render(request, "web/queues/calls.html", context)


def _choices() -> dict[str, object]:
    return {
        "outcomes": list(CallOutcome),
        "reasons": REASONS,
        "default_reason": DEFAULT_NOT_INTERESTED_REASON.value,
        "today": timezone.localdate(),
    }


def _answer(
    request: HttpRequest,
    person: Person,
    *,
    call: CallLog | None = None,
    error: str = "",
    form: CallForm | None = None,
) -> HttpResponse:
    """The lead's row as it is now; after a "no" or a booking it has left the list, and
    the row says what happened and where to go next (the booking page, Confirmations)."""
    done = f"{person}: {CallOutcome(call.outcome).label} ({call.reason})" if call else ""
    context = {
        "row": queues.call_row(person.pk),
        "person": person,
        "call": call,
        "done": done,
        "error": error,
        "form": form,
        # After "booked" the booking link takes the focus: it is the setter's next step.
        "focus_elsewhere": call is not None and call.outcome == CallOutcome.BOOKED,
        **_choices(),
    }
    return row_response(
        request,
        template=ROW,
        context=context,
        back=back_to(request, "call-list"),
        done=done,
        refused=call is None,
    )


@require_POST
@role_required(CALLERS)
def log(request: HttpRequest, person_id: int) -> HttpResponse:
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        raise Http404("no such person")
    form = CallForm(request.POST)
    if not form.is_valid():
        return _answer(request, person, form=form)
    try:
        call = log_call(
            person=person,
            by=acting_user(request),
            outcome=form.outcome_value(),
            callback_on=form.callback_value(),
            reason=form.reason_value(),
            note=form.cleaned_data["note"],
        )
    except DomainError as error:
        return _answer(request, person, error=error.reason, form=form)
    return _answer(request, person, call=call)
