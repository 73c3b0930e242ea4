"""Disqualification confirmations: proposals waiting for someone who talked to the lead."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST, require_safe

from leadflow.crm.models import ProposedDisqualification
from leadflow.crm.selectors import queues
from leadflow.crm.services.qualification import confirm_disqualification, reject_disqualification
from leadflow.domain.errors import DomainError
from leadflow.domain.people import Role
from leadflow.web.access import role_required
from leadflow.web.queues.forms import DecisionForm
from leadflow.web.queues.rows import acting_user, back_to, queue_page, row_response

DECIDERS = frozenset({Role.OWNER, Role.MARKETING, Role.SETTER})
ROW = "web/queues/_confirmation_row.html"
PAST = {"confirm": "confirmed", "reject": "rejected"}


@require_safe
@role_required(DECIDERS)
def confirmations(request: HttpRequest) -> HttpResponse:
    ids = queues.proposal_ids()
    page, listing = queue_page(request, ids)
    context = {
        **listing,
        "rows": queues.confirmation_rows(queues.proposals_in_order(list(page))),
    }
    return render(request, "web/queues/confirmations.html", context)


@require_POST
@role_required(DECIDERS)
def decide(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = ProposedDisqualification.objects.filter(pk=proposal_id).first()
    if proposal is None:
        raise Http404("no such proposal")
    form = DecisionForm(request.POST)
    error = ""
    done = ""
    if form.is_valid():
        decide_with = (
            confirm_disqualification
            if form.cleaned_data["decision"] == "confirm"
            else reject_disqualification
        )
        try:
            person = decide_with(
                proposal=proposal, by=acting_user(request), note=form.cleaned_data["note"]
            )
        except DomainError as refused:
            error = refused.reason
        else:
            status = person.get_qualification_status_display().lower()
            decided = PAST[form.cleaned_data["decision"]]
            done = f"{person}: disqualification {decided}; the lead is now {status}"
    row = queues.confirmation_row(proposal_id)
    return row_response(
        request,
        template=ROW,
        context={"row": row, "form": form, "error": error, "done": done},
        back=back_to(request, "confirmations"),
        done=done,
        refused=not done,
    )
