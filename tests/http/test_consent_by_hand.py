"""Consent by hand from the person page: applied at once, kept in history, and only
lifted by the roles allowed to (issue 6; domain.consent)."""

from __future__ import annotations

from django.contrib.auth.models import Group, User
from django.test import Client

from leadflow.crm.models import ConsentChange
from leadflow.domain.channels import Channel
from leadflow.domain.people import Role
from leadflow.exports.engine import export_list
from tests.http.pages import World, text_of
from tests.http.test_person_page import section


def as_role(client: Client, role: Role) -> User:
    user = User.objects.create_user(f"the-{role.value}", first_name=role.value.title())
    user.groups.add(Group.objects.get(name=role.value))
    client.force_login(user)
    return user


def post(client: Client, person_id: int, **flags: str) -> int:
    response = client.post(f"/people/{person_id}/consent/", flags)
    return response.status_code


def test_a_setter_records_an_opt_out_and_the_next_email_export_leaves_them_out(
    client: Client, world: World
) -> None:
    person = world.qualified_plain
    setter = as_role(client, Role.SETTER)
    before = export_list(Channel.GENERAL_EMAIL)
    assert person.pk in before.included["person_id"].to_list()
    status = post(
        client, person.pk, do_not_call="on", email_opt_out="on", reason="asked on the phone"
    )
    assert status == 302
    person.refresh_from_db()
    assert person.do_not_call
    assert person.email_opt_out
    changes = ConsentChange.objects.filter(person=person).order_by("flag")
    assert [(c.flag, c.value, c.by, c.reason) for c in changes] == [
        ("do_not_call", True, setter, "asked on the phone"),
        ("email_opt_out", True, setter, "asked on the phone"),
    ]
    after = export_list(Channel.GENERAL_EMAIL)
    assert person.pk not in after.included["person_id"].to_list()
    page = client.get(f"/people/{person.pk}/").content.decode()
    assert "Do Not Call set Setter asked on the phone" in text_of(section(page, "timeline"))
    assert "do not call" in text_of(section(page, "contact"))


def test_a_setter_may_not_lift_a_do_not_call(client: Client, world: World) -> None:
    person = world.qualified_plain
    person.do_not_call = True
    person.save(update_fields=["do_not_call"])
    as_role(client, Role.SETTER)
    response = client.post(f"/people/{person.pk}/consent/", {"reason": "they called us"})
    assert response.status_code == 400
    assert "only the owner, marketing or an admin may lift" in response.content.decode()
    person.refresh_from_db()
    assert person.do_not_call
    assert not ConsentChange.objects.filter(person=person).exists()


def test_marketing_lifts_an_email_opt_out_with_a_reason(client: Client, world: World) -> None:
    person = world.qualified_plain
    person.email_opt_out = True
    person.save(update_fields=["email_opt_out"])
    as_role(client, Role.MARKETING)
    assert post(client, person.pk, reason="") == 400  # no reason: refused, nothing written
    person.refresh_from_db()
    assert person.email_opt_out
    assert post(client, person.pk, reason="re-subscribed on the web form") == 302
    person.refresh_from_db()
    assert not person.email_opt_out
    assert ConsentChange.objects.get(person=person).value is False


def test_the_client_flags_are_only_on_a_clients_form_and_only_the_owner_sets_them(
    client: Client, world: World
) -> None:
    as_role(client, Role.OWNER)
    page = client.get(f"/people/{world.qualified_plain.pk}/").content.decode()
    assert 'name="client_refunded"' not in section(page, "consent")
    page = client.get(f"/people/{world.client.pk}/").content.decode()
    assert 'name="client_refunded"' in section(page, "consent")
    assert post(client, world.client.pk, client_late_pay="on", reason="60 days overdue") == 302
    world.client.refresh_from_db()
    assert world.client.client_late_pay
    assert export_list(Channel.CLIENT_UPSELL).included.filter(person_id=world.client.pk).is_empty()


def test_a_rep_may_not_set_a_client_flag(client: Client, world: World) -> None:
    as_role(client, Role.REP)
    assert post(client, world.client.pk, client_refunded="on", reason="heard so") == 400
    world.client.refresh_from_db()
    assert not world.client.client_refunded


def test_consent_changes_need_a_csrf_token(world: World) -> None:
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(User.objects.get(username="viewer"))
    response = strict.post(
        f"/people/{world.qualified_plain.pk}/consent/", {"do_not_call": "on", "reason": "x"}
    )
    assert response.status_code == 403


def test_an_anonymous_visitor_cannot_change_consent(world: World) -> None:
    response = Client().post(
        f"/people/{world.qualified_plain.pk}/consent/", {"do_not_call": "on", "reason": "x"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
