"""Logging calls, reviewing by hand and closing tasks, on the real database.

NOW is Wednesday 2026-11-25, the day before Thanksgiving: the next business day is Friday.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from itertools import count

import pytest
from django.contrib.auth.models import User

from leadflow.crm.models import (
    ConsentChange,
    Person,
    ProposedDisqualification,
    QualificationRecord,
    Task,
)
from leadflow.crm.models.work import CallLog
from leadflow.crm.services.avoid import add_to_avoid
from leadflow.crm.services.calls import log_call
from leadflow.crm.services.people import set_consent
from leadflow.crm.services.pipeline import book_appointment
from leadflow.crm.services.qualification import confirm_disqualification, reject_disqualification
from leadflow.crm.services.review import ask_for_missing_information, propose_disqualification
from leadflow.crm.services.tasks import complete_task
from leadflow.domain.calls import CallOutcome
from leadflow.domain.errors import DomainError, IllegalTransition, MissingDetail, NotPermitted
from leadflow.domain.people import Role
from leadflow.domain.qualification import QualificationStatus, UnqualifiedReason
from tests.integration.conftest import NOW

pytestmark = pytest.mark.django_db

FRIDAY = date(2026, 11, 27)
_phones = count(100)


@pytest.fixture
def sweet_lead(make_lead: Callable[..., Person]) -> Callable[..., Person]:
    """A hot sweet-spot lead with a phone: on the call list, with a call task due Friday."""

    def make(**overrides: object) -> Person:
        return make_lead(phone=f"512-555-{next(_phones):04d}", **overrides)

    return make


@pytest.fixture
def setter(users: dict[Role, User]) -> User:
    return users[Role.SETTER]


def open_follow_ups(person: Person) -> list[Task]:
    kinds = [Task.Kind.CALL, Task.Kind.PERSONAL_FOLLOW_UP, Task.Kind.CALLBACK]
    return list(person.tasks.filter(kind__in=kinds, done_at__isnull=True))


@pytest.mark.parametrize("outcome", list(CallOutcome))
def test_every_call_outcome_is_kept_with_who_when_and_what(
    sweet_lead: Callable[..., Person], setter: User, outcome: CallOutcome
) -> None:
    person = sweet_lead()
    log_call(
        person=person,
        by=setter,
        outcome=outcome,
        callback_on=FRIDAY,
        note="spoke to reception",
        at=NOW,
    )
    call = CallLog.objects.get(person=person)
    assert (call.by, call.at, call.outcome, call.note) == (
        setter,
        NOW,
        outcome.value,
        "spoke to reception",
    )
    assert call.reason  # the next step, in words
    assert call.callback_on == (FRIDAY if outcome is CallOutcome.CALLBACK else None)


def test_no_answer_moves_the_open_call_to_the_next_business_day(
    sweet_lead: Callable[..., Person], setter: User
) -> None:
    person = sweet_lead()
    Task.objects.filter(person=person).update(due_on=NOW.date() - timedelta(days=2))
    log_call(person=person, by=setter, outcome=CallOutcome.NO_ANSWER, at=NOW)
    [task] = open_follow_ups(person)
    assert task.due_on == FRIDAY  # Thursday is Thanksgiving
    assert CallLog.objects.get(person=person).reason == "no answer; try again on 2026-11-27"


def test_no_answer_keeps_a_follow_up_already_planned_later(
    sweet_lead: Callable[..., Person], setter: User
) -> None:
    person = sweet_lead()
    later = date(2026, 12, 4)
    Task.objects.filter(person=person).update(due_on=later)
    log_call(person=person, by=setter, outcome=CallOutcome.NO_ANSWER, at=NOW)
    assert [t.due_on for t in open_follow_ups(person)] == [later]


def test_no_answer_without_an_open_follow_up_is_retried_by_any_setter(
    sweet_lead: Callable[..., Person], setter: User
) -> None:
    person = sweet_lead()
    Task.objects.filter(person=person).update(done_at=NOW)
    log_call(person=person, by=setter, outcome=CallOutcome.NO_ANSWER, at=NOW)
    [task] = open_follow_ups(person)
    assert (task.kind, task.role, task.assignee, task.due_on) == (
        Task.Kind.CALL,
        Role.SETTER,
        None,
        FRIDAY,
    )


def test_a_callback_replaces_the_open_follow_ups_with_the_callers_task(
    sweet_lead: Callable[..., Person], setter: User
) -> None:
    person = sweet_lead()
    [old] = open_follow_ups(person)
    call = log_call(
        person=person, by=setter, outcome=CallOutcome.CALLBACK, callback_on=FRIDAY, at=NOW
    )
    old.refresh_from_db()
    assert (old.done_at, old.done_by) == (NOW, setter)
    [callback] = open_follow_ups(person)
    assert (callback.kind, callback.assignee, callback.due_on) == (
        Task.Kind.CALLBACK,
        setter,
        FRIDAY,
    )
    assert call.task == callback


@pytest.mark.parametrize(
    ("callback_on", "error"), [(None, MissingDetail), (date(2026, 11, 24), IllegalTransition)]
)
def test_a_callback_needs_a_date_that_is_not_in_the_past(
    sweet_lead: Callable[..., Person],
    setter: User,
    callback_on: date | None,
    error: type[DomainError],
) -> None:
    person = sweet_lead()
    with pytest.raises(error):
        log_call(
            person=person,
            by=setter,
            outcome=CallOutcome.CALLBACK,
            callback_on=callback_on,
            at=NOW,
        )
    assert not CallLog.objects.exists()
    assert len(open_follow_ups(person)) == 1


def test_not_interested_proposes_and_the_caller_is_asked_to_confirm(
    sweet_lead: Callable[..., Person], setter: User
) -> None:
    person = sweet_lead()
    call = log_call(
        person=person, by=setter, outcome=CallOutcome.NOT_INTERESTED, note="happy with IT", at=NOW
    )
    proposal = ProposedDisqualification.objects.get(person=person)
    assert call.proposal == proposal
    assert (proposal.reason, proposal.trait, proposal.proposed_by) == (
        UnqualifiedReason.NO_NEED_NOW,
        "need",
        setter,
    )
    assert "happy with IT" in proposal.detail
    assert open_follow_ups(person) == []
    confirm = Task.objects.get(person=person, kind=Task.Kind.CONFIRM_DISQUALIFICATION)
    assert confirm.assignee == setter
    person.refresh_from_db()
    assert person.qualification_status == QualificationStatus.QUALIFIED  # not yet decided


def test_confirming_a_not_interested_call_disqualifies_and_closes_the_task(
    sweet_lead: Callable[..., Person], setter: User, users: dict[Role, User]
) -> None:
    person = sweet_lead()
    call = log_call(person=person, by=setter, outcome=CallOutcome.NOT_INTERESTED, at=NOW)
    assert call.proposal is not None
    confirm_disqualification(proposal=call.proposal, by=users[Role.OWNER], note="agreed")
    person.refresh_from_db()
    assert person.qualification_status == QualificationStatus.UNQUALIFIED
    assert person.unqualified_reason == UnqualifiedReason.NO_NEED_NOW
    assert not Task.objects.filter(
        person=person, kind=Task.Kind.CONFIRM_DISQUALIFICATION, done_at__isnull=True
    ).exists()


def test_rejecting_a_not_interested_call_keeps_the_lead_qualified(
    sweet_lead: Callable[..., Person], setter: User, users: dict[Role, User]
) -> None:
    person = sweet_lead()
    call = log_call(person=person, by=setter, outcome=CallOutcome.NOT_INTERESTED, at=NOW)
    assert call.proposal is not None
    reject_disqualification(proposal=call.proposal, by=users[Role.OWNER], note="called back keen")
    person.refresh_from_db()
    assert person.qualification_status == QualificationStatus.QUALIFIED
    assert person.sweet_spot is not None
    assert QualificationRecord.objects.filter(
        person=person, kind=QualificationRecord.Kind.REJECTED
    ).exists()


def test_booking_after_a_booked_call_closes_the_follow_ups(
    sweet_lead: Callable[..., Person], setter: User, users: dict[Role, User]
) -> None:
    person = sweet_lead()
    log_call(person=person, by=setter, outcome=CallOutcome.BOOKED, at=NOW)
    assert len(open_follow_ups(person)) == 1  # only the booking itself closes them
    book_appointment(
        person=person,
        setter=setter,
        rep=users[Role.REP],
        scheduled_at=NOW + timedelta(days=6),
        has_problem_we_solve=True,
        has_authority_to_buy=True,
        agreed_to_talk_to_sales=True,
        at=NOW,
    )
    assert open_follow_ups(person) == []


def test_a_call_to_someone_on_do_not_call_is_refused(
    sweet_lead: Callable[..., Person], setter: User
) -> None:
    person = sweet_lead()
    set_consent(
        person=person, flag=ConsentChange.Flag.DO_NOT_CALL, value=True, by=setter, reason="asked"
    )
    with pytest.raises(NotPermitted, match="on do-not-call"):
        log_call(person=person, by=setter, outcome=CallOutcome.NO_ANSWER, at=NOW)


def test_a_call_to_an_avoid_person_is_refused_with_the_avoid_reason(
    sweet_lead: Callable[..., Person], setter: User, users: dict[Role, User]
) -> None:
    person = sweet_lead()
    add_to_avoid(person=person, by=users[Role.OWNER], reason="abusive on the phone", at=NOW)
    with pytest.raises(NotPermitted, match="abusive on the phone"):
        log_call(person=person, by=setter, outcome=CallOutcome.NO_ANSWER, at=NOW)


def test_a_call_to_a_lead_in_an_open_opportunity_is_refused(
    sweet_lead: Callable[..., Person], setter: User, users: dict[Role, User]
) -> None:
    person = sweet_lead()
    book_appointment(
        person=person,
        setter=setter,
        rep=users[Role.REP],
        scheduled_at=NOW + timedelta(days=6),
        has_problem_we_solve=True,
        has_authority_to_buy=True,
        agreed_to_talk_to_sales=True,
        at=NOW,
    )
    with pytest.raises(NotPermitted, match="open opportunity"):
        log_call(person=person, by=setter, outcome=CallOutcome.NO_ANSWER, at=NOW)


def test_a_call_to_a_lead_outside_the_sweet_spot_is_refused(
    sweet_lead: Callable[..., Person], setter: User
) -> None:
    person = sweet_lead(niche="retail")
    with pytest.raises(NotPermitted, match="not a sweet-spot lead"):
        log_call(person=person, by=setter, outcome=CallOutcome.NO_ANSWER, at=NOW)


def test_a_proposal_for_other_is_about_the_company_type(
    make_lead: Callable[..., Person], setter: User
) -> None:
    person = make_lead(need=None)
    proposal = propose_disqualification(
        person=person, reason=UnqualifiedReason.OTHER, by=setter, note="a competitor", at=NOW
    )
    assert (proposal.trait, proposal.proposed_by) == ("company_type", setter)
    assert proposal.detail == "other, proposed by setter: a competitor"


def test_only_a_lead_not_yet_unqualified_can_get_a_proposal(
    make_person: Callable[..., Person], make_lead: Callable[..., Person], setter: User
) -> None:
    with pytest.raises(IllegalTransition, match="only a lead"):
        propose_disqualification(
            person=make_person(), reason=UnqualifiedReason.NO_BUDGET, by=setter
        )
    unqualified = make_lead(geography="US-CA", company_name="Pacific Law LLP")
    with pytest.raises(IllegalTransition, match="already unqualified"):
        propose_disqualification(person=unqualified, reason=UnqualifiedReason.NO_BUDGET, by=setter)


def test_asking_for_missing_information_names_what_is_missing(
    make_lead: Callable[..., Person], setter: User
) -> None:
    person = make_lead(need=None)
    Task.objects.filter(person=person, kind=Task.Kind.GATHER_MISSING_INFORMATION).delete()
    task, created = ask_for_missing_information(
        person=person, by=setter, note="ask about backups", at=NOW
    )
    assert created
    assert task.note == "missing: need; ask about backups; asked by setter"
    assert task.due_on == FRIDAY  # within the one-business-day raw-age limit
    again, created_again = ask_for_missing_information(person=person, by=setter, at=NOW)
    assert (again, created_again) == (task, False)


def test_a_task_is_closed_by_its_assignee_and_nobody_else(
    sweet_lead: Callable[..., Person], users: dict[Role, User]
) -> None:
    person = sweet_lead()
    [task] = open_follow_ups(person)
    with pytest.raises(NotPermitted):
        complete_task(task=task, by=users[Role.REP])
    done = complete_task(task=task, by=users[Role.SETTER], at=NOW)
    assert (done.done_at, done.done_by) == (NOW, users[Role.SETTER])
    with pytest.raises(IllegalTransition, match="already done on 2026-11-25"):
        complete_task(task=task, by=users[Role.SETTER])
