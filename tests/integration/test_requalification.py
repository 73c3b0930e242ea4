"""Re-judging every lead after a playbook change (issue 9): set-based, as a job, all or
nothing, and never overruling a person who talked to the lead (PRODUCT.md §2)."""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable, Iterator
from decimal import Decimal

import psycopg
import pytest
from django.contrib.auth.models import User
from django.db import DatabaseError, connection

from leadflow.crm import adapters
from leadflow.crm.models import (
    Criterion,
    Person,
    ProposedDisqualification,
    QualificationRecord,
    RequalificationRun,
    Task,
)
from leadflow.crm.services import playbook as playbook_services
from leadflow.crm.services import requalification
from leadflow.crm.services.qualification import confirm_disqualification
from leadflow.crm.services.requalification import requalify_leads, unapplied_changes
from leadflow.domain import qualification as q
from leadflow.domain.people import PersonType, Role
from leadflow.domain.profile import Need, Outsourcing, SwitchReason, Trait
from leadflow.jobs import requalify_leads as requalify_job
from tests.integration.conftest import NOW

pytestmark = pytest.mark.django_db(transaction=True)

# A COPY or executemany straight on the driver's cursor raises the driver's own errors.
REFUSED = (DatabaseError, sqlite3.DatabaseError, psycopg.Error)


def _rule(trait: Trait) -> Criterion:
    return Criterion.objects.get(avatar=None, trait=trait.value)


def _narrow_service_area(by: User, *regions: str) -> None:
    playbook_services.change_criterion(
        row=_rule(Trait.GEOGRAPHY),
        by=by,
        criterion=q.Criterion(Trait.GEOGRAPHY, q.Operator.ONE_OF, frozenset(regions)),
        reason="we closed the Oklahoma office",
    )


def _latest_record(person: Person) -> QualificationRecord:
    record = person.qualification_records.order_by("-id").first()
    assert record is not None
    return record


def test_a_playbook_change_applies_to_stored_leads_only_when_they_are_requalified(
    make_lead: Callable[..., Person], users: dict[Role, User]
) -> None:
    texan = make_lead(geography="US-TX")
    okie = make_lead(geography="US-OK", company_name="Sooner Supply", region="OK")
    assert okie.qualification_status == q.QualificationStatus.QUALIFIED
    _narrow_service_area(users[Role.OWNER], "US-TX", "US-LA")
    okie.refresh_from_db()
    assert okie.qualification_status == q.QualificationStatus.QUALIFIED  # not behind our back
    assert unapplied_changes() == 1
    texan_records = texan.qualification_records.count()

    done = requalify_leads(by=users[Role.ADMIN], at=NOW)

    okie.refresh_from_db()
    assert okie.qualification_status == q.QualificationStatus.UNQUALIFIED
    assert okie.unqualified_reason == q.UnqualifiedReason.OUTSIDE_SERVICE_AREA
    assert okie.sweet_spot_id is None
    record = _latest_record(okie)
    assert record.kind == QualificationRecord.Kind.REQUALIFIED
    assert record.by == users[Role.ADMIN]
    assert "US-OK" in record.reason
    texan.refresh_from_db()
    # Still sweet spot; its explanation now quotes the rule in force.
    assert texan.qualification_status == q.QualificationStatus.QUALIFIED
    assert texan.sweet_spot is not None
    assert "US-LA, US-TX" in texan.qualification_explanation
    assert texan.qualification_records.count() == texan_records + 1
    assert (done.considered, done.changed) == (2, 2)
    assert done.moves == {"sweet spot (explanation updated)": 1, "sweet spot → unqualified": 1}
    run = RequalificationRun.objects.get()
    assert (run.considered, run.changed, run.by) == (2, 2, users[Role.ADMIN])
    assert requalify_leads(by=None).changed == 0  # judged already under this playbook
    assert unapplied_changes() == 0


def test_requalification_never_overrules_a_confirmed_disqualification(
    make_lead: Callable[..., Person], users: dict[Role, User]
) -> None:
    coordinator = make_lead(title="Marketing Coordinator")
    proposal = ProposedDisqualification.objects.get(person=coordinator)
    confirm_disqualification(proposal=proposal, by=users[Role.SETTER], note="books only", at=NOW)
    # The rule that failed goes: the playbook alone would now qualify the lead.
    playbook_services.remove_criterion(row=_rule(Trait.AUTHORITY), by=users[Role.OWNER])

    done = requalify_leads(by=users[Role.ADMIN], at=NOW)

    coordinator.refresh_from_db()
    assert coordinator.qualification_status == q.QualificationStatus.UNQUALIFIED
    assert _latest_record(coordinator).kind == QualificationRecord.Kind.CONFIRMED
    assert (done.considered, done.kept_confirmed, done.changed) == (0, 1, 0)


