"""The export form (channel, campaign, segment) and the "was this person on a list?" form."""

from __future__ import annotations

from django import forms

from leadflow.crm.models import Campaign, Segment
from leadflow.crm.models.choices import choices
from leadflow.domain.channels import Channel, Exclusion

# What the summary calls each reason a person was left out; a test holds every
# Exclusion to having one, so a new reason cannot reach the page unnamed.
REASON_LABELS: dict[Exclusion, str] = {
    Exclusion.AVOID: "On the Avoid list",
    Exclusion.NOT_A_CLIENT: "Not a client (client campaigns only)",
    Exclusion.CLIENT_ONLY_CLIENT_CAMPAIGNS: "Client: only gets client campaigns",
    Exclusion.CLIENT_REFUNDED: "Client refunded",
    Exclusion.CLIENT_LATE_PAY: "Client pays late",
    Exclusion.PROSPECT_NOT_A_LEAD: "Prospect, not (yet) a lead",
    Exclusion.NOT_SWEET_SPOT: "Not sweet spot",
    Exclusion.OPEN_OPPORTUNITY: "Open opportunity",
    Exclusion.NO_OPEN_OPPORTUNITY: "No open opportunity",
    Exclusion.EMAIL_OPT_OUT: "Email opt-out",
    Exclusion.DO_NOT_CALL: "Do not call",
    Exclusion.NO_EMAIL: "No email address",
    Exclusion.NO_PHONE: "No phone number",
    Exclusion.NO_POSTAL_ADDRESS: "No postal address",
}


def reason_label(code: str) -> str:
    try:
        return REASON_LABELS[Exclusion(code)]
    except ValueError:
        return code.replace("_", " ")


class ExportForm(forms.Form):
    channel = forms.ChoiceField(choices=choices(Channel))
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.order_by("name"),
        to_field_name="name",
        required=False,
        empty_label="any campaign",
        help_text="only people who came from or responded to it",
    )
    segment = forms.ModelChoiceField(
        queryset=Segment.objects.order_by("name"),
        to_field_name="name",
        required=False,
        empty_label="no segment",
        help_text="only people in this saved segment, and still only those the channel may reach",
    )

    file_format = forms.TypedChoiceField(
        choices=[("csv", "CSV"), ("xlsx", "Excel (.xlsx)")],
        initial="csv",
        required=False,
        empty_value="csv",
        label="File",
        help_text="Excel holds at most 1,048,575 rows",
    )

    def cleaned_channel(self) -> Channel:
        return Channel(self.cleaned_data["channel"])


class OnListForm(forms.Form):
    person = forms.IntegerField(min_value=1, label="Person id")
    on = forms.DateField(
        required=False,
        label="Date",
        help_text="YYYY-MM-DD; empty: any date",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
