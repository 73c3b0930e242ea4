"""The webhook: signed JSON records into the same pipeline; never a 500 for bad input."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import subprocess
import time
from html import unescape

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from leadflow.crm.models import Activity, Person, Source
from leadflow.crm.services.avoid import add_avoid_entry
from leadflow.crm.services.playbook import seed_defaults
from leadflow.domain.people import PersonType, Role
from leadflow.intake.mappings import save_mapping
from leadflow.web.intake.webhook import MAX_RECORDS, TIMESTAMP_TOLERANCE_SECONDS, signature
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


def sign(body: bytes, timestamp: int | str, secret: str = SECRET) -> str:
    """Written out here, not borrowed from the code under test: this is the contract."""
    signed = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def headers(body: bytes, *, secret: str = SECRET, at: int | None = None) -> dict[str, str]:
    timestamp = int(time.time()) if at is None else at
    return {
        "HTTP_X_LEADFLOW_TIMESTAMP": str(timestamp),
        "HTTP_X_LEADFLOW_SIGNATURE": sign(body, timestamp, secret),
    }


def post(
    client: Client,
    payload: object,
    *,
    url: str = URL,
    secret: str = SECRET,
    raw: bytes | None = None,
    at: int | None = None,
    ip: str = "127.0.0.1",
) -> tuple[int, dict[str, object]]:
    body = raw if raw is not None else json.dumps(payload).encode()
    response = client.post(
        url,
        body,
        content_type="application/json",
        REMOTE_ADDR=ip,
        **headers(body, secret=secret, at=at),
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
    sent = int(time.time())
    status, body = post(client, [DANA, eli], at=sent)
    assert status == 201
    assert [r["outcome"] for r in body["rows"]] == ["created", "created"]  # type: ignore[union-attr]
    # A resend is signed anew (an identical signature would be a replay: 409).
    status, body = post(client, [DANA, eli], at=sent + 1)
    assert status == 200
    assert body["counts"]["merged"] == 2  # type: ignore[index]
    assert Person.objects.count() == 2


def test_the_signature_hex_is_case_insensitive(client: Client, partner: Source) -> None:
    body = json.dumps(DANA).encode()
    now = int(time.time())
    response = client.post(
        URL,
        body,
        content_type="application/json",
        HTTP_X_LEADFLOW_TIMESTAMP=str(now),
        HTTP_X_LEADFLOW_SIGNATURE=sign(body, now).upper().replace("SHA256=", "sha256="),
    )
    assert response.status_code == 201


def test_the_signature_helper_signs_the_timestamp_a_dot_and_the_body() -> None:
    body = b'{"email": "dana@owensreyes.com"}'
    expected = hmac.new(b"k", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert signature("k", body, 1700000000) == f"sha256={expected}"
    assert signature("k", body, "1700000000") == f"sha256={expected}"


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
    extra = {"HTTP_X_LEADFLOW_TIMESTAMP": str(int(time.time()))}
    if header is not None:
        extra["HTTP_X_LEADFLOW_SIGNATURE"] = header
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
    response = client.post(URL, body, content_type="application/json", **headers(body))
    assert response.status_code == 400
    assert not Person.objects.exists()


# Replays: the timestamp is signed, and must be within five minutes of our clock.


@pytest.mark.parametrize(
    ("offset", "says"), [(-TIMESTAMP_TOLERANCE_SECONDS - 60, "old"), (+400, "in the future")]
)
def test_a_timestamp_more_than_five_minutes_off_is_401_saying_by_how_much(
    client: Client, partner: Source, offset: int, says: str
) -> None:
    status, body = post(client, DANA, at=int(time.time()) + offset)
    assert status == 401
    error = str(body["error"])
    # The clock may tick between signing and checking: the skew grows by that second.
    stated = {f"X-Leadflow-Timestamp is {abs(offset - tick)} seconds {says}" for tick in (0, 1)}
    assert any(text in error for text in stated), error
    assert "within 300 seconds of our clock" in error
    assert not Person.objects.exists()


def test_a_timestamp_four_minutes_old_is_still_accepted(client: Client, partner: Source) -> None:
    assert post(client, DANA, at=int(time.time()) - 240)[0] == 201


@pytest.mark.parametrize("timestamp", [None, "", "yesterday", "1700000000.5", "-1", "١٢٣"])
def test_a_missing_or_malformed_timestamp_is_401_saying_what_to_send(
    client: Client, partner: Source, timestamp: str | None
) -> None:
    body = json.dumps(DANA).encode()
    extra = {"HTTP_X_LEADFLOW_SIGNATURE": sign(body, timestamp or "")}
    if timestamp is not None:
        extra["HTTP_X_LEADFLOW_TIMESTAMP"] = timestamp
    response = client.post(URL, body, content_type="application/json", **extra)
    assert response.status_code == 401
    assert (
        "send X-Leadflow-Timestamp: the time of sending in unix seconds"
        in (response.json()["error"])
    )
    assert not Person.objects.exists()


def test_a_fresh_timestamp_on_an_old_signature_is_401(client: Client, partner: Source) -> None:
    """The timestamp is part of what is signed: re-dating a caught request breaks it."""
    body = json.dumps(DANA).encode()
    old = int(time.time()) - 3600
    response = client.post(
        URL,
        body,
        content_type="application/json",
        HTTP_X_LEADFLOW_TIMESTAMP=str(int(time.time())),
        HTTP_X_LEADFLOW_SIGNATURE=sign(body, old),
    )
    assert response.status_code == 401
    assert response.json()["error"].startswith("missing or wrong signature")
    assert not Person.objects.exists()


def test_the_same_signed_request_sent_again_is_409_and_changes_nothing(
    client: Client, partner: Source
) -> None:
    now = int(time.time())
    assert post(client, DANA, at=now)[0] == 201
    activities = Activity.objects.count()
    # From another address too: the signature is what was seen, not the sender.
    status, body = post(client, DANA, at=now, ip="203.0.113.7")
    assert status == 409
    assert "already received" in str(body["error"])
    assert Activity.objects.count() == activities
    # The sender's retry, signed anew, is a new request.
    assert post(client, DANA, at=now - 1)[0] == 200


def test_a_replay_is_refused_even_when_the_first_answer_was_an_error(
    client: Client, partner: Source
) -> None:
    now = int(time.time())
    assert post(client, None, raw=b"{not json", at=now)[0] == 422
    assert post(client, None, raw=b"{not json", at=now)[0] == 409


# Rate limits: per client IP and per source, 429 with Retry-After.

LOW_LIMITS = {"per_ip": 3, "per_source": 4, "window": 60}


@pytest.fixture
def low_limits(settings: Settings) -> None:
    settings.LEADFLOW_RATE_LIMITS = {**settings.LEADFLOW_RATE_LIMITS, "webhook": LOW_LIMITS}


def garbage(n: int) -> bytes:
    """A signed body that is refused quickly (422): the limits count it all the same."""
    return f"{{not json {n}".encode()


def test_webhook_over_the_per_ip_limit_is_429_with_retry_after(
    client: Client, partner: Source, low_limits: None
) -> None:
    for n in range(3):
        assert post(client, None, raw=garbage(n), ip="198.51.100.1")[0] == 422
    response = client.post(
        URL,
        json.dumps(DANA),
        content_type="application/json",
        REMOTE_ADDR="198.51.100.1",
        **headers(json.dumps(DANA).encode()),
    )
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.json()["error"].startswith("too many requests from your address; retry after")
    assert not Person.objects.exists()
    assert post(client, DANA, ip="198.51.100.2")[0] == 201  # another address is not held up


def test_webhook_over_the_per_source_limit_is_429_from_any_address(
    client: Client, partner: Source, low_limits: None
) -> None:
    for n in range(4):
        assert post(client, None, raw=garbage(n), ip=f"198.51.100.{n}")[0] == 422
    response = client.post(
        URL,
        json.dumps(DANA),
        content_type="application/json",
        REMOTE_ADDR="198.51.100.99",
        **headers(json.dumps(DANA).encode()),
    )
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert "too many requests from this source" in response.json()["error"]
    assert not Person.objects.exists()
    Source.objects.create(name="other", webhook_secret=SECRET)
    assert post(client, DANA, url="/intake/webhook/other", ip="198.51.100.99")[0] == 201


def test_a_request_refused_by_the_limit_may_be_sent_again_unchanged(
    client: Client, partner: Source, settings: Settings, low_limits: None
) -> None:
    for n in range(4):
        assert post(client, None, raw=garbage(n), ip=f"198.51.100.{n}")[0] == 422
    now = int(time.time())
    assert post(client, DANA, at=now, ip="198.51.100.50")[0] == 429
    settings.LEADFLOW_RATE_LIMITS = {
        **settings.LEADFLOW_RATE_LIMITS,
        "webhook": {**LOW_LIMITS, "per_source": 100},
    }
    # Not a replay: the refused request was never received.
    assert post(client, DANA, at=now, ip="198.51.100.50")[0] == 201


def test_unsigned_requests_do_not_use_up_the_sources_allowance(
    client: Client, partner: Source, low_limits: None
) -> None:
    for n in range(8):  # strangers from many addresses, without the secret
        assert post(client, DANA, secret="a-guess", ip=f"192.0.2.{n}")[0] == 401
    assert post(client, DANA, ip="198.51.100.1")[0] == 201


def test_the_source_pages_shell_example_is_accepted_by_a_live_server(
    live_server: LiveServer, transactional_db: None
) -> None:
    """The instructions on the source page, run as written: date, openssl, curl."""
    seed_defaults()
    partner = Source.objects.create(name="partner", webhook_secret=SECRET)
    owner = Client()
    owner.force_login(member("olga", Role.OWNER))
    page = owner.get(f"/intake/sources/{partner.pk}/").content.decode()
    example = re.search(r'id="webhook-example"><code>(.*?)</code>', page, re.DOTALL)
    assert example is not None
    script = unescape(example[1]).replace("http://testserver", live_server.url)
    done = subprocess.run(
        ["bash", "-c", script + " -s -w '\\n%{http_code}'"],
        env={"SECRET": SECRET, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    answer, _, status = done.stdout.rpartition("\n")
    assert status == "201", (done.stdout, done.stderr)
    assert json.loads(answer)["counts"]["created"] == 1
    assert Person.objects.get().email_normalized == "dana@example.com"
