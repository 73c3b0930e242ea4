"""Thin views: read through the selectors, render a template. No rules here."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from leadflow.crm.selectors import dashboard as dashboard_selectors
from leadflow.crm.selectors import people as people_selectors
from leadflow.crm.selectors.search import company_of, search_companies, search_people
from leadflow.web.consent import consent_form
from leadflow.web.forms import PeopleFilterForm

PEOPLE_PER_PAGE = 50


@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@require_safe
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "web/dashboard.html", {"d": dashboard_selectors.recent_dashboard()})


@require_safe
@login_required
def people_list(request: HttpRequest) -> HttpResponse:
    """People by search and filters; a text search also lists the companies it matches.
    Which index serves which search is in crm/selectors/search.py."""
    form = PeopleFilterForm(request.GET)
    form.is_valid()  # invalid fields are reported on the page and left out of the filter
    filters = form.filters()
    people = search_people(filters)
    page = Paginator(people, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "capped": people.capped,
        "searching": bool(filters.q.strip()),
        "companies": search_companies(filters.q) if filters.q.strip() else None,
        "company": company_of(filters),
    }
    return render(request, "web/people_list.html", context)


@require_safe
@login_required
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    detail = people_selectors.person_detail(person_id)
    if detail is None:
        raise Http404("no such person")
    context = {"p": detail, "person": detail.person, "consent_form": consent_form(detail.person)}
    return render(request, "web/person_detail.html", context)
