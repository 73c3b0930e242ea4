"""People through the API (issue 8): search with cursor pages, a person with the reasons
for their status, intake's rules on every write, activities, idempotency and audit."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from leadflow.crm.models import Activity, AuditEntry, Campaign, Person
from leadflow.crm.services.people import create_person
from leadflow.domain.people import PersonType, Role
from tests.api.conftest import API, ApiClient, CallerFactory, People

PEOPLE = f"{API}/people"
DANA: dict[str, Any] = {
    "first_name": "Dana",
    "last_name": "Owens",
    "email": "Dana@OwensReyes.example",
    "phone": "(512) 555-0177",
    "title": "Managing Partner",
    "company": "Owens & Reyes LLP",
    "niche": "legal",
    "employee_count": 35,
    "region": "TX",
    "country": "US",
    "need": "need_now",
    "services_wanted": ["managed services", "backup"],
    "problem": "backups failed twice",
    "follow_up": "asked",
    "activity": "inbound_call",
    "campaign": "Partner referrals",
    "source": "referral",
}


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


# --- search ------------------------------------------------------------------------------


def test_search_finds_people_by_the_start_of_a_name_email_or_phone(
    api_as: CallerFactory, people: People
) -> None:
    setter = api_as(Role.SETTER)
    assert ids(setter.get(PEOPLE, {"q": "swe"})) == [people.sweet.pk]
    assert ids(setter.get(PEOPLE, {"q": "rita@old"})) == [people.raw.pk]
    assert ids(setter.get(PEOPLE, {"q": "512 555 0142"})) == [people.raw.pk]
    found = setter.get(PEOPLE, {"q": "sweet"}).json()["items"][0]
    assert found["sweet_spot"] == "Growing professional firm"
    assert found["temperature"] == "hot"
    assert found["qualification_status"] == "qualified"


def test_search_needs_a_token_and_a_role(
    anonymous: ApiClient, api_as: CallerFactory, people: People
) -> None:
    answer = anonymous.get(PEOPLE)
    assert answer.status_code == 401
    assert answer.json()["code"] == "unauthenticated"
    answer = api_as().get(PEOPLE)  # signed in, no role at all
    assert answer.status_code == 403
    assert answer.json()["code"] == "forbidden"


def test_filters_narrow_the_list_like_the_people_page(
    api_as: CallerFactory, people: People
) -> None:
    rep = api_as(Role.REP)
    assert ids(rep.get(PEOPLE, {"type": "lead", "status": "qualified"})) == [people.sweet.pk]
    assert ids(rep.get(PEOPLE, {"temperature": "warm"})) == [people.raw.pk]
    assert ids(rep.get(PEOPLE, {"sweet_spot_id": people.sweet.sweet_spot_id})) == [people.sweet.pk]
    assert ids(rep.get(PEOPLE, {"unqualified_reason": "outside_service_area"})) == [
        people.unqualified.pk
    ]
    assert ids(rep.get(PEOPLE, {"type": "avoid"})) == [people.avoided.pk]
    assert ids(rep.get(PEOPLE, {"q": "s", "type": "prospect"})) == []


def test_the_list_pages_newest_first_by_cursor_and_the_next_link_follows(
    api_as: CallerFactory, people: People
) -> None:
    owner = api_as(Role.OWNER)
    everyone = list(Person.objects.order_by("-id").values_list("id", flat=True))
    seen: list[int] = []
    answer = owner.get(PEOPLE, {"limit": 2})
    while True:
        seen += ids(answer)
        link = answer.json()["next"]
        if link is None:
            break
        assert answer.json()["next_cursor"] in link
        answer = owner.get(link)
    assert seen == everyone


def test_a_text_search_pages_by_cursor_within_its_cap(
    api_as: CallerFactory, people: People
) -> None:
    for n in range(5):
        create_person(by=None, first_name=f"Kim{n}", last_name="Page", email=f"k{n}@p.example")
    owner = api_as(Role.OWNER)
    first = owner.get(PEOPLE, {"q": "page", "limit": 3})
    second = owner.get(PEOPLE, {"q": "page", "limit": 3, "cursor": first.json()["next_cursor"]})
    assert len(ids(first)) == 3
    assert len(ids(second)) == 2
    assert second.json()["next_cursor"] is None
    assert set(ids(first)).isdisjoint(ids(second))
    assert first.json()["capped"] is False


def test_a_cursor_this_api_did_not_hand_out_is_422(api_as: CallerFactory, people: People) -> None:
    for cursor in ["nonsense", "e30", "eyJmIjogMSwgImsiOiBbMV19", "%%%", "x" * 501]:
        answer = api_as(Role.OWNER).get(PEOPLE, {"cursor": cursor})
        assert answer.status_code == 422, cursor
        assert answer.json()["errors"][0]["field"] == "query.cursor"


def test_a_cursor_sent_with_other_filters_is_refused(api_as: CallerFactory, people: People) -> None:
    owner = api_as(Role.OWNER)
    cursor = owner.get(PEOPLE, {"limit": 1}).json()["next_cursor"]
    answer = owner.get(PEOPLE, {"limit": 1, "type": "lead", "cursor": cursor})
    assert answer.status_code == 422
    assert "another query" in answer.json()["message"]


def test_an_unknown_filter_is_422_not_the_whole_list(api_as: CallerFactory, people: People) -> None:
    answer = api_as(Role.OWNER).get(PEOPLE, {"tpye": "lead"})
    assert answer.status_code == 422
    assert answer.json()["errors"] == [
        {"field": "query.tpye", "message": "unknown field", "type": "extra_forbidden"}
    ]


def test_a_filter_of_the_wrong_type_is_422_naming_it(api_as: CallerFactory, people: People) -> None:
    for params, field in [
        ({"limit": "201"}, "query.limit"),
        ({"limit": "0"}, "query.limit"),
        ({"temperature": "boiling"}, "query.temperature"),
        ({"sweet_spot_id": "abc"}, "query.sweet_spot_id"),
        ({"campaign_id": str(2**64)}, "query.campaign_id"),
        ({"stage": "won"}, "query.stage"),
        ({"type": "friend"}, "query.type"),
    ]:
        answer = api_as(Role.OWNER).get(PEOPLE, params)
        assert answer.status_code == 422, params
        assert answer.json()["code"] == "invalid", params
        assert answer.json()["errors"][0]["field"] == field


HOSTILE = [
    "'",
    '"',
    "%",
    "_",
    "%_%",
    "\\",
    "'; DROP TABLE crm_person; --",
    '" OR 1=1 --',
    "a\x00b",
    "\x00",
    "x" * 201,
    "x" * 5000,
    "\U0010ffff",
    "ab\ud7ff",
    "\u202e\u0000",
    "@@",
    "+",
    "Ω@",
    "a b c d e f g",
    "🙂",
]


def test_hostile_search_strings_are_harmless(api_as: CallerFactory, people: People) -> None:
    """Each is a 200 (with nobody found) or a 422 naming `q`: never a 500, never a write."""
    owner = api_as(Role.OWNER)
    before = Person.objects.count()
    for text in HOSTILE:
        answer = owner.get(PEOPLE, {"q": text})
        assert answer.status_code in (200, 422), (text, answer.content)
        if answer.status_code == 422:
            assert answer.json()["errors"][0]["field"] == "query.q", text
        else:
            assert answer.json()["items"] == [], text
    assert Person.objects.count() == before
    assert "crm_person" in connection.introspection.table_names()


def test_like_wildcards_in_a_search_match_themselves_not_everyone(
    api_as: CallerFactory, people: People
) -> None:
    owner = api_as(Role.OWNER)
    for text in ("%", "_", "%_%", "_%", "\\%"):
        assert ids(owner.get(PEOPLE, {"q": text})) == [], text


# --- one person --------------------------------------------------------------------------


def test_a_person_comes_with_the_reasons_for_their_status_channels_and_timeline(
    api_as: CallerFactory, people: People
) -> None:
    answer = api_as(Role.REP).get(f"{PEOPLE}/{people.sweet.pk}")
    assert answer.status_code == 200
    body = answer.json()
    assert body["person"]["qualification_status"] == "qualified"
    judgment = body["qualification"]
    assert judgment["status"] == "qualified"
    assert all(rule["verdict"] == "passed" for rule in judgment["rules"])
    fits = [a for a in judgment["avatars"] if a["fits"]]
    assert [a["name"] for a in fits] == ["Growing professional firm"]
    channels = {c["channel"]: c for c in body["channels"]}
    assert channels["telemarketing"]["allowed"] is True
    assert channels["client-upsell"] == {
        "channel": "client-upsell",
        "allowed": False,
        "why_not": "client campaigns are for clients only",
    }
    kinds = [entry["kind"] for entry in body["timeline"]]
    assert {"activity", "type", "qualification"} <= set(kinds)
    assert body["open_tasks"][0]["kind"] == "call"


def test_an_unqualified_lead_says_which_criterion_failed(
    api_as: CallerFactory, people: People
) -> None:
    body = api_as(Role.SETTER).get(f"{PEOPLE}/{people.unqualified.pk}").json()
    assert body["person"]["unqualified_reason"] == "outside_service_area"
    failed = [r for r in body["qualification"]["rules"] if r["verdict"] == "failed"]
    assert failed[0]["criterion"].startswith("geography")
    assert failed[0]["actual"] == "US-CA"


def test_an_avoid_person_may_get_nothing_and_the_answer_says_why(
    api_as: CallerFactory, people: People
) -> None:
    body = api_as(Role.OWNER).get(f"{PEOPLE}/{people.avoided.pk}").json()
    assert body["avoid_entry"]["reason"] == "asked us to stop calling"
    assert not any(c["allowed"] for c in body["channels"])
    assert all("Avoid" in c["why_not"] for c in body["channels"])


def test_an_unknown_person_is_404(api_as: CallerFactory, people: People) -> None:
    for person_id in ["999999", str(2**63), str(2**70)]:
        answer = api_as(Role.OWNER).get(f"{PEOPLE}/{person_id}")
        assert answer.status_code == 404, person_id
        assert answer.json() == {"code": "not_found", "message": "no such person"}


# --- create through intake -----------------------------------------------------------------


def test_a_person_posted_to_the_api_goes_through_intake_and_becomes_a_lead(
    api_as: CallerFactory, people: People
) -> None:
    answer = api_as(Role.SETTER).post_json(PEOPLE, DANA)
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["outcome"] == "created"
    person = body["person"]
    assert person["email"] == "Dana@OwensReyes.example"
    assert person["person_type"] == "lead"
    assert person["temperature"] == "hot"
    assert person["qualification_status"] == "qualified"
    assert person["sweet_spot"]["name"] == "Growing professional firm"
    assert person["first_campaign"]["name"] == "Partner referrals"
    stored = Person.objects.get(pk=person["id"])
    assert stored.email_normalized == "dana@owensreyes.example"
    assert Activity.objects.filter(person=stored, kind="inbound_call").count() == 1


def test_a_prospect_posted_without_a_response_is_never_a_lead(
    api_as: CallerFactory, people: People
) -> None:
    answer = api_as(Role.MARKETING).post_json(
        PEOPLE, {"email": "lee@farm.example", "first_name": "Lee", "responded": False}
    )
    assert answer.status_code == 201
    assert answer.json()["person"]["person_type"] == "prospect"
    assert not Activity.objects.filter(person_id=answer.json()["person"]["id"]).exists()


def test_a_duplicate_merges_into_the_stored_person_and_says_so(
    api_as: CallerFactory, people: People
) -> None:
    count = Person.objects.count()
    answer = api_as(Role.OWNER).post_json(
        PEOPLE, {"email": "RITA@oldraw.example", "title": "Office Manager", "city": "Austin"}
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["outcome"] == "merged"
    assert body["person"]["id"] == people.raw.pk
    assert f"merged into person {people.raw.pk}" in body["message"]
    assert "filled" in body["message"]
    assert body["person"]["title"] == "Office Manager"
    assert Person.objects.count() == count


def test_an_avoid_person_posted_to_the_api_is_refused_and_not_written(
    api_as: CallerFactory, people: People
) -> None:
    people_before, campaigns_before = Person.objects.count(), Campaign.objects.count()
    answer = api_as(Role.OWNER).post_json(
        PEOPLE, {"email": "AL@avoid.example", "first_name": "Al", "campaign": "Brand new"}
    )
    assert answer.status_code == 409
    body = answer.json()
    assert body["code"] == "on_avoid_list"
    assert "asked us to stop calling" in body["message"]
    assert Person.objects.count() == people_before
    assert Campaign.objects.count() == campaigns_before
    assert not Activity.objects.filter(person=people.avoided).exists()


def test_row_errors_are_422_naming_each_field_and_nothing_is_written(
    api_as: CallerFactory, people: People
) -> None:
    count = Person.objects.count()
    answer = api_as(Role.OWNER).post_json(PEOPLE, {"email": "not-an-email", "phone": "12"})
    assert answer.status_code == 422
    body = answer.json()
    assert body["code"] == "invalid"
    fields = {e["field"]: e["message"] for e in body["errors"]}
    assert set(fields) == {"body.email", "body.phone"}
    assert '"12"' in fields["body.phone"]
    assert Person.objects.count() == count


def test_a_record_with_no_email_phone_or_id_is_422(api_as: CallerFactory, people: People) -> None:
    answer = api_as(Role.OWNER).post_json(PEOPLE, {"first_name": "Nobody"})
    assert answer.status_code == 422
    assert "email" in answer.json()["message"]


def test_spam_is_refused_and_only_counted_for_its_campaign(
    api_as: CallerFactory, people: People
) -> None:
    count = Person.objects.count()
    answer = api_as(Role.OWNER).post_json(
        PEOPLE, {"first_name": "asdf", "email": "asdf@real.example", "campaign": "Spring form"}
    )
    assert answer.status_code == 422
    assert answer.json()["code"] == "looks_like_spam"
    assert Person.objects.count() == count
    assert Campaign.objects.get(name="Spring form").spam_count == 1


def test_a_body_that_does_not_validate_is_422_naming_the_field(
    api_as: CallerFactory, people: People
) -> None:
    for body, field, kind in [
        ({"email": "a@b.example", "emial": "typo@b.example"}, "body.emial", "extra_forbidden"),
        ({"email": "a@b.example", "employee_count": "many"}, "body.employee_count", "int_parsing"),
        ({"email": "a@b.example", "need": "yesterday"}, "body.need", "enum"),
        (
            {"email": "a@b.example", "services_wanted": "backup"},
            "body.services_wanted",
            "list_type",
        ),
        ({"email": "a@b.example", "first_name": "x" * 101}, "body.first_name", "string_too_long"),
        ({"email": "a@b.example", "note": "a\x00b"}, "body.note", "value_error"),
        ({"email": "a@b.example", "campaign": "   "}, "body.campaign", "string_too_short"),
    ]:
        answer = api_as(Role.OWNER).post_json(PEOPLE, body)
        assert answer.status_code == 422, body
        error = answer.json()["errors"][0]
        assert (error["field"], error["type"]) == (field, kind)


def test_malformed_json_is_refused_with_the_error_shape(
    api_as: CallerFactory, people: People
) -> None:
    answer = api_as(Role.OWNER).post_json(PEOPLE, raw='{"email": ')
    # ninja refuses a body it cannot parse before validation: 400, in our error shape.
    assert answer.status_code == 400
    assert answer.json() == {"code": "bad_request", "message": "Cannot parse request body"}
    assert api_as(Role.OWNER).post_json(PEOPLE, raw="[1, 2]").status_code == 422


@pytest.mark.parametrize("role", [Role.REP, Role.ADMIN])
def test_only_owner_marketing_and_setters_may_add_people(
    api_as: CallerFactory, people: People, role: Role
) -> None:
    answer = api_as(role).post_json(PEOPLE, DANA)
    assert answer.status_code == 403
    assert "people_create" in answer.json()["message"]


def test_a_post_retried_with_the_same_idempotency_key_creates_one_person(
    api_as: CallerFactory, people: People
) -> None:
    owner = api_as(Role.OWNER)
    key = {"Idempotency-Key": "dana-1"}
    first = owner.post_json(PEOPLE, DANA, headers=key)
    again = owner.post_json(PEOPLE, DANA, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Person.objects.filter(email_normalized="dana@owensreyes.example").count() == 1
    other = owner.post_json(PEOPLE, {**DANA, "title": "Partner"}, headers=key)
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"


def test_a_created_person_is_in_the_audit_log(api_as: CallerFactory, people: People) -> None:
    setter = api_as(Role.SETTER)
    person_id = setter.post_json(PEOPLE, DANA).json()["person"]["id"]
    entry = AuditEntry.objects.get(object_type="crm.Person", object_id=str(person_id))
    assert (entry.action, entry.via, entry.user) == ("created", "api", setter.user)
    assert entry.after is not None
    assert entry.after["email_normalized"] == "dana@owensreyes.example"


# --- update through intake -----------------------------------------------------------------


def test_a_patch_fills_blank_details_through_intake(api_as: CallerFactory, people: People) -> None:
    answer = api_as(Role.SETTER).patch_json(
        f"{PEOPLE}/{people.raw.pk}", {"title": "CEO", "city": "Austin", "need": "need_now"}
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["outcome"] == "updated"
    assert body["filled"] == ["title", "city", "need"]
    assert body["kept"] == []
    assert body["person"]["title"] == "CEO"
    assert body["person"]["authority"] == "executive"
    assert body["person"]["person_type"] == "lead"  # a patch is not a response
    assert Activity.objects.filter(person=people.raw).count() == 1


def test_a_patch_never_overwrites_a_stored_value_and_says_which_it_kept(
    api_as: CallerFactory, people: People
) -> None:
    answer = api_as(Role.OWNER).patch_json(
        f"{PEOPLE}/{people.sweet.pk}",
        {"title": "Intern", "email": "sam@elsewhere.example", "monthly_budget": "2500.00"},
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["filled"] == ["monthly_budget"]
    assert sorted(body["kept"]) == ["email", "title"]
    assert "never overwrites" in body["message"]
    people.sweet.refresh_from_db()
    assert (people.sweet.title, people.sweet.email) == ("CEO", "sam.sweet@sweetlaw.example")


def test_a_patch_leaves_an_audit_entry_with_before_and_after(
    api_as: CallerFactory, people: People
) -> None:
    owner = api_as(Role.OWNER)
    owner.patch_json(f"{PEOPLE}/{people.raw.pk}", {"title": "CFO"})
    change = AuditEntry.objects.get(
        object_type="crm.Person", object_id=str(people.raw.pk), action="updated"
    )
    assert change.before is not None
    assert change.after is not None
    assert (change.before["title"], change.after["title"]) == ("", "CFO")
    assert (change.user, change.via, change.method) == (owner.user, "api", "PATCH")
    request = AuditEntry.objects.get(request_id=change.request_id, action="request")
    assert request.status == 200


def test_a_patch_that_would_make_the_record_someone_else_is_409_and_writes_nothing(
    api_as: CallerFactory, people: People
) -> None:
    nameless = create_person(by=None, first_name="Ned", phone="512-555-0188")
    answer = api_as(Role.OWNER).patch_json(
        f"{PEOPLE}/{nameless.pk}", {"email": "sam.sweet@sweetlaw.example", "title": "CTO"}
    )
    assert answer.status_code == 409
    assert f"person {people.sweet.pk}" in answer.json()["message"]
    nameless.refresh_from_db()
    assert (nameless.email, nameless.title) == ("", "")


def test_a_patch_of_an_avoid_person_is_409_on_avoid_list(
    api_as: CallerFactory, people: People
) -> None:
    answer = api_as(Role.OWNER).patch_json(f"{PEOPLE}/{people.avoided.pk}", {"title": "CEO"})
    assert answer.status_code == 409
    assert answer.json()["code"] == "on_avoid_list"
    people.avoided.refresh_from_db()
    assert people.avoided.title == ""


def test_a_patch_with_a_value_intake_cannot_read_is_422(
    api_as: CallerFactory, people: People
) -> None:
    answer = api_as(Role.OWNER).patch_json(f"{PEOPLE}/{people.prospect.pk}", {"phone": "12"})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "body.phone"


def test_patch_errors_unknown_person_unknown_field_wrong_role(
    api_as: CallerFactory, people: People
) -> None:
    owner = api_as(Role.OWNER)
    assert owner.patch_json(f"{PEOPLE}/999999", {"title": "CEO"}).status_code == 404
    unknown = owner.patch_json(f"{PEOPLE}/{people.raw.pk}", {"campaign": "x"})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "body.campaign"
    assert api_as(Role.REP).patch_json(f"{PEOPLE}/{people.raw.pk}", {}).status_code == 403


def test_an_empty_patch_changes_nothing(api_as: CallerFactory, people: People) -> None:
    answer = api_as(Role.OWNER).patch_json(f"{PEOPLE}/{people.raw.pk}", {})
    assert answer.status_code == 200
    assert answer.json()["outcome"] == "unchanged"


# --- activities ----------------------------------------------------------------------------


def test_an_activity_turns_a_prospect_into_a_lead(api_as: CallerFactory, people: People) -> None:
    campaign = Campaign.objects.create(name="Webinar", source_id=_source_id())
    answer = api_as(Role.MARKETING).post_json(
        f"{PEOPLE}/{people.prospect.pk}/activities",
        {
            "kind": "event_attended",
            "wish": "asked",
            "campaign_id": campaign.pk,
            "problem_indicators": ["phishing scare"],
            "occurred_at": "2025-03-04T10:00:00+01:00",
        },
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["activity"]["temperature"] == "hot"
    assert body["activity"]["campaign"]["name"] == "Webinar"
    assert body["person"]["person_type"] == PersonType.LEAD.value
    assert body["person"]["qualification_status"] == "raw"
    assert body["person"]["has_problem_indicators"] is True


def _source_id() -> int:
    from leadflow.crm.models import Source

    return Source.objects.get_or_create(name="events")[0].pk


def test_activities_are_listed_newest_first_and_paged(
    api_as: CallerFactory, people: People
) -> None:
    setter = api_as(Role.SETTER)
    url = f"{PEOPLE}/{people.raw.pk}/activities"
    for day in ("2025-01-01", "2025-02-01"):
        answer = setter.post_json(url, {"kind": "download", "occurred_at": f"{day}T09:00:00Z"})
        assert answer.status_code == 201
    first = setter.get(url, {"limit": 2})
    days = [a["occurred_at"][:10] for a in first.json()["items"]]
    assert days[0] > days[1] == "2025-02-01"
    rest = setter.get(first.json()["next"])
    assert [a["occurred_at"][:10] for a in rest.json()["items"]] == ["2025-01-01"]
    assert rest.json()["next_cursor"] is None


def test_an_avoid_persons_interest_is_never_recorded(api_as: CallerFactory, people: People) -> None:
    answer = api_as(Role.OWNER).post_json(
        f"{PEOPLE}/{people.avoided.pk}/activities", {"kind": "inbound_call"}
    )
    assert answer.status_code == 409
    assert answer.json()["code"] == "on_avoid_list"
    assert not Activity.objects.filter(person=people.avoided).exists()


def test_an_activity_that_does_not_validate_is_422(api_as: CallerFactory, people: People) -> None:
    for body, field in [
        ({"kind": "download", "campaign_id": 999999}, "body.campaign_id"),
        ({"kind": "download", "occurred_at": "2025-03-04T10:00:00"}, "body.occurred_at"),
        ({"kind": "carrier_pigeon"}, "body.kind"),
        ({"wish": "asked"}, "body.kind"),
    ]:
        answer = api_as(Role.OWNER).post_json(f"{PEOPLE}/{people.raw.pk}/activities", body)
        assert answer.status_code == 422, body
        assert answer.json()["errors"][0]["field"] == field


def test_activity_doors_answer_404_and_403(api_as: CallerFactory, people: People) -> None:
    assert api_as(Role.REP).get(f"{PEOPLE}/999999/activities").status_code == 404
    answer = api_as(Role.REP).post_json(
        f"{PEOPLE}/{people.raw.pk}/activities", {"kind": "download"}
    )
    assert answer.status_code == 403
