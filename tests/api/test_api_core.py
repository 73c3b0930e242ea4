"""The API's doors (issue 8): who gets in, how errors look, the one access table, the
docs without a CDN, and the audit log of writes through pages and the API."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from leadflow.api.access import EVERYONE, GuardedRouter
from leadflow.api.v1 import access_table, operation_ids
from leadflow.crm.models import ApiToken, AuditEntry
from leadflow.crm.roles import ensure_role_groups
from leadflow.crm.services.people import create_person
from leadflow.crm.services.tokens import create_token, revoke_token
from leadflow.domain.people import Role

pytestmark = pytest.mark.django_db


def user_with(role: Role | None, name: str = "uma") -> User:
    ensure_role_groups()
    user = User.objects.create_user(name, first_name=name.title(), last_name="Example")
    if role is not None:
        user.groups.add(Group.objects.get(name=role.value))
    return user


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_the_api_refuses_a_caller_without_a_token_or_a_session(client: Client) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "unauthenticated"
    assert "Bearer" in body["message"]


def test_a_wrong_token_is_refused_like_no_token(client: Client) -> None:
    response = client.get("/api/v1/me", **bearer("lf_not-a-real-token"))  # type: ignore[arg-type]
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_a_personal_token_acts_with_its_owners_roles_at_each_request(client: Client) -> None:
    user = user_with(Role.MARKETING)
    new = create_token(user=user, name="mail tool")
    response = client.get("/api/v1/me", **bearer(new.secret))  # type: ignore[arg-type]
    assert response.status_code == 200
    assert response.json() == {
        "username": "uma",
        "name": "Uma Example",
        "roles": ["marketing"],
        "via": "token",
        "token_name": "mail tool",
    }
    user.groups.clear()  # the role is taken away: the token loses it at once
    response = client.get("/api/v1/me", **bearer(new.secret))  # type: ignore[arg-type]
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_a_token_is_stored_only_as_its_hash_and_shown_once() -> None:
    new = create_token(user=user_with(Role.OWNER), name="website")
    stored = ApiToken.objects.get(pk=new.token.pk)
    assert new.secret.startswith("lf_")
    assert len(new.secret) > 40
    row = json.dumps(list(ApiToken.objects.values()), default=str)
    assert new.secret not in row
    assert stored.prefix == new.secret[:10]


def test_a_revoked_token_and_an_inactive_users_token_are_refused(client: Client) -> None:
    user = user_with(Role.OWNER)
    revoked = create_token(user=user, name="old")
    revoke_token(token=revoked.token, by=user)
    assert client.get("/api/v1/me", **bearer(revoked.secret)).status_code == 401  # type: ignore[arg-type]
    live = create_token(user=user, name="new")
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert client.get("/api/v1/me", **bearer(live.secret)).status_code == 401  # type: ignore[arg-type]


def test_a_token_records_when_it_was_last_used(client: Client) -> None:
    new = create_token(user=user_with(Role.REP), name="phone system")
    assert new.token.last_used_at is None
    client.get("/api/v1/me", **bearer(new.secret))  # type: ignore[arg-type]
    new.token.refresh_from_db()
    assert new.token.last_used_at is not None


def test_the_browser_session_works_for_the_api(client: Client) -> None:
    client.force_login(user_with(Role.SETTER))
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["via"] == "session"


def test_every_operation_has_exactly_one_access_rule() -> None:
    # The matrix test (test_access_matrix.py) is built from this table: an operation
    # missing from it, or a rule for an operation that is gone, fails here.
    assert set(access_table()) == operation_ids()


def test_an_operation_without_an_access_rule_cannot_even_be_declared() -> None:
    router = GuardedRouter(access={"known": EVERYONE})
    with pytest.raises(ImproperlyConfigured, match="no access rule"):

        @router.get("/secret", operation_id="unknown")
        def secret(request: object) -> None: ...

    with pytest.raises(ImproperlyConfigured, match="operation_id"):

        @router.get("/nameless")
        def nameless(request: object) -> None: ...


def test_the_api_docs_load_swagger_from_our_own_static_files(client: Client) -> None:
    page = client.get("/api/v1/docs").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any(s.endswith("swagger-ui-bundle.js") for s in sources)
    assert all(s.startswith("/") for s in sources), sources
    assert client.get("/static/ninja/swagger-ui-bundle.js").status_code == 200


def test_the_openapi_document_names_every_operation_and_the_error_shape(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["version"] == "1"
    assert "Idempotency-Key" in schema["info"]["description"]
    ids = {op["operationId"] for path in schema["paths"].values() for op in path.values()}
    assert ids == operation_ids()


def test_a_write_through_a_page_is_in_the_audit_log_with_before_and_after(
    client: Client,
) -> None:
    setter = user_with(Role.SETTER, "sam")
    person = create_person(by=None, first_name="Pat", last_name="Lee", email="pat@lee.example")
    client.force_login(setter)
    response = client.post(
        f"/people/{person.pk}/consent/", {"do_not_call": "on", "reason": "asked"}
    )
    assert response.status_code == 302
    request_entry = AuditEntry.objects.get(action="request", path=f"/people/{person.pk}/consent/")
    assert (request_entry.user, request_entry.actor, request_entry.via) == (
        setter,
        "user sam",
        "page",
    )
    assert request_entry.method == "POST"
    assert request_entry.status == 302
    change = AuditEntry.objects.get(
        request_id=request_entry.request_id, object_type="crm.Person", object_id=str(person.pk)
    )
    assert change.action == "updated"
    assert change.before is not None
    assert change.after is not None
    assert change.before["do_not_call"] is False
    assert change.after["do_not_call"] is True


def test_reads_leave_no_audit_entry(client: Client) -> None:
    client.force_login(user_with(Role.OWNER))
    AuditEntry.objects.all().delete()
    client.get("/")
    client.get("/api/v1/me")
    assert not AuditEntry.objects.exists()


def test_the_audit_log_never_copies_a_password_hash_or_a_token_digest(client: Client) -> None:
    owner = user_with(Role.OWNER, "olga")
    owner.set_password("a-long-test-password")
    owner.save()
    client.post("/login/", {"username": "olga", "password": "a-long-test-password"})
    client.force_login(owner)
    logged = json.dumps(list(AuditEntry.objects.values("before", "after")))
    assert "pbkdf2" not in logged
    assert "password" not in logged
