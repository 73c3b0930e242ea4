"""The people list's search and filter form: turns query parameters into PeopleFilters.

There is no free tagging in leadflow: the one tag PRODUCT.md names is *sweet spot*, which
the avatar filter covers.
"""

from __future__ import annotations

from django import forms

from leadflow.crm.models import Avatar, Campaign, Source
from leadflow.crm.models.choices import choices, label_of
from leadflow.crm.selectors.dashboard import OPEN_STAGES
from leadflow.crm.selectors.search import PeopleFilters
from leadflow.domain.people import PersonType
from leadflow.domain.pipeline import Stage
from leadflow.domain.qualification import QualificationStatus, UnqualifiedReason
from leadflow.domain.temperature import Temperature

_ANY: list[tuple[str | int, str]] = [("", "any")]


class PeopleFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label="Search")
    type = forms.ChoiceField(required=False, choices=_ANY + choices(PersonType))
    status = forms.ChoiceField(required=False, choices=_ANY + choices(QualificationStatus))
    temperature = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=_ANY + [(str(int(t)), label_of(t)) for t in Temperature],
    )
    avatar = forms.ModelChoiceField(
        required=False,
        queryset=Avatar.objects.order_by("priority", "id"),
        label="Sweet spot",
        empty_label="any",
    )
    reason = forms.ChoiceField(
        required=False,
        label="Unqualified reason",
        choices=_ANY + choices(UnqualifiedReason),
    )
    stage = forms.ChoiceField(
        required=False,
        label="Open opportunity at",
        choices=_ANY + [(s.value, label_of(s)) for s in OPEN_STAGES],
    )
    campaign = forms.ModelChoiceField(
        required=False, queryset=Campaign.objects.order_by("name"), empty_label="any"
    )
    source = forms.ModelChoiceField(
        required=False,
        queryset=Source.objects.order_by("name"),
        label="Lead source",
        empty_label="any",
    )
    # Set by a company link in the results; a select of every company would be huge.
    company = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput
    )
    raw_over_age = forms.BooleanField(required=False, label="Raw, over the age alert")

    def filters(self) -> PeopleFilters:
        """The filters from the fields that are valid; an invalid one is left out."""
        data = getattr(self, "cleaned_data", {})
        avatar = data.get("avatar")
        temperature = data.get("temperature")
        campaign, source = data.get("campaign"), data.get("source")
        return PeopleFilters(
            q=data.get("q") or "",
            person_type=PersonType(data["type"]) if data.get("type") else None,
            status=QualificationStatus(data["status"]) if data.get("status") else None,
            temperature=Temperature(temperature) if temperature is not None else None,
            avatar_id=avatar.pk if avatar is not None else None,
            unqualified_reason=UnqualifiedReason(data["reason"]) if data.get("reason") else None,
            stage=Stage(data["stage"]) if data.get("stage") else None,
            raw_over_age=bool(data.get("raw_over_age")),
            campaign_id=campaign.pk if campaign is not None else None,
            source_id=source.pk if source is not None else None,
            company_id=data.get("company"),
        )
