"""URLs of the report pages (issue 7)."""

from django.urls import URLPattern, path

from leadflow.web.reports import views

urlpatterns: list[URLPattern] = [
    path("reports/", views.funnel_page, name="reports"),
    path("reports/show-rate/", views.show_rate_page, name="reports-show-rate"),
    path("reports/cohorts/", views.cohorts_page, name="reports-cohorts"),
    path("reports/plan/", views.plan_page, name="reports-plan"),
    path("reports/people/", views.people_page, name="reports-people"),
]
