"""The webhook: signed JSON records into the same pipeline; never a 500 for bad input."""

from __future__ import annotations

import hashlib
import hmac
import json
import re

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from leadflow.crm.models import Activity, Person, Source
from leadflow.crm.services.avoid import add_avoid_entry
from leadflow.crm.services.playbook import seed_defaults
from leadflow.domain.people import PersonType, Role
from leadflow.intake.mappings import save_mapping
from leadflow.web.intake.webhook import MAX_RECORDS
from tests.http.pages import text_of

SECRET = "s3cret-shared-with-the-vendor"
URL = "/intake/webhook/partner"
DANA = {
    "first_name": "Dana",
    "last_name": "Owens",
    "E-mail": "dana@owensreyes.com",
    "Phone Number": "(512) 555-0142",
    "company": "Owens & Reyes LLP",
}


@pytest.fixture
def partner(db: None) -> Source:
    seed_defaults()
    return Source.objects.create(name="partner", webhook_secret=SECRET)


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(
    client: Client,
    payload: object,
    *,
    url: str = URL,
    secret: str = SECRET,
    raw: bytes | None = None,
) -> tuple[int, dict[str, object]]:
    body = raw if raw is not None else json.dumps(payload).encode()
    response = client.post(
        url, body, content_type="application/json", HTTP_X_LEADFLOW_SIGNATURE=sign(body, secret)
    )
    return response.status_code, response.json()


def member(username: str, role: Role) -> User:
    user = User.objects.create_user(username, password="a-long-test-password")
    user.groups.add(Group.objects.get(name=role.value))
    return user


def test_a_signed_object_is_created_and_answered_with_counts_and_rows(
    client: Client, partner: Source
) -> None:
    status, body = post(client, DANA)
    assert status == 201
    assert body["written"] is True
    assert body["counts"] == {"created": 1, "merged": 0, "blocked": 0, "spam": 0, "error": 0}
    person = Person.objects.get()
    assert body["rows"] == [
        {
            "row": 1,
            "outcome": "created",
            "detail": f"created person {person.pk}",
            "person_id": person.pk,
        }
    ]
    assert (person.email_normalized, person.phone_normalized) == (
        "dana@owensreyes.com",
        "+15125550142",
    )
    assert Activity.objects.get().campaign.name == "partner webhook"  # type: ignore[union-attr]


def test_a_list_of_objects_is_one_batch_and_a_resend_only_merges(
    client: Client, partner: Source
) -> None:
    eli = {"email": "eli@owensreyes.com", "first_name": "Eli"}
    status, body = post(client, [DANA, eli])
    assert status == 201
    assert [r["outcome"] for r in body["rows"]] == ["created", "created"]  # type: ignore[union-attr]
    status, body = post(client, [DANA, eli])
    assert status == 200
    assert body["counts"]["merged"] == 2  # type: ignore[index]
    assert Person.objects.count() == 2


def test_the_signature_hex_is_case_insensitive(client: Client, partner: Source) -> None:
    body = json.dumps(DANA).encode()
    response = client.post(
        URL,
        body,
        content_type="application/json",
        HTTP_X_LEADFLOW_SIGNATURE=sign(body).upper().replace("SHA256=", "sha256="),
    )
    assert response.status_code == 201


def test_webhook_with_bad_signature_is_401_and_writes_nothing(
    client: Client, partner: Source
) -> None:
    status, body = post(client, DANA, secret="a-guess")
    assert status == 401
    assert "X-Leadflow-Signature" in str(body["error"])
    assert not Person.objects.exists()


@pytest.mark.parametrize("header", [None, "", "sha256=", "md5=abc", "sha256=ünïcode"])
def test_webhook_with_missing_or_malformed_signature_is_401(
    client: Client, partner: Source, header: str | None
) -> None:
    extra = {} if header is None else {"HTTP_X_LEADFLOW_SIGNATURE": header}
    response = client.post(URL, json.dumps(DANA), content_type="application/json", **extra)
    assert response.status_code == 401
    assert not Person.objects.exists()


def test_webhook_for_an_unknown_source_or_one_without_secret_is_401(
    client: Client, partner: Source
) -> None:
    Source.objects.create(name="no secret")
    assert post(client, DANA, url="/intake/webhook/nobody")[0] == 401
    assert post(client, DANA, url="/intake/webhook/no secret", secret="")[0] == 401
    assert not Person.objects.exists()
    assert not Source.objects.filter(name="nobody").exists()


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{not json", "the body is not JSON"),
        (b"\xff\xfe", "the body is not JSON"),
        (b"NaN", "the body is not JSON"),
        (b'"dana@owensreyes.com"', "the body must be a JSON object or a list of objects"),
        (b"[]", "there are no records"),
        (b'[{"email": "a@b.example"}, 7]', "row 2: is a int, not an object"),
        (b'{"email": {"work": "a@b.example"}}', 'row 1: "email" is an object'),
        (b'{"first_name": "Dana"}', "row 1: email: needs an email, a phone or an external id"),
        (b'{"email": "a@b.example", "note": "\\ud800"}', 'row 1: "note" is not valid text'),
    ],
)
def test_webhook_with_malformed_json_or_wrong_shape_is_422_with_the_reason(
    client: Client, partner: Source, raw: bytes, reason: str
) -> None:
    status, body = post(client, None, raw=raw)
    assert status == 422
    assert body["written"] is False
    assert any(str(line).startswith(reason) for line in body["errors"]), body  # type: ignore[attr-defined]
    assert not Person.objects.exists()


