"""History is data: who, when, why for every change that reports are computed from."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from leadflow.crm.models.choices import choices
from leadflow.domain.people import PersonEvent, PersonType
from leadflow.domain.pipeline import Stage
from leadflow.domain.qualification import QualificationStatus, UnqualifiedReason


class _History(models.Model):
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(db_index=True)
    reason = models.TextField(blank=True)

    class Meta:
        abstract = True
        ordering = ["-at", "-id"]


class TypeChangeRecord(_History):
    person = models.ForeignKey("crm.Person", on_delete=models.CASCADE, related_name="type_changes")
    before = models.CharField(max_length=16, choices=choices(PersonType), blank=True)
    after = models.CharField(max_length=16, choices=choices(PersonType))
    event = models.CharField(max_length=24, choices=choices(PersonEvent), blank=True)

    def __str__(self) -> str:
        return f"{self.before or 'new'} → {self.after} at {self.at:%Y-%m-%d}"


class QualificationRecord(_History):
    """A classification and its explanation, as decided at that moment."""

    class Kind(models.TextChoices):
        AUTOMATIC = "automatic"
        CONFIRMED = "confirmed"  # a proposed disqualification confirmed by a person
        REJECTED = "rejected"  # a proposal rejected: the lead re-qualified without it
        REQUALIFIED = "requalified"  # every lead re-judged after a playbook change

    person = models.ForeignKey(
        "crm.Person", on_delete=models.CASCADE, related_name="qualification_records"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=choices(QualificationStatus))
    unqualified_reason = models.CharField(
        max_length=32, choices=choices(UnqualifiedReason), null=True, blank=True
    )
    sweet_spot = models.CharField(max_length=100, blank=True)
    details = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"{self.status} ({self.kind}) at {self.at:%Y-%m-%d}"


class StageChange(_History):
    opportunity = models.ForeignKey(
        "crm.Opportunity", on_delete=models.CASCADE, related_name="stage_changes"
    )
    before = models.CharField(max_length=20, choices=choices(Stage), blank=True)
    after = models.CharField(max_length=20, choices=choices(Stage))
    details = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"{self.before or 'new'} → {self.after} at {self.at:%Y-%m-%d}"


class ConsentChange(_History):
    class Flag(models.TextChoices):
        EMAIL_OPT_OUT = "email_opt_out"
        DO_NOT_CALL = "do_not_call"
        CLIENT_REFUNDED = "client_refunded"
        CLIENT_LATE_PAY = "client_late_pay"

    person = models.ForeignKey(
        "crm.Person", on_delete=models.CASCADE, related_name="consent_changes"
    )
    flag = models.CharField(max_length=20, choices=Flag.choices)
    value = models.BooleanField()

    def __str__(self) -> str:
        return f"{self.flag} = {self.value} at {self.at:%Y-%m-%d}"


class MergeRecord(_History):
    """What a merge filled in on a stored person (it never overwrites a value)."""

    person = models.ForeignKey("crm.Person", on_delete=models.CASCADE, related_name="merges")
    campaign = models.ForeignKey(
        "crm.Campaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changes = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"merge of {', '.join(self.changes)} at {self.at:%Y-%m-%d}"


class PlaybookChange(_History):
    """One edit of the playbook: who, when, what, and the values before and after.

    The playbook is data that decides who is a lead worth money, so an edit is history
    like a stage change: the page's change log and any later "why did this lead stop
    being sweet spot?" read these rows. `before` is null for an addition, `after` for a
    removal; an edit stores only the values that changed.
    """

    class Area(models.TextChoices):
        AVATAR = "avatar", "Avatar"
        CRITERION = "criterion", "Criterion"
        TRIGGER = "trigger", "Temperature triggers"
        NEXT_STEP = "next_step", "Next steps"
        THRESHOLD = "threshold", "Thresholds"
        CALENDAR = "calendar", "Business-day calendar"

    class Action(models.TextChoices):
        ADDED = "added"
        CHANGED = "changed"
        REMOVED = "removed"

    area = models.CharField(max_length=16, choices=Area.choices)
    action = models.CharField(max_length=8, choices=Action.choices)
    # What was edited, in words that outlive the row: "avatar Growing professional firm".
    subject = models.CharField(max_length=200)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.subject} {self.action} at {self.at:%Y-%m-%d}"


class RequalificationRun(_History):
    """Every lead re-judged under the playbook in force: who asked, when, and what changed.

    Editing the playbook re-judges nobody by itself (a rule change can move thousands of
    leads, so someone decides when); this row says when it last happened, so the playbook
    page can tell which edits are not yet applied to the leads already stored.
    """

    considered = models.PositiveIntegerField()
    changed = models.PositiveIntegerField()
    # Unqualified by someone who talked to them: left as they are.
    kept_confirmed = models.PositiveIntegerField()
    proposals_opened = models.PositiveIntegerField(default=0)
    proposals_withdrawn = models.PositiveIntegerField(default=0)
    # {"qualified → unqualified": 120, ...}: how the changed leads moved.
    moves = models.JSONField(default=dict, blank=True)
    # The latest playbook edit it applied (null when the playbook was never edited).
    applied_change = models.ForeignKey(
        PlaybookChange, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.changed:,} of {self.considered:,} leads re-judged at {self.at:%Y-%m-%d}"
