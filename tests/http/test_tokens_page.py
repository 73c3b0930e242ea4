"""The API tokens page: each user makes, sees and revokes their own tokens; a new token is
shown once and only its hash is kept."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User
from django.test import Client

from leadflow.crm.models import ApiToken
from leadflow.crm.services.tokens import create_token, digest_of
from leadflow.domain.people import Role
from tests.http.pages import make_user, text_of

URL = "/settings/tokens/"


@pytest.fixture
def ann(db: None) -> User:
    user = make_user("ann", "Ann", "Setter")
    user.groups.add(Group.objects.get(name=Role.SETTER.value))
    return user


@pytest.fixture
def signed_in(client: Client, ann: User) -> Client:
    client.force_login(ann)
    return client


def make(client: Client, name: str = "zapier") -> str:
    """Make a token through the page; the plain token as the page shows it."""
    response = client.post(URL, {"name": name})
    assert response.status_code == 200
    shown = re.search(r'<code id="new-token-value">(lf_[\w-]+)</code>', response.content.decode())
    assert shown is not None
    return shown[1]


def me(client: Client, token: str) -> int:
    return client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code


def test_a_new_token_is_shown_once_with_a_curl_example_and_never_again(
    signed_in: Client, ann: User
) -> None:
    response = signed_in.post(URL, {"name": "zapier"})
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    secret = re.search(r'<code id="new-token-value">(lf_[\w-]+)</code>', page)
    assert secret is not None
    assert "shown this once" in text_of(page)
    example = f'curl -H "Authorization: Bearer {secret[1]}" http://testserver/api/v1/me'
    assert example in text_of(page)
    assert secret[1] not in signed_in.get(URL).content.decode()
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.prefix) == (ann, "zapier", secret[1][:10])
    assert me(Client(), secret[1]) == 200


def test_the_plain_token_is_stored_nowhere_only_its_hash(signed_in: Client) -> None:
    secret = make(signed_in)
    token = ApiToken.objects.get()
    assert token.digest == digest_of(secret) != secret
    assert me(Client(), secret) == 200
    # Every row of every table, the audit log and the sessions included.
    for model in apps.get_models():
        for row in model._base_manager.all():
            for field in model._meta.concrete_fields:
                value = field.value_from_object(row)
                text = (
                    bytes(value).decode("utf-8", "replace")
                    if field.get_internal_type() == "BinaryField" and value is not None
                    else str(value)
                )
                assert secret not in text, f"{model._meta.label}.{field.name}"


def test_the_list_shows_name_prefix_created_last_used_and_revoked(
    signed_in: Client, ann: User
) -> None:
    create_token(user=ann, name="old script")
    secret = make(signed_in, "reporting")
    row = _row(signed_in, ApiToken.objects.get(name="reporting"))
    assert "reporting" in row
    assert f"{secret[:10]}…" in row
    assert "never" in row
    assert "active" in row
    assert "old script" in text_of(signed_in.get(URL).content.decode())


def test_a_call_with_the_token_sets_its_last_used_time(signed_in: Client) -> None:
    secret = make(signed_in)
    token = ApiToken.objects.get()
    assert token.last_used_at is None
    assert me(Client(), secret) == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert f"{token.last_used_at:%Y-%m-%d %H:%M}" in _row(signed_in, token)
    assert "never" not in _row(signed_in, token)


def test_a_revoked_token_gets_401_at_the_api(signed_in: Client) -> None:
    secret = make(signed_in)
    token = ApiToken.objects.get()
    assert me(Client(), secret) == 200
    response = signed_in.post(f"{URL}{token.pk}/revoke/", follow=True)
    assert response.status_code == 200
    assert "Revoked zapier" in text_of(response.content.decode())
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert me(Client(), secret) == 401
    assert "revoked" in _row(signed_in, token)


def test_revoking_through_htmx_answers_the_row(signed_in: Client) -> None:
    make(signed_in)
    token = ApiToken.objects.get()
    response = signed_in.post(f"{URL}{token.pk}/revoke/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    row = response.content.decode()
    assert row.lstrip().startswith(f'<tr id="token-{token.pk}" class="revoked">')
    assert "Revoke</button>" not in row


def test_another_users_token_cannot_be_revoked_or_seen(signed_in: Client, db: None) -> None:
    bob = make_user("bob", "Bob", "Setter", staff=True)
    theirs = create_token(user=bob, name="bob's script")
    response = signed_in.post(f"{URL}{theirs.token.pk}/revoke/")
    assert response.status_code == 404
    theirs.token.refresh_from_db()
    assert theirs.token.revoked_at is None
    assert me(Client(), theirs.secret) == 200
    assert "bob's script" not in text_of(signed_in.get(URL).content.decode())
    # Not even a superuser revokes someone else's token from this page.
    boss = Client()
    boss.force_login(bob)
    mine = make(signed_in)
    assert boss.post(f"{URL}{ApiToken.objects.get(name='zapier').pk}/revoke/").status_code == 404
    assert me(Client(), mine) == 200


def test_revoking_needs_a_post_with_the_csrf_token(ann: User) -> None:
    token = create_token(user=ann, name="zapier").token
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(ann)
    assert strict.get(f"{URL}{token.pk}/revoke/").status_code == 405
    assert strict.post(f"{URL}{token.pk}/revoke/").status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_token_needs_a_name(signed_in: Client) -> None:
    for name in ("", "   ", "x" * 101):
        response = signed_in.post(URL, {"name": name})
        assert response.status_code == 400
        assert 'id="new-token"' not in response.content.decode()
    assert not ApiToken.objects.exists()


def test_anonymous_visitors_are_sent_to_the_login_page(client: Client, db: None) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert client.post(URL, {"name": "zapier"}).status_code == 302
    assert not ApiToken.objects.exists()


def test_every_signed_in_user_finds_the_page_in_the_navigation(signed_in: Client) -> None:
    page = signed_in.get("/").content.decode()
    assert f'<a href="{URL}">API tokens</a>' in page


def test_a_user_without_any_role_may_manage_their_tokens_too(client: Client, db: None) -> None:
    client.force_login(make_user("val", "Val", "Viewer"))
    assert client.get(URL).status_code == 200
    make(client)
    token = ApiToken.objects.get()
    assert client.post(f"{URL}{token.pk}/revoke/").status_code == 302


def _row(client: Client, token: ApiToken) -> str:
    page = client.get(URL).content.decode()
    row = re.search(rf'<tr id="token-{token.pk}".*?</tr>', page, re.DOTALL)
    assert row is not None
    return text_of(row[0])