def test_a_row_error_refuses_the_whole_batch_with_row_numbers(
    client: Client, partner: Source
) -> None:
    batch = [DANA, {"email": "eli@owensreyes.com"}, {"email": "bad", "phone": "12"}]
    status, body = post(client, batch)
    assert status == 422
    assert body["errors"] == [
        'row 3: email: "bad" is not an email address; row 3: phone: "12" is not a phone number'
    ]
    assert body["reason"] == "nothing was written: 1 row(s) have errors (mode all-or-nothing)"
    assert [r["outcome"] for r in body["rows"]] == ["created", "created", "error"]  # type: ignore[union-attr]
    assert not Person.objects.exists()


def test_the_sources_saved_mapping_applies_to_its_webhook(client: Client, partner: Source) -> None:
    save_mapping("partner", {"Contact Mail": "email", "Internal": "ignore"})
    status, _ = post(client, {"Contact Mail": "dana@owensreyes.com", "Internal": "x"})
    assert status == 201
    assert Person.objects.get().email_normalized == "dana@owensreyes.com"


def test_webhook_avoided_person_is_blocked_not_re_added(client: Client, partner: Source) -> None:
    owner = member("olga", Role.OWNER)
    add_avoid_entry(email_normalized="dana@owensreyes.com", by=owner, reason="asked us to stop")
    status, body = post(client, DANA)
    assert status == 200
    assert body["counts"]["blocked"] == 1  # type: ignore[index]
    assert not Person.objects.filter(person_type=PersonType.LEAD).exists()


def test_owner_rotates_the_secret_sees_it_once_and_the_old_one_stops_working(
    client: Client, partner: Source
) -> None:
    owner = Client()
    owner.force_login(member("olga", Role.OWNER))
    response = owner.post(f"/intake/sources/{partner.pk}/secret", {"action": "rotate"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    shown = re.search(
        r'id="new-secret">.*?<code>([0-9a-f]+)</code>', response.content.decode(), re.DOTALL
    )
    assert shown is not None
    new_secret = shown[1]
    assert new_secret != SECRET
    assert new_secret not in owner.get(f"/intake/sources/{partner.pk}/").content.decode()
    assert post(client, DANA)[0] == 401
    assert post(client, DANA, secret=new_secret)[0] == 201


def test_owner_turns_the_webhook_off(client: Client, partner: Source) -> None:
    owner = Client()
    owner.force_login(member("olga", Role.OWNER))
    response = owner.post(
        f"/intake/sources/{partner.pk}/secret", {"action": "disable"}, follow=True
    )
    assert "off" in text_of(response.content.decode())
    assert post(client, DANA)[0] == 401


@pytest.mark.parametrize("role", [Role.MARKETING, Role.SETTER, Role.REP])
def test_only_owners_may_rotate_a_secret(client: Client, partner: Source, role: Role) -> None:
    client.force_login(member("mia", role))
    response = client.post(f"/intake/sources/{partner.pk}/secret", {"action": "rotate"})
    assert response.status_code == 403
    partner.refresh_from_db()
    assert partner.webhook_secret == SECRET


def test_the_webhook_needs_no_csrf_token_and_accepts_only_post(partner: Source) -> None:
    strict = Client(enforce_csrf_checks=True)
    assert post(strict, DANA)[0] == 201
    assert strict.get(URL).status_code == 405


def test_a_batch_over_the_limit_is_422_before_anything_runs(
    client: Client, partner: Source
) -> None:
    batch = [{"email": f"p{n}@owensreyes.com"} for n in range(MAX_RECORDS + 1)]
    status, body = post(client, batch)
    assert status == 422
    assert body["errors"] == [
        f"the body has 1,001 objects; send at most {MAX_RECORDS:,} per request"
    ]
    assert not Person.objects.exists()


def test_a_body_larger_than_django_accepts_is_400_not_500(client: Client, partner: Source) -> None:
    body = json.dumps({"email": "dana@owensreyes.com", "note": "x" * 3_000_000}).encode()
    response = client.post(
        URL, body, content_type="application/json", HTTP_X_LEADFLOW_SIGNATURE=sign(body)
    )
    assert response.status_code == 400
    assert not Person.objects.exists()
