"""Two reps move the same deal at once (issue 9): one wins, the other gets a clear
conflict saying who moved it and when, and the history holds exactly one move."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from leadflow.crm.models import Opportunity, StageChange
from leadflow.crm.services.pipeline import move_opportunity
from leadflow.domain.errors import StaleState
from leadflow.domain.pipeline import LostDisposition, MoveDetails, Stage
from tests.api.conftest import ApiClient
from tests.api.deals_world import Deals, Team, deals, team

__all__ = ["deals", "team"]  # fixtures used by name


def _move(opportunity_id: int, target: Stage, details: MoveDetails, by: Any) -> object:
    try:
        return move_opportunity(
            opportunity=Opportunity.objects.get(pk=opportunity_id),
            target=target,
            by=by,
            details=details,
            seen_at=Stage.APPOINTMENT_SAT,
        )
    except StaleState as refused:
        return refused
    finally:
        connection.close()  # this thread's own connection


@pytest.mark.django_db(transaction=True)
def test_two_reps_moving_one_deal_at_once_one_wins_and_the_other_is_told(
    team: Team, deals: Deals
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs two real connections: SQLite's test database is in memory with a shared "
            "cache, whose table locks fail at once instead of waiting (CI runs this on "
            "PostgreSQL)"
        )
    deal = deals.sat_deal.opportunity
    moves = [
        (Stage.PROPOSING, MoveDetails(reason="they want a proposal")),
        (
            Stage.LOST,
            MoveDetails(lost_reason="went elsewhere", disposition=LostDisposition.NURTURE),
        ),
    ]
    start = threading.Barrier(2)
    outcomes: list[object] = [None, None]

    def rep(i: int) -> None:
        target, details = moves[i]
        start.wait()
        outcomes[i] = _move(deal.pk, target, details, team.owner if i else team.rep)

    threads = [threading.Thread(target=rep, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    refused = [o for o in outcomes if isinstance(o, StaleState)]
    moved = [o for o in outcomes if isinstance(o, Opportunity)]
    assert len(refused) == 1
    assert len(moved) == 1
    assert "after you saw it at Appointment sat" in refused[0].reason
    deal.refresh_from_db()
    assert deal.stage == moved[0].stage  # type: ignore[attr-defined]
    assert StageChange.objects.filter(opportunity=deal, before=Stage.APPOINTMENT_SAT).count() == 1


def test_a_move_through_the_api_from_a_stage_the_deal_has_left_is_a_409(
    client: Any, team: Team, deals: Deals
) -> None:
    deal = deals.sat_deal.opportunity
    move_opportunity(
        opportunity=deal,
        target=Stage.PROPOSING,
        by=team.owner,
        details=MoveDetails(reason="proposal asked"),
    )
    rep = ApiClient(team.rep, team.secrets[team.rep.username])
    answer = rep.post_json(
        f"/api/v1/opportunities/{deal.pk}/moves",
        {
            "stage": "lost",
            "from_stage": "appointment_sat",
            "lost_reason": "no budget",
            "disposition": "nurture",
        },
    )
    assert answer.status_code == 409
    body = answer.json()
    assert body["code"] == "stale"
    assert "Olive Example moved this deal to Proposing" in body["message"]
    deal.refresh_from_db()
    assert deal.stage == Stage.PROPOSING


def test_the_board_says_who_moved_the_deal_while_the_form_was_open(
    client: Any, team: Team, deals: Deals
) -> None:
    deal = deals.sat_deal.opportunity
    move_opportunity(opportunity=deal, target=Stage.PROPOSING, by=team.owner, details=MoveDetails())
    client.force_login(team.rep)
    response = client.post(
        f"/pipeline/{deal.pk}/move/lost/",
        {"from_stage": "appointment_sat", "lost_reason": "x", "disposition": "nurture"},
    )
    assert response.status_code == 409
    assert "Olive Example moved this deal to Proposing" in response.content.decode()
    deal.refresh_from_db()
    assert deal.stage == Stage.PROPOSING
