"""The Avoid list page: search, add with a reason, the audit, lifting by an admin only."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from leadflow.crm.models import AvoidEntry, Person
from leadflow.crm.services.avoid import add_avoid_entry
from leadflow.crm.services.people import create_person
from leadflow.domain.errors import OnAvoidList
from leadflow.domain.people import PersonType, Role
from tests.http.pages import Staff, World, row_by_id, text_of


def member(username: str, role: Role) -> User:
    user = User.objects.create_user(username, first_name=username.title())
    user.groups.add(Group.objects.get(name=role.value))
    return user


def as_role(client: Client, role: Role) -> Client:
    client.force_login(member(f"the-{role.value}", role))
    return client


@pytest.fixture
def owner(client: Client, staff: Staff) -> Client:
    return as_role(client, Role.OWNER)


@pytest.fixture
def admin(client: Client, staff: Staff) -> Client:
    return as_role(client, Role.ADMIN)


def entry_of(person: Person) -> AvoidEntry:
    return AvoidEntry.objects.get(person=person, lifted_at__isnull=True)


def test_an_anonymous_visitor_is_sent_to_the_login_page(client: Client, db: None) -> None:
    for path in ("/avoid/", "/avoid/1/lift/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=/avoid/")


@pytest.mark.parametrize("role", [Role.SETTER, Role.REP, Role.MARKETING])
def test_setter_rep_and_marketing_cannot_see_the_avoid_audit(
    client: Client, world: World, role: Role
) -> None:
    as_role(client, role)
    assert client.get("/avoid/").status_code == 403
    assert client.post("/avoid/add/", {"email": "x@y.example", "reason": "r"}).status_code == 403
    entry = entry_of(world.avoided)
    assert client.post(f"/avoid/{entry.pk}/lift/", {"reason": "r"}).status_code == 403
    assert b'href="/avoid/"' not in client.get("/").content


def test_the_audit_shows_who_put_an_entry_there_when_and_why(owner: Client, world: World) -> None:
    entry = entry_of(world.avoided)
    page = owner.get("/avoid/").content.decode()
    row = row_by_id(page, f"entry-{entry.pk}")
    assert "Al Avoid" in row
    assert "al@avoid.example" in row
    assert "by Bea Boss" in row
    assert "asked us to stop calling" in row
    assert f"{entry.added_at:%Y-%m-%d}" in row
    assert "active" in row
    assert b'href="/avoid/"' in owner.get("/").content


def test_an_entry_intake_made_without_a_user_is_shown_as_by_intake(
    owner: Client, world: World
) -> None:
    entry = AvoidEntry.objects.create(
        email_normalized="list@suppressed.example",
        reason="on the supplier's suppression list",
        added_by=None,
        added_at=timezone.now(),
    )
    row = row_by_id(owner.get("/avoid/").content.decode(), f"entry-{entry.pk}")
    assert "by intake" in row


def test_owner_puts_a_person_on_avoid_with_a_reason(owner: Client, world: World) -> None:
    lead = world.raw_new
    form = owner.get("/avoid/", {"person": lead.pk}).content.decode()
    assert "Put Ray Fresh on Avoid" in form
    response = owner.post("/avoid/add/", {"person": lead.pk, "reason": "competitor's spouse"})
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.person_type == PersonType.AVOID
    entry = entry_of(lead)
    assert (entry.added_by.username, entry.reason) == ("the-owner", "competitor's spouse")
    assert "competitor&#x27;s spouse" in owner.get(response["Location"]).content.decode()


def test_putting_a_person_on_avoid_needs_a_reason(owner: Client, world: World) -> None:
    response = owner.post("/avoid/add/", {"person": world.raw_new.pk, "reason": "  "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    world.raw_new.refresh_from_db()
    assert world.raw_new.person_type == PersonType.LEAD


def test_a_person_already_on_avoid_is_a_form_error(owner: Client, world: World) -> None:
    response = owner.post("/avoid/add/", {"person": world.avoided.pk, "reason": "again"})
    assert response.status_code == 400
    assert "already on the Avoid list" in response.content.decode()
    assert AvoidEntry.objects.filter(person=world.avoided).count() == 1


def test_a_bare_email_phone_or_domain_entry_is_normalized_and_blocks_intake(
    owner: Client, staff: Staff
) -> None:
    response = owner.post(
        "/avoid/add/",
        {
            "email": "Stop@Letters.Example",
            "phone": "(512) 555-0199",
            "domain": "https://www.Spam-Corp.example/",
            "reason": "cease-and-desist letter",
        },
    )
    assert response.status_code == 302
    entry = AvoidEntry.objects.get(reason="cease-and-desist letter")
    assert (entry.person, entry.email_normalized, entry.phone_normalized, entry.company_domain) == (
        None,
        "stop@letters.example",
        "+15125550199",
        "spam-corp.example",
    )
    with pytest.raises(OnAvoidList):
        create_person(by=None, first_name="New", email="STOP@letters.example")


def test_a_bare_entry_matching_a_person_puts_that_person_on_avoid(
    owner: Client, world: World
) -> None:
    owner.post("/avoid/add/", {"phone": "512 555 0142", "reason": "asked by phone"})
    world.raw_old.refresh_from_db()
    assert world.raw_old.person_type == PersonType.AVOID
    assert entry_of(world.raw_old).reason == "asked by phone"


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"email": "not-an-email"}, "is not an email address"),
        ({"phone": "12"}, "is not a phone number"),
        ({"domain": "no spaces.example"}, "is not a domain"),
        ({}, "give an email, a phone or a company domain"),
        ({"person": "999999"}, "that person no longer exists"),
        ({"person": "12345678901234567890123"}, "Ensure this value is less than"),
    ],
)
def test_bad_details_are_form_errors_never_a_500(
    owner: Client, staff: Staff, fields: dict[str, str], error: str
) -> None:
    response = owner.post("/avoid/add/", {**fields, "reason": "because"})
    assert response.status_code == 400
    assert error in text_of(response.content.decode())
    assert not AvoidEntry.objects.exists()


def test_lifting_an_avoid_entry_needs_admin_and_a_reason(admin: Client, world: World) -> None:
    entry = entry_of(world.avoided)
    assert "why lift it" in admin.get("/avoid/").content.decode()
    blank = admin.post(f"/avoid/{entry.pk}/lift/", {"reason": " "})
    assert blank.status_code == 400
    entry.refresh_from_db()
    assert entry.lifted_at is None

    done = admin.post(f"/avoid/{entry.pk}/lift/", {"reason": "they became a partner"})
    assert done.status_code == 302
    entry.refresh_from_db()
    world.avoided.refresh_from_db()
    assert (entry.lifted_by.username, entry.lift_reason) == ("the-admin", "they became a partner")
    assert world.avoided.person_type == PersonType.LEAD  # the type held before Avoid
    row = row_by_id(admin.get("/avoid/", {"state": "lifted"}).content.decode(), f"entry-{entry.pk}")
    assert "asked us to stop calling" in row
    assert "by The-Admin: they became a partner" in row


def test_owner_cannot_lift_avoid(owner: Client, world: World) -> None:
    entry = entry_of(world.avoided)
    assert "why lift it" not in owner.get("/avoid/").content.decode()
    assert owner.get(f"/avoid/{entry.pk}/lift/").status_code == 403
    assert owner.post(f"/avoid/{entry.pk}/lift/", {"reason": "please"}).status_code == 403
    entry.refresh_from_db()
    assert entry.lifted_at is None


def test_lifting_an_entry_twice_is_a_form_error(admin: Client, world: World) -> None:
    entry = entry_of(world.avoided)
    admin.post(f"/avoid/{entry.pk}/lift/", {"reason": "first"})
    again = admin.post(f"/avoid/{entry.pk}/lift/", {"reason": "second"})
    assert again.status_code == 400
    assert "already lifted" in again.content.decode()
    assert admin.post("/avoid/999999/lift/", {"reason": "x"}).status_code == 404


def test_a_lifted_bare_entry_no_longer_blocks_intake(admin: Client, staff: Staff) -> None:
    entry = add_avoid_entry(by=staff.boss, reason="old list", company_domain="gone.example")
    admin.post(f"/avoid/{entry.pk}/lift/", {"reason": "list expired"})
    entry.refresh_from_db()
    assert entry.lift_reason == "list expired"


@pytest.mark.parametrize(
    "query",
    ["al@avoid.example", "al@", "Avoid", "al avoid", "avoid, al", "@avoid.example", "avoid.ex"],
)
def test_the_avoid_list_is_searched_by_name_email_or_domain(
    owner: Client, world: World, staff: Staff, query: str
) -> None:
    add_avoid_entry(by=staff.boss, reason="other", email_normalized="zed@elsewhere.example")
    response = owner.get("/avoid/", {"q": query})
    assert response.status_code == 200
    assert [e.person for e in response.context["page"]] == [world.avoided]


def test_the_avoid_list_is_searched_by_phone_in_any_format(owner: Client, staff: Staff) -> None:
    add_avoid_entry(by=staff.boss, reason="called us", phone_normalized="+15125550199")
    add_avoid_entry(by=staff.boss, reason="other", phone_normalized="+15125550100")
    for query in ("(512) 555-0199", "+1 512 555 0199", "5125550199", "512-555-0199"):
        page = owner.get("/avoid/", {"q": query}).context["page"]
        assert [e.reason for e in page] == ["called us"], query


def test_search_offers_people_to_put_on_avoid(owner: Client, world: World) -> None:
    page = owner.get("/avoid/", {"q": "rita"}).content.decode()
    row = row_by_id(page, f"person-{world.raw_old.pk}")
    assert "Rita Raw" in row
    assert "Put on Avoid" in row
    assert f"?q=rita&amp;person={world.raw_old.pk}#add" in page


def test_every_avoid_form_needs_the_csrf_token(staff: Staff, world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(member("csrf-admin", Role.ADMIN))
    entry = entry_of(world.avoided)
    assert client.post("/avoid/add/", {"email": "a@b.example", "reason": "r"}).status_code == 403
    assert client.post(f"/avoid/{entry.pk}/lift/", {"reason": "r"}).status_code == 403
    page = client.get("/avoid/").content.decode()
    assert page.count('name="csrfmiddlewaretoken"') >= 3  # logout, add, one lift per entry


def test_the_avoid_list_reads_a_page_in_a_fixed_number_of_queries(
    admin: Client, staff: Staff, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    for n in range(30):
        person = create_person(by=None, first_name="Many", last_name=f"Avoided{n:02d}")
        admin.post("/avoid/add/", {"person": person.pk, "reason": f"reason {n}"})
    with django_assert_max_num_queries(12):
        page = admin.get("/avoid/", {"q": "many"})
    assert len(page.context["page"]) == 30


@pytest.mark.parametrize("query", ["@", "+", "%", "é", "x" * 200, "a b c d e f g", "0142"])
def test_odd_avoid_searches_answer_instead_of_failing(
    owner: Client, world: World, query: str
) -> None:
    assert owner.get("/avoid/", {"q": query, "state": "nonsense", "page": "x"}).status_code == 200
