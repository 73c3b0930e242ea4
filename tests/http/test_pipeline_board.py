"""The pipeline board: columns by stage, a rep's own deals (an owner's: all), every move
through the domain's table asking only what its stage needs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from leadflow.crm import adapters
from leadflow.crm.models import AvoidEntry, Opportunity, Person, Task, TypeChangeRecord
from leadflow.crm.selectors.pipeline_board import CARDS_PER_COLUMN
from leadflow.crm.services.pipeline import (
    book_appointment,
    mark_won,
    move_stage,
    record_appointment_outcome,
)
from leadflow.domain.channels import Channel, eligibility
from leadflow.domain.people import PersonType, Role
from leadflow.domain.pipeline import AppointmentOutcome, LostDisposition, Stage
from tests.http.pages import Staff, make_user, qualified_lead, text_of

HTMX = {"HTTP_HX_REQUEST": "true"}


def give(user: User, *roles: Role) -> User:
    user.groups.add(*Group.objects.filter(name__in=[r.value for r in roles]))
    return user


def open_deal(
    n: int, setter: User, rep: User, *, until: Stage = Stage.APPOINTMENT_SET
) -> Opportunity:
    earlier = timezone.now() - timedelta(days=10)
    person = qualified_lead(f"Deal{n}", "Person", f"Deal Firm {n}", at=earlier, n=n)
    appointment = book_appointment(
        person=person,
        setter=setter,
        rep=rep,
        scheduled_at=earlier + timedelta(days=2),
        has_problem_we_solve=True,
        has_authority_to_buy=True,
        agreed_to_talk_to_sales=True,
        at=earlier,
    )
    opportunity = appointment.opportunity
    path = [Stage.APPOINTMENT_SAT, Stage.PROPOSING, Stage.CONTRACT_SENT]
    for stage in path[: path.index(until) + 1] if until in path else []:
        if stage is Stage.APPOINTMENT_SAT:
            record_appointment_outcome(
                appointment=appointment, outcome=AppointmentOutcome.SAT, by=rep
            )
        else:
            move_stage(opportunity=opportunity, target=stage, by=rep)
    opportunity.refresh_from_db()
    return opportunity


@dataclass(frozen=True)
class Deals:
    rex_set: Opportunity
    rex_sat: Opportunity
    rex_contract: Opportunity
    ray_set: Opportunity
    ray: User


@pytest.fixture
def deals(staff: Staff) -> Deals:
    give(staff.ann, Role.SETTER)
    give(staff.rex, Role.REP)
    ray = give(make_user("ray", "Ray", "Rival"), Role.REP)
    return Deals(
        rex_set=open_deal(1, staff.ann, staff.rex),
        rex_sat=open_deal(2, staff.ann, staff.rex, until=Stage.APPOINTMENT_SAT),
        rex_contract=open_deal(3, staff.ann, staff.rex, until=Stage.CONTRACT_SENT),
        ray_set=open_deal(4, staff.ann, ray),
        ray=ray,
    )


@pytest.fixture
def rex(client: Client, staff: Staff, deals: Deals) -> Client:
    client.force_login(staff.rex)
    return client


def move_url(opportunity: Opportunity, stage: Stage | str) -> str:
    return f"/pipeline/{opportunity.pk}/move/{stage}/"


def column(page: str, stage: Stage) -> str:
    found = re.search(
        rf'<section class="column[^"]*" id="column-{stage.value}"(.*?)</section>', page, re.S
    )
    assert found is not None, stage
    return found[1]


def card(page: str, opportunity: Opportunity) -> str:
    found = re.search(rf'<li class="deal-card" id="card-{opportunity.pk}"(.*?)</li>', page, re.S)
    assert found is not None, opportunity
    return found[1]


def stage_of(opportunity: Opportunity) -> str:
    return Opportunity.objects.get(pk=opportunity.pk).stage


def test_a_rep_sees_only_their_own_opportunities(rex: Client, deals: Deals) -> None:
    page = rex.get("/pipeline/").content.decode()
    assert f'id="card-{deals.rex_set.pk}"' in column(page, Stage.APPOINTMENT_SET)
    assert f'id="card-{deals.rex_sat.pk}"' in column(page, Stage.APPOINTMENT_SAT)
    assert f'id="card-{deals.rex_contract.pk}"' in column(page, Stage.CONTRACT_SENT)
    assert f'id="card-{deals.ray_set.pk}"' not in page
    assert "Deal4" not in page
    assert '<span class="count" title="opportunities in this column">1</span>' in column(
        page, Stage.APPOINTMENT_SET
    )


def test_the_owner_sees_every_opportunity_and_filters_by_rep(
    client: Client, staff: Staff, deals: Deals
) -> None:
    client.force_login(staff.boss)
    page = client.get("/pipeline/").content.decode()
    assert f'id="card-{deals.ray_set.pk}"' in column(page, Stage.APPOINTMENT_SET)
    assert f'id="card-{deals.rex_set.pk}"' in column(page, Stage.APPOINTMENT_SET)
    only_ray = client.get(f"/pipeline/?rep={deals.ray.pk}").content.decode()
    assert f'id="card-{deals.ray_set.pk}"' in only_ray
    assert f'id="card-{deals.rex_set.pk}"' not in only_ray
    # The filter is carried by every move, so the re-drawn board keeps it.
    assert f"/pipeline/{deals.ray_set.pk}/move/lost/?rep={deals.ray.pk}" in only_ray
    # An unknown rep is reported and the board shows everyone.
    unknown = client.get("/pipeline/?rep=999999")
    assert unknown.status_code == 200
    assert "Select a valid choice" in unknown.content.decode()


def test_setters_plain_users_and_visitors_cannot_open_the_board(
    client: Client, staff: Staff, deals: Deals
) -> None:
    assert client.get("/pipeline/")["Location"] == "/login/?next=/pipeline/"
    for user in (staff.ann, staff.viewer):
        client.force_login(user)
        assert client.get("/pipeline/").status_code == 403
        assert client.post(move_url(deals.rex_sat, Stage.PROPOSING)).status_code == 403
    assert stage_of(deals.rex_sat) == Stage.APPOINTMENT_SAT


def test_rep_cannot_move_another_reps_opportunity(rex: Client, deals: Deals) -> None:
    lost = {"lost_reason": "x", "disposition": "avoid"}
    assert rex.post(move_url(deals.ray_set, Stage.LOST), lost, **HTMX).status_code == 404
    assert rex.get(move_url(deals.ray_set, Stage.LOST)).status_code == 404
    assert stage_of(deals.ray_set) == Stage.APPOINTMENT_SET
    assert deals.ray_set.person.person_type == PersonType.LEAD
    assert not AvoidEntry.objects.exists()


def test_each_card_offers_the_moves_the_domain_allows(rex: Client, deals: Deals) -> None:
    page = rex.get("/pipeline/").content.decode()
    offered = re.findall(r'data-to="([a-z_]+)"', card(page, deals.rex_set))
    assert offered == ["appointment_sat", "no_show", "cancelled", "lost"]
    offered = re.findall(r'data-to="([a-z_]+)"', card(page, deals.rex_contract))
    assert offered == ["proposing", "won", "lost"]


def test_a_one_click_move_redraws_the_board(rex: Client, staff: Staff, deals: Deals) -> None:
    response = rex.post(move_url(deals.rex_sat, Stage.PROPOSING), **HTMX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#board"
    board = response.content.decode()
    assert f'id="card-{deals.rex_sat.pk}"' in column(board, Stage.PROPOSING)
    assert "Deal2 Person: moved to Proposing / negotiating." in text_of(board)
    assert stage_of(deals.rex_sat) == Stage.PROPOSING
    change = deals.rex_sat.stage_changes.order_by("-id").first()
    assert change is not None
    assert (change.before, change.after, change.by) == ("appointment_sat", "proposing", staff.rex)


def test_sat_on_the_board_records_the_appointments_outcome(rex: Client, deals: Deals) -> None:
    assert rex.post(move_url(deals.rex_set, Stage.APPOINTMENT_SAT), **HTMX).status_code == 200
    appointment = deals.rex_set.appointments.get()
    assert appointment.outcome == AppointmentOutcome.SAT


def test_the_move_form_asks_only_what_the_stage_needs(rex: Client, deals: Deals) -> None:
    won = rex.get(move_url(deals.rex_contract, Stage.WON), **HTMX).content.decode()
    names = set(re.findall(r'name="([a-z_]+)"', won)) - {"csrfmiddlewaretoken", "from_stage"}
    assert names == {"contract_value", "services"}
    lost = rex.get(move_url(deals.rex_contract, Stage.LOST), **HTMX).content.decode()
    names = set(re.findall(r'name="([a-z_]+)"', lost)) - {"csrfmiddlewaretoken", "from_stage"}
    assert names == {"lost_reason", "disposition"}
    cancelled = rex.get(move_url(deals.rex_set, Stage.CANCELLED), **HTMX).content.decode()
    names = set(re.findall(r'name="([a-z_]+)"', cancelled)) - {"csrfmiddlewaretoken", "from_stage"}
    assert names == {"callback_on"}


def test_won_on_the_board_makes_the_person_a_client(rex: Client, deals: Deals) -> None:
    response = rex.post(
        move_url(deals.rex_contract, Stage.WON),
        {"contract_value": "18000.00", "services": ["managed-services", "backup"]},
        **HTMX,
    )
    assert response.status_code == 200
    assert "Deal3 Person: won — now a Client." in text_of(response.content.decode())
    opportunity = Opportunity.objects.get(pk=deals.rex_contract.pk)
    assert opportunity.stage == Stage.WON
    assert opportunity.contract_value == Decimal("18000.00")
    assert opportunity.services_bought == ["backup", "managed-services"]
    person = Person.objects.get(pk=opportunity.person_id)
    assert person.person_type == PersonType.CLIENT
    assert person.became_client_at is not None
    assert TypeChangeRecord.objects.filter(person=person, after=PersonType.CLIENT).exists()
    assert f'id="card-{opportunity.pk}"' in column(response.content.decode(), Stage.WON)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"services": ["backup"]}, "a won opportunity needs its contract value"),
        ({"contract_value": "0", "services": ["backup"]}, "greater than or equal to 0.01"),
        ({"contract_value": "NaN", "services": ["backup"]}, "Enter a number."),
        ({"contract_value": "1e400", "services": ["backup"]}, "no more than 12 digits"),
        ({"contract_value": "500"}, "tick at least one service they bought"),
        ({"contract_value": "500", "services": ["haircuts"]}, "Select a valid choice"),
    ],
)
def test_won_needs_a_contract_value_and_the_services_bought(
    rex: Client, deals: Deals, data: dict[str, object], message: str
) -> None:
    response = rex.post(move_url(deals.rex_contract, Stage.WON), data, **HTMX)
    assert response.status_code == 422
    assert message in text_of(response.content.decode())
    assert stage_of(deals.rex_contract) == Stage.CONTRACT_SENT
    assert Person.objects.get(pk=deals.rex_contract.person_id).person_type == PersonType.LEAD


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"disposition": "nurture"}, "a lost opportunity needs a reason"),
        ({"lost_reason": "   ", "disposition": "nurture"}, "a lost opportunity needs a reason"),
        ({"lost_reason": "price"}, "a lost opportunity needs a disposition"),
        ({"lost_reason": "price", "disposition": "later"}, "Select a valid choice"),
    ],
)
def test_lost_needs_a_reason_and_a_disposition(
    rex: Client, deals: Deals, data: dict[str, str], message: str
) -> None:
    response = rex.post(move_url(deals.rex_sat, Stage.LOST), data, **HTMX)
    assert response.status_code == 422
    assert message in text_of(response.content.decode())
    assert stage_of(deals.rex_sat) == Stage.APPOINTMENT_SAT


def test_lost_to_nurture_keeps_the_person_a_lead(rex: Client, deals: Deals) -> None:
    data = {"lost_reason": "went with a cheaper MSP", "disposition": "nurture"}
    response = rex.post(move_url(deals.rex_sat, Stage.LOST), data, **HTMX)
    assert response.status_code == 200
    opportunity = Opportunity.objects.get(pk=deals.rex_sat.pk)
    assert (opportunity.stage, opportunity.disposition) == (Stage.LOST, LostDisposition.NURTURE)
    assert opportunity.lost_reason == "went with a cheaper MSP"
    assert Person.objects.get(pk=opportunity.person_id).person_type == PersonType.LEAD


def test_lost_with_disposition_avoid_puts_the_person_on_avoid_and_off_every_list(
    rex: Client, staff: Staff, deals: Deals
) -> None:
    data = {"lost_reason": "abusive to our staff", "disposition": "avoid"}
    response = rex.post(move_url(deals.rex_sat, Stage.LOST), data, **HTMX)
    assert response.status_code == 200
    assert "Deal2 Person: lost, and put on the Avoid list." in text_of(response.content.decode())
    person = Person.objects.get(pk=deals.rex_sat.person_id)
    assert person.person_type == PersonType.AVOID
    entry = AvoidEntry.objects.get(person=person)
    assert (entry.added_by, entry.reason) == (staff.rex, "abusive to our staff")
    assert not Task.objects.filter(person=person, done_at__isnull=True).exists()
    subject = adapters.channel_subject(person, has_open_opportunity=False, avoid_entry=entry)
    assert not any(eligibility(subject, channel).allowed for channel in Channel)
    # Nobody can book them again.
    client = Client()
    client.force_login(give(staff.ann, Role.SETTER))
    booking = client.get(f"/people/{person.pk}/book/").content.decode()
    assert "a person on the Avoid list cannot be booked" in booking


def test_an_illegal_move_is_explained_by_the_domain(rex: Client, deals: Deals) -> None:
    response = rex.post(
        move_url(deals.rex_set, Stage.WON),
        {"contract_value": "500", "services": ["backup"]},
        **HTMX,
    )
    assert response.status_code == 422
    assert (
        "cannot move from Appointment set to Won; allowed: Appointment sat, "
        "Cancelled (callback), Lost, No-show"
    ) in text_of(response.content.decode())
    assert stage_of(deals.rex_set) == Stage.APPOINTMENT_SET
    # The move is refused before its form is checked: the reason is the table, not a value.
    blank = rex.post(move_url(deals.rex_set, Stage.WON), {}, **HTMX).content.decode()
    assert "cannot move from Appointment set to Won" in text_of(blank)
    assert "needs its contract value" not in text_of(blank)
    # Asking for the form (a card dragged onto a column it cannot go to) explains it too.
    asked = rex.get(move_url(deals.rex_set, Stage.PROPOSING), **HTMX)
    assert asked.status_code == 422
    assert "cannot move from Appointment set to Proposing / negotiating" in text_of(
        asked.content.decode()
    )
    assert 'type="submit"' not in asked.content.decode()


def test_a_won_deal_cannot_be_lost_and_its_client_is_not_put_on_avoid(
    rex: Client, deals: Deals
) -> None:
    mark_won(opportunity=deals.rex_contract, contract_value=Decimal(900), by=None)
    data = {"lost_reason": "changed our mind", "disposition": "avoid"}
    response = rex.post(move_url(deals.rex_contract, Stage.LOST), data, **HTMX)
    assert response.status_code == 422
    assert "the opportunity is won: it is closed" in text_of(response.content.decode())
    person = Person.objects.get(pk=deals.rex_contract.person_id)
    assert person.person_type == PersonType.CLIENT
    assert not AvoidEntry.objects.exists()


def test_cancelled_on_the_board_needs_a_callback_date(
    rex: Client, staff: Staff, deals: Deals
) -> None:
    refused = rex.post(move_url(deals.rex_set, Stage.CANCELLED), {}, **HTMX)
    assert refused.status_code == 422
    assert "a cancelled appointment needs a callback date" in text_of(refused.content.decode())
    callback = timezone.localdate() + timedelta(days=2)
    done = rex.post(
        move_url(deals.rex_set, Stage.CANCELLED), {"callback_on": callback.isoformat()}, **HTMX
    )
    assert done.status_code == 200
    task = Task.objects.get(opportunity=deals.rex_set, kind=Task.Kind.CALLBACK)
    assert (task.assignee, task.due_on) == (staff.ann, callback)


def test_rebooking_after_a_no_show_asks_for_the_new_date_and_time(
    rex: Client, deals: Deals
) -> None:
    assert rex.post(move_url(deals.rex_set, Stage.NO_SHOW), **HTMX).status_code == 200
    refused = rex.post(move_url(deals.rex_set, Stage.APPOINTMENT_SET), {}, **HTMX)
    assert refused.status_code == 422
    assert "rebooking needs the new appointment's date and time" in text_of(
        refused.content.decode()
    )
    when = timezone.localtime(timezone.now() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    done = rex.post(
        move_url(deals.rex_set, Stage.APPOINTMENT_SET), {"appointment_at": when}, **HTMX
    )
    assert done.status_code == 200
    assert stage_of(deals.rex_set) == Stage.APPOINTMENT_SET
    assert deals.rex_set.appointments.count() == 2


def test_an_unknown_stage_is_not_found(rex: Client, deals: Deals) -> None:
    assert rex.post(move_url(deals.rex_set, "negotiating-hard"), **HTMX).status_code == 404
    assert rex.get("/pipeline/stage/nowhere/").status_code == 404


def test_moves_need_a_csrf_token(staff: Staff, deals: Deals) -> None:
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(staff.rex)
    assert strict.post(move_url(deals.rex_sat, Stage.PROPOSING)).status_code == 403
    assert stage_of(deals.rex_sat) == Stage.APPOINTMENT_SAT
    # The token every card's form carries is the one that lets the move through.
    page = strict.get("/pipeline/").content.decode()
    forms = card(page, deals.rex_sat)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', forms)
    assert token is not None
    moved = strict.post(move_url(deals.rex_sat, Stage.PROPOSING), {"csrfmiddlewaretoken": token[1]})
    assert moved.status_code == 302
    assert stage_of(deals.rex_sat) == Stage.PROPOSING


def test_without_htmx_a_move_goes_back_to_the_board_with_a_message(
    rex: Client, deals: Deals
) -> None:
    form = rex.get(move_url(deals.rex_contract, Stage.WON))
    assert form.status_code == 200
    assert "<h1>Move to Won" in form.content.decode()
    response = rex.post(move_url(deals.rex_sat, Stage.PROPOSING), follow=True)
    assert response.redirect_chain == [("/pipeline/", 302)]
    assert "Deal2 Person: moved to Proposing / negotiating." in text_of(response.content.decode())
    refused = rex.post(move_url(deals.rex_contract, Stage.WON), {"contract_value": "-5"})
    assert refused.status_code == 422
    assert "<h1>Move to Won" in refused.content.decode()


def test_columns_show_their_count_and_the_first_cards_only(
    client: Client, staff: Staff, deals: Deals
) -> None:
    extra = [open_deal(100 + n, staff.ann, staff.rex) for n in range(CARDS_PER_COLUMN + 3)]
    client.force_login(staff.rex)
    page = client.get("/pipeline/").content.decode()
    first = column(page, Stage.APPOINTMENT_SET)
    assert f'title="opportunities in this column">{CARDS_PER_COLUMN + 4}</span>' in first
    assert first.count('class="deal-card"') == CARDS_PER_COLUMN
    assert "Show more (4 left)" in first
    more = client.get("/pipeline/stage/appointment_set/?page=2", **HTMX).content.decode()
    assert more.count('class="deal-card"') == 4
    assert "Show more" not in more
    # The longest waiting first: the fixture's deal was booked before the extra ones.
    assert f'id="card-{deals.rex_set.pk}"' in first
    assert f'id="card-{extra[-1].pk}"' in more
    # A page past the end (or not a number) is the last page (or the first), not a 500.
    for page in ("99999999999999999999999", "-3", "two"):
        response = client.get(f"/pipeline/stage/appointment_set/?page={page}", **HTMX)
        assert response.status_code == 200
        assert response.content.decode().count('class="deal-card"') in (4, CARDS_PER_COLUMN)


def test_the_board_costs_the_same_queries_for_many_opportunities(
    client: Client,
    staff: Staff,
    deals: Deals,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    for n in range(12):
        open_deal(
            200 + n, staff.ann, staff.rex, until=(Stage.PROPOSING, Stage.APPOINTMENT_SAT)[n % 2]
        )
    client.force_login(staff.boss)
    with django_assert_max_num_queries(16):
        page = client.get("/pipeline/").content.decode()
    assert page.count('class="deal-card"') == 16
    # A move also refreshes the person's funnel facts and its day and month rollups: about
    # 15 queries, the same however many opportunities there are.
    with django_assert_max_num_queries(40):
        response = client.post(move_url(deals.rex_sat, Stage.PROPOSING), **HTMX)
    assert response.status_code == 200
