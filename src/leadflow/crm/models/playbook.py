"""Configuration is data: avatars, rules, temperature triggers, next steps, thresholds."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q

from leadflow.crm.models.choices import choices, one_of
from leadflow.domain.profile import Trait
from leadflow.domain.qualification import Operator
from leadflow.domain.temperature import ActivityKind, FollowUpWish, NextAction, Temperature


class Avatar(models.Model):
    """An ideal-client profile; a qualified lead that fits one is tagged sweet spot."""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    priority = models.PositiveSmallIntegerField(default=100, help_text="lower is tried first")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["priority", "id"]

    def __str__(self) -> str:
        return self.name


class Criterion(models.Model):
    """One test over one trait. Without an avatar it is one of the qualification rules."""

    avatar = models.ForeignKey(
        Avatar, null=True, blank=True, on_delete=models.CASCADE, related_name="criteria"
    )
    trait = models.CharField(max_length=24, choices=choices(Trait))
    operator = models.CharField(max_length=16, choices=choices(Operator))
    # A list of strings for one_of/none_of, a number for at_least/at_most.
    value = models.JSONField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["avatar_id", "position", "id"]
        verbose_name_plural = "criteria"
        constraints = [
            one_of("trait", Trait, name="criterion_trait_valid"),
            one_of("operator", Operator, name="criterion_operator_valid"),
        ]

    def __str__(self) -> str:
        owner = self.avatar.name if self.avatar else "qualification rule"
        return f"{owner}: {self.trait} {self.operator} {self.value}"


class TemperatureTrigger(models.Model):
    kind = models.CharField(max_length=32, choices=choices(ActivityKind))
    wish = models.CharField(max_length=16, choices=choices(FollowUpWish))
    temperature = models.PositiveSmallIntegerField(choices=choices(Temperature))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "wish"], name="one_trigger_per_kind_and_wish"),
            one_of("temperature", Temperature, name="trigger_temperature_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} + {self.wish} → {self.get_temperature_display()}"


class NextStepSetting(models.Model):
    temperature = models.PositiveSmallIntegerField(choices=choices(Temperature), unique=True)
    action = models.CharField(max_length=32, choices=choices(NextAction))
    within_business_days = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [one_of("action", NextAction, name="next_step_action_valid")]

    def __str__(self) -> str:
        return f"{self.get_temperature_display()}: {self.action}"


class BusinessSettings(models.Model):
    """One row: the business calendar and thresholds the team works by."""

    country = models.CharField(max_length=2, default="US")
    subdivision = models.CharField(max_length=10, blank=True)
    raw_age_alert_business_days = models.PositiveSmallIntegerField(default=1)
    show_rate_threshold = models.DecimalField(
        max_digits=4, decimal_places=2, default=Decimal("0.50")
    )

    class Meta:
        verbose_name_plural = "business settings"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="business_settings_single_row"),
        ]

    def __str__(self) -> str:
        return f"business settings ({self.country})"
