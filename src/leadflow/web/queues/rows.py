"""How a row action answers: the row itself for htmx, a page for a plain form post.

Every queue row is a `<tr>` that an action replaces in place (`hx-target="closest tr"`).
Without JavaScript the same forms post normally: success goes back to the queue page
the form came from, and a refused action shows its row and the reason on a page of its
own, with a way back. Bad input is 422 either way; the queue pages tell htmx to swap
a 422 in, so the reason appears next to the button that was pressed.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from leadflow.crm.selectors.paging import CappedIds

PER_PAGE = 50


def acting_user(request: HttpRequest) -> User:
    """The signed-in user; every queue view is behind `role_required`, so there is one."""
    user = request.user
    assert isinstance(user, User), "queue views are for signed-in users only"
    return user


def queue_page(request: HttpRequest, ids: CappedIds) -> tuple[Page[int], dict[str, Any]]:
    """The page of ids asked for, and what every queue page shows about it: the total
    ("1000+" once the count stops at its cap) and the page number the row forms post."""
    page = Paginator(ids, PER_PAGE).get_page(request.GET.get("page"))
    capped = ids.capped(page.paginator.count)
    total = f"{ids.cap}+" if capped else str(page.paginator.count)
    return page, {"page": page, "page_number": page.number, "capped": capped, "total": total}


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def back_to(request: HttpRequest, url_name: str) -> str:
    """The queue page the form was posted from (its page number is a posted field)."""
    url = reverse(url_name)
    page = request.POST.get("page", "")
    return f"{url}?page={page}" if page.isdigit() and page != "1" else url


def row_response(
    request: HttpRequest,
    *,
    template: str,
    context: dict[str, Any],
    back: str,
    done: str = "",
    refused: bool = False,
) -> HttpResponse:
    """The updated row (htmx), or a redirect to the queue / the row's own page (plain)."""
    page = request.POST.get("page", "")
    context = {**context, "back": back, "page_number": page if page.isdigit() else ""}
    status = 422 if refused else 200
    if is_htmx(request):
        return render(request, template, context, status=status)
    if refused:
        return render(
            request, "web/queues/row_page.html", {**context, "row_template": template}, status=422
        )
    if done:
        messages.success(request, done)
    return redirect(back)
