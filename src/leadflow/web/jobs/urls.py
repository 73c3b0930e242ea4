"""URLs of the jobs page (issue 9)."""

from django.urls import URLPattern, path

from leadflow.web.jobs import views

urlpatterns: list[URLPattern] = [
    path("jobs/", views.jobs, name="jobs"),
    path("jobs/<uuid:job_id>/retry/", views.retry, name="job-retry"),
]