def test_a_soft_rule_failed_after_a_change_is_proposed_to_a_setter_not_decided(
    make_lead: Callable[..., Person], users: dict[Role, User]
) -> None:
    manager = make_lead(title="IT Manager", company_name="Plains Freight")
    playbook_services.change_criterion(
        row=_rule(Trait.AUTHORITY),
        by=users[Role.OWNER],
        criterion=q.Criterion(Trait.AUTHORITY, q.Operator.AT_LEAST, 4),
    )

    first = requalify_leads(by=None, at=NOW)

    manager.refresh_from_db()
    assert manager.qualification_status == q.QualificationStatus.RAW
    proposal = ProposedDisqualification.objects.get(person=manager)
    assert proposal.reason == q.UnqualifiedReason.NOT_DECISION_MAKER
    assert proposal.status == ProposedDisqualification.Status.OPEN
    call = Task.objects.get(person=manager, kind=Task.Kind.CONFIRM_DISQUALIFICATION)
    assert call.done_at is None
    assert call.role == Role.SETTER
    assert first.proposals_opened == 1
    again = requalify_leads(by=None, at=NOW)  # nothing changed since: nothing written twice
    assert again.changed == 0
    assert ProposedDisqualification.objects.filter(person=manager).count() == 1
    assert Task.objects.filter(person=manager, kind=Task.Kind.CONFIRM_DISQUALIFICATION).count() == 1


def test_proposals_the_playbook_no_longer_makes_are_withdrawn_but_not_those_made_by_hand(
    make_lead: Callable[..., Person], users: dict[Role, User]
) -> None:
    coordinator = make_lead(title="Marketing Coordinator")
    automatic = ProposedDisqualification.objects.get(person=coordinator)
    by_hand = ProposedDisqualification.objects.create(
        person=coordinator,
        reason=q.UnqualifiedReason.NO_BUDGET,
        trait=Trait.MONTHLY_BUDGET.value,
        detail="said they have no budget this year",
        proposed_at=NOW,
        proposed_by=users[Role.SETTER],
    )
    playbook_services.remove_criterion(row=_rule(Trait.AUTHORITY), by=users[Role.OWNER])

    done = requalify_leads(by=users[Role.ADMIN], at=NOW)

    automatic.refresh_from_db()
    by_hand.refresh_from_db()
    assert automatic.status == ProposedDisqualification.Status.SUPERSEDED
    assert "no longer fails" in automatic.note
    assert by_hand.status == ProposedDisqualification.Status.OPEN
    assert done.proposals_withdrawn == 1
    coordinator.refresh_from_db()
    assert coordinator.qualification_status == q.QualificationStatus.QUALIFIED
    # The hand-made proposal still wants its call.
    assert Task.objects.filter(
        person=coordinator, kind=Task.Kind.CONFIRM_DISQUALIFICATION, done_at__isnull=True
    ).exists()


def test_a_confirmation_call_with_no_proposal_left_is_closed(
    make_lead: Callable[..., Person], users: dict[Role, User]
) -> None:
    coordinator = make_lead(title="Marketing Coordinator")
    playbook_services.remove_criterion(row=_rule(Trait.AUTHORITY), by=users[Role.OWNER])
    requalify_leads(by=None, at=NOW)
    call = Task.objects.get(person=coordinator, kind=Task.Kind.CONFIRM_DISQUALIFICATION)
    assert call.done_at is not None


def test_a_dry_run_counts_what_would_change_and_writes_nothing(
    make_lead: Callable[..., Person], users: dict[Role, User]
) -> None:
    okie = make_lead(geography="US-OK", company_name="Sooner Supply", region="OK")
    _narrow_service_area(users[Role.OWNER], "US-TX")
    records = QualificationRecord.objects.count()

    found = requalify_leads(by=None, dry_run=True)

    assert (found.changed, found.written) == (1, False)
    assert "would change" in found.describe()
    okie.refresh_from_db()
    assert okie.qualification_status == q.QualificationStatus.QUALIFIED
    assert QualificationRecord.objects.count() == records
    assert not RequalificationRun.objects.exists()


