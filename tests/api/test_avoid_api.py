"""The Avoid list through the API (issue 8): owners and admins list and add, only an
admin lifts; who, when and why are kept, and an entry blocks every later intake."""

from __future__ import annotations

from leadflow.crm.models import AvoidEntry, Person, Task
from leadflow.domain.people import Role
from tests.api.conftest import API, ApiClient, CallerFactory, People

AVOID = f"{API}/avoid"


def lift_url(entry_id: int) -> str:
    return f"{AVOID}/{entry_id}/lift"


def entry_of(person: Person) -> AvoidEntry:
    return AvoidEntry.objects.get(person=person, lifted_at__isnull=True)


# --- list ----------------------------------------------------------------------------------


def test_owners_and_admins_list_the_active_entries_with_who_and_why(
    api_as: CallerFactory, people: People
) -> None:
    for role in (Role.OWNER, Role.ADMIN):
        answer = api_as(role).get(AVOID)
        assert answer.status_code == 200
        (entry,) = answer.json()["items"]
        assert entry["person"] == {"id": people.avoided.pk, "name": "Al Avoid"}
        assert entry["email"] == "al@avoid.example"
        assert entry["reason"] == "asked us to stop calling"
        assert entry["added_by"] == people.keeper.get_full_name()
        assert entry["active"] is True


def test_other_roles_may_not_see_the_avoid_list(api_as: CallerFactory, people: People) -> None:
    for role in [Role.SETTER, Role.REP, Role.MARKETING]:
        assert api_as(role).get(AVOID).status_code == 403


def test_the_avoid_list_needs_a_token(anonymous: ApiClient, people: People) -> None:
    assert anonymous.get(AVOID).status_code == 401


def test_the_avoid_list_pages_newest_first(api_as: CallerFactory, people: People) -> None:
    owner = api_as(Role.OWNER)
    for n in range(3):
        answer = owner.post_json(AVOID, {"email": f"gone{n}@x.example", "reason": "bounced"})
        assert answer.status_code == 201
    first = owner.get(AVOID, {"limit": 3})
    rest = owner.get(first.json()["next"])
    emails = [e["email"] for e in first.json()["items"] + rest.json()["items"]]
    assert emails == ["gone2@x.example", "gone1@x.example", "gone0@x.example", "al@avoid.example"]
    assert rest.json()["next_cursor"] is None


def test_the_avoid_list_is_searched_like_the_avoid_page(
    api_as: CallerFactory, people: People
) -> None:
    owner = api_as(Role.OWNER)
    owner.post_json(AVOID, {"company_domain": "https://www.spammy.example/", "reason": "spam"})
    assert [e["person"]["id"] for e in owner.get(AVOID, {"q": "avo"}).json()["items"]] == [
        people.avoided.pk
    ]
    found = owner.get(AVOID, {"q": "@spammy.example"}).json()["items"]
    assert [e["company_domain"] for e in found] == ["spammy.example"]
    assert owner.get(AVOID, {"state": "lifted"}).json()["items"] == []


def test_hostile_avoid_searches_are_harmless(api_as: CallerFactory, people: People) -> None:
    admin = api_as(Role.ADMIN)
    hostile = ["%", "_", "'; DROP TABLE crm_avoidentry; --", "@%", "a\x00", "x" * 300]
    for text in [*hostile, "\U0010ffff", "ab\ud7ff", "\\"]:
        answer = admin.get(AVOID, {"q": text})
        assert answer.status_code in (200, 422), (text, answer.content)
        if answer.status_code == 200:
            assert answer.json()["items"] == [], text
    assert AvoidEntry.objects.count() == 1


def test_an_unknown_state_or_parameter_is_422(api_as: CallerFactory, people: People) -> None:
    owner = api_as(Role.OWNER)
    assert owner.get(AVOID, {"state": "deleted"}).status_code == 422
    assert owner.get(AVOID, {"who": "al"}).json()["errors"][0]["field"] == "query.who"


# --- add -----------------------------------------------------------------------------------


def test_an_owner_puts_a_person_on_avoid_and_nobody_works_them_any_more(
    api_as: CallerFactory, people: People
) -> None:
    owner = api_as(Role.OWNER)
    assert Task.objects.filter(person=people.sweet, done_at__isnull=True).exists()
    answer = owner.post_json(AVOID, {"person_id": people.sweet.pk, "reason": "rude to staff"})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["person"]["id"] == people.sweet.pk
    assert body["reason"] == "rude to staff"
    assert body["added_by"] == owner.user.get_full_name()
    people.sweet.refresh_from_db()
    assert people.sweet.person_type == "avoid"
    assert not Task.objects.filter(person=people.sweet, done_at__isnull=True).exists()


