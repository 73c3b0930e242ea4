"""The queues' forms: each validates one row action's input; the rules are the services'."""

from __future__ import annotations

from datetime import date

from django import forms

from leadflow.crm.models.choices import choices
from leadflow.domain.calls import DEFAULT_NOT_INTERESTED_REASON, CallOutcome
from leadflow.domain.qualification import UnqualifiedReason

NOTE_LENGTH = 2000


class ProposeForm(forms.Form):
    reason = forms.ChoiceField(choices=choices(UnqualifiedReason))
    note = forms.CharField(required=False, max_length=NOTE_LENGTH)

    def reason_value(self) -> UnqualifiedReason:
        return UnqualifiedReason(self.cleaned_data["reason"])


class MissingInformationForm(forms.Form):
    note = forms.CharField(required=False, max_length=NOTE_LENGTH)


class CallForm(forms.Form):
    """One form for every outcome; only a callback needs its date (the domain says so)."""

    outcome = forms.ChoiceField(choices=choices(CallOutcome), widget=forms.RadioSelect)
    callback_on = forms.DateField(required=False, label="Callback on")
    reason = forms.ChoiceField(
        required=False,
        choices=choices(UnqualifiedReason),
        label="Reason, if not interested",
    )
    note = forms.CharField(required=False, max_length=NOTE_LENGTH)

    def outcome_value(self) -> CallOutcome:
        return CallOutcome(self.cleaned_data["outcome"])

    def callback_value(self) -> date | None:
        value = self.cleaned_data.get("callback_on")
        return value if isinstance(value, date) else None

    def reason_value(self) -> UnqualifiedReason:
        value = self.cleaned_data.get("reason")
        return UnqualifiedReason(value) if value else DEFAULT_NOT_INTERESTED_REASON


class DecisionForm(forms.Form):
    """Confirm or reject a proposed disqualification; the note is what the lead said."""

    decision = forms.ChoiceField(choices=[("confirm", "Confirm"), ("reject", "Reject")])
    note = forms.CharField(
        max_length=NOTE_LENGTH,
        error_messages={"required": "say what the lead told you: a note is required"},
    )

    def clean_note(self) -> str:
        note = str(self.cleaned_data["note"]).strip()
        if not note:
            raise forms.ValidationError("say what the lead told you: a note is required")
        return note
