"""The pipeline board: opportunities as columns by stage, moved with buttons or by drag.

Every move goes through ``move_opportunity``, which checks it against the domain's
transition table and hands it to the service that does what the target stage needs
(won: the person becomes a Client; lost with disposition avoid: the person goes on the
Avoid list). A move asks only what its target needs; an illegal one is answered with the
domain's reason. With htmx a successful move answers with the re-drawn board.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from leadflow.crm.models import Opportunity
from leadflow.crm.selectors import pipeline_board
from leadflow.crm.services.pipeline import move_opportunity, moved_since
from leadflow.domain import pipeline
from leadflow.domain.errors import DomainError, IllegalTransition, MissingDetail
from leadflow.domain.people import PersonType
from leadflow.domain.pipeline import Stage
from leadflow.web.access import role_required
from leadflow.web.deals.common import SELLERS, is_htmx, own_scope, view_scope
from leadflow.web.deals.forms import ASKING, MoveForm, move_form


def _stage(value: str) -> Stage:
    try:
        return Stage(value)
    except ValueError:
        raise Http404(f"no stage {value!r}") from None


def _query(rep_id: int | None, request: HttpRequest) -> str:
    """The owner's rep filter, carried by every link and form on the board."""
    return f"?rep={rep_id}" if rep_id is not None and own_scope(request) is None else ""


def _roots() -> dict[str, str]:
    """Where a card's links start; the card template joins the rest (see _card.html)."""
    return {"move_root": reverse("pipeline"), "people_root": reverse("people")}


def _board_context(request: HttpRequest, *, notice: str = "") -> dict[str, Any]:
    rep_id, rep_filter = view_scope(request)
    return {
        "board": pipeline_board.board(rep_id=rep_id),
        "rep_filter": rep_filter,
        "show_rep": rep_filter is not None,
        "query": _query(rep_id, request),
        "asking": ASKING,
        "notice": notice,
        **_roots(),
    }


@require_safe
@role_required(SELLERS)
def board(request: HttpRequest) -> HttpResponse:
    return render(request, "web/deals/board.html", _board_context(request))


@require_safe
@role_required(SELLERS)
def column(request: HttpRequest, stage: str) -> HttpResponse:
    """More cards of one column: a fragment for htmx, a page of its own without it."""
    target = _stage(stage)
    rep_id, rep_filter = view_scope(request)
    try:
        page = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        page = 1
    context = {
        "column": pipeline_board.column(rep_id=rep_id, stage=target, page=page),
        "show_rep": rep_filter is not None,
        "query": _query(rep_id, request),
        "asking": ASKING,
        **_roots(),
    }
    template = "web/deals/_cards.html" if is_htmx(request) else "web/deals/column_page.html"
    return render(request, template, context)


def _illegal(opportunity: Opportunity, target: Stage) -> str:
    """The domain's reason a move is not in the table; blank if it is."""
    try:
        pipeline.move(Stage(opportunity.stage), target)
    except MissingDetail:
        return ""  # allowed, once the form gives what the stage needs
    except IllegalTransition as refused:
        return refused.reason
    return ""


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(SELLERS)
def move(request: HttpRequest, opportunity_id: int, stage: str) -> HttpResponse:
    target = _stage(stage)
    opportunity = pipeline_board.opportunity_for(opportunity_id, rep_id=own_scope(request))
    if opportunity is None:
        raise Http404("no such opportunity among yours")
    posted = request.method == "POST"
    form = move_form(target, request.POST if posted else None, opportunity=opportunity)
    seen_at = _seen_at(request) if posted else None
    if seen_at is not None and Stage(opportunity.stage) is not seen_at:
        # Someone moved it while this form was open: say who, and show it as it is now.
        refusal = moved_since(opportunity, seen_at)
        return _move_form(request, opportunity, target, form, refusal=refusal, status=409)
    # Not in the table: say so before asking for anything (a card dragged anywhere).
    illegal = _illegal(opportunity, target)
    if illegal or not posted:
        return _move_form(
            request, opportunity, target, form, refusal=illegal, status=422 if illegal else 200
        )
    if form.is_valid():
        user = request.user
        assert isinstance(user, User)
        try:
            moved = move_opportunity(
                opportunity=opportunity,
                target=target,
                by=user,
                details=form.details(),
                services_bought=form.services_bought(),
                seen_at=seen_at,
            )
        except DomainError as refused:
            form.add_error(None, refused.reason)
        else:
            return _moved(request, moved, target)
    return _move_form(request, opportunity, target, form, status=422)


def _seen_at(request: HttpRequest) -> Stage | None:
    """The stage the form was opened at (None from an older page without it)."""
    try:
        return Stage(request.POST.get("from_stage", ""))
    except ValueError:
        return None


def _move_form(
    request: HttpRequest,
    opportunity: Opportunity,
    target: Stage,
    form: MoveForm,
    *,
    status: int,
    refusal: str = "",
) -> HttpResponse:
    rep_id, _ = view_scope(request)
    context = {
        "opportunity": opportunity,
        "target": target,
        "form": form,
        "refusal": refusal,
        "allowed": target in pipeline.allowed_moves(Stage(opportunity.stage)),
        "query": _query(rep_id, request),
    }
    template = "web/deals/_move.html" if is_htmx(request) else "web/deals/move_page.html"
    return render(request, template, context, status=status)


def _notice(opportunity: Opportunity, target: Stage) -> str:
    person = opportunity.person
    if target is Stage.WON:
        return f"{person}: won — now a Client."
    if target is Stage.LOST and person.person_type == PersonType.AVOID:
        return f"{person}: lost, and put on the Avoid list."
    if target is Stage.LOST:
        return f"{person}: lost ({opportunity.get_disposition_display()})."
    return f"{person}: moved to {target.label}."


def _moved(request: HttpRequest, opportunity: Opportunity, target: Stage) -> HttpResponse:
    notice = _notice(opportunity, target)
    if not is_htmx(request):
        messages.success(request, notice)
        rep_id, _ = view_scope(request)
        return redirect(reverse("pipeline") + _query(rep_id, request))
    response = render(request, "web/deals/_board.html", _board_context(request, notice=notice))
    response["HX-Retarget"] = "#board"
    response["HX-Reswap"] = "outerHTML"
    return response
