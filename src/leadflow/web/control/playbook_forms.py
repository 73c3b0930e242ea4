"""The playbook editor's forms: text in, the domain's values out, or a form error.

A criterion is validated by building the domain's `Criterion`: what it refuses ("niche
at least 5") is refused here with its words, before anything is stored. A value for a
trait with a fixed vocabulary (need, outsourcing, switch reason, authority) must be one
of its words, or the criterion could never match and nobody would notice.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import holidays
from django import forms
from django.forms import BoundField

from leadflow.crm.models import Avatar
from leadflow.crm.models.choices import choices, label_of
from leadflow.domain import qualification as q
from leadflow.domain.calendar import BusinessCalendar
from leadflow.domain.profile import Authority, Need, Outsourcing, SwitchReason, Trait
from leadflow.domain.temperature import (
    ActivityKind,
    FollowUpWish,
    NextAction,
    NextStep,
    Temperature,
)

_SET_OPERATORS = (q.Operator.ONE_OF, q.Operator.NONE_OF)
_VOCABULARY: dict[Trait, frozenset[str]] = {
    Trait.NEED: frozenset(n.value for n in Need),
    Trait.OUTSOURCING: frozenset(o.value for o in Outsourcing),
    Trait.SWITCH_REASON: frozenset(s.value for s in SwitchReason),
    Trait.AUTHORITY: frozenset(a.label for a in Authority) | {str(int(a)) for a in Authority},
}
# Actions that promise a person will act: without a number of days no task is made.
_PERSONAL_ACTIONS = (NextAction.CALL, NextAction.PERSONAL_FOLLOW_UP)


class _Why(forms.Form):
    reason = forms.CharField(
        required=False,
        max_length=500,
        label="Why (optional)",
        help_text="kept in the change log",
    )


class CriterionForm(_Why):
    trait = forms.ChoiceField(choices=choices(Trait))
    operator = forms.ChoiceField(choices=choices(q.Operator))
    value = forms.CharField(
        max_length=500,
        help_text="one of / none of: a comma-separated list; at least / at most: a number "
        "(authority: none, staff, manager, director or executive)",
    )

    field_order = ["trait", "operator", "value", "reason"]
    criterion: q.Criterion

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not {"trait", "operator", "value"} <= data.keys():
            return data
        trait, operator = Trait(data["trait"]), q.Operator(data["operator"])
        try:
            value = _parse_value(trait, operator, data["value"])
            self.criterion = q.Criterion(trait, operator, value)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error
        return data


def _parse_value(trait: Trait, operator: q.Operator, text: str) -> q.CriterionValue:
    if operator in _SET_OPERATORS:
        items = frozenset(i.strip().lower() for i in text.split(",") if i.strip())
        if not items:
            raise ValueError(f"{operator.value.replace('_', ' ')} needs at least one value")
        known = _VOCABULARY.get(trait)
        unknown = sorted(items - known) if known is not None else []
        if known is not None and unknown:
            raise ValueError(
                f"{trait.value} has no value {', '.join(unknown)}; use "
                + ", ".join(sorted(v for v in known if not v.isdigit()))
            )
        return items
    word = text.strip().lower()
    if trait is Trait.AUTHORITY and word in {a.label for a in Authority}:
        return Decimal(int(Authority[word.upper()]))
    try:
        number = Decimal(word)
    except InvalidOperation:
        # A number the domain will judge; words go to the domain, which says why not.
        return word
    if not number.is_finite():
        raise ValueError(f"{word!r} is not a number")
    return number


class AvatarForm(_Why):
    name = forms.CharField(max_length=100)
    priority = forms.IntegerField(
        min_value=0, max_value=32767, initial=100, help_text="lower is tried first"
    )
    active = forms.BooleanField(
        required=False,
        initial=True,
        help_text="a retired avatar tags no new lead; leads it tagged keep the tag",
    )
    description = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    field_order = ["name", "priority", "active", "description", "reason"]

    def __init__(self, *args: Any, avatar: Avatar | None = None, **kwargs: Any) -> None:
        if avatar is not None:
            kwargs.setdefault("initial", {}).update(
                name=avatar.name,
                priority=avatar.priority,
                active=avatar.active,
                description=avatar.description,
            )
        super().__init__(*args, **kwargs)


class TriggersForm(_Why):
    """One select per (activity kind, follow-up wish): the temperature it gives."""

    def __init__(self, *args: Any, current: dict[tuple[ActivityKind, FollowUpWish], Temperature],
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        for (kind, wish), temperature in current.items():
            self.fields[self.name_of(kind, wish)] = forms.TypedChoiceField(
                choices=[(int(t), label_of(t)) for t in Temperature],
                coerce=int,
                initial=int(temperature),
                label=f"{label_of(kind)}, {wish.value}",
            )
        self.order_fields([*(f for f in self.fields if f != "reason"), "reason"])

    @staticmethod
    def name_of(kind: ActivityKind, wish: FollowUpWish) -> str:
        return f"{kind.value}__{wish.value}"

    def rows(self) -> list[tuple[str, list[BoundField]]]:
        """For the grid: one row per activity kind, one select per follow-up wish."""
        return [
            (label_of(kind), [self[self.name_of(kind, wish)] for wish in FollowUpWish])
            for kind in ActivityKind
            if self.name_of(kind, FollowUpWish.NONE) in self.fields
        ]

    def triggers(self) -> dict[tuple[ActivityKind, FollowUpWish], Temperature]:
        return {
            (kind, wish): Temperature(self.cleaned_data[self.name_of(kind, wish)])
            for kind in ActivityKind
            for wish in FollowUpWish
            if self.name_of(kind, wish) in self.cleaned_data
        }


class NextStepsForm(_Why):
    """Per temperature: the action and within how many business days it is due."""

    def __init__(self, *args: Any, current: dict[Temperature, NextStep], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for temperature, step in current.items():
            name = temperature.label
            self.fields[f"{name}_action"] = forms.ChoiceField(
                choices=choices(NextAction), initial=step.action.value, label=label_of(temperature)
            )
            self.fields[f"{name}_days"] = forms.IntegerField(
                required=False,
                min_value=0,
                max_value=60,
                initial=step.within_business_days,
                label=f"{label_of(temperature)}: within business days",
            )
        self.order_fields([*(f for f in self.fields if f != "reason"), "reason"])

    def rows(self) -> list[tuple[str, BoundField, BoundField]]:
        return [
            (label_of(t), self[f"{t.label}_action"], self[f"{t.label}_days"])
            for t in Temperature
            if f"{t.label}_action" in self.fields
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.steps: dict[Temperature, NextStep] = {}
        for temperature in Temperature:
            name = temperature.label
            if f"{name}_action" not in data or f"{name}_days" in self.errors:
                continue
            action, days = NextAction(data[f"{name}_action"]), data.get(f"{name}_days")
            if action in _PERSONAL_ACTIONS and days is None:
                self.add_error(
                    f"{name}_days",
                    f"{action.value.replace('_', ' ')} needs a number of business days: "
                    "without one no task is made and nobody acts",
                )
            elif action is NextAction.NURTURE_ONLY and days is not None:
                self.add_error(f"{name}_days", "nurture only is the drip: it has no due date")
            else:
                self.steps[temperature] = NextStep(action, days)
        return data


class ThresholdsForm(_Why):
    raw_age_alert_business_days = forms.IntegerField(
        min_value=0,
        max_value=30,
        label="Raw-age alert after (business days)",
        help_text="a raw lead older than this is flagged for review",
    )
    show_rate_percent = forms.IntegerField(
        min_value=0,
        max_value=100,
        label="Flag a setter whose show rate is below (%)",
    )
    field_order = ["raw_age_alert_business_days", "show_rate_percent", "reason"]

    @property
    def show_rate_threshold(self) -> Decimal:
        return Decimal(self.cleaned_data["show_rate_percent"]) / 100


class CalendarForm(_Why):
    country = forms.ChoiceField(
        choices=sorted((c, c) for c in holidays.list_supported_countries()),
        help_text="ISO 3166 code, e.g. US",
    )
    subdivision = forms.CharField(
        required=False, max_length=10, help_text="state or province code, e.g. TX; optional"
    )
    field_order = ["country", "subdivision", "reason"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "country" in data:
            data["subdivision"] = (data.get("subdivision") or "").strip().upper()
            try:
                BusinessCalendar(country=data["country"], subdivision=data["subdivision"] or None)
            except ValueError as error:
                self.add_error("subdivision", str(error))
        return data
