"""Opportunities and appointments through the API (issue 8): the pages' roles and scopes,
the domain's transition table with its reasons, and every error with its code."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from leadflow.api.deals_schemas import encode_cursor
from leadflow.crm.models import Appointment, AvoidEntry, Opportunity, Person, StageChange, Task
from leadflow.crm.services.avoid import add_to_avoid
from leadflow.domain.people import PersonType
from leadflow.domain.pipeline import Stage
from tests.api.deals_world import Deals, Team, deals, lead, team

__all__ = ["deals", "team"]

pytestmark = pytest.mark.django_db


def soon(days: int = 2) -> str:
    return (timezone.now() + timedelta(days=days)).replace(microsecond=0).isoformat()


def booking(team: Team, **changes: object) -> dict[str, object]:
    return {
        "rep": team.rep.pk,
        "scheduled_at": soon(),
        "has_problem_we_solve": True,
        "has_authority_to_buy": True,
        "agreed_to_talk_to_sales": True,
        **changes,
    }


# --- who may call ---------------------------------------------------------------------


def test_the_deals_endpoints_refuse_a_caller_without_a_token(client: Client, deals: Deals) -> None:
    anonymous = Client()
    for path in ("/api/v1/opportunities", "/api/v1/appointments"):
        response = anonymous.get(path)
        assert response.status_code == 401
        assert response.json()["code"] == "unauthenticated"


@pytest.mark.parametrize("who", ["setter", "marketing", "admin"])
def test_the_pipeline_is_for_owners_and_reps_as_the_board_is(
    client: Client, team: Team, deals: Deals, who: str
) -> None:
    caller = team.as_(client, getattr(team, who))
    response = caller.get("/opportunities")
    assert response.status_code == 403
    assert response.json() == {
        "code": "forbidden",
        "message": "opportunities_list needs the role owner or rep",
    }
    moved = caller.post(
        f"/opportunities/{deals.sat_deal.opportunity_id}/moves", {"stage": "proposing"}
    )
    assert moved.status_code == 403
    assert Opportunity.objects.get(pk=deals.sat_deal.opportunity_id).stage == Stage.APPOINTMENT_SAT


@pytest.mark.parametrize("who", ["rep", "marketing"])
def test_booking_is_for_owners_and_setters_as_the_booking_page_is(
    client: Client, team: Team, deals: Deals, who: str
) -> None:
    caller = team.as_(client, getattr(team, who))
    response = caller.post(f"/people/{deals.unbooked.pk}/appointments", booking(team))
    assert response.status_code == 403
    assert not Opportunity.objects.filter(person=deals.unbooked).exists()


# --- opportunities: reading -----------------------------------------------------------


def ids(response: object) -> list[int]:
    return [item["id"] for item in response.json()["items"]]  # type: ignore[attr-defined]


def test_an_owner_sees_every_opportunity_and_a_rep_only_their_own(
    client: Client, team: Team, deals: Deals
) -> None:
    everyone = team.as_(client, team.owner).get("/opportunities")
    assert everyone.status_code == 200
    all_three = [deals.ralphs_deal, deals.sat_deal, deals.set_deal]
    assert ids(everyone) == [a.opportunity_id for a in all_three]  # newest first
    ritas = team.as_(client, team.rep).get("/opportunities")
    assert ids(ritas) == [deals.sat_deal.opportunity_id, deals.set_deal.opportunity_id]
    # Asking for another rep's deals does not widen a rep's view.
    assert ids(team.as_(client, team.rep).get("/opportunities", rep=team.other_rep.pk)) == []


def test_the_list_filters_by_stage_open_rep_setter_and_source(
    client: Client, team: Team, deals: Deals
) -> None:
    owner = team.as_(client, team.owner)
    sat = deals.sat_deal.opportunity_id
    assert ids(owner.get("/opportunities", stage="appointment_sat")) == [sat]
    assert len(ids(owner.get("/opportunities", open="true"))) == 3
    assert ids(owner.get("/opportunities", open="false")) == []
    assert ids(owner.get("/opportunities", rep=team.other_rep.pk)) == [
        deals.ralphs_deal.opportunity_id
    ]
    assert len(ids(owner.get("/opportunities", setter=team.setter.pk))) == 3
    assert ids(owner.get("/opportunities", setter=team.owner.pk)) == []
    assert ids(owner.get("/opportunities", source=999_999)) == []
    item = owner.get("/opportunities", stage="appointment_sat").json()["items"][0]
    assert item["person"]["name"] == "Lee2 Lead2"
    assert item["setter"] == {"id": team.setter.pk, "name": "Sid Example"}
    assert item["rep"] == {"id": team.rep.pk, "name": "Rita Example"}
    assert item["stage_label"] == "Appointment sat"
    assert item["is_open"] is True


def test_the_list_pages_with_an_opaque_cursor_up_to_200_at_a_time(
    client: Client, team: Team, deals: Deals
) -> None:
    owner = team.as_(client, team.owner)
    seen: list[int] = []
    cursor = None
    for _ in range(5):
        page = owner.get("/opportunities", limit=2, cursor=cursor).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids(owner.get("/opportunities"))
    too_many = owner.get("/opportunities", limit=201)
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["field"] == "query.limit"
    for forged in ("bm90LWEtY3Vyc29y", encode_cursor([2**70]), encode_cursor(["1"]), "é"):
        response = owner.get("/opportunities", cursor=forged)
        assert response.status_code == 422
        assert response.json()["message"] == "query.cursor: not a cursor this list handed out"


def test_an_unknown_stage_filter_is_a_422_naming_the_parameter(
    client: Client, team: Team, deals: Deals
) -> None:
    response = team.as_(client, team.owner).get("/opportunities", stage="signed")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.stage"


def test_an_opportunity_shows_its_stage_history_and_the_moves_allowed_from_here(
    client: Client, team: Team, deals: Deals
) -> None:
    response = team.as_(client, team.rep).get(f"/opportunities/{deals.sat_deal.opportunity_id}")
    assert response.status_code == 200
    body = response.json()
    assert [(h["before"], h["after"]) for h in body["history"]] == [
        (None, "appointment_set"),
        ("appointment_set", "appointment_sat"),
    ]
    assert body["history"][0]["by"]["name"] == "Sid Example"
    assert body["moves"] == [
        {"stage": "proposing", "label": "Proposing / negotiating", "needs": None},
        {"stage": "lost", "label": "Lost", "needs": "a lost opportunity needs a reason"},
    ]
    assert [a["outcome"] for a in body["appointments"]] == ["sat"]


def test_another_reps_opportunity_and_a_missing_one_are_404(
    client: Client, team: Team, deals: Deals
) -> None:
    rita = team.as_(client, team.rep)
    for opportunity_id in (deals.ralphs_deal.opportunity_id, 999_999):
        response = rita.get(f"/opportunities/{opportunity_id}")
        assert response.status_code == 404
        assert response.json() == {
            "code": "not_found",
            "message": "no such opportunity among yours",
        }


# --- opportunities: moving ------------------------------------------------------------


def test_a_deal_moves_through_the_table_to_won_and_the_person_becomes_a_client(
    client: Client, team: Team, deals: Deals
) -> None:
    rita = team.as_(client, team.rep)
    path = f"/opportunities/{deals.sat_deal.opportunity_id}/moves"
    assert rita.post(path, {"stage": "proposing", "reason": "good fit"}).status_code == 200
    assert rita.post(path, {"stage": "contract_sent"}).status_code == 200
    won = rita.post(path, {"stage": "won", "contract_value": "24000.00"})
    assert won.status_code == 200, won.json()
    body = won.json()
    assert body["stage"] == "won"
    assert body["is_open"] is False
    assert Decimal(body["contract_value"]) == Decimal("24000.00")
    assert body["services_bought"] == ["managed-services"]  # what they wanted, by default
    assert body["moves"] == []
    assert body["history"][2]["reason"] == "good fit"
    person = Person.objects.get(pk=deals.sat_deal.opportunity.person_id)
    assert person.person_type == PersonType.CLIENT


def test_an_illegal_stage_move_is_a_409_with_the_reason(
    client: Client, team: Team, deals: Deals
) -> None:
    path = f"/opportunities/{deals.set_deal.opportunity_id}/moves"
    response = team.as_(client, team.rep).post(path, {"stage": "won", "contract_value": 5000})
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "illegal_transition"
    assert body["message"].startswith("cannot move from Appointment set to Won; allowed: ")
    assert "Appointment sat" in body["message"]
    assert "Lost" in body["message"]
    assert StageChange.objects.filter(opportunity_id=deals.set_deal.opportunity_id).count() == 1


def test_a_move_missing_what_its_stage_needs_is_a_422_with_the_reason(
    client: Client, team: Team, deals: Deals
) -> None:
    rita = team.as_(client, team.rep)
    path = f"/opportunities/{deals.sat_deal.opportunity_id}/moves"
    response = rita.post(path, {"stage": "lost", "lost_reason": "went with a cousin"})
    assert response.status_code == 422
    assert response.json() == {
        "code": "missing_detail",
        "message": "a lost opportunity needs a disposition: nurture, unqualified or avoid",
    }
    cancelled = rita.post(f"/opportunities/{deals.set_deal.opportunity_id}/moves",
                          {"stage": "cancelled"})  # fmt: skip
    assert cancelled.json()["message"] == "a cancelled appointment needs a callback date"


def test_a_rebooking_in_the_past_is_refused_with_the_boards_reason(
    client: Client, team: Team, deals: Deals
) -> None:
    rita = team.as_(client, team.rep)
    path = f"/opportunities/{deals.set_deal.opportunity_id}/moves"
    no_show = rita.post(path, {"stage": "no_show"})
    assert no_show.status_code == 200
    assert no_show.json()["appointments"][0]["outcome"] == "no_show"
    past = rita.post(path, {"stage": "appointment_set", "appointment_at": soon(-3)})
    assert past.status_code == 422
    assert past.json()["errors"] == [
        {"field": "body.appointment_at", "message": "this date and time is in the past",
         "type": "form"}
    ]  # fmt: skip
    rebooked = rita.post(path, {"stage": "appointment_set", "appointment_at": soon(4)})
    assert rebooked.status_code == 200
    assert len(rebooked.json()["appointments"]) == 2


def test_lost_with_disposition_avoid_puts_the_person_on_the_avoid_list(
    client: Client, team: Team, deals: Deals
) -> None:
    path = f"/opportunities/{deals.sat_deal.opportunity_id}/moves"
    response = team.as_(client, team.owner).post(
        path, {"stage": "lost", "lost_reason": "abusive on the call", "disposition": "avoid"}
    )
    assert response.status_code == 200
    assert response.json()["disposition"] == "avoid"
    entry = AvoidEntry.objects.get(person_id=deals.sat_deal.opportunity.person_id)
    assert entry.reason == "abusive on the call"
    assert entry.added_by == team.owner


def test_a_rep_cannot_move_another_reps_deal(client: Client, team: Team, deals: Deals) -> None:
    path = f"/opportunities/{deals.ralphs_deal.opportunity_id}/moves"
    response = team.as_(client, team.rep).post(path, {"stage": "appointment_sat"})
    assert response.status_code == 404
    assert Opportunity.objects.get(pk=deals.ralphs_deal.opportunity_id).stage == "appointment_set"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"stage": "proposing", "stag": "x"}, "body.stag", "unknown field"),
        ({"stage": "signed"}, "body.stage", None),
        ({"stage": "won", "contract_value": "lots"}, "body.contract_value", None),
        ({}, "body.stage", "Field required"),
    ],
)
def test_a_move_body_with_an_unknown_field_or_a_wrong_type_is_a_422_naming_it(
    client: Client, team: Team, deals: Deals, body: dict[str, object], field: str, message: str
) -> None:
    path = f"/opportunities/{deals.sat_deal.opportunity_id}/moves"
    response = team.as_(client, team.rep).post(path, body)
    assert response.status_code == 422
    error = response.json()
    assert error["code"] == "invalid"
    assert error["errors"][0]["field"] == field
    if message:
        assert error["errors"][0]["message"] == message


def test_malformed_json_is_refused_with_the_error_shape_not_a_500(
    client: Client, team: Team, deals: Deals
) -> None:
    path = f"/opportunities/{deals.sat_deal.opportunity_id}/moves"
    response = team.as_(client, team.rep).post(path, raw='{"stage": "proposing"')
    # django-ninja refuses a body it cannot parse before any view runs (api/errors.py
    # answers its HttpError 400 with the common shape).
    assert response.status_code == 400
    assert response.json() == {"code": "bad_request", "message": "Cannot parse request body"}
    assert Opportunity.objects.get(pk=deals.sat_deal.opportunity_id).stage == "appointment_sat"


# --- appointments ---------------------------------------------------------------------


def test_a_setter_books_a_qualified_lead_and_is_recorded_as_its_setter(
    client: Client, team: Team, deals: Deals
) -> None:
    response = team.as_(client, team.setter).post(
        f"/people/{deals.unbooked.pk}/appointments", booking(team, note="wants a quote")
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["setter"]["id"] == team.setter.pk
    assert body["rep"]["id"] == team.rep.pk
    assert body["outcome"] is None
    assert body["can_record"] is True
    opportunity = Opportunity.objects.get(person=deals.unbooked)
    assert body["opportunity_id"] == opportunity.pk
    assert opportunity.stage_changes.get().reason == "wants a quote"
    assert Task.objects.filter(opportunity=opportunity, kind=Task.Kind.SHOCK_AND_AWE).exists()


def test_an_owner_must_name_the_setter_when_booking(
    client: Client, team: Team, deals: Deals
) -> None:
    owner = team.as_(client, team.owner)
    path = f"/people/{deals.unbooked.pk}/appointments"
    missing = owner.post(path, booking(team))
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "body.setter"
    assert owner.post(path, booking(team, setter=team.setter.pk)).status_code == 201


def test_booking_someone_on_the_avoid_list_is_a_409(
    client: Client, team: Team, deals: Deals
) -> None:
    add_to_avoid(person=deals.unbooked, by=team.owner, reason="asked us to stop")
    response = team.as_(client, team.setter).post(
        f"/people/{deals.unbooked.pk}/appointments", booking(team)
    )
    assert response.status_code == 409
    assert response.json() == {
        "code": "on_avoid_list",
        "message": "a person on the Avoid list cannot be booked",
    }


def test_booking_someone_already_in_a_deal_is_a_409_illegal_transition(
    client: Client, team: Team, deals: Deals
) -> None:
    person_id = deals.set_deal.opportunity.person_id
    response = team.as_(client, team.setter).post(f"/people/{person_id}/appointments",
                                                  booking(team))  # fmt: skip
    assert response.status_code == 409
    assert response.json()["message"] == "this person already has an open opportunity"


def test_booking_without_the_three_checks_or_in_the_past_is_a_422(
    client: Client, team: Team, deals: Deals
) -> None:
    sid = team.as_(client, team.setter)
    path = f"/people/{deals.unbooked.pk}/appointments"
    unvetted = sid.post(path, booking(team, has_authority_to_buy=False))
    assert unvetted.status_code == 422
    assert unvetted.json()["errors"][0] == {
        "field": "body.has_authority_to_buy",
        "message": "cannot set an appointment without the authority and ability to buy",
        "type": "form",
    }
    past = sid.post(path, booking(team, scheduled_at=soon(-2)))
    assert past.status_code == 422
    assert past.json()["message"] == "body.scheduled_at: this date and time is in the past"
    not_a_rep = sid.post(path, booking(team, rep=team.marketing.pk))
    assert not_a_rep.status_code == 422
    assert not_a_rep.json()["errors"][0]["field"] == "body.rep"
    assert not Opportunity.objects.filter(person=deals.unbooked).exists()


def test_booking_a_missing_person_is_a_404(client: Client, team: Team, deals: Deals) -> None:
    response = team.as_(client, team.setter).post("/people/999999/appointments", booking(team))
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "no such person"}


def test_a_retried_booking_with_the_same_idempotency_key_books_once(
    client: Client, team: Team, deals: Deals
) -> None:
    sid = team.as_(client, team.setter)
    path = f"/people/{deals.unbooked.pk}/appointments"
    body = booking(team)
    first = sid.post(path, body, HTTP_IDEMPOTENCY_KEY="book-lee4-1")
    again = sid.post(path, body, HTTP_IDEMPOTENCY_KEY="book-lee4-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Appointment.objects.filter(opportunity__person=deals.unbooked).count() == 1
    # Without the key, a second booking is what it is: a second attempt, refused.
    assert sid.post(path, body).status_code == 409


def test_a_rep_records_a_cancellation_which_needs_a_callback_date(
    client: Client, team: Team, deals: Deals
) -> None:
    rita = team.as_(client, team.rep)
    path = f"/appointments/{deals.set_deal.pk}/outcome"
    missing = rita.post(path, {"outcome": "cancelled"})
    assert missing.status_code == 422
    assert missing.json()["code"] == "missing_detail"
    callback = (timezone.localdate() + timedelta(days=7)).isoformat()
    done = rita.post(path, {"outcome": "cancelled", "callback_on": callback, "reason": "sick"})
    assert done.status_code == 200
    assert done.json()["outcome"] == "cancelled"
    assert done.json()["callback_on"] == callback
    assert done.json()["can_record"] is False
    assert Task.objects.get(kind=Task.Kind.CALLBACK, assignee=team.setter).due_on.isoformat() == (
        callback
    )
    twice = rita.post(path, {"outcome": "sat"})
    assert twice.status_code == 409
    assert twice.json()["code"] == "illegal_transition"


def test_an_outcome_for_another_reps_appointment_is_a_404(
    client: Client, team: Team, deals: Deals
) -> None:
    response = team.as_(client, team.rep).post(
        f"/appointments/{deals.ralphs_deal.pk}/outcome", {"outcome": "sat"}
    )
    assert response.status_code == 404
    unknown = team.as_(client, team.owner).post(
        f"/appointments/{deals.ralphs_deal.pk}/outcome", {"outcome": "maybe"}
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "body.outcome"


def test_appointments_are_listed_by_day_setter_and_rep_a_rep_seeing_their_own(
    client: Client, team: Team, deals: Deals
) -> None:
    owner = team.as_(client, team.owner)
    every = owner.get("/appointments").json()["items"]
    assert {a["id"] for a in every} == {deals.set_deal.pk, deals.sat_deal.pk, deals.ralphs_deal.pk}
    day = timezone.localtime(deals.set_deal.scheduled_at).date()
    assert len(owner.get("/appointments", day=day.isoformat()).json()["items"]) == 3
    next_day = (day + timedelta(days=1)).isoformat()
    assert owner.get("/appointments", day=next_day).json()["items"] == []
    ralphs = owner.get("/appointments", rep=team.other_rep.pk).json()["items"]
    assert [a["id"] for a in ralphs] == [deals.ralphs_deal.pk]
    assert owner.get("/appointments", setter=team.owner.pk).json()["items"] == []
    ritas = team.as_(client, team.rep).get("/appointments").json()["items"]
    assert {a["id"] for a in ritas} == {deals.set_deal.pk, deals.sat_deal.pk}
    assert {a["can_record"] for a in ritas if a["id"] == deals.sat_deal.pk} == {False}
    paged = owner.get("/appointments", limit=2).json()
    rest = owner.get("/appointments", limit=2, cursor=paged["next_cursor"]).json()
    assert [a["id"] for a in paged["items"] + rest["items"]] == [a["id"] for a in every]
    assert rest["next_cursor"] is None


def test_a_fresh_lead_booked_through_the_api_shows_up_in_the_list(
    client: Client, team: Team, deals: Deals
) -> None:
    person = lead(9)
    sid = team.as_(client, team.setter)
    booked = sid.post(f"/people/{person.pk}/appointments", booking(team)).json()
    listed = team.as_(client, team.owner).get("/opportunities", stage="appointment_set").json()
    assert booked["opportunity_id"] in [item["id"] for item in listed["items"]]


def test_ids_and_days_beyond_the_database_are_refused_never_a_500(
    client: Client, team: Team, deals: Deals
) -> None:
    owner = team.as_(client, team.owner)
    huge = 2**70
    assert owner.get(f"/opportunities/{huge}").status_code == 404
    assert owner.post(f"/appointments/{huge}/outcome", {"outcome": "sat"}).status_code == 404
    assert owner.post(f"/people/{huge}/appointments", booking(team)).status_code == 404
    for params in ({"rep": huge}, {"setter": huge}, {"source": huge}):
        assert owner.get("/opportunities", **params).status_code == 422
    assert owner.get("/appointments", day="9999-12-31").status_code == 422
    path = f"/opportunities/{deals.sat_deal.opportunity_id}/moves"
    nul = owner.post(path, {"stage": "proposing", "reason": "a\x00b"})
    assert nul.status_code == 422
    assert nul.json()["errors"][0]["field"] == "body.reason"
