"""The segments page: owners and marketing save, edit and preview client segments."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from leadflow.crm.models import Segment
from leadflow.crm.models.segments import SegmentRules
from leadflow.crm.services.segments import save_segment
from leadflow.domain.people import Role
from tests.http.pages import Staff, World


def as_role(client: Client, role: Role) -> Client:
    user = User.objects.create_user(f"the-{role.value}", first_name=role.value.title())
    user.groups.add(Group.objects.get(name=role.value))
    client.force_login(user)
    return client


FORM = {
    "name": "break-fix clients with no managed contract",
    "description": "upsell to managed services",
    "person_types": ["client"],
    "bought_any": "break-fix",
    "bought_none": "managed-services",
    "refunded": "any",
    "late_pay": "any",
}


@pytest.mark.parametrize("role", [Role.SETTER, Role.REP])
def test_setter_cannot_open_segments(client: Client, staff: Staff, role: Role) -> None:
    as_role(client, role)
    segment = save_segment(name="all", rules=SegmentRules(), by=None)
    assert client.get("/segments/").status_code == 403
    assert client.post("/segments/", FORM).status_code == 403
    assert client.get(f"/segments/{segment.pk}/").status_code == 403
    assert b'href="/segments/"' not in client.get("/").content


def test_an_anonymous_visitor_is_sent_to_the_login_page(client: Client, db: None) -> None:
    response = client.get("/segments/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/segments/")


@pytest.mark.parametrize("role", [Role.OWNER, Role.MARKETING])
def test_owner_and_marketing_create_a_segment(client: Client, world: World, role: Role) -> None:
    as_role(client, role)
    assert b'href="/segments/"' in client.get("/").content
    response = client.post("/segments/", FORM)
    assert response.status_code == 302
    segment = Segment.objects.get()
    assert segment.parsed_rules.bought_any == ["break-fix"]
    assert segment.parsed_rules.bought_none == ["managed-services"]
    assert "break-fix clients with no managed contract" in client.get("/segments/").content.decode()


def test_preview_shows_the_count_without_saving(client: Client, world: World) -> None:
    as_role(client, Role.MARKETING)
    response = client.post("/segments/", {**FORM, "bought_any": "", "preview": "1"})
    assert response.status_code == 200
    # The world has one client, who bought nothing named.
    assert "<strong>1</strong> person in this segment now" in response.content.decode()
    assert not Segment.objects.exists()


def test_a_bad_definition_is_shown_with_its_reason(client: Client, staff: Staff) -> None:
    as_role(client, Role.OWNER)
    response = client.post(
        "/segments/", {**FORM, "min_tenure_months": "30", "max_tenure_months": "12"}
    )
    assert response.status_code == 400
    assert "the minimum tenure is above the maximum" in response.content.decode()
    assert not Segment.objects.exists()


def test_editing_a_segment_changes_its_rules_and_keeps_names_unique(
    client: Client, staff: Staff
) -> None:
    as_role(client, Role.OWNER)
    segment = save_segment(name="old", rules=SegmentRules(), by=None)
    save_segment(name="taken", rules=SegmentRules(), by=None)
    page = client.get(f"/segments/{segment.pk}/").content.decode()
    assert 'value="old"' in page
    clash = client.post(f"/segments/{segment.pk}/", {**FORM, "name": "Taken"})
    assert clash.status_code == 400
    assert "already a segment named" in clash.content.decode()
    response = client.post(f"/segments/{segment.pk}/", {**FORM, "late_pay": "no"})
    assert response.status_code == 302
    segment.refresh_from_db()
    assert segment.name == FORM["name"]
    assert segment.parsed_rules.late_pay == "no"
    assert client.get("/segments/999999/").status_code == 404
