"""The Django admin keeps the rules: history is read-only, Avoid lifts go through the service."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client

from leadflow.crm.models import AvoidEntry, Person
from leadflow.crm.services.avoid import add_to_avoid
from leadflow.domain.people import PersonType, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(users: dict[Role, User]) -> User:
    return User.objects.create_superuser("root", password="pw-root")


def test_admin_lifts_an_avoid_entry_only_with_a_reason(
    make_lead: Callable[..., Person], users: dict[Role, User], superuser: User, client: Client
) -> None:
    lead = make_lead()
    entry = add_to_avoid(person=lead, by=users[Role.OWNER], reason="duplicate complaint")
    client.force_login(superuser)
    url = "/admin/crm/avoidentry/"
    page = client.post(url, {"action": "lift", "_selected_action": [entry.pk]})
    assert page.status_code == 200
    assert b"reason" in page.content
    client.post(url, {"action": "lift", "_selected_action": [entry.pk], "apply": "1", "reason": ""})
    entry.refresh_from_db()
    assert entry.lifted_at is None
    client.post(
        url,
        {"action": "lift", "_selected_action": [entry.pk], "apply": "1", "reason": "resolved"},
    )
    entry.refresh_from_db()
    lead.refresh_from_db()
    assert entry.lifted_by == superuser
    assert entry.lift_reason == "resolved"
    assert lead.person_type == PersonType.LEAD


def test_admin_cannot_delete_an_avoid_entry_or_history(
    make_lead: Callable[..., Person], users: dict[Role, User], superuser: User, client: Client
) -> None:
    lead = make_lead()
    entry = add_to_avoid(person=lead, by=users[Role.OWNER], reason="fraud")
    client.force_login(superuser)
    response = client.post(f"/admin/crm/avoidentry/{entry.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert AvoidEntry.objects.filter(pk=entry.pk).exists()
    response = client.post(f"/admin/crm/person/{lead.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    response = client.get("/admin/crm/stagechange/add/")
    assert response.status_code == 403


def test_admin_pages_render(
    superuser: User, make_lead: Callable[..., Person], client: Client
) -> None:
    lead = make_lead()
    client.force_login(superuser)
    for url in [
        "/admin/",
        "/admin/crm/person/",
        f"/admin/crm/person/{lead.pk}/change/",
        "/admin/crm/avatar/",
        "/admin/crm/qualificationrecord/",
        "/admin/crm/requalificationrun/",
        "/admin/crm/typechangerecord/",
        "/admin/crm/task/",
    ]:
        assert client.get(url).status_code == 200, url


def test_the_playbook_cannot_be_edited_around_its_change_log(
    superuser: User, client: Client
) -> None:
    from leadflow.crm.models import Avatar, PlaybookChange

    avatar = Avatar.objects.first()
    assert avatar is not None
    client.force_login(superuser)
    assert client.get("/admin/crm/avatar/add/").status_code == 403
    assert client.post(f"/admin/crm/avatar/{avatar.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(f"/admin/crm/avatar/{avatar.pk}/change/", {"name": "X"}).status_code == 403
    assert Avatar.objects.filter(pk=avatar.pk, name=avatar.name).exists()
    assert client.get("/admin/crm/playbookchange/").status_code == 200
    assert client.get("/admin/crm/calllog/").status_code == 200
    assert not PlaybookChange.objects.exists()
