"""Intake's pages and endpoints, included under /intake/ by leadflow.web.urls."""

from __future__ import annotations

from django.urls import path

from leadflow.web.intake import manual, sources, upload, webform, webhook

urlpatterns = [
    path("", sources.index, name="intake"),
    path("upload/", upload.upload, name="intake-upload"),
    path("upload/<slug:token>/", upload.preview, name="intake-preview"),
    path("upload/<slug:token>/report/", upload.report, name="intake-report"),
    path("upload/<slug:token>/report.csv", upload.report_csv, name="intake-report-csv"),
    path("upload/<slug:token>/status/", upload.run_status, name="intake-upload-status"),
    path("manual/", manual.manual_entry, name="intake-manual"),
    path("sources/", sources.source_list, name="intake-sources"),
    path("sources/<int:source_id>/", sources.source_detail, name="intake-source"),
    path("sources/<int:source_id>/secret", sources.source_secret, name="intake-source-secret"),
    # Source names may hold "/" ("LinkedIn / Ads"), hence path, not str.
    path("form/<path:source>", webform.submit, name="intake-form"),
    path("webhook/<path:source>", webhook.receive, name="intake-webhook"),
    path("deliveries/<slug:token>", webhook.delivery_outcome, name="intake-webhook-delivery"),
]
