"""API tokens (issue 8): every signed-in user lists, makes and revokes their own.

A new token is shown once, in the answer to the POST that made it, and never again:
only its SHA-256 is stored (crm/services/tokens.py), so no later page could show it even
if it wanted to. That answer is marked no-store so the browser keeps no copy either.

Tokens are personal: another user's token is 404 here, as if it did not exist, even for
a superuser (who has the admin for that), so the page never tells whose token a number
is. Revoking takes effect on the next request the token makes.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from leadflow.crm.models import ApiToken
from leadflow.crm.services.tokens import NewToken, create_token, revoke_token
from leadflow.domain.errors import DomainError
from leadflow.web.queues.rows import is_htmx

ROW = "web/tokens/_token_row.html"


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        help_text="what will use it, e.g. “Zapier” or “weekly report script”",
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = TokenForm(request.POST or None)
    new: NewToken | None = None
    if request.method == "POST" and form.is_valid():
        try:
            new = create_token(user=user, name=form.cleaned_data["name"])
        except DomainError as error:
            form.add_error("name", error.reason)
        else:
            form = TokenForm()
    context = {
        "form": form,
        "new": new,
        "tokens": ApiToken.objects.filter(user=user),
        "me_url": request.build_absolute_uri(reverse("api-v1:me")),
        "docs_url": reverse("api-v1:openapi-view"),
    }
    status = 400 if form.errors else 200
    response = render(request, "web/tokens/tokens.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    user = _user(request)
    token = ApiToken.objects.filter(pk=token_id, user=user).first()
    if token is None:
        raise Http404("no such token")
    revoke_token(token=token, by=user)
    if is_htmx(request):
        return render(request, ROW, {"token": token, "done": f"Revoked {token}"})
    messages.success(request, f"Revoked {token}: programs using it are refused from now on.")
    return redirect(reverse("api-tokens") + f"#token-{token.pk}")


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required let only a signed-in user in
    return user
