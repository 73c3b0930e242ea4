"""URLs of the API tokens page, included under /settings/tokens/ by leadflow.web.urls."""

from django.urls import URLPattern, path

from leadflow.web import tokens

urlpatterns: list[URLPattern] = [
    path("", tokens.tokens, name="api-tokens"),
    path("<int:token_id>/revoke/", tokens.revoke, name="api-token-revoke"),
]
