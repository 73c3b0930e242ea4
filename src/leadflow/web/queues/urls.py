"""URLs of this area of the sales floor (issue 5)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
