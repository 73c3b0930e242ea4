"""The demo world on the real database: believable, and never against the rules.

One 800-person world is loaded for the module (inside a transaction rolled back at the
end, so no other test sees it); each test reads it. The full 5,000 is one slow test.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, F, Min, Model
from django.test import Client, override_settings

from leadflow.crm import adapters
from leadflow.crm.models import (
    Activity,
    Appointment,
    Avatar,
    AvoidEntry,
    Campaign,
    Company,
    ConsentChange,
    Opportunity,
    Person,
    ProposedDisqualification,
    QualificationRecord,
    StageChange,
    Task,
    TypeChangeRecord,
)
from leadflow.demo import DemoResult, demo_loaded, load_demo
from leadflow.demo.plan import Config
from leadflow.demo.users import staff
from leadflow.demo.world import plan_world
from leadflow.domain.calendar import BusinessCalendar
from leadflow.domain.defaults import default_playbook
from leadflow.domain.people import PersonType
from leadflow.domain.pipeline import TRANSITIONS, LostDisposition, Stage
from leadflow.domain.profile import Trait
from leadflow.domain.qualification import QualificationStatus, UnqualifiedReason, qualify
from leadflow.domain.temperature import (
    DEFAULT_NEXT_STEPS,
    DEFAULT_TRIGGERS,
    ActivityKind,
    FollowUpWish,
    Temperature,
    read_temperature,
)

# A Wednesday afternoon, the day before Thanksgiving: business-day maths is visible.
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
SMALL = 800
ROLES = ("owner", "marketing", "setter", "rep", "admin")
MD5 = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TABLES: tuple[type[Model], ...] = (
    Person,
    Company,
    Campaign,
    Activity,
    Opportunity,
    Appointment,
    StageChange,
    TypeChangeRecord,
    QualificationRecord,
    ProposedDisqualification,
    Task,
    AvoidEntry,
    ConsentChange,
    User,
)


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[DemoResult]:
    """Load once for the module; roll it all back afterwards."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=MD5),
        transaction.atomic(),
    ):
        result = load_demo(seed=7, people=SMALL, now=NOW)
        yield result
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


# First in the module: the shared small world below must not be loaded yet.
@pytest.mark.slow
@override_settings(PASSWORD_HASHERS=MD5)
def test_demo_full_size_world_loads_once() -> None:
    # Its speed is measured in bench/demo_load.py, not asserted here.
    assert not demo_loaded(), "run this before the module's small world is loaded"
    result = load_demo(seed=42, people=5000, now=NOW)
    assert result.created
    assert Person.objects.count() == 5000
    assert not load_demo(seed=42, people=5000, now=NOW).created
    assert Person.objects.filter(person_type=PersonType.CLIENT).count() > 150


def _leads() -> Any:
    return Person.objects.filter(person_type=PersonType.LEAD)


def _interested() -> Any:
    """Everyone who ever showed interest: not prospects, nor prospects put on Avoid."""
    return Person.objects.exclude(person_type=PersonType.PROSPECT).exclude(
        type_before_avoid=PersonType.PROSPECT
    )


def test_demo_loads_the_requested_number_of_people(demo: DemoResult) -> None:
    assert demo.created
    assert Person.objects.count() == SMALL
    assert f"{SMALL:,} people" in demo.summary


def test_demo_has_every_person_type_and_status(demo: DemoResult) -> None:
    types = Counter(Person.objects.values_list("person_type", flat=True))
    assert set(types) == {t.value for t in PersonType}
    assert types[PersonType.PROSPECT] > 0.2 * SMALL
    assert types[PersonType.LEAD] > 0.4 * SMALL
    statuses = set(_leads().values_list("qualification_status", flat=True))
    assert statuses == {s.value for s in QualificationStatus}
    reasons = set(
        _leads()
        .filter(qualification_status="unqualified")
        .values_list("unqualified_reason", flat=True)
    )
    assert reasons == {r.value for r in UnqualifiedReason}
    sweet = set(
        Person.objects.filter(sweet_spot__isnull=False).values_list("sweet_spot__name", flat=True)
    )
    assert sweet == set(Avatar.objects.values_list("name", flat=True))
    assert (
        _leads().filter(sweet_spot__isnull=False).exclude(qualification_status="qualified").count()
        == 0
    )
    temperatures = set(_leads().values_list("temperature", flat=True))
    assert temperatures == {int(t) for t in Temperature}
    assert _leads().filter(incomplete=True, qualification_status="raw").exists()
    assert _leads().filter(incomplete=True, qualification_status="qualified").exists()
    assert Person.objects.filter(email_opt_out=True).exists()
    assert Person.objects.filter(do_not_call=True).exists()
    assert Person.objects.filter(street="").exclude(person_type=PersonType.AVOID).exists()
    assert Person.objects.filter(email_normalized__isnull=True).exists()
    clients = Person.objects.filter(person_type=PersonType.CLIENT)
    assert (
        clients.filter(client_refunded=True).exists()
        or clients.filter(client_late_pay=True).exists()
    )
    assert not Person.objects.filter(
        person_type=PersonType.PROSPECT, qualification_status__isnull=False
    ).exists()


