"""The embeddable web form: a customer's site posts one response into the pipeline."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.test import Client
from pytest_django.fixtures import Settings

from leadflow.crm.models import Activity, Campaign, Person, Source
from leadflow.crm.services.playbook import seed_defaults
from leadflow.domain.people import PersonType, Role
from leadflow.domain.temperature import ActivityKind
from leadflow.web.intake.ratelimit import limits
from leadflow.web.intake.webform import HONEYPOT_NAME
from tests.http.pages import Staff, World, text_of

URL = "/intake/form/website"
DANA = {
    "first_name": "Dana",
    "last_name": "Owens",
    "email": "dana@owensreyes.com",
    "phone": "(512) 555-0142",
    "company": "Owens & Reyes LLP",
    "title": "Managing Partner",
    "employee_count": "35",
    "need": "need_now",
    "problem": "our backups failed twice",
    HONEYPOT_NAME: "",
}


@pytest.fixture(autouse=True)
def fresh_rate_limit() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def site(db: None) -> Source:
    seed_defaults()
    return Source.objects.create(name="website")


def member(username: str, role: Role) -> User:
    user = User.objects.create_user(username, password="a-long-test-password")
    user.groups.add(Group.objects.get(name=role.value))
    return user


def test_a_submission_becomes_a_lead_with_a_web_form_activity(client: Client, site: Source) -> None:
    response = client.post(URL, DANA)
    assert response.status_code == 200
    assert "Thank you" in text_of(response.content.decode())
    person = Person.objects.get()
    assert person.person_type == PersonType.LEAD
    assert person.phone_normalized == "+15125550142"
    activity = Activity.objects.get(person=person)
    assert activity.kind == ActivityKind.WEB_FORM
    assert activity.campaign == Campaign.objects.get(name="website web form")
    assert activity.source == site


def test_the_form_needs_no_csrf_token(site: Source) -> None:
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(URL, DANA).status_code == 200


def test_a_form_may_say_which_activity_it_is(client: Client, site: Source) -> None:
    client.post(URL, {**DANA, "activity": "webinar"})
    assert Activity.objects.get().kind == ActivityKind.EVENT_ATTENDED


def test_honeypot_filled_form_is_dropped_as_spam(client: Client, site: Source) -> None:
    response = client.post(URL, {**DANA, HONEYPOT_NAME: "+1 512 555 0199"})
    assert response.status_code == 200  # the bot is thanked like anyone else
    assert "Thank you" in text_of(response.content.decode())
    assert not Person.objects.exists()
    assert Campaign.objects.get(name="website web form").spam_count == 1


def test_avoided_person_submitting_the_form_is_not_re_added(
    client: Client, staff: Staff, world: World
) -> None:
    Source.objects.create(name="website")
    people = Person.objects.count()
    response = client.post(URL, {"first_name": "Al", "email": "AL@avoid.example"})
    assert response.status_code == 200
    assert "Thank you" in text_of(response.content.decode())
    assert Person.objects.count() == people
    avoided = Person.objects.get(pk=world.avoided.pk)
    assert avoided.person_type == PersonType.AVOID
    assert not avoided.activities.filter(campaign__name="website web form").exists()


def test_bad_input_is_422_with_the_reason_never_500(client: Client, site: Source) -> None:
    response = client.post(URL, {**DANA, "email": "dana-at-owens", "phone": "12"})
    assert response.status_code == 422
    page = text_of(response.content.decode())
    assert 'email: "dana-at-owens" is not an email address' in page
    assert 'phone: "12" is not a phone number' in page
    assert "row 1" not in page  # a visitor filled in one form, not a file
    assert not Person.objects.exists()


def test_a_submission_without_any_contact_is_422(client: Client, site: Source) -> None:
    response = client.post(URL, {"first_name": "Dana"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 422
    assert response.json()["errors"] == ["row 1: email: needs an email, a phone or an external id"]


def test_json_is_returned_when_asked_for(client: Client, site: Source) -> None:
    response = client.post(URL, DANA, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "message": "Thank you: we received your details."}
    assert response["Access-Control-Allow-Origin"] == "*"
    bad = client.post(URL + "?format=json", {**DANA, "email": "nope", "phone": ""})
    assert bad.status_code == 422
    assert bad.json()["ok"] is False
    assert bad.json()["errors"] == ['row 1: email: "nope" is not an email address']
    assert bad.json()["fields"] == {"email": ['"nope" is not an email address']}


def test_form_redirects_to_a_same_site_next_url(client: Client, site: Source) -> None:
    response = client.post(URL, {**DANA, "next": "/thanks/"})
    assert response.status_code == 302
    assert response["Location"] == "/thanks/"


def test_form_does_not_redirect_to_another_site_unless_configured(
    client: Client, site: Source, settings: Settings
) -> None:
    response = client.post(URL, {**DANA, "next": "https://evil.example/phish"})
    assert response.status_code == 200
    assert "Thank you" in text_of(response.content.decode())
    settings.LEADFLOW_FORM_REDIRECT_HOSTS = ["www.customer.example"]
    cache.clear()
    allowed = client.post(
        URL, {**DANA, "email": "eli@owensreyes.com", "next": "https://www.customer.example/ok"}
    )
    assert allowed.status_code == 302
    assert allowed["Location"] == "https://www.customer.example/ok"


def test_form_rate_limit_per_address_returns_429_with_retry_after(
    client: Client, site: Source
) -> None:
    for n in range(limits("form").per_ip):
        response = client.post(URL, {**DANA, "email": f"dana{n}@owensreyes.com", "phone": ""})
        assert response.status_code == 200
    blocked = client.post(URL, {**DANA, "email": "late@owensreyes.com"})
    assert blocked.status_code == 429
    assert 1 <= int(blocked["Retry-After"]) <= limits("form").window
    assert "too many submissions from your address" in text_of(blocked.content.decode())
    assert not Person.objects.filter(email_normalized="late@owensreyes.com").exists()
    other_ip = client.post(URL, {**DANA, "email": "other@owensreyes.com"}, REMOTE_ADDR="10.0.0.9")
    assert other_ip.status_code == 200


@pytest.fixture
def low_limits(settings: Settings) -> None:
    settings.LEADFLOW_RATE_LIMITS = {
        **settings.LEADFLOW_RATE_LIMITS,
        "form": {"per_ip": 2, "per_source": 3, "window": 60},
    }


def test_form_rate_limit_per_source_holds_many_addresses_together(
    client: Client, site: Source, low_limits: None
) -> None:
    for n in range(3):
        response = client.post(
            URL, {**DANA, "email": f"dana{n}@owensreyes.com"}, REMOTE_ADDR=f"10.0.1.{n}"
        )
        assert response.status_code == 200
    blocked = client.post(
        URL + "?format=json", {**DANA, "email": "late@owensreyes.com"}, REMOTE_ADDR="10.0.1.99"
    )
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) >= 1
    assert blocked.json()["ok"] is False
    assert blocked.json()["message"].startswith(
        "too many submissions from all visitors of this form; please try again in"
    )
    assert not Person.objects.filter(email_normalized="late@owensreyes.com").exists()
    # Another source's form has its own allowance.
    Source.objects.create(name="webinar")
    other = client.post("/intake/form/webinar", DANA, REMOTE_ADDR="10.0.1.99")
    assert other.status_code == 200


def test_one_address_over_its_limit_does_not_use_up_the_sources_allowance(
    client: Client, site: Source, low_limits: None
) -> None:
    for _ in range(6):  # one bot, refused after its 2
        client.post(URL, {**DANA, "email": "bot@owensreyes.com"}, REMOTE_ADDR="10.0.2.1")
    response = client.post(URL, DANA, REMOTE_ADDR="10.0.2.2")
    assert response.status_code == 200


def test_behind_a_trusted_proxy_the_limit_counts_the_address_the_proxy_saw(
    client: Client, site: Source, low_limits: None, settings: Settings
) -> None:
    settings.LEADFLOW_TRUSTED_PROXIES = 1
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    for n in range(2):  # a bot writing a fresh X-Forwarded-For each time gains nothing
        forwarded = f"203.0.113.{n}, 198.51.100.7"
        data = {**DANA, "email": f"bot{n}@owensreyes.com"}
        response = client.post(URL, data, HTTP_X_FORWARDED_FOR=forwarded, **proxy)
        assert response.status_code == 200
    forwarded = "203.0.113.9, 198.51.100.7"
    assert client.post(URL, DANA, HTTP_X_FORWARDED_FOR=forwarded, **proxy).status_code == 429
    # Another visitor through the same proxy has an allowance of their own.
    other = client.post(URL, DANA, HTTP_X_FORWARDED_FOR="198.51.100.8", **proxy)
    assert other.status_code == 200


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(
    client: Client, site: Source, low_limits: None
) -> None:
    for n in range(2):
        data = {**DANA, "email": f"bot{n}@owensreyes.com"}
        assert client.post(URL, data, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code == 200
    assert client.post(URL, DANA, HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 429


def test_posts_to_made_up_forms_count_against_the_address(
    client: Client, site: Source, low_limits: None
) -> None:
    assert client.post("/intake/form/guess-1", DANA).status_code == 404
    assert client.post("/intake/form/guess-2", DANA).status_code == 404
    assert client.post("/intake/form/guess-3", DANA).status_code == 429


def test_an_unknown_source_is_404_and_creates_nothing(client: Client, site: Source) -> None:
    response = client.post("/intake/form/no-such-form", DANA)
    assert response.status_code == 404
    assert not Person.objects.exists()
    assert not Source.objects.filter(name="no-such-form").exists()


def test_the_form_endpoint_accepts_only_post(client: Client, site: Source) -> None:
    assert client.get(URL).status_code == 405


def test_owner_sees_the_snippet_to_embed_with_the_action_and_the_honeypot(
    client: Client, site: Source
) -> None:
    client.force_login(member("olga", Role.OWNER))
    page = client.get(f"/intake/sources/{site.pk}/").content.decode()
    snippet = re.search(r'<pre class="snippet"><code>(.*?)</code></pre>', page, re.DOTALL)
    assert snippet is not None
    html = unescape(snippet[1])
    assert 'action="http://testserver/intake/form/website"' in html
    assert f'name="{HONEYPOT_NAME}" tabindex="-1"' in html
    assert 'name="email"' in html


def test_the_embedded_snippet_posts_a_lead_through_the_same_door(
    client: Client, site: Source
) -> None:
    client.force_login(member("olga", Role.OWNER))
    page = client.get(f"/intake/sources/{site.pk}/").content.decode()
    names = set(re.findall(r"name=&quot;(\w+)&quot;", page))
    assert {"first_name", "email", "phone", "need", "problem", HONEYPOT_NAME} <= names
    visitor = Client()
    visitor.post(URL, {name: DANA.get(name, "") for name in names})
    assert Person.objects.get().email_normalized == "dana@owensreyes.com"


@pytest.mark.parametrize("role", [Role.MARKETING, Role.SETTER])
def test_the_sources_pages_are_for_owners_only(client: Client, site: Source, role: Role) -> None:
    client.force_login(member("mia", role))
    assert client.get("/intake/sources/").status_code == 403
    assert client.get(f"/intake/sources/{site.pk}/").status_code == 403
