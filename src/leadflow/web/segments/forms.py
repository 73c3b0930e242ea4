"""The segment form: each rule of SegmentRules as a field; the rules check the whole."""

from __future__ import annotations

from typing import Any

from django import forms
from pydantic import ValidationError

from leadflow.crm.models import Segment
from leadflow.crm.models.choices import choices
from leadflow.crm.models.segments import FlagChoice, SegmentRules, rules_problem
from leadflow.domain.people import PersonType

_FLAGS = [(FlagChoice.ANY.value, "any"), (FlagChoice.NO.value, "no"), (FlagChoice.YES.value, "yes")]


def _money(label: str, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        label=label,
        help_text=help_text,
    )


def _months(label: str) -> forms.IntegerField:
    return forms.IntegerField(required=False, min_value=0, max_value=1200, label=label)


class SegmentForm(forms.Form):
    name = forms.CharField(max_length=100)
    description = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    person_types = forms.MultipleChoiceField(
        required=False,
        choices=choices(PersonType),
        initial=[PersonType.CLIENT.value],
        widget=forms.CheckboxSelectMultiple,
        label="Types",
        help_text="none ticked: every type",
    )
    bought_any = forms.CharField(
        required=False,
        max_length=500,
        label="Bought any of",
        help_text="service lines, comma separated, e.g. break-fix",
    )
    bought_none = forms.CharField(
        required=False,
        max_length=500,
        label="Bought none of",
        help_text="e.g. managed-services (the service level: no membership field exists)",
    )
    min_tenure_months = _months("Client for at least (months)")
    max_tenure_months = _months("Client for at most (months)")
    min_lifetime_spend = _money("Lifetime spend at least")
    max_lifetime_spend = _money("Lifetime spend at most")
    min_monthly_spend = _money("Monthly spend at least", "the latest won contract's value")
    max_monthly_spend = _money("Monthly spend at most")
    refunded = forms.ChoiceField(choices=_FLAGS, initial=FlagChoice.ANY.value, label="Refunded")
    late_pay = forms.ChoiceField(choices=_FLAGS, initial=FlagChoice.ANY.value, label="Late pay")

    RULE_FIELDS = (
        "person_types",
        "bought_any",
        "bought_none",
        "min_tenure_months",
        "max_tenure_months",
        "min_lifetime_spend",
        "max_lifetime_spend",
        "min_monthly_spend",
        "max_monthly_spend",
        "refunded",
        "late_pay",
    )

    @classmethod
    def for_segment(cls, segment: Segment) -> SegmentForm:
        rules = segment.parsed_rules.as_json()
        initial: dict[str, Any] = {"name": segment.name, "description": segment.description}
        for name in cls.RULE_FIELDS:
            value = rules.get(name)
            initial[name] = ", ".join(value or []) if name.startswith("bought") else value
        return cls(initial=initial)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if any(name in self.errors for name in self.RULE_FIELDS):
            return data
        values = {name: data.get(name) for name in self.RULE_FIELDS}
        values = {k: v for k, v in values.items() if v not in (None, "")}
        values.setdefault("person_types", [])
        try:
            data["rules"] = SegmentRules.model_validate(values)
        except ValidationError as error:
            raise forms.ValidationError(rules_problem(error)) from error
        return data
