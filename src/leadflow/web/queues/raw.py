"""Raw review queue: raw leads oldest first, and one click to act on each (PRODUCT.md §2)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST, require_safe

from leadflow.crm.models import Person
from leadflow.crm.models.choices import choices
from leadflow.crm.selectors import queues
from leadflow.crm.services.people import delete_as_spam
from leadflow.crm.services.qualification import qualify_person
from leadflow.crm.services.review import ask_for_missing_information, propose_disqualification
from leadflow.domain.errors import DomainError
from leadflow.domain.people import Role
from leadflow.domain.qualification import UnqualifiedReason
from leadflow.web.access import role_required
from leadflow.web.queues.forms import MissingInformationForm, ProposeForm
from leadflow.web.queues.rows import acting_user, back_to, queue_page, row_response

REVIEWERS = frozenset({Role.OWNER, Role.MARKETING, Role.SETTER})
ROW = "web/queues/_raw_row.html"
REASONS = choices(UnqualifiedReason)


@require_safe
@role_required(REVIEWERS)
def raw_review(request: HttpRequest) -> HttpResponse:
    ids = queues.raw_ids()
    page, listing = queue_page(request, ids)
    limit = queues.raw_age_limit()
    context = {
        **listing,
        "rows": queues.raw_rows(queues.raw_people(list(page)), limit=limit),
        "limit": limit,
        "reasons": REASONS,
    }
    return render(request, "web/queues/raw.html", context)


def _answer(
    request: HttpRequest,
    person_id: int,
    *,
    done: str,
    error: str = "",
    form: ProposeForm | MissingInformationForm | None = None,
) -> HttpResponse:
    row = queues.raw_row(person_id)
    if row is None:  # deleted meanwhile, e.g. as spam by a colleague
        raise Http404("no such person")
    return row_response(
        request,
        template=ROW,
        context={
            "row": row,
            "done": "" if error else done,
            "error": error,
            "form": form,
            "reasons": REASONS,
        },
        back=back_to(request, "raw-review"),
        done=done,
        refused=bool(error or (form is not None and form.errors)),
    )


def _lead(person_id: int) -> Person:
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        raise Http404("no such person")
    return person


@require_POST
@role_required(REVIEWERS)
def qualify(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _lead(person_id)
    try:
        result = qualify_person(person=person, by=acting_user(request))
    except DomainError as error:
        return _answer(request, person_id, done="", error=error.reason)
    verdict = result.explanation if result is not None else "a confirmed disqualification stands"
    return _answer(request, person_id, done=f"{person}: {verdict}")


@require_POST
@role_required(REVIEWERS)
def propose(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _lead(person_id)
    form = ProposeForm(request.POST)
    if not form.is_valid():
        return _answer(request, person_id, done="", form=form)
    try:
        proposal = propose_disqualification(
            person=person,
            reason=form.reason_value(),
            by=acting_user(request),
            note=form.cleaned_data["note"],
        )
    except DomainError as error:
        return _answer(request, person_id, done="", error=error.reason, form=form)
    return _answer(
        request,
        person_id,
        done=f"{person}: disqualification proposed ({proposal.get_reason_display()}), "
        "to confirm after talking to the lead",
    )


@require_POST
@role_required(REVIEWERS)
def ask_for_information(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _lead(person_id)
    form = MissingInformationForm(request.POST)
    if not form.is_valid():
        return _answer(request, person_id, done="", form=form)
    try:
        task, created = ask_for_missing_information(
            person=person,
            by=acting_user(request),
            note=form.cleaned_data["note"],
        )
    except DomainError as error:
        return _answer(request, person_id, done="", error=error.reason)
    said = "asked for" if created else "already asked for"
    return _answer(
        request, person_id, done=f"{person}: {said} missing information, due {task.due_on}"
    )


@require_POST
@role_required(REVIEWERS)
def spam(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _lead(person_id)
    name = str(person)
    try:
        campaign = delete_as_spam(person=person, by=acting_user(request))
    except DomainError as error:
        return _answer(request, person_id, done="", error=error.reason)
    counted = f"; {campaign.name} now counts {campaign.spam_count} spam" if campaign else ""
    done = f"{name} deleted as spam{counted}"
    return row_response(
        request,
        template="web/queues/_gone_row.html",
        context={"row_id": f"raw-{person_id}", "done": done, "columns": 6},
        back=back_to(request, "raw-review"),
        done=done,
    )