def _varied_leads(make_lead: Callable[..., Person]) -> Iterator[Person]:
    """Leads over every value the default rules and avatars read, including blanks, a
    company-less lead judged on its own address, and a budget with cents."""
    niches = ("legal", "manufacturing", "")
    places = (("US-TX", "", ""), ("", "US", "OK"), ("", "US", ""), ("US-CA", "", ""))
    titles = ("Managing Partner", "IT Manager", "Marketing Coordinator", "")
    budgets = (None, Decimal("5000.00"), Decimal("1234.56"))
    for n, (niche, place, title, budget) in enumerate(
        itertools.product(niches, places, titles, budgets)
    ):
        geography, country, region = place
        yield make_lead(
            niche=niche,
            geography=geography,
            country=country,
            region=region,
            title=title,
            monthly_budget=budget,
            employee_count=(35, 160, None)[n % 3],
            company_name=f"Firm {n}" if n % 5 else "",
            need=(Need.NEED_NOW, Need.CURIOUS, None)[n % 3],
            services_wanted=(["managed-services"], ["web-design"], [])[n % 3],
            outsourcing=(Outsourcing.OUTSOURCED, Outsourcing.IN_HOUSE, None)[n % 3],
            switch_reason=(SwitchReason.POOR_SERVICE, SwitchReason.CHEAPER, None)[(n // 3) % 3],
        )


def test_requalifying_in_bulk_judges_each_lead_exactly_as_judging_it_alone(
    make_lead: Callable[..., Person], users: dict[Role, User]
) -> None:
    """The set-based run and the domain's qualify() on each stored lead agree on status,
    reason, sweet spot, incompleteness and every word of the explanation."""
    leads = list(_varied_leads(make_lead))
    _narrow_service_area(users[Role.OWNER], "US-TX", "US-OK")
    playbook_services.change_criterion(
        row=_rule(Trait.AUTHORITY),
        by=users[Role.OWNER],
        criterion=q.Criterion(Trait.AUTHORITY, q.Operator.AT_LEAST, 3),
    )
    requalification_chunk, requalification.CHUNK = requalification.CHUNK, 17
    try:
        done = requalify_leads(by=None, at=NOW)
    finally:
        requalification.CHUNK = requalification_chunk
    assert done.considered + done.kept_confirmed == len(leads)
    assert done.changed > 0
    playbook = adapters.playbook()
    for stored in Person.objects.filter(person_type=PersonType.LEAD).select_related(
        "company", "lead_source", "sweet_spot"
    ):
        waived = frozenset(Trait(t) for t in stored.waived_traits or ())
        alone = q.qualify(adapters.lead_profile(stored), playbook, waived=waived)
        assert stored.qualification_status == alone.status.value, stored.pk
        assert stored.unqualified_reason == (alone.reason.value if alone.reason else None)
        assert (stored.sweet_spot.name if stored.sweet_spot else None) == alone.sweet_spot
        assert stored.incomplete == alone.incomplete
        assert stored.qualification_explanation == alone.explanation


def _refuse_history_of(person: Person) -> None:
    when = f"NEW.person_id = {person.pk} AND NEW.kind = 'requalified'"
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "CREATE TRIGGER refuse_last BEFORE INSERT ON crm_qualificationrecord "
                f"WHEN {when} BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
            )
            return
        cursor.execute(
            "CREATE OR REPLACE FUNCTION refuse_last() RETURNS trigger AS $$ BEGIN "
            f"IF {when} THEN RAISE EXCEPTION 'disk on fire'; END IF; RETURN NEW; "
            "END $$ LANGUAGE plpgsql"
        )
        cursor.execute(
            "CREATE TRIGGER refuse_last BEFORE INSERT ON crm_qualificationrecord "
            "FOR EACH ROW EXECUTE FUNCTION refuse_last()"
        )


def test_a_requalification_that_fails_half_way_leaves_every_lead_as_it_was(
    make_lead: Callable[..., Person], users: dict[Role, User]
) -> None:
    okies = [make_lead(geography="US-OK", company_name=f"Sooner {n}") for n in range(4)]
    _narrow_service_area(users[Role.OWNER], "US-TX")
    # The database itself refuses the history row of the last lead, in the second chunk,
    # after the first chunk's leads were already rewritten in this transaction.
    _refuse_history_of(okies[-1])
    chunk, requalification.CHUNK = requalification.CHUNK, 2
    try:
        with pytest.raises(REFUSED, match="disk on fire"):
            requalify_leads(by=None, at=NOW)
    finally:
        requalification.CHUNK = chunk
        with connection.cursor() as cursor:
            on = " ON crm_qualificationrecord" if connection.vendor == "postgresql" else ""
            cursor.execute(f"DROP TRIGGER refuse_last{on}")
    for okie in okies:
        okie.refresh_from_db()
        assert okie.qualification_status == q.QualificationStatus.QUALIFIED
        assert not okie.qualification_records.filter(kind="requalified").exists()
    assert not RequalificationRun.objects.exists()
    requalify_leads(by=None, at=NOW)  # and it runs cleanly again
    assert Person.objects.filter(
        pk__in=[o.pk for o in okies], qualification_status=q.QualificationStatus.UNQUALIFIED
    ).count() == len(okies)


def test_requalification_runs_as_a_job_that_says_what_it_did(
    make_lead: Callable[..., Person], users: dict[Role, User]
) -> None:
    make_lead(geography="US-OK", company_name="Sooner Supply", region="OK")
    _narrow_service_area(users[Role.OWNER], "US-TX")
    result = requalify_job.enqueue(by_id=users[Role.ADMIN].pk)  # in-process by default
    assert result.is_finished
    assert result.return_value == "1 of 1 leads re-judged (sweet spot → unqualified: 1)"
    assert RequalificationRun.objects.get().by == users[Role.ADMIN]
