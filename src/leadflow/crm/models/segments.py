"""Client segments: saved filters over people, used by exports (PRODUCT.md §5).

A segment's rules are JSON checked by `SegmentRules`, so a bad definition is refused
when it is saved, not when a list is exported. `leadflow.exports.segments` turns the
rules into a query.

There is no membership field in the CRM: the service level is what a client bought. A
"managed" client has a won deal with the line ``managed-services``; a break-fix client has
``break-fix`` and not that. Both are expressed with ``bought_any`` / ``bought_none``.
"""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import models
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from leadflow.domain.people import PersonType

# Service lines are matched inside the stored JSON list, so they are kept to words and
# dashes: "managed-services", "break-fix".
SERVICE_LINE_PATTERN = r"^[a-z0-9][a-z0-9-]*$"


class FlagChoice(StrEnum):
    ANY = "any"
    YES = "yes"
    NO = "no"


class SegmentRules(BaseModel):
    """Who is in a segment. Every rule left at its default matches everyone.

    Spend is the contract value of won opportunities: lifetime is their sum; monthly is the
    value of the latest won deal, on the assumption that client contracts are monthly
    (a later won deal replaces the earlier one as what the client pays now).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    person_types: list[PersonType] = Field(default_factory=lambda: [PersonType.CLIENT])
    bought_any: list[str] = Field(default_factory=list)
    bought_none: list[str] = Field(default_factory=list)
    min_tenure_months: int | None = Field(default=None, ge=0, le=1200)
    max_tenure_months: int | None = Field(default=None, ge=0, le=1200)
    min_lifetime_spend: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    max_lifetime_spend: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    min_monthly_spend: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    max_monthly_spend: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    refunded: FlagChoice = FlagChoice.ANY
    late_pay: FlagChoice = FlagChoice.ANY

    @field_validator("bought_any", "bought_none", mode="before")
    @classmethod
    def _service_lines(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.replace(",", " ").split()
        if isinstance(value, list):
            value = sorted({str(v).strip().lower() for v in value if str(v).strip()})
            for line in value:
                if not _is_service_line(line):
                    raise ValueError(
                        f'"{line}" is not a service line (letters, digits and dashes, '
                        'e.g. "managed-services")'
                    )
        return value

    @model_validator(mode="after")
    def _ranges(self) -> SegmentRules:
        pairs = [
            ("tenure", self.min_tenure_months, self.max_tenure_months),
            ("lifetime spend", self.min_lifetime_spend, self.max_lifetime_spend),
            ("monthly spend", self.min_monthly_spend, self.max_monthly_spend),
        ]
        for what, low, high in pairs:
            if low is not None and high is not None and low > high:
                raise ValueError(f"the minimum {what} is above the maximum")
        both = set(self.bought_any) & set(self.bought_none)
        if both:
            raise ValueError(f"{', '.join(sorted(both))}: both bought and not bought")
        return self

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def _is_service_line(text: str) -> bool:
    return re.fullmatch(SERVICE_LINE_PATTERN, text) is not None


def rules_problem(error: ValidationError) -> str:
    """A pydantic error as one sentence a marketing manager can act on."""
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"])
        message = str(item["msg"]).removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


class Segment(models.Model):
    """A named, saved filter of people ("break-fix clients with no managed contract")."""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    rules = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=~models.Q(name=""), name="segment_named")]

    def __str__(self) -> str:
        return self.name

    @property
    def parsed_rules(self) -> SegmentRules:
        return SegmentRules.model_validate(self.rules)
