"""URLs of the exports page (issue 6)."""

from django.urls import URLPattern, path

from leadflow.web.exports import views

urlpatterns: list[URLPattern] = [
    path("exports/", views.exports, name="exports"),
    path("exports/<int:export_id>/", views.export_detail, name="export"),
    path(
        "exports/<int:export_id>/<str:kind>.<str:ext>",
        views.export_download,
        name="export-download",
    ),
]
