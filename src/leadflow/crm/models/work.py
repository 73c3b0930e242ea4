"""Follow-up tasks and proposals waiting for a person."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from leadflow.crm.models.choices import choices, one_of
from leadflow.crm.models.history import _History
from leadflow.domain.calls import CallOutcome
from leadflow.domain.people import Role
from leadflow.domain.profile import Trait
from leadflow.domain.qualification import UnqualifiedReason
from leadflow.domain.temperature import NextAction


class Task(models.Model):
    class Kind(models.TextChoices):
        CALL = "call", "Call"
        PERSONAL_FOLLOW_UP = "personal_follow_up", "Personal follow-up"
        GATHER_MISSING_INFORMATION = "gather_missing_information", "Gather missing information"
        CONFIRM_DISQUALIFICATION = "confirm_disqualification", "Call before disqualifying"
        SHOCK_AND_AWE = "shock_and_awe", "Send the shock-and-awe package"
        CALLBACK = "callback", "Call back to rebook"

    person = models.ForeignKey("crm.Person", on_delete=models.CASCADE, related_name="tasks")
    opportunity = models.ForeignKey(
        "crm.Opportunity", null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    role = models.CharField(max_length=16, choices=choices(Role))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    due_on = models.DateField(null=True, blank=True, db_index=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    # Who marked it done; NULL when a service closed it (a booking, a won deal, Avoid).
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["role", "done_at", "due_on"])]
        constraints = [one_of("role", Role, name="task_role_valid")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.person}"


# The task a temperature's next step gives a setter; other next steps need no task.
FOLLOW_UP_TASK: dict[str, str] = {
    NextAction.CALL.value: Task.Kind.CALL.value,
    NextAction.PERSONAL_FOLLOW_UP.value: Task.Kind.PERSONAL_FOLLOW_UP.value,
}

# The open tasks that mean "call this lead": what a logged call moves, replaces or ends,
# and what the call list shows as the next step due.
CALL_TASK_KINDS: tuple[str, ...] = (
    Task.Kind.CALL.value,
    Task.Kind.PERSONAL_FOLLOW_UP.value,
    Task.Kind.CALLBACK.value,
)


class ProposedDisqualification(models.Model):
    """A failed soft rule waiting for someone who talked to the lead (PRODUCT.md §2)."""

    class Status(models.TextChoices):
        OPEN = "open"
        CONFIRMED = "confirmed"
        REJECTED = "rejected"
        SUPERSEDED = "superseded"  # another proposal for the same lead was confirmed

    person = models.ForeignKey("crm.Person", on_delete=models.CASCADE, related_name="proposals")
    reason = models.CharField(max_length=32, choices=choices(UnqualifiedReason))
    trait = models.CharField(max_length=24, choices=choices(Trait))
    detail = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    proposed_at = models.DateTimeField()
    # Who proposed it by hand (raw review, a call); NULL for the playbook's own proposals.
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        # The Confirmations page: open proposals, oldest first.
        indexes = [models.Index(fields=["status", "proposed_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "trait"],
                condition=Q(status="open"),
                name="one_open_proposal_per_trait",
            ),
            one_of("reason", UnqualifiedReason, name="proposal_reason_valid"),
        ]

    def __str__(self) -> str:
        return f"proposed {self.reason} ({self.status})"


class CallLog(_History):
    """One call a setter made and its outcome: who (`by`), when (`at`), what, and the
    next step it set (`reason`). Kept for every outcome, "no answer" included."""

    person = models.ForeignKey("crm.Person", on_delete=models.CASCADE, related_name="calls")
    outcome = models.CharField(max_length=16, choices=choices(CallOutcome))
    callback_on = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)
    # What the call created: the callback task, or the proposed disqualification.
    task = models.ForeignKey(
        Task, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposal = models.ForeignKey(
        ProposedDisqualification,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta(_History.Meta):
        indexes = [models.Index(fields=["person", "-at"])]
        constraints = [
            one_of("outcome", CallOutcome, name="call_outcome_valid"),
            models.CheckConstraint(
                condition=~Q(outcome=CallOutcome.CALLBACK.value) | Q(callback_on__isnull=False),
                name="callback_call_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"call {self.at:%Y-%m-%d %H:%M}: {self.outcome}"
