"""Playbook settings: owners and admins edit avatars, criteria, triggers, next steps,
thresholds and the calendar through forms; every change is recorded and shown."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from leadflow.crm import adapters
from leadflow.crm.models import (
    Avatar,
    BusinessSettings,
    Criterion,
    Person,
    RequalificationRun,
)
from leadflow.crm.models.history import PlaybookChange
from leadflow.domain.people import Role
from leadflow.domain.profile import Trait
from leadflow.domain.qualification import Operator, QualificationStatus
from leadflow.domain.temperature import ActivityKind, FollowUpWish, Temperature
from tests.http.pages import Staff, World, qualified_lead, text_of

AVATAR = "Growing professional firm"


def member(username: str, role: Role) -> User:
    user = User.objects.create_user(username, first_name=username.title())
    user.groups.add(Group.objects.get(name=role.value))
    return user


@pytest.fixture
def owner(client: Client, staff: Staff) -> Client:
    client.force_login(member("olive", Role.OWNER))
    return client


def criterion_row(trait: Trait, operator: Operator, avatar: str | None = AVATAR) -> Criterion:
    return Criterion.objects.get(avatar__name=avatar, trait=trait, operator=operator)


def avatar_id() -> int:
    return Avatar.objects.get(name=AVATAR).pk


def criterion_fields(
    prefix: str, trait: str, operator: str, value: str, **extra: str
) -> dict[str, str]:
    fields = {"trait": trait, "operator": operator, "value": value, **extra}
    return {f"{prefix}-{k}": v for k, v in fields.items()}


def only_change() -> PlaybookChange:
    changes = list(PlaybookChange.objects.all())
    assert len(changes) == 1, changes
    return changes[0]


WRITES: list[tuple[str, dict[str, Any]]] = [
    ("/playbook/avatars/add/", {"new-avatar-name": "X", "new-avatar-priority": "5"}),
    ("/playbook/avatars/1/", {}),
    ("/playbook/avatars/1/criteria/add/", {}),
    ("/playbook/rules/add/", {}),
    ("/playbook/criteria/1/", {}),
    ("/playbook/criteria/1/remove/", {}),
    ("/playbook/triggers/", {}),
    ("/playbook/next-steps/", {}),
    ("/playbook/thresholds/", {"thresholds-raw_age_alert_business_days": "9"}),
    ("/playbook/calendar/", {"calendar-country": "DE"}),
    ("/playbook/requalify/", {}),
]


@pytest.mark.parametrize("role", [Role.SETTER, Role.REP, Role.MARKETING])
def test_setter_cannot_change_the_playbook(client: Client, staff: Staff, role: Role) -> None:
    client.force_login(member("someone", role))
    assert client.get("/playbook/").status_code == 403
    assert client.get("/playbook/criteria/1/").status_code == 403
    for path, data in WRITES:
        assert client.post(path, data).status_code == 403, path
    assert not PlaybookChange.objects.exists()
    assert not RequalificationRun.objects.exists()
    assert b'href="/playbook/"' not in client.get("/").content


def test_an_anonymous_visitor_is_sent_to_the_login_page(client: Client, db: None) -> None:
    responses = [("/playbook/", client.get("/playbook/"))]
    responses += [(path, client.post(path, data)) for path, data in WRITES]
    for path, response in responses:
        assert response.status_code == 302, path
        assert response["Location"].startswith("/login/?next=/playbook/")


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
def test_owner_and_admin_see_every_part_of_the_playbook(
    client: Client, staff: Staff, role: Role
) -> None:
    client.force_login(member("keeper", role))
    page = text_of(client.get("/playbook/").content.decode())
    for expected in (
        "Qualification rules",
        "geography one of US-LA, US-OK, US-TX hard",
        "authority at least manager",
        AVATAR,
        "employee_count at least 10",
        "Multi-site manufacturer",
        "Temperature triggers",
        "Next steps",
        "Raw-age alert after (business days)",
        "Business-day calendar",
        "Change log",
        "A change applies from now on",
    ):
        assert expected in page, expected
    assert b'href="/playbook/"' in client.get("/").content


def test_impossible_criterion_is_a_form_error(owner: Client) -> None:
    before = Criterion.objects.count()
    response = owner.post(
        f"/playbook/avatars/{avatar_id()}/criteria/add/",
        criterion_fields(f"criterion-{avatar_id()}", "niche", "at_least", "5"),
    )
    assert response.status_code == 400
    assert "niche cannot be compared with at_least; use one_of or none_of" in text_of(
        response.content.decode()
    )
    assert Criterion.objects.count() == before
    assert not PlaybookChange.objects.exists()


@pytest.mark.parametrize(
    ("trait", "operator", "value", "error"),
    [
        ("employee_count", "at_least", "many", "employee_count at_least needs a number"),
        ("need", "one_of", "urgent", "need has no value urgent"),
        ("authority", "one_of", "boss", "authority has no value boss"),
        ("niche", "one_of", " , ", "one of needs at least one value"),
        ("employee_count", "at_most", "NaN", "is not a number"),
        ("no_such_trait", "one_of", "x", "Select a valid choice"),
    ],
)
def test_a_criterion_that_could_never_match_is_a_form_error(
    owner: Client, trait: str, operator: str, value: str, error: str
) -> None:
    response = owner.post(
        "/playbook/rules/add/", criterion_fields("criterion-rules", trait, operator, value)
    )
    assert response.status_code == 400
    assert error in text_of(response.content.decode())
    assert not PlaybookChange.objects.exists()


def test_adding_a_rule_is_recorded_and_shown(owner: Client) -> None:
    response = owner.post(
        "/playbook/rules/add/",
        criterion_fields(
            "criterion-rules", "employee_count", "at_least", "5", reason="too small to serve"
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == "/playbook/#rules"
    assert criterion_row(Trait.EMPLOYEE_COUNT, Operator.AT_LEAST, None).value == 5
    change = only_change()
    assert (change.area, change.action, change.subject) == (
        "criterion",
        "added",
        "qualification rules",
    )
    assert (change.before, change.after) == (None, {"criterion": "employee_count at least 5"})
    page = text_of(owner.get("/playbook/").content.decode())
    assert "Added to qualification rules: employee_count at least 5." in page
    assert "qualification rules: added" in page
    assert "too small to serve" in page


def test_playbook_change_is_recorded_with_before_and_after(owner: Client) -> None:
    row = criterion_row(Trait.EMPLOYEE_COUNT, Operator.AT_LEAST)
    form = owner.get(f"/playbook/criteria/{row.pk}/").content.decode()
    assert 'value="10"' in form
    response = owner.post(
        f"/playbook/criteria/{row.pk}/",
        {"trait": "employee_count", "operator": "at_least", "value": "20", "reason": "we grew"},
    )
    assert response.status_code == 302
    change = only_change()
    assert change.by is not None
    assert change.by.username == "olive"
    assert change.subject == f"avatar {AVATAR}"
    assert change.before == {"criterion": "employee_count at least 10"}
    assert change.after == {"criterion": "employee_count at least 20"}
    assert change.reason == "we grew"
    log = text_of(owner.get("/playbook/").content.decode())
    shown = "changed criterion: employee_count at least 10 → employee_count at least 20 we grew"
    assert f"avatar {AVATAR}: {shown}" in log


def test_saving_a_criterion_unchanged_records_nothing(owner: Client) -> None:
    row = criterion_row(Trait.AUTHORITY, Operator.AT_LEAST, None)
    response = owner.post(
        f"/playbook/criteria/{row.pk}/",
        {"trait": "authority", "operator": "at_least", "value": "manager"},
        follow=True,
    )
    assert "nothing changed" in response.content.decode()
    assert not PlaybookChange.objects.exists()


def test_removing_a_criterion_is_recorded(owner: Client) -> None:
    row = criterion_row(Trait.EMPLOYEE_COUNT, Operator.AT_MOST)
    response = owner.post(f"/playbook/criteria/{row.pk}/remove/")
    assert response.status_code == 302
    assert not Criterion.objects.filter(pk=row.pk).exists()
    change = only_change()
    assert (change.action, change.before, change.after) == (
        "removed",
        {"criterion": "employee_count at most 100"},
        None,
    )
    assert owner.post(f"/playbook/criteria/{row.pk}/remove/").status_code == 404
    assert owner.get(f"/playbook/criteria/{row.pk}/").status_code == 404


def test_changing_the_playbook_does_not_rejudge_anyone(owner: Client, world: World) -> None:
    def judged(person: Person) -> tuple[str | None, int | None, str]:
        person.refresh_from_db()
        return person.qualification_status, person.sweet_spot_id, person.qualification_explanation

    before = judged(world.sweet_at_set)
    assert before[1] is not None
    row = criterion_row(Trait.NICHE, Operator.ONE_OF)
    owner.post(
        f"/playbook/criteria/{row.pk}/",
        {"trait": "niche", "operator": "one_of", "value": "dental"},
    )
    assert judged(world.sweet_at_set) == before
    # A lead judged from now on meets the new playbook: the same legal firm is no sweet spot.
    newcomer = qualified_lead("Nia", "New", "Newer Law", at=timezone.now(), n=9)
    status, sweet_spot, _ = judged(newcomer)
    assert (status, sweet_spot) == (QualificationStatus.QUALIFIED, None)


def test_avatars_are_added_renamed_and_retired_with_the_change_recorded(owner: Client) -> None:
    added = owner.post(
        "/playbook/avatars/add/",
        {"new-avatar-name": "Dental group", "new-avatar-priority": "40", "new-avatar-active": "on"},
    )
    assert added.status_code == 302
    avatar = Avatar.objects.get(name="Dental group")
    prefix = f"avatar-{avatar.pk}"
    owner.post(
        f"/playbook/avatars/{avatar.pk}/",
        {
            f"{prefix}-name": "Dental groups",
            f"{prefix}-priority": "40",
            f"{prefix}-reason": "plural",
        },
    )
    avatar.refresh_from_db()
    assert (avatar.name, avatar.active) == ("Dental groups", False)
    added_change, renamed = PlaybookChange.objects.order_by("id")
    assert added_change.after == {
        "name": "Dental group",
        "description": "",
        "priority": 40,
        "active": True,
    }
    assert (renamed.subject, renamed.before, renamed.after) == (
        "avatar Dental group",
        {"name": "Dental group", "active": True},
        {"name": "Dental groups", "active": False},
    )
    page = text_of(owner.get("/playbook/").content.decode())
    assert "Dental groups priority 40 · retired" in page
    assert "active: yes → no" in page


def test_an_avatar_name_already_taken_is_a_form_error(owner: Client) -> None:
    response = owner.post(
        "/playbook/avatars/add/", {"new-avatar-name": AVATAR, "new-avatar-priority": "1"}
    )
    assert response.status_code == 400
    assert f"there is already an avatar named &#x27;{AVATAR}&#x27;" in response.content.decode()
    assert owner.post("/playbook/avatars/999999/", {}).status_code == 404
    assert owner.post("/playbook/avatars/999999/criteria/add/", {}).status_code == 404


def trigger_form(**changes: int) -> dict[str, str]:
    current = adapters.triggers()
    data = {f"triggers-{k.value}__{w.value}": str(int(t)) for (k, w), t in current.items()}
    data.update({f"triggers-{k}": str(v) for k, v in changes.items()})
    return data


def test_a_trigger_change_records_only_the_pairs_that_changed(owner: Client) -> None:
    response = owner.post("/playbook/triggers/", trigger_form(download__asked=int(Temperature.HOT)))
    assert response.status_code == 302
    assert adapters.triggers()[(ActivityKind.DOWNLOAD, FollowUpWish.ASKED)] is Temperature.HOT
    change = only_change()
    assert (change.before, change.after) == (
        {"download, wish asked": "warm"},
        {"download, wish asked": "hot"},
    )
    bad = owner.post("/playbook/triggers/", trigger_form(download__asked=9))
    assert bad.status_code == 400
    assert "Select a valid choice" in bad.content.decode()


def steps_form(**changes: str) -> dict[str, str]:
    data = {}
    for temperature, step in adapters.next_steps().items():
        data[f"steps-{temperature.label}_action"] = step.action.value
        days = step.within_business_days
        data[f"steps-{temperature.label}_days"] = "" if days is None else str(days)
    data.update({f"steps-{k}": v for k, v in changes.items()})
    return data


def test_next_steps_are_validated_and_recorded(owner: Client) -> None:
    no_days = owner.post("/playbook/next-steps/", steps_form(hot_days=""))
    assert no_days.status_code == 400
    assert "call needs a number of business days" in text_of(no_days.content.decode())
    nurture = owner.post("/playbook/next-steps/", steps_form(cold_days="3"))
    assert "nurture only is the drip: it has no due date" in text_of(nurture.content.decode())
    negative = owner.post("/playbook/next-steps/", steps_form(warm_days="-1"))
    assert negative.status_code == 400
    assert not PlaybookChange.objects.exists()

    assert owner.post("/playbook/next-steps/", steps_form(warm_days="1")).status_code == 302
    change = only_change()
    assert (change.before, change.after) == (
        {"warm": "personal follow up within 2 business days"},
        {"warm": "personal follow up within 1 business day"},
    )


def test_thresholds_are_validated_and_apply_at_once(owner: Client) -> None:
    bad = owner.post(
        "/playbook/thresholds/",
        {"thresholds-raw_age_alert_business_days": "-1", "thresholds-show_rate_percent": "140"},
    )
    assert bad.status_code == 400
    assert "greater than or equal to 0" in bad.content.decode()
    assert "less than or equal to 100" in bad.content.decode()
    good = owner.post(
        "/playbook/thresholds/",
        {"thresholds-raw_age_alert_business_days": "3", "thresholds-show_rate_percent": "35"},
    )
    assert good.status_code == 302
    settings = BusinessSettings.objects.get()
    assert (settings.raw_age_alert_business_days, str(settings.show_rate_threshold)) == (3, "0.35")
    change = only_change()
    assert (change.before, change.after) == (
        {"raw-age alert (business days)": 1, "show-rate flag below": "50%"},
        {"raw-age alert (business days)": 3, "show-rate flag below": "35%"},
    )


def test_the_calendar_must_be_one_we_have_holidays_for(owner: Client) -> None:
    unknown = owner.post(
        "/playbook/calendar/", {"calendar-country": "US", "calendar-subdivision": "ZZ"}
    )
    assert unknown.status_code == 400
    assert "no holiday calendar for &#x27;US-ZZ&#x27;" in unknown.content.decode()
    assert owner.post("/playbook/calendar/", {"calendar-country": "XX"}).status_code == 400
    assert not PlaybookChange.objects.exists()
    done = owner.post(
        "/playbook/calendar/", {"calendar-country": "US", "calendar-subdivision": "tx"}
    )
    assert done.status_code == 302
    assert (adapters.calendar().country, adapters.calendar().subdivision) == ("US", "TX")
    assert (only_change().before, only_change().after) == (
        {"subdivision": ""},
        {"subdivision": "TX"},
    )


def test_every_playbook_form_needs_the_csrf_token(staff: Staff) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(member("careful", Role.ADMIN))
    page = client.get("/playbook/").content.decode()
    forms = page.count('method="post"')
    assert forms >= 10
    assert page.count('name="csrfmiddlewaretoken"') == forms
    for path, data in WRITES:
        assert client.post(path, data).status_code == 403, path


def test_the_playbook_page_reads_in_a_fixed_number_of_queries(
    owner: Client, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    for n in range(8):
        owner.post(
            "/playbook/avatars/add/",
            {
                "new-avatar-name": f"Avatar {n}",
                "new-avatar-priority": str(n),
                "new-avatar-active": "on",
            },
        )
        avatar = Avatar.objects.get(name=f"Avatar {n}")
        owner.post(
            f"/playbook/avatars/{avatar.pk}/criteria/add/",
            criterion_fields(f"criterion-{avatar.pk}", "niche", "one_of", f"niche{n}"),
        )
    assert PlaybookChange.objects.count() == 16
    # 12, and two for the last re-judging of every lead and the edits since.
    with django_assert_max_num_queries(14):
        response = owner.get("/playbook/")
    assert len(response.context["changes"]) == 16


def test_requalifying_from_the_page_applies_a_narrowed_service_area_to_stored_leads(
    owner: Client,
) -> None:
    at = timezone.now()
    texan = qualified_lead("Dana", "Owens", "Owens Reyes", at=at)
    okie = qualified_lead("Sam", "Tulsa", "Tulsa Legal", at=at, n=1)
    Person.objects.filter(pk=okie.pk).update(region="OK")
    okie.company.geography = "US-OK"
    okie.company.save()
    rule = Criterion.objects.get(avatar=None, trait=Trait.GEOGRAPHY)
    response = owner.post(
        f"/playbook/criteria/{rule.pk}/",
        {"trait": "geography", "operator": "one_of", "value": "US-TX", "reason": "TX only"},
    )
    assert response.status_code == 302
    page = text_of(owner.get("/playbook/").content.decode())
    assert "Leads have never been re-judged all at once." in page
    assert "1 playbook edit since then" in page

    response = owner.post("/playbook/requalify/", follow=True)

    page = text_of(response.content.decode())
    assert "Leads re-judged: 2 of 2 leads re-judged" in page
    assert "sweet spot → unqualified: 1" in page
    assert "No playbook edits since then." in page
    okie.refresh_from_db()
    texan.refresh_from_db()
    assert okie.qualification_status == QualificationStatus.UNQUALIFIED
    assert texan.qualification_status == QualificationStatus.QUALIFIED
    assert RequalificationRun.objects.get().by.username == "olive"