def test_a_bare_entry_blocks_a_later_post_of_that_person(
    api_as: CallerFactory, people: People
) -> None:
    owner = api_as(Role.OWNER)
    answer = owner.post_json(
        AVOID, {"phone": "+1 (512) 555-0166", "reason": "asked never to be called"}
    )
    assert answer.status_code == 201
    assert answer.json()["phone"] == "+15125550166"
    assert answer.json()["person"] is None
    refused = owner.post_json(f"{API}/people", {"phone": "512.555.0166", "first_name": "Val"})
    assert refused.status_code == 409
    assert refused.json()["code"] == "on_avoid_list"
    assert not Person.objects.filter(phone_normalized="+15125550166").exists()


def test_an_entry_matching_someone_stored_puts_that_person_on_avoid(
    api_as: CallerFactory, people: People
) -> None:
    answer = api_as(Role.ADMIN).post_json(
        AVOID, {"email": "RITA@OldRaw.example", "reason": "unsubscribed everywhere"}
    )
    assert answer.status_code == 201
    assert answer.json()["person"]["id"] == people.raw.pk
    people.raw.refresh_from_db()
    assert people.raw.person_type == "avoid"


def test_an_entry_that_does_not_validate_is_422_naming_the_field(
    api_as: CallerFactory, people: People
) -> None:
    for body, field in [
        ({"reason": "no details"}, "body"),
        ({"email": "a@b.example"}, "body.reason"),
        ({"email": "a@b.example", "reason": "   "}, "body.reason"),
        ({"email": "not-an-email", "reason": "x"}, "body.email"),
        ({"phone": "12", "reason": "x"}, "body.phone"),
        ({"company_domain": "not a domain", "reason": "x"}, "body.company_domain"),
        ({"email": "a@b.example", "reason": "x", "expires": "2030"}, "body.expires"),
        ({"person_id": "Al", "reason": "x"}, "body.person_id"),
    ]:
        answer = api_as(Role.OWNER).post_json(AVOID, body)
        assert answer.status_code == 422, (body, answer.content)
        assert answer.json()["errors"][0]["field"] == field, body
        assert AvoidEntry.objects.count() == 1


def test_avoid_add_errors_404_409_403(api_as: CallerFactory, people: People) -> None:
    owner = api_as(Role.OWNER)
    assert owner.post_json(AVOID, {"person_id": 999999, "reason": "x"}).status_code == 404
    again = owner.post_json(AVOID, {"person_id": people.avoided.pk, "reason": "still no"})
    assert again.status_code == 409
    assert again.json() == {"code": "on_avoid_list", "message": "already on the Avoid list"}
    denied = api_as(Role.SETTER).post_json(AVOID, {"email": "a@b.example", "reason": "x"})
    assert denied.status_code == 403
    assert AvoidEntry.objects.count() == 1


# --- lift ----------------------------------------------------------------------------------


def test_only_an_admin_lifts_an_entry_and_the_person_gets_their_type_back(
    api_as: CallerFactory, people: People
) -> None:
    entry = entry_of(people.avoided)
    owner = api_as(Role.OWNER)
    denied = owner.post_json(lift_url(entry.pk), {"reason": "made up"})
    assert denied.status_code == 403
    admin = api_as(Role.ADMIN)
    answer = admin.post_json(lift_url(entry.pk), {"reason": "made up with us"})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["person_type"] == "prospect"
    assert body["entry"]["active"] is False
    assert body["entry"]["lift_reason"] == "made up with us"
    assert body["entry"]["lifted_by"] == admin.user.get_full_name()
    people.avoided.refresh_from_db()
    assert people.avoided.person_type == "prospect"


def test_lifting_twice_is_409_and_a_lift_needs_a_reason(
    api_as: CallerFactory, people: People
) -> None:
    admin = api_as(Role.ADMIN)
    url = lift_url(entry_of(people.avoided).pk)
    blank = admin.post_json(url, {"reason": "  "})
    assert blank.status_code == 422
    assert blank.json()["errors"][0]["field"] == "body.reason"
    assert admin.post_json(url, {}).status_code == 422
    assert admin.post_json(url, {"reason": "ok"}).status_code == 200
    again = admin.post_json(url, {"reason": "ok again"})
    assert again.status_code == 409
    assert "already lifted" in again.json()["message"]


def test_lifting_an_unknown_entry_is_404(api_as: CallerFactory, people: People) -> None:
    admin = api_as(Role.ADMIN)
    assert admin.post_json(lift_url(999999), {"reason": "x"}).status_code == 404
    assert admin.post_json(lift_url(2**64), {"reason": "x"}).status_code == 404
