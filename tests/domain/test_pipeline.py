"""The pipeline: stages, the transition table and what each stage needs (PRODUCT.md §4)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadflow.domain import pipeline
from leadflow.domain.errors import IllegalTransition, MissingDetail, OnAvoidList
from leadflow.domain.people import PersonType
from leadflow.domain.pipeline import (
    AppointmentOutcome,
    LostDisposition,
    MoveDetails,
    SalesQualification,
    Stage,
    check_can_book,
    move,
)
from leadflow.domain.qualification import QualificationStatus

FULL = MoveDetails(
    reason="as agreed",
    callback_on=date(2025, 3, 1),
    appointment_at=datetime(2025, 3, 3, 10, 0),
    lost_reason="went with a cheaper MSP",
    disposition=LostDisposition.NURTURE,
    contract_value=Decimal("4800.00"),
)
SQL_OK = SalesQualification(
    has_problem_we_solve=True, has_authority_to_buy=True, agreed_to_talk_to_sales=True
)
OPEN = [s for s in Stage if s not in (Stage.WON, Stage.LOST)]


def _book(
    *,
    person_type: PersonType = PersonType.LEAD,
    status: QualificationStatus | None = QualificationStatus.QUALIFIED,
    has_open_opportunity: bool = False,
    sql: SalesQualification = SQL_OK,
) -> None:
    check_can_book(
        person_type=person_type,
        status=status,
        has_open_opportunity=has_open_opportunity,
        sql=sql,
    )


# --- the happy path and the funnel order ----------------------------------------------


def test_an_opportunity_walks_the_funnel_from_set_to_won() -> None:
    path = [
        Stage.APPOINTMENT_SET,
        Stage.APPOINTMENT_SAT,
        Stage.PROPOSING,
        Stage.CONTRACT_SENT,
        Stage.WON,
    ]
    for before, after in pairwise(path):
        change = move(before, after, FULL)
        assert (change.before, change.after) == (before, after)
        assert change.details == FULL


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (Stage.APPOINTMENT_SET, Stage.PROPOSING),
        (Stage.APPOINTMENT_SET, Stage.CONTRACT_SENT),
        (Stage.APPOINTMENT_SET, Stage.WON),
        (Stage.APPOINTMENT_SAT, Stage.CONTRACT_SENT),
        (Stage.APPOINTMENT_SAT, Stage.WON),
        (Stage.PROPOSING, Stage.WON),
        (Stage.NO_SHOW, Stage.APPOINTMENT_SAT),
        (Stage.CANCELLED, Stage.PROPOSING),
        (Stage.APPOINTMENT_SAT, Stage.APPOINTMENT_SET),
    ],
)
def test_stages_cannot_be_skipped(current: Stage, target: Stage) -> None:
    with pytest.raises(IllegalTransition, match="allowed:") as raised:
        move(current, target, FULL)
    assert current.label in raised.value.reason
    assert target.label in raised.value.reason


def test_a_set_appointment_is_kept_missed_or_cancelled() -> None:
    assert pipeline.OUTCOME_STAGE == {
        AppointmentOutcome.SAT: Stage.APPOINTMENT_SAT,
        AppointmentOutcome.NO_SHOW: Stage.NO_SHOW,
        AppointmentOutcome.CANCELLED: Stage.CANCELLED,
    }
    for stage in pipeline.OUTCOME_STAGE.values():
        assert move(Stage.APPOINTMENT_SET, stage, FULL).after is stage


def test_transition_table_is_the_funnel_of_product_section_4() -> None:
    # Spelled out here so that widening the table is a visible, reviewed change: the
    # properties below trust pipeline.TRANSITIONS, this test pins it to the rulebook.
    assert {
        Stage.APPOINTMENT_SET: {Stage.APPOINTMENT_SAT, Stage.NO_SHOW, Stage.CANCELLED, Stage.LOST},
        Stage.NO_SHOW: {Stage.APPOINTMENT_SET, Stage.LOST},
        Stage.CANCELLED: {Stage.APPOINTMENT_SET, Stage.LOST},
        Stage.APPOINTMENT_SAT: {Stage.PROPOSING, Stage.LOST},
        Stage.PROPOSING: {Stage.CONTRACT_SENT, Stage.LOST},
        Stage.CONTRACT_SENT: {Stage.WON, Stage.LOST, Stage.PROPOSING},
        Stage.WON: set(),
        Stage.LOST: set(),
    } == pipeline.TRANSITIONS
    for stage in Stage:
        assert pipeline.allowed_moves(stage) == pipeline.TRANSITIONS[stage]


def test_a_no_show_or_cancellation_can_be_rebooked_with_a_new_time() -> None:
    for missed in (Stage.NO_SHOW, Stage.CANCELLED):
        change = move(
            missed, Stage.APPOINTMENT_SET, MoveDetails(appointment_at=FULL.appointment_at)
        )
        assert change.after is Stage.APPOINTMENT_SET
        with pytest.raises(MissingDetail, match="date and time"):
            move(missed, Stage.APPOINTMENT_SET, MoveDetails())


def test_a_revised_contract_goes_back_to_proposing() -> None:
    assert move(Stage.CONTRACT_SENT, Stage.PROPOSING).after is Stage.PROPOSING


@pytest.mark.parametrize("current", OPEN)
def test_any_open_opportunity_can_be_lost(current: Stage) -> None:
    assert move(current, Stage.LOST, FULL).after is Stage.LOST


# --- what each stage needs -------------------------------------------------------------


def test_cancelled_appointment_needs_a_callback_date() -> None:
    with pytest.raises(MissingDetail, match="callback date"):
        move(Stage.APPOINTMENT_SET, Stage.CANCELLED, MoveDetails(reason="travelling"))

    change = move(Stage.APPOINTMENT_SET, Stage.CANCELLED, MoveDetails(callback_on=date(2025, 5, 1)))
    assert change.details.callback_on == date(2025, 5, 1)


def test_lost_needs_reason_and_disposition() -> None:
    for blank in ("", "   "):
        with pytest.raises(MissingDetail, match="reason"):
            move(
                Stage.PROPOSING,
                Stage.LOST,
                MoveDetails(lost_reason=blank, disposition=LostDisposition.NURTURE),
            )
    with pytest.raises(MissingDetail, match="disposition"):
        move(Stage.PROPOSING, Stage.LOST, MoveDetails(lost_reason="price"))

    for disposition in LostDisposition:
        details = MoveDetails(lost_reason="price", disposition=disposition)
        assert move(Stage.PROPOSING, Stage.LOST, details).details.disposition is disposition


def test_lost_offers_nurture_unqualified_or_avoid() -> None:
    assert {d.value for d in LostDisposition} == {"nurture", "unqualified", "avoid"}


@pytest.mark.parametrize(
    "value",
    [None, Decimal(0), Decimal("-1"), Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity")],
)
def test_won_needs_contract_value(value: Decimal | None) -> None:
    with pytest.raises(MissingDetail, match="contract value"):
        move(Stage.CONTRACT_SENT, Stage.WON, MoveDetails(contract_value=value))


def test_won_with_a_positive_contract_value_closes() -> None:
    details = MoveDetails(contract_value=Decimal("0.01"))
    assert move(Stage.CONTRACT_SENT, Stage.WON, details).after is Stage.WON


@pytest.mark.parametrize("closed", [Stage.WON, Stage.LOST])
def test_closed_opportunity_cannot_move(closed: Stage) -> None:
    assert not closed.is_open
    for target in Stage:
        with pytest.raises(IllegalTransition, match="closed"):
            move(closed, target, FULL)


def test_only_won_and_lost_are_closed() -> None:
    assert {s for s in Stage if not s.is_open} == {Stage.WON, Stage.LOST}


# --- booking a first-time appointment ---------------------------------------------------


def test_only_qualified_lead_can_be_booked() -> None:
    _book()  # a qualified lead with the three SQL checks books
    for status in (None, QualificationStatus.RAW, QualificationStatus.UNQUALIFIED):
        with pytest.raises(IllegalTransition, match="only a qualified lead") as raised:
            _book(status=status)
        assert (status.value if status else "not reviewed") in raised.value.reason
    with pytest.raises(IllegalTransition, match="prospect"):
        _book(person_type=PersonType.PROSPECT, status=QualificationStatus.QUALIFIED)
    with pytest.raises(OnAvoidList):
        _book(person_type=PersonType.AVOID, status=QualificationStatus.QUALIFIED)


def test_a_client_can_book_an_upsell_appointment() -> None:
    _book(person_type=PersonType.CLIENT, status=None)


def test_one_open_opportunity_at_a_time() -> None:
    with pytest.raises(IllegalTransition, match="open opportunity"):
        _book(has_open_opportunity=True)


@pytest.mark.parametrize(
    ("sql", "missing"),
    [
        (SalesQualification(False, True, True), ["a problem we solve"]),
        (SalesQualification(True, False, True), ["the authority and ability to buy"]),
        (SalesQualification(True, True, False), ["agreement to talk to sales"]),
        (
            SalesQualification(False, False, False),
            [
                "a problem we solve",
                "the authority and ability to buy",
                "agreement to talk to sales",
            ],
        ),
    ],
)
def test_sql_needs_problem_authority_and_agreement(
    sql: SalesQualification, missing: list[str]
) -> None:
    assert list(sql.missing()) == missing
    with pytest.raises(MissingDetail) as raised:
        _book(sql=sql)
    for text in missing:
        assert text in raised.value.reason


# --- properties -----------------------------------------------------------------------

stages = st.sampled_from(Stage)
full_details = st.builds(
    MoveDetails,
    reason=st.text(max_size=20),
    callback_on=st.dates(),
    appointment_at=st.datetimes(),
    lost_reason=st.text(min_size=1, max_size=20).filter(str.strip),
    disposition=st.sampled_from(LostDisposition),
    contract_value=st.decimals(min_value=Decimal("0.01"), max_value=Decimal(10**9), places=2),
)


@given(pair=st.tuples(stages, stages).filter(lambda p: p[1] not in pipeline.TRANSITIONS[p[0]]))
def test_every_move_outside_the_table_is_illegal(pair: tuple[Stage, Stage]) -> None:
    current, target = pair
    details = MoveDetails(
        callback_on=date(2025, 1, 2),
        appointment_at=datetime(2025, 1, 3, 9, 0),
        lost_reason="price",
        disposition=LostDisposition.AVOID,
        contract_value=Decimal(1000),
    )
    with pytest.raises(IllegalTransition):
        move(current, target, details)


@given(
    pair=st.sampled_from(
        sorted((c, t) for c, targets in pipeline.TRANSITIONS.items() for t in targets)
    ),
    details=full_details,
)
def test_every_move_in_the_table_with_full_details_succeeds(
    pair: tuple[Stage, Stage], details: MoveDetails
) -> None:
    current, target = pair
    change = move(current, target, details)
    assert (change.before, change.after, change.details) == (current, target, details)
