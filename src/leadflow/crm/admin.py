"""The Django admin: a back office for admins. History is read-only; Avoid goes through
the services so its rules (who/when/why, admin-only lift) hold here too."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render

from leadflow.crm import models as m
from leadflow.crm.services.avoid import lift_avoid
from leadflow.domain.errors import DomainError
from leadflow.reports import facts


class _ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    """History rows are written by services only: nobody edits or deletes the past."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(m.TypeChangeRecord)
class TypeChangeRecordAdmin(_ReadOnly):
    list_display = ["person", "before", "after", "event", "by", "at", "reason"]
    list_filter = ["after", "event"]
    date_hierarchy = "at"


@admin.register(m.QualificationRecord)
class QualificationRecordAdmin(_ReadOnly):
    list_display = ["person", "kind", "status", "unqualified_reason", "sweet_spot", "by", "at"]
    list_filter = ["kind", "status", "unqualified_reason"]
    date_hierarchy = "at"


@admin.register(m.RequalificationRun)
class RequalificationRunAdmin(_ReadOnly):
    list_display = ["at", "by", "considered", "changed", "kept_confirmed", "proposals_opened"]
    date_hierarchy = "at"


@admin.register(m.StageChange)
class StageChangeAdmin(_ReadOnly):
    list_display = ["opportunity", "before", "after", "by", "at", "reason"]
    list_filter = ["after"]
    date_hierarchy = "at"


@admin.register(m.ConsentChange)
class ConsentChangeAdmin(_ReadOnly):
    list_display = ["person", "flag", "value", "by", "at", "reason"]
    list_filter = ["flag", "value"]


class _LiftForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea, help_text="why this entry is lifted")


@admin.register(m.AvoidEntry)
class AvoidEntryAdmin(_ReadOnly):
    list_display = [
        "person",
        "email_normalized",
        "phone_normalized",
        "reason",
        "added_by",
        "added_at",
        "lifted_at",
    ]
    list_filter = [("lifted_at", admin.EmptyFieldListFilter)]
    search_fields = ["email_normalized", "phone_normalized", "company_domain", "reason"]
    actions = ["lift"]

    @admin.action(description="Lift the selected Avoid entries (admin, with a reason)")
    def lift(self, request: HttpRequest, queryset: QuerySet[m.AvoidEntry]) -> HttpResponse | None:
        if "apply" in request.POST:
            form = _LiftForm(request.POST)
            if form.is_valid():
                lifted = 0
                for entry in queryset.filter(lifted_at__isnull=True):
                    try:
                        lift_avoid(entry=entry, by=request.user, reason=form.cleaned_data["reason"])  # type: ignore[arg-type]
                        lifted += 1
                    except DomainError as error:
                        self.message_user(request, error.reason, messages.ERROR)
                        return None
                self.message_user(request, f"Lifted {lifted} entries.", messages.SUCCESS)
                return HttpResponseRedirect(request.get_full_path())
        else:
            form = _LiftForm()
        return render(
            request,
            "admin/crm/avoid_lift.html",
            {
                "entries": queryset,
                "form": form,
                "opts": self.model._meta,
                **self.admin_site.each_context(request),
            },
        )


@admin.register(m.Person)
class PersonAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "__str__",
        "email",
        "person_type",
        "qualification_status",
        "temperature",
        "sweet_spot",
    ]
    list_filter = [
        "person_type",
        "qualification_status",
        "temperature",
        "sweet_spot",
        "lead_source",
    ]
    search_fields = [
        "first_name",
        "last_name",
        "email_normalized",
        "phone_normalized",
        "company__name",
    ]
    raw_id_fields = ["company", "first_campaign", "created_by"]
    # Type, status and temperature change only through services, which keep the history.
    readonly_fields = [
        "person_type",
        "type_before_avoid",
        "qualification_status",
        "unqualified_reason",
        "sweet_spot",
        "qualification_explanation",
        "temperature",
        "temperature_explanation",
        "became_lead_at",
        "became_client_at",
        "email_opt_out",
        "do_not_call",
        "client_refunded",
        "client_late_pay",
    ]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @transaction.atomic
    def save_model(self, request: HttpRequest, obj: m.Person, form: Any, change: bool) -> None:
        # A corrected source or campaign moves the person in the funnel reports at once.
        super().save_model(request, obj, form, change)
        facts.refresh([obj.pk])


@admin.register(m.Company)
class CompanyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "niche", "employee_count", "geography", "domain"]
    search_fields = ["name", "domain"]
    list_filter = ["niche"]


@admin.register(m.Opportunity)
class OpportunityAdmin(_ReadOnly):
    list_display = ["person", "stage", "setter", "rep", "created_at", "contract_value"]
    list_filter = ["stage", "setter", "rep", "disposition"]


@admin.register(m.Appointment)
class AppointmentAdmin(_ReadOnly):
    list_display = ["opportunity", "setter", "rep", "scheduled_at", "outcome", "callback_on"]
    list_filter = ["outcome", "setter"]


@admin.register(m.Activity)
class ActivityAdmin(_ReadOnly):
    list_display = ["person", "kind", "wish", "temperature", "occurred_at", "campaign"]
    list_filter = ["kind", "wish", "temperature", "campaign"]


@admin.register(m.Task)
class TaskAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["person", "kind", "role", "assignee", "due_on", "done_at"]
    list_filter = ["kind", "role", ("done_at", admin.EmptyFieldListFilter)]
    raw_id_fields = ["person", "opportunity"]


@admin.register(m.ProposedDisqualification)
class ProposedDisqualificationAdmin(_ReadOnly):
    list_display = ["person", "reason", "detail", "status", "proposed_at", "resolved_by"]
    list_filter = ["status", "reason"]


# The playbook is edited on its page (/playbook/), where every change is recorded with
# who, when, before and after; here it can only be read, so nothing bypasses that log.
class CriterionInline(admin.TabularInline):  # type: ignore[type-arg]
    model = m.Criterion
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(m.Avatar)
class AvatarAdmin(_ReadOnly):
    list_display = ["name", "priority", "active"]
    inlines = [CriterionInline]


@admin.register(m.Criterion)
class CriterionAdmin(_ReadOnly):
    list_display = ["__str__", "avatar", "trait", "operator", "value", "position"]
    list_filter = ["avatar"]


@admin.register(m.TemperatureTrigger, m.NextStepSetting, m.BusinessSettings)
class PlaybookSettingAdmin(_ReadOnly):
    pass


@admin.register(m.PlaybookChange)
class PlaybookChangeAdmin(_ReadOnly):
    list_display = ["at", "by", "area", "action", "subject", "reason"]
    list_filter = ["area", "action"]
    date_hierarchy = "at"


@admin.register(m.CallLog)
class CallLogAdmin(_ReadOnly):
    list_display = ["person", "outcome", "by", "at", "reason"]
    list_filter = ["outcome"]
    date_hierarchy = "at"


admin.site.register(m.Source)
admin.site.register(m.Campaign)
admin.site.site_header = "leadflow back office"


@admin.register(m.AuditEntry)
class AuditEntryAdmin(_ReadOnly):
    list_display = ("at", "actor", "via", "action", "method", "path", "status", "object_type")
    list_filter = ("via", "action", "object_type")
    search_fields = ("actor", "path", "object_id")
    date_hierarchy = "at"


@admin.register(m.ApiToken)
class ApiTokenAdmin(_ReadOnly):
    """Tokens are made and revoked by their owners on the API tokens page; the admin
    only shows them (never the digest)."""

    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    exclude = ("digest",)
