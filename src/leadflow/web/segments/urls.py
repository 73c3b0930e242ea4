"""URLs of the segments page (issue 6)."""

from django.urls import URLPattern, path

from leadflow.web.segments import views

urlpatterns: list[URLPattern] = [
    path("segments/", views.segments, name="segments"),
    path("segments/<int:segment_id>/", views.segment_edit, name="segment-edit"),
]
