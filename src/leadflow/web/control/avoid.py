"""The Avoid list page: search, add with a reason, the audit, and lifting (admin only).

Owners and admins see the list and may add to it; only an admin may lift an entry, as
the domain says (`people.lift_from_avoid`): an owner gets 403 on the lift form. Writes
go through crm/services/avoid.py, whose rules (who, when, why; never deleted) hold on
every door.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from leadflow.crm.models import Person
from leadflow.crm.roles import roles_of
from leadflow.crm.selectors import avoid as avoid_selectors
from leadflow.crm.services.avoid import lift_avoid
from leadflow.domain.errors import DomainError
from leadflow.domain.people import PersonType, Role
from leadflow.web.access import role_required, signed_in_user
from leadflow.web.control.avoid_forms import (
    MAX_ID,
    AvoidAddForm,
    AvoidLiftForm,
    AvoidSearchForm,
)

AVOID_KEEPERS = frozenset({Role.OWNER, Role.ADMIN})
LIFTERS = frozenset({Role.ADMIN})
ENTRIES_PER_PAGE = 50


@require_safe
@role_required(AVOID_KEEPERS)
def avoid_list(request: HttpRequest) -> HttpResponse:
    person = _person_param(request.GET.get("person", ""))
    initial = {"person": person.pk} if person is not None else {}
    return _render_list(request, AvoidAddForm(initial=initial), person=person)


@require_POST
@role_required(AVOID_KEEPERS)
def avoid_add(request: HttpRequest) -> HttpResponse:
    form = AvoidAddForm(request.POST)
    person = _person_param(request.POST.get("person", ""))  # to show whom, even on an error
    if form.is_valid():
        user = signed_in_user(request)
        assert user is not None  # role_required let only a signed-in user in
        try:
            entry = form.add(person=person, by=user)
        except DomainError as error:
            form.add_error(None, error.reason)
        else:
            who = entry.person or entry.email_normalized or entry.phone_normalized
            messages.success(
                request, f"{who or entry.company_domain} is on the Avoid list: {entry.reason}"
            )
            return redirect(reverse("avoid-list") + f"#entry-{entry.pk}")
    return _render_list(request, form, person=person, status=400)


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(LIFTERS)
def avoid_lift(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = avoid_selectors.entry_for_lift(entry_id)
    if entry is None:
        raise Http404("no such Avoid entry")
    form = AvoidLiftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = signed_in_user(request)
        assert user is not None
        try:
            person = lift_avoid(entry=entry, by=user, reason=form.cleaned_data["reason"])
        except DomainError as error:
            form.add_error(None, error.reason)
        else:
            back = f" as a {PersonType(person.person_type).value}" if person else ""
            messages.success(request, f"Avoid entry lifted{back}: {entry.lift_reason}")
            return redirect(reverse("avoid-list") + "?state=lifted")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "web/control/avoid_lift.html", {"entry": entry, "form": form}, status=status
    )


def _render_list(
    request: HttpRequest, add_form: AvoidAddForm, *, person: Person | None, status: int = 200
) -> HttpResponse:
    search = AvoidSearchForm(request.GET)
    search.is_valid()  # an invalid field is shown and left out
    text, state = search.query()
    entries = avoid_selectors.avoid_entries(text, state=state)
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "search": search,
        "page": page,
        "state": state,
        "add_form": add_form,
        "person": person,
        "people": avoid_selectors.people_to_avoid(text),
        "can_lift": Role.ADMIN in roles_of(request.user),
    }
    return render(request, "web/control/avoid_list.html", context, status=status)


def _person_param(raw: str) -> Person | None:
    if not raw.isdigit() or int(raw) > MAX_ID:
        return None
    return avoid_selectors.person_for_avoid(int(raw))
