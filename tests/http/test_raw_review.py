"""Raw review queue (PRODUCT.md §2): raw leads oldest first, the age alert, one-click review."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from leadflow.crm.models import (
    BusinessSettings,
    Campaign,
    Person,
    ProposedDisqualification,
    QualificationRecord,
    Task,
)
from leadflow.crm.selectors.dashboard import raw_leads_over_age
from leadflow.domain.people import Role
from leadflow.domain.profile import Need
from leadflow.domain.qualification import QualificationStatus, UnqualifiedReason
from tests.http.pages import Staff, World, text_of
from tests.http.queue_world import HTMX, a_campaign, raw_lead, row, row_ids, signed_in_as

URL = "/queues/raw/"
pytestmark = pytest.mark.django_db


@pytest.fixture
def setter(client: Client, staff: Staff) -> User:
    return signed_in_as(client, Role.SETTER, username="sally")


def test_raw_queue_lists_raw_leads_oldest_first_and_nobody_else(
    client: Client, world: World, setter: User
) -> None:
    page = client.get(URL).content.decode()
    assert row_ids(page, "raw-") == [f"raw-{world.raw_old.pk}", f"raw-{world.raw_new.pk}"]
    assert "2 raw leads to review" in text_of(page)


def test_raw_queue_flags_a_lead_waiting_past_the_age_alert(
    client: Client, world: World, setter: User
) -> None:
    page = client.get(URL).content.decode()
    old = row(page, f"raw-{world.raw_old.pk}")
    new = row(page, f"raw-{world.raw_new.pk}")
    assert "over the age alert" in old
    assert "over the age alert" not in new
    assert "0 business days" in new
    assert f'<tr id="raw-{world.raw_old.pk}" class="flag">' in page


def test_the_age_alert_follows_the_configured_limit(
    client: Client, world: World, setter: User
) -> None:
    BusinessSettings.objects.filter(id=1).update(raw_age_alert_business_days=30)
    page = client.get(URL).content.decode()
    assert "over the age alert" not in row(page, f"raw-{world.raw_old.pk}")
    assert "age alert past 30 business days" in text_of(page)


def test_raw_queue_flags_the_same_leads_the_dashboard_counts(
    client: Client, world: World, setter: User
) -> None:
    page = client.get(URL).content.decode()
    assert page.count("over the age alert</span>") == raw_leads_over_age().count == 1


def test_qualify_reruns_the_playbook_and_updates_the_row_in_place(
    client: Client, staff: Staff, setter: User
) -> None:
    person = raw_lead("Nia", "Need", n=1)
    assert person.qualification_status == QualificationStatus.RAW
    Person.objects.filter(pk=person.pk).update(need=Need.NEED_NOW)  # learned on the phone

    response = client.post(f"{URL}{person.pk}/qualify/", {"page": "1"}, **HTMX)

    assert response.status_code == 200
    answer = response.content.decode()
    assert answer.lstrip().startswith(f'<tr id="raw-{person.pk}"')
    assert "Now qualified" in text_of(answer)
    assert "sweet spot: Growing professional firm" in text_of(answer)
    record = QualificationRecord.objects.filter(person=person).order_by("-id").first()
    assert record is not None
    assert record.by == setter


def test_proposing_a_disqualification_keeps_the_lead_raw_until_someone_confirms(
    client: Client, staff: Staff, setter: User
) -> None:
    person = raw_lead("Wes", "Wrongniche", n=2)
    response = client.post(
        f"{URL}{person.pk}/propose/",
        {"reason": "wrong_niche", "note": "a car dealer, not a law firm"},
        **HTMX,
    )
    assert response.status_code == 200
    proposal = ProposedDisqualification.objects.get(person=person)
    assert proposal.status == ProposedDisqualification.Status.OPEN
    assert proposal.reason == UnqualifiedReason.WRONG_NICHE
    assert proposal.proposed_by == setter
    assert "a car dealer, not a law firm" in proposal.detail
    person.refresh_from_db()
    assert person.qualification_status == QualificationStatus.RAW
    assert Task.objects.filter(
        person=person, kind=Task.Kind.CONFIRM_DISQUALIFICATION, done_at__isnull=True
    ).exists()
    assert "Proposed: Wrong niche" in row(response.content.decode(), f"raw-{person.pk}")


def test_a_proposal_without_a_known_reason_is_a_form_error(
    client: Client, staff: Staff, setter: User
) -> None:
    person = raw_lead("Bo", "Gus", n=3)
    response = client.post(f"{URL}{person.pk}/propose/", {"reason": "bored"}, **HTMX)
    assert response.status_code == 422
    assert "Select a valid choice" in row(response.content.decode(), f"raw-{person.pk}")
    assert not ProposedDisqualification.objects.filter(person=person).exists()


def test_proposing_the_same_reason_twice_is_refused_with_the_reason(
    client: Client, staff: Staff, setter: User
) -> None:
    person = raw_lead("Tim", "Twice", n=4)
    client.post(f"{URL}{person.pk}/propose/", {"reason": "no_budget"}, **HTMX)
    again = client.post(f"{URL}{person.pk}/propose/", {"reason": "no_budget"}, **HTMX)
    assert again.status_code == 422
    assert "already proposed" in row(again.content.decode(), f"raw-{person.pk}")
    assert ProposedDisqualification.objects.filter(person=person).count() == 1


def test_marking_spam_deletes_the_lead_and_keeps_the_campaigns_count(
    client: Client, staff: Staff, setter: User
) -> None:
    campaign = a_campaign()
    person = raw_lead("Spam", "Bot", n=5, campaign=campaign)
    response = client.post(f"{URL}{person.pk}/spam/", **HTMX)
    assert response.status_code == 200
    assert not Person.objects.filter(pk=person.pk).exists()
    assert Campaign.objects.get(pk=campaign.pk).spam_count == 1
    assert "deleted as spam; Ransomware webinar now counts 1 spam" in row(
        response.content.decode(), f"raw-{person.pk}"
    )


def test_a_reviewed_lead_cannot_be_deleted_as_spam(
    client: Client, world: World, setter: User
) -> None:
    response = client.post(f"{URL}{world.qualified_plain.pk}/spam/", **HTMX)
    assert response.status_code == 422
    assert "only an unreviewed response" in text_of(response.content.decode())
    assert Person.objects.filter(pk=world.qualified_plain.pk).exists()


def test_asking_for_missing_information_creates_one_gather_task(
    client: Client, staff: Staff, setter: User
) -> None:
    person = raw_lead("Ida", "Incomplete", n=6)
    Task.objects.filter(person=person, kind=Task.Kind.GATHER_MISSING_INFORMATION).delete()
    first = client.post(f"{URL}{person.pk}/missing-information/", **HTMX)
    second = client.post(f"{URL}{person.pk}/missing-information/", **HTMX)
    task = Task.objects.get(person=person, kind=Task.Kind.GATHER_MISSING_INFORMATION)
    assert task.role == Role.SETTER
    assert "missing: need" in task.note
    assert "asked by Sally" in task.note
    assert "asked for missing information" in row(first.content.decode(), f"raw-{person.pk}")
    assert "already asked for missing information" in text_of(second.content.decode())


def test_a_plain_form_post_goes_back_to_the_queue_page_it_came_from(
    client: Client, staff: Staff, setter: User
) -> None:
    person = raw_lead("Pat", "Plain", n=7)
    response = client.post(f"{URL}{person.pk}/propose/", {"reason": "other", "page": "2"})
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?page=2"
    follow = client.get(URL)
    assert "disqualification proposed (Other)" in text_of(follow.content.decode())


def test_a_refused_plain_post_shows_the_reason_and_a_way_back(
    client: Client, staff: Staff, setter: User
) -> None:
    person = raw_lead("Ray", "Refused", n=8)
    response = client.post(f"{URL}{person.pk}/propose/", {"reason": ""})
    assert response.status_code == 422
    page = response.content.decode()
    assert "This field is required" in text_of(page)
    assert f'href="{URL}"' in page


def test_an_action_on_someone_already_deleted_is_not_found(
    client: Client, staff: Staff, setter: User
) -> None:
    assert client.post(f"{URL}999999/qualify/", **HTMX).status_code == 404


@pytest.mark.parametrize("role", [Role.OWNER, Role.MARKETING, Role.SETTER])
def test_owner_marketing_and_setters_review_raw_leads(
    client: Client, staff: Staff, role: Role
) -> None:
    signed_in_as(client, role)
    assert client.get(URL).status_code == 200


@pytest.mark.parametrize("role", [Role.REP, Role.ADMIN, None])
def test_reps_admins_and_plain_users_cannot_open_or_act_on_the_raw_queue(
    client: Client, staff: Staff, role: Role | None
) -> None:
    person = raw_lead("Kai", "Kept", n=9)
    signed_in_as(client, *([role] if role else []))
    assert client.get(URL).status_code == 403
    for action in ("qualify", "propose", "spam", "missing-information"):
        response = client.post(f"{URL}{person.pk}/{action}/", {"reason": "other"}, **HTMX)
        assert response.status_code == 403, action
    assert Person.objects.filter(pk=person.pk).exists()
    assert not ProposedDisqualification.objects.filter(person=person).exists()


@pytest.mark.parametrize("path", [URL, f"{URL}1/qualify/"])
def test_an_anonymous_visitor_is_sent_to_log_in(client: Client, db: None, path: str) -> None:
    response = client.get(path) if path == URL else client.post(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_raw_queue_actions_need_the_csrf_token(staff: Staff) -> None:
    strict = Client(enforce_csrf_checks=True)
    signed_in_as(strict, Role.SETTER)
    person = raw_lead("Cy", "Surf", n=10)
    assert strict.post(f"{URL}{person.pk}/qualify/", **HTMX).status_code == 403
    page = strict.get(URL)
    token = page.cookies["csrftoken"].value
    answer = strict.post(f"{URL}{person.pk}/qualify/", HTTP_X_CSRFTOKEN=token, **HTMX)
    assert answer.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in page.content.decode()


def test_raw_queue_pages_fifty_leads_at_a_cost_that_does_not_grow_with_them(
    client: Client,
    staff: Staff,
    setter: User,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    old = timezone.now() - timedelta(days=30)
    for n in range(51):
        raw_lead("Lee", f"Many{n:02d}", n=100 + n, at=old + timedelta(minutes=n))
    with django_assert_max_num_queries(12):
        first = client.get(URL).content.decode()
    assert len(row_ids(first, "raw-")) == 50
    assert "Page 1 of 2" in text_of(first)
    second = client.get(f"{URL}?page=2").content.decode()
    assert len(row_ids(second, "raw-")) == 1
    assert "Many50" in second


def test_names_are_escaped_in_the_raw_queue(client: Client, staff: Staff, setter: User) -> None:
    raw_lead("<b>Mal</b>", "<script>x</script>", n=11, email="mal@example.com")
    page = client.get(URL).content.decode()
    assert "&lt;b&gt;Mal&lt;/b&gt;" in page
    assert "<script>x" not in page
