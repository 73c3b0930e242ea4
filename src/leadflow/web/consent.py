"""Consent and client flags by hand, from the person page (issue 6).

Every signed-in role sees the form; who may make which change is the domain's rule
(domain.consent), and a refused change is a form error with that rule's words.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from leadflow.crm.models import Person
from leadflow.crm.roles import roles_of
from leadflow.crm.selectors import people as people_selectors
from leadflow.crm.services.people import change_consent
from leadflow.domain.consent import LABEL, ConsentFlag
from leadflow.domain.errors import DomainError
from leadflow.domain.people import PersonType
from leadflow.web.access import signed_in_user


class ConsentForm(forms.Form):
    email_opt_out = forms.BooleanField(required=False, label="Opted out of email")
    do_not_call = forms.BooleanField(required=False, label="Do not call")
    client_refunded = forms.BooleanField(required=False, label="Client was refunded")
    client_late_pay = forms.BooleanField(required=False, label="Client pays late")
    reason = forms.CharField(
        max_length=500,
        label="Why",
        help_text="kept in the person's history, e.g. “asked on the phone 5 Dec not to be called”",
    )

    def __init__(self, *args: object, person: Person, **kwargs: object) -> None:
        kwargs.setdefault("initial", {f.value: getattr(person, f.value) for f in ConsentFlag})
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if person.person_type != PersonType.CLIENT and not (
            person.client_refunded or person.client_late_pay
        ):
            del self.fields[ConsentFlag.CLIENT_REFUNDED.value]
            del self.fields[ConsentFlag.CLIENT_LATE_PAY.value]

    def wanted(self) -> dict[ConsentFlag, bool]:
        return {f: bool(self.cleaned_data[f.value]) for f in ConsentFlag if f.value in self.fields}


def consent_form(person: Person) -> ConsentForm:
    return ConsentForm(person=person)


@require_POST
@login_required
def change_person_consent(request: HttpRequest, person_id: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=person_id)
    form = ConsentForm(request.POST, person=person)
    if form.is_valid():
        try:
            changes = change_consent(
                person=person,
                wanted=form.wanted(),
                roles=roles_of(request.user),
                by=signed_in_user(request),
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            form.add_error(None, error.reason)
        else:
            said = ", ".join(
                f"{LABEL[ConsentFlag(c.flag)]} {'set' if c.value else 'lifted'}" for c in changes
            )
            messages.success(request, f"Applied now: {said}." if said else "Nothing changed.")
            return redirect(reverse("person", args=[person.pk]) + "#consent")
    detail = people_selectors.person_detail(person.pk)
    context = {"p": detail, "person": person, "consent_form": form}
    return render(request, "web/person_detail.html", context, status=400)