def test_demo_has_opportunities_in_every_stage(demo: DemoResult) -> None:
    stages = set(Opportunity.objects.values_list("stage", flat=True))
    assert stages == {s.value for s in Stage}
    dispositions = set(
        Opportunity.objects.filter(stage=Stage.LOST).values_list("disposition", flat=True)
    )
    assert dispositions == {d.value for d in LostDisposition}
    for opportunity in Opportunity.objects.filter(stage=Stage.CANCELLED):
        last = opportunity.appointments.order_by("-booked_at", "-id").first()
        assert last is not None
        assert last.outcome == "cancelled"
        assert last.callback_on is not None
        assert opportunity.tasks.filter(
            kind="callback", done_at__isnull=True, due_on=last.callback_on
        ).exists()
    assert not Opportunity.objects.filter(stage=Stage.WON, contract_value__isnull=True).exists()
    open_per_person = (
        Opportunity.objects.exclude(stage__in=[Stage.WON, Stage.LOST])
        .values("person")
        .annotate(n=Count("id"))
    )
    assert all(row["n"] == 1 for row in open_per_person)


def test_demo_has_a_setter_near_thirty_percent_show_rate(demo: DemoResult) -> None:
    rates = {}
    for setter in staff().setters:
        done = Appointment.objects.filter(setter__username=setter, outcome__isnull=False)
        assert done.count() >= 20, f"{setter} has too few appointments to judge"
        rates[setter] = done.filter(outcome="sat").count() / done.count()
    low = [s for s, rate in rates.items() if 0.2 <= rate <= 0.4]
    assert len(low) == 1, rates
    assert all(0.55 <= rate <= 0.85 for s, rate in rates.items() if s not in low), rates


def test_demo_twice_adds_nothing(demo: DemoResult) -> None:
    before = {model: model._default_manager.count() for model in TABLES}
    User.objects.filter(username="rep").update(password="!")  # someone changed it
    again = load_demo(seed=99, people=50, now=NOW)
    assert not again.created
    assert {model: model._default_manager.count() for model in TABLES} == before
    assert [(u.role, u.username, u.password) for u in again.users] == [
        (u.role, u.username, u.password) for u in demo.users
    ]
    assert User.objects.get(username="rep").check_password("demo-rep")


def test_demo_stage_history_follows_the_transition_table(demo: DemoResult) -> None:
    history: dict[int, list[StageChange]] = defaultdict(list)
    for change in StageChange.objects.order_by("at", "id"):
        history[change.opportunity_id].append(change)
    opportunities = {o.pk: o for o in Opportunity.objects.all()}
    assert set(history) == set(opportunities)
    for pk, changes in history.items():
        assert (changes[0].before, changes[0].after) == ("", Stage.APPOINTMENT_SET)
        for previous, change in itertools.pairwise(changes):
            assert change.before == previous.after, f"opportunity {pk}: a gap in its history"
            assert Stage(change.after) in TRANSITIONS[Stage(change.before)], (
                f"opportunity {pk}: {change.before} -> {change.after} is not allowed"
            )
            assert change.at >= previous.at
            assert change.by_id is not None
            assert change.reason
        opportunity = opportunities[pk]
        assert changes[-1].after == opportunity.stage
        assert changes[-1].at == opportunity.stage_entered_at
        if opportunity.stage == Stage.LOST:
            assert changes[-1].details["disposition"] == opportunity.disposition
    assert StageChange.objects.filter(before="contract_sent", after="proposing").exists()


def test_demo_prospects_have_no_interest_activity(demo: DemoResult) -> None:
    prospects = Person.objects.filter(person_type=PersonType.PROSPECT)
    assert not Activity.objects.filter(person__in=prospects).exists()
    assert not TypeChangeRecord.objects.filter(person__in=prospects).exists()
    promoted = TypeChangeRecord.objects.filter(before="prospect", after="lead")
    first_activity = {
        row["person"]: row["first"]
        for row in Activity.objects.values("person").annotate(first=Min("occurred_at"))
    }
    assert promoted.count() == len(first_activity)
    for record in promoted:
        assert record.at == first_activity[record.person_id], "promoted at the first interest"
    assert not _leads().annotate(n=Count("activities")).filter(n=0).exists()
    # A name from a rented list that responded later was a prospect for a while first.
    assert Person.objects.filter(
        lead_source__name="Rented list", became_lead_at__gt=F("created_at")
    ).exists()


