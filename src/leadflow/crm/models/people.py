from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from leadflow.crm.models.choices import choices, one_of
from leadflow.domain.people import PersonType
from leadflow.domain.profile import Authority, Need, Outsourcing, SwitchReason
from leadflow.domain.qualification import QualificationStatus, UnqualifiedReason
from leadflow.domain.temperature import Temperature


class Company(models.Model):
    name = models.CharField(max_length=200)
    normalized_name = models.CharField(max_length=200, db_index=True)
    domain = models.CharField(max_length=200, blank=True, db_index=True)
    niche = models.CharField(max_length=100, blank=True)
    company_type = models.CharField(max_length=100, blank=True)
    employee_count = models.PositiveIntegerField(null=True, blank=True)
    # Region code for the service-area test: "US-TX", or a country "US".
    geography = models.CharField(max_length=32, blank=True, db_index=True)

    class Meta:
        verbose_name_plural = "companies"

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """Everyone in the CRM: exactly one type (PRODUCT.md §1)."""

    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    email = models.CharField(max_length=254, blank=True)
    # Lower-cased, IDNA domain; NULL when there is no email so uniqueness skips it.
    email_normalized = models.CharField(max_length=254, null=True, blank=True, unique=True)
    phone = models.CharField(max_length=40, blank=True)
    phone_normalized = models.CharField(max_length=20, null=True, blank=True, db_index=True)
    title = models.CharField(max_length=150, blank=True)
    # The id another system gave this person (an old CRM's lead id, a form vendor's id):
    # how people without email or phone are matched, and how moved-in deals find them.
    external_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="people"
    )

    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=50, blank=True)
    postcode = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True)

    person_type = models.CharField(
        max_length=16, choices=choices(PersonType), default=PersonType.PROSPECT, db_index=True
    )
    # Set while on Avoid, so a lift can restore it (PRODUCT.md §1).
    type_before_avoid = models.CharField(max_length=16, choices=choices(PersonType), blank=True)

    # Qualification: only meaningful for leads.
    qualification_status = models.CharField(
        max_length=16, choices=choices(QualificationStatus), null=True, blank=True, db_index=True
    )
    unqualified_reason = models.CharField(
        max_length=32, choices=choices(UnqualifiedReason), null=True, blank=True
    )
    sweet_spot = models.ForeignKey(
        "crm.Avatar", null=True, blank=True, on_delete=models.SET_NULL, related_name="people"
    )
    qualification_explanation = models.TextField(blank=True)
    incomplete = models.BooleanField(default=False)
    waived_traits = models.JSONField(default=list, blank=True)

    # What qualification judges, beyond the company.
    authority = models.PositiveSmallIntegerField(choices=choices(Authority), null=True, blank=True)
    monthly_budget = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    outsourcing = models.CharField(max_length=16, choices=choices(Outsourcing), blank=True)
    switch_reason = models.CharField(max_length=16, choices=choices(SwitchReason), blank=True)
    need = models.CharField(max_length=16, choices=choices(Need), blank=True)
    services_wanted = models.JSONField(default=list, blank=True)

    # Temperature, from activities only (PRODUCT.md §3).
    temperature = models.PositiveSmallIntegerField(
        choices=choices(Temperature), null=True, blank=True, db_index=True
    )
    temperature_explanation = models.TextField(blank=True)
    has_problem_indicators = models.BooleanField(default=False)

    lead_source = models.ForeignKey(
        "crm.Source", null=True, blank=True, on_delete=models.SET_NULL, related_name="people"
    )
    first_campaign = models.ForeignKey(
        "crm.Campaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="people"
    )

    # Consent and client flags (PRODUCT.md §5 overrides).
    email_opt_out = models.BooleanField(default=False)
    do_not_call = models.BooleanField(default=False)
    client_refunded = models.BooleanField(default=False)
    client_late_pay = models.BooleanField(default=False)

    created_at = models.DateTimeField(db_index=True)
    became_lead_at = models.DateTimeField(null=True, blank=True, db_index=True)
    became_client_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "people"
        indexes = [
            models.Index(fields=["person_type", "qualification_status", "temperature"]),
            models.Index(fields=["last_name", "first_name"]),
            # Name search is a case-insensitive prefix match (crm/selectors/search.py): a
            # range over lower(last_name) finds "raw", "rita raw" and "raw, rita" and walks
            # the matches already in name order, so a page of a common name costs 50 rows.
            # The first-name twin does the same for a word that is a first name.
            models.Index(Lower("last_name"), Lower("first_name"), name="person_name_search"),
            models.Index(Lower("first_name"), Lower("last_name"), name="person_first_name_search"),
        ]
        constraints = [
            one_of("person_type", PersonType, name="person_type_valid"),
            one_of(
                "qualification_status",
                QualificationStatus,
                name="person_qualification_valid",
                nullable=True,
            ),
            one_of("temperature", Temperature, name="person_temperature_valid", nullable=True),
            # An unqualified lead always carries its reason (PRODUCT.md §2).
            models.CheckConstraint(
                condition=~Q(qualification_status=QualificationStatus.UNQUALIFIED)
                | Q(unqualified_reason__isnull=False),
                name="person_unqualified_has_reason",
            ),
            # A prospect is never a lead with a qualification status.
            models.CheckConstraint(
                condition=~Q(person_type=PersonType.PROSPECT)
                | Q(qualification_status__isnull=True),
                name="person_prospect_not_qualified",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email or f"person {self.pk}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def has_postal_address(self) -> bool:
        return bool(self.street and self.city and self.postcode)


class AvoidEntry(models.Model):
    """Who is on Avoid, who put them there, when and why; never deleted (PRODUCT.md §1).

    The normalized email, phone and company domain are copied here so intake can block a
    matching row even when it arrives under another spelling or a new record.
    """

    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="avoid_entries"
    )
    email_normalized = models.CharField(max_length=254, blank=True, db_index=True)
    phone_normalized = models.CharField(max_length=20, blank=True, db_index=True)
    company_domain = models.CharField(max_length=200, blank=True, db_index=True)
    reason = models.TextField()
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField()
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "avoid entries"
        # The Avoid page lists entries newest first: walked backwards, this index gives a
        # page without sorting every entry.
        indexes = [models.Index(fields=["added_at", "id"], name="avoid_entry_added")]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(lifted_at__isnull=True),
                name="one_active_avoid_entry_per_person",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="avoid_entry_has_reason"),
            models.CheckConstraint(
                condition=Q(lifted_at__isnull=True) | ~Q(lift_reason=""),
                name="avoid_lift_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Avoid since {self.added_at:%Y-%m-%d}: {self.reason}"

    @property
    def active(self) -> bool:
        return self.lifted_at is None
