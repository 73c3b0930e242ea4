"""The report pages' query forms. Every one is read from the query string (a report is a
read: its address can be bookmarked and its CSV downloaded), and a bad value is a form
error on the page with status 400."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone

from leadflow.crm.models import Campaign, Source
from leadflow.crm.models.choices import choices
from leadflow.domain.funnel import PIPELINE, FunnelStage
from leadflow.domain.plan import Goal
from leadflow.domain.qualification import UnqualifiedReason
from leadflow.reports.common import FIRST_DAY, LAST_DAY, Cut, Window
from leadflow.reports.plan import RatesFrom, default_rates_window
from leadflow.web.reports.drill import MAX_ID_DIGITS, UNQUALIFIED, Drill, key_error

CUT_LABELS = {
    Cut.ALL: "Everyone",
    Cut.SOURCE: "Source",
    Cut.CAMPAIGN: "Campaign",
    Cut.SETTER: "Setter",
    Cut.REP: "Rep",
    Cut.MONTH: "Month",
    Cut.QUARTER: "Quarter",
}
FORMATS = ("", "html", "csv")
MAX_ID = 10**MAX_ID_DIGITS - 1
# A goal further away than this is no plan, and working back from it would leave the calendar.
GOAL_YEARS = 20


def _day(label: str, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        required=False,
        label=label,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[MinValueValidator(FIRST_DAY), MaxValueValidator(LAST_DAY)],
    )


class PeriodForm(forms.Form):
    """`from` and `to`, both optional and both included. Python cannot name an attribute
    `from`, so the two fields are added by name."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from"] = _day("From")
        self.fields["to"] = _day("To")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("from"), data.get("to")
        if start and end and start > end:
            raise forms.ValidationError(f"the period starts ({start}) after it ends ({end})")
        return data

    def window(self) -> Window:
        return Window(self.cleaned_data.get("from"), self.cleaned_data.get("to"))


class FunnelForm(PeriodForm):
    by = forms.ChoiceField(
        choices=[(cut.value, label) for cut, label in CUT_LABELS.items()],
        required=False,
        label="By",
        help_text="leads by the day they became leads; by setter or rep, opportunities by "
        "the day the appointment was set",
    )

    def cut(self) -> Cut:
        return Cut(self.cleaned_data.get("by") or Cut.ALL.value)


class DrillForm(FunnelForm):
    """Which count of the funnel page to open (see drill.Drill)."""

    stage = forms.ChoiceField(
        choices=[*choices(FunnelStage), (UNQUALIFIED, "Unqualified")], label="Stage"
    )
    key = forms.CharField(required=False, max_length=40, label="Row")
    source = forms.IntegerField(required=False, min_value=0, max_value=MAX_ID, label="Source id")
    reason = forms.ChoiceField(
        choices=[("", "any reason"), *choices(UnqualifiedReason)], required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        cut = Cut(data.get("by") or Cut.ALL.value)
        stage = data.get("stage")
        problem = key_error(cut, data.get("key", ""))
        if problem:
            self.add_error("key", problem)
        if (
            cut.is_pipeline
            and stage
            and (stage == UNQUALIFIED or FunnelStage(stage) not in PIPELINE)
        ):
            self.add_error(
                "stage", f"by {cut.value} the funnel counts opportunities from the appointment on"
            )
        if data.get("reason") and stage != UNQUALIFIED:
            self.add_error("reason", "a reason narrows only the unqualified")
        if data.get("source") is not None and cut.is_pipeline:
            self.add_error("source", f"by {cut.value} there is no source to narrow by")
        return data

    def drill(self) -> Drill:
        data = self.cleaned_data
        stage = data["stage"]
        return Drill(
            stage=None if stage == UNQUALIFIED else FunnelStage(stage),
            cut=self.cut(),
            key=data.get("key", ""),
            window=self.window(),
            source_id=data.get("source"),
            reason=UnqualifiedReason(data["reason"]) if data.get("reason") else None,
        )


class PlanForm(forms.Form):
    """A goal (new clients or revenue, by a date) and where the rates come from."""

    new_clients = forms.IntegerField(
        required=False, min_value=1, max_value=1_000_000, label="New clients"
    )
    revenue = forms.DecimalField(
        required=False,
        min_value=Decimal("0.01"),
        max_digits=14,
        decimal_places=2,
        label="or revenue",
        help_text="planned through the average won deal",
    )
    by = forms.DateField(label="By", widget=forms.DateInput(attrs={"type": "date"}))
    rates_from = _day("Rates from", "empty: leads that arrived 15 to 3 months ago")
    rates_to = _day("Rates to")
    source = forms.ModelChoiceField(
        queryset=Source.objects.order_by("name"), required=False, empty_label="every source"
    )
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.order_by("name"), required=False, empty_label="every campaign"
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("new_clients") is None) == (data.get("revenue") is None) and not (
            self.has_error("new_clients") or self.has_error("revenue")
        ):
            raise forms.ValidationError("plan for a number of new clients or for revenue, not both")
        by, today = data.get("by"), timezone.localdate()
        if by and abs(by.year - today.year) > GOAL_YEARS:
            self.add_error("by", f"the goal's date must be within {GOAL_YEARS} years of today")
        start, end = data.get("rates_from"), data.get("rates_to")
        if start and end and start > end:
            self.add_error("rates_to", f"the rates' period starts ({start}) after it ends ({end})")
        return data

    def goal(self) -> Goal:
        """May raise the domain's MissingDetail, with its reason."""
        data = self.cleaned_data
        revenue = data.get("revenue")
        return Goal(
            by=data["by"],
            new_clients=data.get("new_clients"),
            revenue=float(revenue) if revenue is not None else None,
        )

    def rates(self, today: date) -> RatesFrom:
        data = self.cleaned_data
        start, end = data.get("rates_from"), data.get("rates_to")
        window = Window(start, end) if start or end else default_rates_window(today)
        source, campaign = data.get("source"), data.get("campaign")
        return RatesFrom(
            window,
            source_id=source.pk if source else None,
            campaign_id=campaign.pk if campaign else None,
        )
