from django.urls import path

from leadflow.web import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
]
