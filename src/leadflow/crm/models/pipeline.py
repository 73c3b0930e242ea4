from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from leadflow.crm.models.choices import choices, one_of
from leadflow.domain.pipeline import CLOSED_STAGES, AppointmentOutcome, LostDisposition, Stage


class Opportunity(models.Model):
    """One sales attempt, from first appointment to won or lost (PRODUCT.md §4)."""

    person = models.ForeignKey("crm.Person", on_delete=models.PROTECT, related_name="opportunities")
    stage = models.CharField(max_length=20, choices=choices(Stage), db_index=True)
    stage_entered_at = models.DateTimeField()
    setter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="set_opportunities",
    )
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="rep_opportunities",
    )
    created_at = models.DateTimeField(db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    lost_reason = models.TextField(blank=True)
    disposition = models.CharField(
        max_length=16, choices=choices(LostDisposition), null=True, blank=True
    )
    contract_value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    services_bought = models.JSONField(default=list, blank=True)
    # The CRM a historical deal was moved in from (`leadflow import-deals`); blank for deals
    # worked here. Old systems often kept no contract value, and history is not invented.
    moved_in_from = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name_plural = "opportunities"
        # The pipeline board: a column is one stage, oldest in stage first, for everyone
        # or for one rep; counts and the first cards come straight from these indexes.
        indexes = [
            models.Index(fields=["stage", "stage_entered_at"], name="opportunity_stage_since"),
            models.Index(
                fields=["rep", "stage", "stage_entered_at"], name="opportunity_rep_stage_since"
            ),
        ]
        constraints = [
            one_of("stage", Stage, name="opportunity_stage_valid"),
            one_of(
                "disposition", LostDisposition, name="opportunity_disposition_valid", nullable=True
            ),
            # One open sales attempt per person at a time.
            models.UniqueConstraint(
                fields=["person"],
                condition=~Q(stage__in=sorted(s.value for s in CLOSED_STAGES)),
                name="one_open_opportunity_per_person",
            ),
            models.CheckConstraint(
                condition=~Q(stage=Stage.LOST)
                | (~Q(lost_reason="") & Q(disposition__isnull=False)),
                name="lost_has_reason_and_disposition",
            ),
            models.CheckConstraint(
                condition=~Q(stage=Stage.WON)
                | Q(contract_value__gt=0)
                | (~Q(moved_in_from="") & Q(contract_value__isnull=True)),
                name="won_has_contract_value",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} — {Stage(self.stage).label}"

    @property
    def is_open(self) -> bool:
        return Stage(self.stage).is_open


class Appointment(models.Model):
    """A first-time appointment (or a rebooking); its outcome feeds the show rate."""

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="appointments"
    )
    setter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments_set"
    )
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments_run"
    )
    scheduled_at = models.DateTimeField(db_index=True)
    booked_at = models.DateTimeField()
    has_problem_we_solve = models.BooleanField()
    has_authority_to_buy = models.BooleanField()
    agreed_to_talk_to_sales = models.BooleanField()
    outcome = models.CharField(
        max_length=16, choices=choices(AppointmentOutcome), null=True, blank=True, db_index=True
    )
    outcome_at = models.DateTimeField(null=True, blank=True)
    callback_on = models.DateField(null=True, blank=True)

    class Meta:
        # The appointments page: a rep's (or everyone's) appointments of today and this
        # week, and those still waiting for an outcome, a few among all appointments ever.
        indexes = [
            models.Index(fields=["rep", "scheduled_at"], name="appointment_rep_when"),
            models.Index(
                fields=["scheduled_at"],
                condition=Q(outcome__isnull=True),
                name="appointment_pending_when",
            ),
            models.Index(
                fields=["rep", "scheduled_at"],
                condition=Q(outcome__isnull=True),
                name="appointment_rep_pending_when",
            ),
        ]
        constraints = [
            one_of("outcome", AppointmentOutcome, name="appointment_outcome_valid", nullable=True),
            models.CheckConstraint(
                condition=~Q(outcome=AppointmentOutcome.CANCELLED) | Q(callback_on__isnull=False),
                name="cancelled_appointment_has_callback",
            ),
            models.CheckConstraint(
                condition=Q(has_problem_we_solve=True)
                & Q(has_authority_to_buy=True)
                & Q(agreed_to_talk_to_sales=True),
                name="appointment_is_sales_qualified",
            ),
        ]

    def __str__(self) -> str:
        return f"appointment {self.scheduled_at:%Y-%m-%d %H:%M} ({self.outcome or 'pending'})"