def test_demo_every_client_has_a_won_deal(demo: DemoResult) -> None:
    clients = Person.objects.filter(person_type=PersonType.CLIENT)
    assert clients.exists()
    for client in clients:
        won = client.opportunities.filter(stage=Stage.WON).order_by("closed_at")
        assert won.exists(), f"{client} is a client without a won deal"
        record = client.type_changes.get(after="client")
        assert record.before == "lead"
        assert record.at == won[0].closed_at == client.became_client_at
    won_leads = Person.objects.filter(person_type=PersonType.LEAD, opportunities__stage=Stage.WON)
    assert not won_leads.exists()


def test_demo_every_avoid_person_has_an_active_entry_with_reason(demo: DemoResult) -> None:
    avoid = Person.objects.filter(person_type=PersonType.AVOID)
    assert avoid.count() == AvoidEntry.objects.filter(lifted_at__isnull=True).count()
    for person in avoid:
        entry = person.avoid_entries.get(lifted_at__isnull=True)
        assert entry.reason
        assert entry.added_by_id
        assert entry.added_at <= NOW
        assert entry.email_normalized == (person.email_normalized or "")
        change = person.type_changes.get(after="avoid")
        assert change.before == person.type_before_avoid
        assert change.at == entry.added_at
        assert not person.opportunities.exclude(stage__in=[Stage.WON, Stage.LOST]).exists()
        assert not person.tasks.filter(done_at__isnull=True).exists()
    lost_to_avoid = Opportunity.objects.filter(disposition=LostDisposition.AVOID)
    assert all(o.person.person_type == PersonType.AVOID for o in lost_to_avoid)


def test_demo_lead_temperature_matches_its_activities(demo: DemoResult) -> None:
    triggers = adapters.triggers()
    for person in _interested().prefetch_related("activities"):
        activities = list(person.activities.all())
        reading = read_temperature(adapters.interest_activities(activities), triggers)
        assert reading is not None
        assert person.temperature == int(reading.temperature), person.pk
        assert person.temperature_explanation == reading.explanation
        assert person.has_problem_indicators == reading.has_problem_indicators
        for a in activities:
            assert a.temperature == int(triggers[(ActivityKind(a.kind), FollowUpWish(a.wish))])


def test_demo_qualification_matches_the_playbook(demo: DemoResult) -> None:
    """A lead's status is the playbook's verdict, unless a person decided after a call."""
    playbook = adapters.playbook()
    people = _interested().select_related("company", "lead_source", "sweet_spot")
    judged = 0
    for person in people:
        latest = person.qualification_records.order_by("-at", "-id").first()
        assert latest is not None
        assert latest.status == person.qualification_status
        assert latest.reason == person.qualification_explanation
        if latest.kind == QualificationRecord.Kind.CONFIRMED:
            assert person.qualification_status == "unqualified"
            assert person.unqualified_reason
            continue
        waived = frozenset(Trait(t) for t in person.waived_traits)
        result = qualify(adapters.lead_profile(person), playbook, waived=waived)
        assert result.status.value == person.qualification_status, person.pk
        assert result.explanation == person.qualification_explanation
        assert (person.sweet_spot.name if person.sweet_spot else None) == result.sweet_spot
        assert result.incomplete == person.incomplete
        judged += 1
    assert judged > SMALL / 3
    assert QualificationRecord.objects.filter(kind="rejected").exists()


def test_demo_tasks_follow_the_people_they_are_for(demo: DemoResult) -> None:
    raw_with_proposal = set(
        ProposedDisqualification.objects.filter(
            status="open", person__person_type=PersonType.LEAD
        ).values_list("person", flat=True)
    )
    assert raw_with_proposal
    confirm = set(
        Task.objects.filter(kind="confirm_disqualification", done_at__isnull=True)
        .exclude(person__person_type=PersonType.AVOID)
        .values_list("person", flat=True)
    )
    assert confirm == raw_with_proposal
    assert set(
        Person.objects.filter(pk__in=raw_with_proposal).values_list(
            "qualification_status", flat=True
        )
    ) == {"raw"}
    incomplete = _leads().filter(incomplete=True)
    assert not incomplete.exclude(
        tasks__kind="gather_missing_information", tasks__done_at__isnull=True
    ).exists()
    assert Opportunity.objects.count() == Task.objects.filter(kind="shock_and_awe").count()
    calendar = adapters.calendar()
    for task in Task.objects.filter(kind__in=["call", "personal_follow_up"]):
        assert task.due_on is not None
        assert calendar.is_business_day(task.due_on)
        assert task.due_on > task.created_at.date()
    assert Task.objects.filter(kind="call", done_at__isnull=True).exists()
    assert not Task.objects.filter(done_at__lt=F("created_at")).exists()


