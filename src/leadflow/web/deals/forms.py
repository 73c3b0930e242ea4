"""Forms of the booking, appointments and pipeline pages.

They check shape (a date is a date, an amount is a number) and ask only what the target
stage needs; whether the move is allowed is the domain's to say (services raise
IllegalTransition / MissingDetail, and the views show the reason on the form).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils import timezone

from leadflow.crm.models import Appointment, Opportunity, Person
from leadflow.crm.selectors.appointments import staff_with_role
from leadflow.crm.selectors.people import who
from leadflow.crm.selectors.pipeline_board import services_offered
from leadflow.crm.services.pipeline import book_appointment
from leadflow.domain.people import Role
from leadflow.domain.pipeline import AppointmentOutcome, LostDisposition, MoveDetails, Stage

# A setter who books during the call types "now"; a few minutes of slack for the typing.
_PAST_GRACE = timedelta(minutes=15)
_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_NOTE = forms.TextInput(attrs={"autocomplete": "off"})

DISPOSITIONS = [
    (LostDisposition.NURTURE.value, "Nurture: back to an unconverted lead on the drip"),
    (LostDisposition.UNQUALIFIED.value, "Unqualified: not a fit"),
    (LostDisposition.AVOID.value, "Avoid: we will never work with them"),
]
OUTCOMES = [
    (AppointmentOutcome.SAT.value, "Sat"),
    (AppointmentOutcome.NO_SHOW.value, "No-show"),
    (AppointmentOutcome.CANCELLED.value, "Cancelled"),
]


class StaffChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return who(obj)


def _not_in_the_past(value: Any) -> None:
    if value < timezone.now() - _PAST_GRACE:
        raise forms.ValidationError("this date and time is in the past")


def _not_before_today(value: Any) -> None:
    if value < timezone.localdate():
        raise forms.ValidationError("this date is in the past")


def _check(label: str, missing: str) -> forms.BooleanField:
    """One of the three SQL checks: required, with the domain's words when unticked."""
    return forms.BooleanField(
        label=label,
        error_messages={"required": f"cannot set an appointment without {missing}"},
    )


