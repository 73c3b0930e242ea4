"""Playbook settings: avatars and criteria, qualification rules, temperature triggers,
next steps, thresholds and the business-day calendar, for owners and admins.

Each form posts to its own URL; a valid one goes through crm/services/playbook.py, which
records the change, and redirects back (post/redirect/get); an invalid one re-renders
the whole page with that form's errors in place and status 400.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from leadflow.crm import adapters
from leadflow.crm.models import Avatar, RequalificationRun
from leadflow.crm.models.history import PlaybookChange
from leadflow.crm.selectors import playbook as playbook_selectors
from leadflow.crm.services import playbook as playbook_services
from leadflow.crm.services.requalification import unapplied_changes
from leadflow.domain.errors import DomainError
from leadflow.domain.people import Role
from leadflow.jobs import jobs_wait_for_a_worker, requalify_leads
from leadflow.web.access import role_required, signed_in_user
from leadflow.web.control.playbook_forms import (
    AvatarForm,
    CalendarForm,
    CriterionForm,
    NextStepsForm,
    ThresholdsForm,
    TriggersForm,
)

Found = TypeVar("Found")
PLAYBOOK_KEEPERS = frozenset({Role.OWNER, Role.ADMIN})
CHANGES_PER_PAGE = 25
guarded = role_required(PLAYBOOK_KEEPERS)


@require_safe
@guarded
def playbook(request: HttpRequest) -> HttpResponse:
    return _render(request, {})


@require_POST
@guarded
def requalify(request: HttpRequest) -> HttpResponse:
    """Queue the re-judging of every lead: a job, since it may rewrite thousands of them.
    On the embedded default the job has run by the time the page comes back."""
    result = requalify_leads.enqueue(by_id=_user(request).pk)
    if result.is_finished:
        messages.success(request, f"Leads re-judged: {result.return_value}.")
    else:
        messages.success(request, "Re-judging every lead: queued as a job (see the jobs page).")
    return redirect(f"{reverse('playbook')}#requalify")


@require_POST
@guarded
def avatar_add(request: HttpRequest) -> HttpResponse:
    form = AvatarForm(request.POST, prefix="new-avatar")
    if form.is_valid():
        try:
            avatar = playbook_services.add_avatar(by=_user(request), **form.cleaned_data)
        except DomainError as error:
            form.add_error("name", error.reason)
        else:
            return _done(request, f"Avatar {avatar.name} added.", f"avatar-{avatar.pk}")
    return _render(request, {"new_avatar_form": form}, status=400)


@require_POST
@guarded
def avatar_change(request: HttpRequest, avatar_id: int) -> HttpResponse:
    avatar = _found(playbook_selectors.avatar_by_id(avatar_id))
    form = AvatarForm(request.POST, prefix=f"avatar-{avatar.pk}", avatar=avatar)
    if form.is_valid():
        try:
            change = playbook_services.change_avatar(
                avatar=avatar, by=_user(request), **form.cleaned_data
            )
        except DomainError as error:
            form.add_error("name", error.reason)
        else:
            name = form.cleaned_data["name"]
            return _done(request, _said(change, f"Avatar {name}"), f"avatar-{avatar.pk}")
    return _render(request, {"avatar_forms": {avatar.pk: form}}, status=400)


@require_POST
@guarded
def criterion_add(request: HttpRequest, avatar_id: int | None = None) -> HttpResponse:
    avatar = None if avatar_id is None else _found(playbook_selectors.avatar_by_id(avatar_id))
    form = CriterionForm(request.POST, prefix=_criterion_prefix(avatar))
    if form.is_valid():
        playbook_services.add_criterion(
            by=_user(request),
            avatar=avatar,
            criterion=form.criterion,
            reason=form.cleaned_data["reason"],
        )
        owner = playbook_services.criterion_owner(avatar)
        anchor = f"avatar-{avatar.pk}" if avatar else "rules"
        return _done(request, f"Added to {owner}: {form.criterion.describe()}.", anchor)
    key = avatar.pk if avatar else None
    return _render(request, {"criterion_forms": {key: form}}, status=400)


@require_http_methods(["GET", "HEAD", "POST"])
@guarded
def criterion_edit(request: HttpRequest, criterion_id: int) -> HttpResponse:
    row = _found(playbook_selectors.criterion_by_id(criterion_id))
    line = playbook_selectors.criterion_line(row)
    initial = {"trait": line.trait, "operator": line.operator, "value": line.value}
    form = CriterionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        change = playbook_services.change_criterion(
            row=row, by=_user(request), criterion=form.criterion, reason=form.cleaned_data["reason"]
        )
        anchor = f"avatar-{row.avatar_id}" if row.avatar_id else "rules"
        return _done(request, _said(change, form.criterion.describe()), anchor)
    context = {"form": form, "line": line, "owner": playbook_services.criterion_owner(row.avatar)}
    status = 400 if request.method == "POST" else 200
    return render(request, "web/control/criterion_edit.html", context, status=status)


@require_POST
@guarded
def criterion_remove(request: HttpRequest, criterion_id: int) -> HttpResponse:
    row = _found(playbook_selectors.criterion_by_id(criterion_id))
    reason = request.POST.get("reason", "")[:500]
    change = playbook_services.remove_criterion(row=row, by=_user(request), reason=reason)
    anchor = f"avatar-{row.avatar_id}" if row.avatar_id else "rules"
    removed = (change.before or {}).get("criterion", "")
    return _done(request, f"Removed from {change.subject}: {removed}.", anchor)


@require_POST
@guarded
def triggers(request: HttpRequest) -> HttpResponse:
    form = TriggersForm(request.POST, current=dict(adapters.triggers()), prefix="triggers")
    if form.is_valid():
        change = playbook_services.set_triggers(
            by=_user(request), triggers=form.triggers(), reason=form.cleaned_data["reason"]
        )
        return _done(request, _said(change, "Temperature triggers"), "triggers")
    return _render(request, {"triggers_form": form}, status=400)


@require_POST
@guarded
def next_steps(request: HttpRequest) -> HttpResponse:
    form = NextStepsForm(request.POST, current=adapters.next_steps(), prefix="steps")
    if form.is_valid():
        change = playbook_services.set_next_steps(
            by=_user(request), steps=form.steps, reason=form.cleaned_data["reason"]
        )
        return _done(request, _said(change, "Next steps"), "next-steps")
    return _render(request, {"steps_form": form}, status=400)


@require_POST
@guarded
def thresholds(request: HttpRequest) -> HttpResponse:
    form = ThresholdsForm(request.POST, prefix="thresholds")
    if form.is_valid():
        change = playbook_services.set_thresholds(
            by=_user(request),
            raw_age_alert_business_days=form.cleaned_data["raw_age_alert_business_days"],
            show_rate_threshold=form.show_rate_threshold,
            reason=form.cleaned_data["reason"],
        )
        return _done(request, _said(change, "Thresholds"), "thresholds")
    return _render(request, {"thresholds_form": form}, status=400)


@require_POST
@guarded
def calendar(request: HttpRequest) -> HttpResponse:
    form = CalendarForm(request.POST, prefix="calendar")
    if form.is_valid():
        try:
            change = playbook_services.set_calendar(
                by=_user(request),
                country=form.cleaned_data["country"],
                subdivision=form.cleaned_data["subdivision"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            form.add_error("subdivision", error.reason)
        else:
            return _done(request, _said(change, "Business-day calendar"), "calendar")
    return _render(request, {"calendar_form": form}, status=400)


def _render(request: HttpRequest, bound: dict[str, Any], status: int = 200) -> HttpResponse:
    """The page, with fresh forms except the one that was just posted with errors."""
    view = playbook_selectors.playbook_view()
    avatar_forms: dict[int, AvatarForm] = bound.get("avatar_forms", {})
    criterion_forms: dict[int | None, CriterionForm] = bound.get("criterion_forms", {})
    cards = [
        (
            card,
            avatar_forms.get(card.avatar.pk)
            or AvatarForm(prefix=f"avatar-{card.avatar.pk}", avatar=card.avatar),
            criterion_forms.get(card.avatar.pk)
            or CriterionForm(prefix=_criterion_prefix(card.avatar)),
        )
        for card in view.avatars
    ]
    log = Paginator(playbook_selectors.change_log(), CHANGES_PER_PAGE).get_page(
        request.GET.get("log")
    )
    context = {
        "view": view,
        "cards": cards,
        "rules_form": criterion_forms.get(None) or CriterionForm(prefix=_criterion_prefix(None)),
        "new_avatar_form": bound.get("new_avatar_form") or AvatarForm(prefix="new-avatar"),
        "triggers_form": bound.get("triggers_form") or _triggers_form(view),
        "steps_form": bound.get("steps_form")
        or NextStepsForm(current=dict(view.next_steps), prefix="steps"),
        "thresholds_form": bound.get("thresholds_form") or _thresholds_form(view),
        "calendar_form": bound.get("calendar_form")
        or CalendarForm(
            prefix="calendar",
            initial={"country": view.settings.country, "subdivision": view.settings.subdivision},
        ),
        "log": log,
        "changes": [playbook_selectors.change_line(c) for c in log],
        "requalification": {
            "last": RequalificationRun.objects.select_related("by").order_by("-at", "-id").first(),
            "unapplied": unapplied_changes(),
            "queued": jobs_wait_for_a_worker(),
        },
    }
    return render(request, "web/control/playbook.html", context, status=status)


def _triggers_form(view: playbook_selectors.PlaybookView) -> TriggersForm:
    current = {(row.kind, wish): t for row in view.triggers for wish, t in row.temperatures}
    return TriggersForm(current=current, prefix="triggers")


def _thresholds_form(view: playbook_selectors.PlaybookView) -> ThresholdsForm:
    initial = {
        "raw_age_alert_business_days": view.settings.raw_age_alert_business_days,
        "show_rate_percent": view.show_rate_percent,
    }
    return ThresholdsForm(prefix="thresholds", initial=initial)


def _criterion_prefix(avatar: Avatar | None) -> str:
    return f"criterion-{avatar.pk}" if avatar is not None else "criterion-rules"


def _said(change: PlaybookChange | None, what: str) -> str:
    return f"{what}: saved." if change is not None else f"{what}: nothing changed."


def _done(request: HttpRequest, message: str, anchor: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(f"{reverse('playbook')}#{anchor}")


def _user(request: HttpRequest) -> User:
    user = signed_in_user(request)
    assert user is not None  # role_required let only a signed-in user in
    return user


def _found(row: Found | None) -> Found:
    if row is None:
        raise Http404("no such avatar or criterion")
    return row
