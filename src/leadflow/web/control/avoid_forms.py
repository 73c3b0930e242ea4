"""The Avoid page's forms: search, add (a person, or a bare email/phone/domain), lift."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth.models import User

from leadflow.crm.models import AvoidEntry, Person
from leadflow.crm.services.avoid import add_avoid_entry, add_to_avoid
from leadflow.domain.errors import DomainError
from leadflow.domain.normalize import InvalidValue, normalize_email, normalize_phone

MAX_ID = 2**63 - 1  # a larger number would overflow the database's integer, not miss
_DOMAIN = re.compile(r"[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)+")


class AvoidSearchForm(forms.Form):
    STATES = [("active", "on the list"), ("lifted", "lifted"), ("all", "all")]

    q = forms.CharField(
        required=False,
        max_length=200,
        label="Search",
        widget=forms.TextInput(attrs={"placeholder": "name, email, phone or domain"}),
    )
    state = forms.ChoiceField(required=False, choices=STATES, initial="active", label="Show")

    def query(self) -> tuple[str, str]:
        data = getattr(self, "cleaned_data", {})
        return str(data.get("q") or ""), str(data.get("state") or "active")


class AvoidAddForm(forms.Form):
    """Either a person (set by a "put on Avoid" link) or details to match; a reason always.

    Details are normalized the way intake normalizes them, so the entry blocks the same
    address or number however a later list spells it.
    """

    person = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput
    )
    email = forms.CharField(required=False, max_length=254)
    phone = forms.CharField(required=False, max_length=40)
    domain = forms.CharField(
        required=False, max_length=200, label="Company domain", help_text="e.g. example.com"
    )
    reason = forms.CharField(
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="why we will not do business with them, or what they asked",
    )

    def clean_reason(self) -> str:
        reason = str(self.cleaned_data["reason"]).strip()
        if not reason:
            raise forms.ValidationError("say why: the reason is kept with the entry")
        return reason

    def clean_email(self) -> str:
        try:
            return normalize_email(self.cleaned_data["email"] or "") or ""
        except InvalidValue as error:
            raise forms.ValidationError(error.reason) from error

    def clean_phone(self) -> str:
        try:
            return normalize_phone(self.cleaned_data["phone"] or "") or ""
        except InvalidValue as error:
            raise forms.ValidationError(error.reason) from error

    def clean_domain(self) -> str:
        text = str(self.cleaned_data["domain"] or "").strip().lower()
        text = re.sub(r"^(?:https?://)?(?:www\.)?@?", "", text).split("/")[0].rstrip(".")
        if not text:
            return ""
        try:
            text = text.encode("idna").decode("ascii")
        except UnicodeError as error:
            raise forms.ValidationError(f'"{text}" is not a domain') from error
        if not _DOMAIN.fullmatch(text):
            raise forms.ValidationError(f'"{text}" is not a domain (e.g. example.com)')
        return text

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        details = [data.get(k) for k in ("email", "phone", "domain")]
        has_errors = any(k in self.errors for k in ("email", "phone", "domain"))
        if not data.get("person") and not any(details) and not has_errors:
            raise forms.ValidationError(
                "give an email, a phone or a company domain to match (or put a person on "
                "Avoid from the search results)"
            )
        return data

    def add(self, *, person: Person | None, by: User) -> AvoidEntry:
        """Put the valid form's person (found by the caller: None when they are gone) or
        details on the Avoid list (the page and the API alike)."""
        data = self.cleaned_data
        if data["person"]:
            if person is None:
                raise DomainError("that person no longer exists")
            return add_to_avoid(person=person, by=by, reason=data["reason"])
        return add_avoid_entry(
            by=by,
            reason=data["reason"],
            email_normalized=data["email"],
            phone_normalized=data["phone"],
            company_domain=data["domain"],
        )


class AvoidLiftForm(forms.Form):
    reason = forms.CharField(
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="why we may work with them again; kept with the entry",
    )

    def clean_reason(self) -> str:
        reason = str(self.cleaned_data["reason"]).strip()
        if not reason:
            raise forms.ValidationError("say why the entry is lifted")
        return reason