class BookingForm(forms.Form):
    setter = StaffChoiceField(queryset=User.objects.none(), empty_label="— choose —")
    rep = StaffChoiceField(
        queryset=User.objects.none(), empty_label="— choose —", label="Sales rep"
    )
    scheduled_at = forms.DateTimeField(
        label="Date and time", widget=_DATETIME, validators=[_not_in_the_past]
    )
    has_problem_we_solve = _check("They have a problem we solve", "a problem we solve")
    has_authority_to_buy = _check(
        "They have the authority and the means to buy", "the authority and ability to buy"
    )
    agreed_to_talk_to_sales = _check(
        "They agreed to talk to a sales rep", "agreement to talk to sales"
    )
    note = forms.CharField(
        required=False, max_length=500, widget=_NOTE, label="Note for the rep (optional)"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["setter"].queryset = staff_with_role(Role.SETTER)  # type: ignore[attr-defined]
        self.fields["rep"].queryset = staff_with_role(Role.REP)  # type: ignore[attr-defined]

    def book(self, person: Person, *, by: User) -> Appointment:
        """Book the valid form's appointment (the page and the API alike)."""
        data = self.cleaned_data
        return book_appointment(
            person=person,
            setter=data["setter"],
            rep=data["rep"],
            scheduled_at=data["scheduled_at"],
            has_problem_we_solve=data["has_problem_we_solve"],
            has_authority_to_buy=data["has_authority_to_buy"],
            agreed_to_talk_to_sales=data["agreed_to_talk_to_sales"],
            by=by,
            reason=data["note"].strip(),
        )


class OutcomeForm(forms.Form):
    """Sat, no-show or cancelled; only a cancellation uses the callback date."""

    outcome = forms.ChoiceField(
        choices=OUTCOMES, error_messages={"required": "choose sat, no-show or cancelled"}
    )
    callback_on = forms.DateField(
        required=False, widget=_DATE, label="Callback on", validators=[_not_before_today]
    )
    reason = forms.CharField(required=False, max_length=500, widget=_NOTE, label="Note")

    def details(self) -> tuple[AppointmentOutcome, MoveDetails]:
        data = self.cleaned_data
        return AppointmentOutcome(data["outcome"]), MoveDetails(
            reason=data["reason"].strip(), callback_on=data["callback_on"]
        )


class MoveForm(forms.Form):
    """A move that needs nothing but the click (proposing, contract sent, sat...)."""

    def __init__(self, data: Any = None, *, opportunity: Opportunity) -> None:
        # Several cards may have a move form open: ids stay unique per opportunity.
        super().__init__(data, auto_id=f"move-{opportunity.pk}-%s")
        self.opportunity = opportunity

    def details(self) -> MoveDetails:
        return MoveDetails()

    def services_bought(self) -> list[str]:
        return []


class WonForm(MoveForm):
    contract_value = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        label="Contract value",
        error_messages={"required": "a won opportunity needs its contract value"},
    )
    services = forms.MultipleChoiceField(
        choices=[],
        widget=forms.CheckboxSelectMultiple,
        label="Services bought",
        error_messages={"required": "tick at least one service they bought"},
    )

    def __init__(self, data: Any = None, *, opportunity: Opportunity) -> None:
        super().__init__(data, opportunity=opportunity)
        wanted = opportunity.person.services_wanted or []
        offered = sorted(set(services_offered()) | {str(s) for s in wanted})
        field = self.fields["services"]
        field.choices = [(s, s.replace("-", " ")) for s in offered]  # type: ignore[attr-defined]
        field.initial = [s for s in offered if s in wanted]
        field.required = bool(offered)

    def details(self) -> MoveDetails:
        return MoveDetails(contract_value=self.cleaned_data["contract_value"])

    def services_bought(self) -> list[str]:
        return list(self.cleaned_data.get("services") or [])


class LostForm(MoveForm):
    lost_reason = forms.CharField(
        max_length=500,
        widget=_NOTE,
        label="Why was it lost?",
        error_messages={"required": "a lost opportunity needs a reason"},
    )
    disposition = forms.ChoiceField(
        choices=DISPOSITIONS,
        widget=forms.RadioSelect,
        label="Where does the person go?",
        error_messages={
            "required": "a lost opportunity needs a disposition: nurture, unqualified or avoid"
        },
    )

    def details(self) -> MoveDetails:
        data = self.cleaned_data
        return MoveDetails(
            reason=data["lost_reason"].strip(),
            lost_reason=data["lost_reason"].strip(),
            disposition=LostDisposition(data["disposition"]),
        )


class CallbackForm(MoveForm):
    callback_on = forms.DateField(
        label="Callback on",
        widget=_DATE,
        validators=[_not_before_today],
        error_messages={"required": "a cancelled appointment needs a callback date"},
    )

    def details(self) -> MoveDetails:
        return MoveDetails(callback_on=self.cleaned_data["callback_on"])


class RebookForm(MoveForm):
    appointment_at = forms.DateTimeField(
        label="New date and time",
        widget=_DATETIME,
        validators=[_not_in_the_past],
        error_messages={"required": "rebooking needs the new appointment's date and time"},
    )

    def details(self) -> MoveDetails:
        return MoveDetails(appointment_at=self.cleaned_data["appointment_at"])


# The moves that ask something; every other move is one click.
MOVE_FORMS: dict[Stage, type[MoveForm]] = {
    Stage.WON: WonForm,
    Stage.LOST: LostForm,
    Stage.CANCELLED: CallbackForm,
    Stage.APPOINTMENT_SET: RebookForm,
}
ASKING = frozenset(stage.value for stage in MOVE_FORMS)


def move_form(target: Stage, data: Any, *, opportunity: Opportunity) -> MoveForm:
    return MOVE_FORMS.get(target, MoveForm)(data, opportunity=opportunity)