def test_demo_contract_sent_mostly_wins_and_some_wins_take_a_long_nurture(demo: DemoResult) -> None:
    won = StageChange.objects.filter(before="contract_sent", after="won").count()
    lost = StageChange.objects.filter(before="contract_sent", after="lost").count()
    assert won / (won + lost) >= 0.85
    slow = [
        o
        for o in Opportunity.objects.filter(stage=Stage.WON).select_related("person")
        if o.person.became_lead_at
        and timedelta(days=180) <= o.closed_at - o.person.became_lead_at <= timedelta(days=366)  # type: ignore[operator]
    ]
    assert slow


def test_demo_history_never_happens_after_now(demo: DemoResult) -> None:
    checks: list[tuple[type[Model], str]] = [
        (Person, "created_at"),
        (Activity, "occurred_at"),
        (Activity, "recorded_at"),
        (StageChange, "at"),
        (TypeChangeRecord, "at"),
        (QualificationRecord, "at"),
        (Appointment, "booked_at"),
        (Appointment, "outcome_at"),
        (Task, "created_at"),
        (Task, "done_at"),
        (ConsentChange, "at"),
        (AvoidEntry, "added_at"),
    ]
    for model, field in checks:
        assert not model._default_manager.filter(**{f"{field}__gt": NOW}).exists(), (
            f"{model.__name__}.{field}"
        )
    start = NOW - timedelta(days=560)
    assert not Person.objects.filter(created_at__lt=start).exists()
    first = Campaign.objects.order_by("started_on").first()
    assert first is not None
    assert first.started_on is not None
    assert (NOW.date() - first.started_on).days > 500
    assert Appointment.objects.filter(scheduled_at__gt=NOW, outcome__isnull=True).exists()


def test_demo_users_can_log_in(demo: DemoResult, client: Client) -> None:
    assert [u.role for u in demo.users] == list(ROLES)
    for login in demo.users:
        assert client.login(username=login.username, password=login.password), login.username
        client.logout()
        user = User.objects.get(username=login.username)
        assert user.groups.filter(name=login.role).exists()
    admin = User.objects.get(username="admin")
    assert admin.is_staff
    assert admin.is_superuser
    assert User.objects.get(username="owner").is_staff
    assert User.objects.filter(groups__name="setter").count() == 4
    assert User.objects.filter(groups__name="rep").count() == 3


def test_demo_same_seed_plans_the_same_world() -> None:
    config = Config(
        default_playbook(), DEFAULT_TRIGGERS, DEFAULT_NEXT_STEPS, 1, BusinessCalendar("US")
    )

    def fingerprint(seed: int) -> list[tuple[Any, ...]]:
        world = plan_world(seed=seed, people=150, now=NOW, config=config, staff=staff())
        return [
            (
                p.email,
                p.person_type,
                p.qualification_explanation,
                p.temperature_explanation,
                *tuple((o.stage, o.created_at) for o in p.opportunities),
            )
            for p in world.people
        ]

    assert fingerprint(3) == fingerprint(3)
    assert fingerprint(3) != fingerprint(4)


def test_demo_funnel_facts_equal_a_rebuild_from_its_history(demo: DemoResult) -> None:
    from tests.reports.test_facts import assert_same_as_a_rebuild

    assert_same_as_a_rebuild()


def test_demo_thirty_percent_setter_is_flagged_by_the_show_rate_report(demo: DemoResult) -> None:
    from leadflow.reports.show_rate import show_rates

    flagged = [r for r in show_rates() if r.below_threshold]
    assert len(flagged) == 1
    assert 0.2 <= flagged[0].verdict.rate.value <= 0.4  # type: ignore[operator]
    assert "below 50%" in flagged[0].verdict.why


def test_demo_forecast_backtest_is_close_to_what_happened(demo: DemoResult) -> None:
    """Cut the demo's history at past months, forecast, compare: the 80% ranges hold what
    followed at least half the time, and the error is well under what followed."""
    from leadflow.reports.backtest import backtest

    points, summary = backtest(cuts=6, now=NOW)
    assert len(points) == 6 * 3
    assert sum(s.coverage for s in summary) / len(summary) >= 0.5, summary
    for s in summary:
        assert s.mean_actual > 0
        assert s.mean_absolute_error < 0.5 * s.mean_actual, summary
