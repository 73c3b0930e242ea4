"""The pipeline on the real database: every move leaves who, when and why."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from leadflow.crm.models import (
    Appointment,
    Opportunity,
    Person,
    StageChange,
    Task,
    TypeChangeRecord,
)
from leadflow.crm.services.pipeline import (
    book_appointment,
    mark_lost,
    mark_won,
    move_stage,
    rebook,
    record_appointment_outcome,
)
from leadflow.domain.errors import IllegalTransition, MissingDetail, OnAvoidList
from leadflow.domain.people import PersonType, Role
from leadflow.domain.pipeline import AppointmentOutcome, LostDisposition, Stage
from leadflow.domain.qualification import QualificationStatus, UnqualifiedReason
from tests.integration.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(users: dict[Role, User]) -> Callable[[Person], Appointment]:
    def make(person: Person) -> Appointment:
        return book_appointment(
            person=person,
            setter=users[Role.SETTER],
            rep=users[Role.REP],
            scheduled_at=NOW + timedelta(days=7),
            has_problem_we_solve=True,
            has_authority_to_buy=True,
            agreed_to_talk_to_sales=True,
            at=NOW,
        )

    return make


def _stages(opportunity: Opportunity) -> list[tuple[str, str]]:
    return list(opportunity.stage_changes.order_by("id").values_list("before", "after"))


def test_booking_opens_an_opportunity_and_the_shock_and_awe_task(
    make_lead: Callable[..., Person], book: Callable[[Person], Appointment], users: dict[Role, User]
) -> None:
    lead = make_lead()
    appointment = book(lead)
    opportunity = appointment.opportunity
    assert opportunity.stage == Stage.APPOINTMENT_SET
    assert opportunity.setter == users[Role.SETTER]
    change = StageChange.objects.get(opportunity=opportunity)
    assert (change.after, change.by, change.at) == (Stage.APPOINTMENT_SET, users[Role.SETTER], NOW)
    task = Task.objects.get(person=lead, kind=Task.Kind.SHOCK_AND_AWE)
    assert task.done_at is None
    assert task.opportunity == opportunity
    # The setter's call task is done: the appointment is booked.
    assert not Task.objects.filter(person=lead, kind=Task.Kind.CALL, done_at__isnull=True).exists()


def test_only_a_qualified_lead_can_be_booked(
    make_lead: Callable[..., Person], book: Callable[[Person], Appointment]
) -> None:
    raw = make_lead(need=None)
    assert raw.qualification_status == QualificationStatus.RAW
    with pytest.raises(IllegalTransition, match="only a qualified lead"):
        book(raw)
    assert not Opportunity.objects.exists()


def test_a_prospect_cannot_be_booked(
    make_person: Callable[..., Person], book: Callable[[Person], Appointment]
) -> None:
    with pytest.raises(IllegalTransition, match="prospect"):
        book(make_person())


def test_booking_needs_the_three_sales_qualified_checks(
    make_lead: Callable[..., Person], users: dict[Role, User]
) -> None:
    with pytest.raises(MissingDetail, match="authority"):
        book_appointment(
            person=make_lead(),
            setter=users[Role.SETTER],
            rep=users[Role.REP],
            scheduled_at=NOW,
            has_problem_we_solve=True,
            has_authority_to_buy=False,
            agreed_to_talk_to_sales=True,
        )


def test_one_open_opportunity_per_person(
    make_lead: Callable[..., Person], book: Callable[[Person], Appointment]
) -> None:
    lead = make_lead()
    first = book(lead)
    with pytest.raises(IllegalTransition, match="already has an open opportunity"):
        book(lead)
    with pytest.raises(IntegrityError), transaction.atomic():
        Opportunity.objects.create(
            person=lead, stage=Stage.PROPOSING, stage_entered_at=NOW, created_at=NOW
        )
    assert Opportunity.objects.get() == first.opportunity


def test_cancelled_appointment_needs_a_callback_date_and_the_setter_gets_a_callback(
    make_lead: Callable[..., Person], book: Callable[[Person], Appointment], users: dict[Role, User]
) -> None:
    appointment = book(make_lead())
    with pytest.raises(MissingDetail, match="callback"):
        record_appointment_outcome(
            appointment=appointment, outcome=AppointmentOutcome.CANCELLED, by=users[Role.REP]
        )
    record_appointment_outcome(
        appointment=appointment,
        outcome=AppointmentOutcome.CANCELLED,
        callback_on=date(2027, 1, 15),
        by=users[Role.REP],
        reason="budget review in January",
    )
    task = Task.objects.get(kind=Task.Kind.CALLBACK)
    assert (task.due_on, task.assignee) == (date(2027, 1, 15), users[Role.SETTER])
    appointment.refresh_from_db()
    assert appointment.outcome == AppointmentOutcome.CANCELLED


def test_no_show_can_be_rebooked_on_the_same_opportunity(
    make_lead: Callable[..., Person], book: Callable[[Person], Appointment], users: dict[Role, User]
) -> None:
    appointment = book(make_lead())
    record_appointment_outcome(
        appointment=appointment, outcome=AppointmentOutcome.NO_SHOW, by=users[Role.REP]
    )
    second = rebook(
        opportunity=appointment.opportunity,
        scheduled_at=NOW + timedelta(days=14),
        by=users[Role.SETTER],
    )
    assert second.opportunity == appointment.opportunity
    assert _stages(appointment.opportunity) == [
        ("", Stage.APPOINTMENT_SET),
        (Stage.APPOINTMENT_SET, Stage.NO_SHOW),
        (Stage.NO_SHOW, Stage.APPOINTMENT_SET),
    ]


def test_an_outcome_is_recorded_once(
    make_lead: Callable[..., Person], book: Callable[[Person], Appointment], users: dict[Role, User]
) -> None:
    appointment = book(make_lead())
    record_appointment_outcome(appointment=appointment, outcome=AppointmentOutcome.SAT, by=None)
    with pytest.raises(IllegalTransition, match="already recorded"):
        record_appointment_outcome(
            appointment=appointment, outcome=AppointmentOutcome.NO_SHOW, by=None
        )


def _to_contract_sent(appointment: Appointment, rep: User) -> Opportunity:
    record_appointment_outcome(appointment=appointment, outcome=AppointmentOutcome.SAT, by=rep)
    move_stage(opportunity=appointment.opportunity, target=Stage.PROPOSING, by=rep, reason="audit")
    move_stage(opportunity=appointment.opportunity, target=Stage.CONTRACT_SENT, by=rep)
    return Opportunity.objects.get(pk=appointment.opportunity_id)


def test_won_makes_the_person_a_client_on_the_spot(
    make_lead: Callable[..., Person], book: Callable[[Person], Appointment], users: dict[Role, User]
) -> None:
    lead = make_lead()
    opportunity = _to_contract_sent(book(lead), users[Role.REP])
    mark_won(
        opportunity=opportunity,
        contract_value=Decimal("4500.00"),
        services_bought=["managed-services"],
        by=users[Role.REP],
    )
    lead.refresh_from_db()
    opportunity.refresh_from_db()
    assert lead.person_type == PersonType.CLIENT
    assert lead.became_client_at is not None
    assert opportunity.stage == Stage.WON
    assert opportunity.contract_value == Decimal("4500.00")
    change = TypeChangeRecord.objects.filter(person=lead).order_by("-id")[0]
    assert (change.before, change.after, change.by) == (
        PersonType.LEAD,
        PersonType.CLIENT,
        users[Role.REP],
    )
    assert _stages(opportunity)[-1] == (Stage.CONTRACT_SENT, Stage.WON)


def test_won_closes_the_open_gather_missing_information_task(
    make_lead: Callable[..., Person], book: Callable[[Person], Appointment], users: dict[Role, User]
) -> None:
    lead = make_lead()
    gather = Task.objects.create(
        person=lead,
        kind=Task.Kind.GATHER_MISSING_INFORMATION,
        role=Role.SETTER,
        due_on=date(2026, 12, 1),
        created_at=NOW,
    )
    opportunity = _to_contract_sent(book(lead), users[Role.REP])
    mark_won(opportunity=opportunity, contract_value=Decimal("900.00"), by=users[Role.REP])
    gather.refresh_from_db()
    assert gather.done_at is not None


def test_won_needs_a_contract_value(
    make_lead: Callable[..., Person], book: Callable[[Person], Appointment], users: dict[Role, User]
) -> None:
    opportunity = _to_contract_sent(book(make_lead()), users[Role.REP])
    with pytest.raises(MissingDetail, match="contract value"):
        mark_won(opportunity=opportunity, contract_value=Decimal(0), by=users[Role.REP])
    opportunity.refresh_from_db()
    assert opportunity.stage == Stage.CONTRACT_SENT


def test_an_illegal_move_raises_and_writes_nothing(
    make_lead: Callable[..., Person], book: Callable[[Person], Appointment], users: dict[Role, User]
) -> None:
    appointment = book(make_lead())
    with pytest.raises(IllegalTransition, match="cannot move from Appointment set"):
        move_stage(opportunity=appointment.opportunity, target=Stage.CONTRACT_SENT, by=None)
    with pytest.raises(IllegalTransition):
        mark_won(opportunity=appointment.opportunity, contract_value=Decimal(10), by=None)
    assert StageChange.objects.count() == 1
    assert Opportunity.objects.get().stage == Stage.APPOINTMENT_SET


def test_lost_to_nurture_keeps_an_unconverted_lead(
    make_lead: Callable[..., Person], book: Callable[[Person], Appointment], users: dict[Role, User]
) -> None:
    lead = make_lead()
    appointment = book(lead)
    record_appointment_outcome(appointment=appointment, outcome=AppointmentOutcome.SAT, by=None)
    mark_lost(
        opportunity=appointment.opportunity,
        lost_reason="just looking",
        disposition=LostDisposition.NURTURE,
        by=users[Role.REP],
    )
    lead.refresh_from_db()
    opportunity = Opportunity.objects.get()
    assert lead.person_type == PersonType.LEAD
    assert lead.qualification_status == QualificationStatus.QUALIFIED
    assert (opportunity.stage, opportunity.lost_reason, opportunity.disposition) == (
        Stage.LOST,
        "just looking",
        LostDisposition.NURTURE,
    )
    assert not lead.tasks.filter(opportunity=opportunity, done_at__isnull=True).exists()


def test_lost_as_unqualified_marks_the_lead_unqualified_with_history(
    make_lead: Callable[..., Person], book: Callable[[Person], Appointment], users: dict[Role, User]
) -> None:
    lead = make_lead()
    appointment = book(lead)
    mark_lost(
        opportunity=appointment.opportunity,
        lost_reason="wants a cheaper provider",
        disposition=LostDisposition.UNQUALIFIED,
        unqualified_reason=UnqualifiedReason.NO_BUDGET,
        by=users[Role.REP],
    )
    lead.refresh_from_db()
    assert lead.qualification_status == QualificationStatus.UNQUALIFIED
    assert lead.unqualified_reason == UnqualifiedReason.NO_BUDGET
    assert lead.sweet_spot is None
    record = lead.qualification_records.order_by("-id")[0]
    assert record.by == users[Role.REP]


def test_lost_to_avoid_puts_the_person_on_avoid(
    make_lead: Callable[..., Person], book: Callable[[Person], Appointment], users: dict[Role, User]
) -> None:
    lead = make_lead()
    appointment = book(lead)
    mark_lost(
        opportunity=appointment.opportunity,
        lost_reason="abusive to our staff",
        disposition=LostDisposition.AVOID,
        by=users[Role.REP],
    )
    lead.refresh_from_db()
    opportunity = Opportunity.objects.get()
    assert lead.person_type == PersonType.AVOID
    assert opportunity.disposition == LostDisposition.AVOID
    entry = lead.avoid_entries.get()
    assert (entry.added_by, entry.reason) == (users[Role.REP], "abusive to our staff")
    with pytest.raises(OnAvoidList):
        book_appointment(
            person=lead,
            setter=users[Role.SETTER],
            rep=users[Role.REP],
            scheduled_at=NOW,
            has_problem_we_solve=True,
            has_authority_to_buy=True,
            agreed_to_talk_to_sales=True,
        )


def test_closed_opportunity_cannot_move(
    make_lead: Callable[..., Person], book: Callable[[Person], Appointment], users: dict[Role, User]
) -> None:
    appointment = book(make_lead())
    mark_lost(
        opportunity=appointment.opportunity,
        lost_reason="went with another MSP",
        disposition=LostDisposition.NURTURE,
        by=users[Role.REP],
    )
    with pytest.raises(IllegalTransition, match="closed"):
        move_stage(opportunity=appointment.opportunity, target=Stage.PROPOSING, by=None)


def test_a_client_can_open_an_upsell_opportunity(
    make_lead: Callable[..., Person], book: Callable[[Person], Appointment], users: dict[Role, User]
) -> None:
    lead = make_lead()
    opportunity = _to_contract_sent(book(lead), users[Role.REP])
    mark_won(opportunity=opportunity, contract_value=Decimal(1200), by=users[Role.REP])
    upsell = book(Person.objects.get(pk=lead.pk))
    assert upsell.opportunity != opportunity
