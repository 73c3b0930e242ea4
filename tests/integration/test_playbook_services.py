"""Editing the playbook on the real database: every change is a PlaybookChange row with
who, when, why and before → after; a no-op writes nothing; nobody is re-judged."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from leadflow.crm import adapters
from leadflow.crm.models import Avatar, BusinessSettings, Criterion, Person
from leadflow.crm.models.history import PlaybookChange
from leadflow.crm.services import playbook as services
from leadflow.domain import qualification as q
from leadflow.domain.errors import MissingDetail
from leadflow.domain.people import Role
from leadflow.domain.profile import Trait
from leadflow.domain.temperature import (
    ActivityKind,
    FollowUpWish,
    NextAction,
    NextStep,
    Temperature,
)
from tests.integration.conftest import NOW

pytestmark = pytest.mark.django_db

AVATAR = "Growing professional firm"


def row(trait: Trait, operator: q.Operator, avatar: str | None = AVATAR) -> Criterion:
    return Criterion.objects.get(avatar__name=avatar, trait=trait, operator=operator)


def test_a_changed_criterion_keeps_who_when_why_and_before_after(
    users: dict[Role, User],
) -> None:
    target = row(Trait.EMPLOYEE_COUNT, q.Operator.AT_LEAST)
    new = q.Criterion(Trait.EMPLOYEE_COUNT, q.Operator.AT_LEAST, Decimal(15))
    change = services.change_criterion(
        row=target, by=users[Role.ADMIN], criterion=new, reason="bigger firms", at=NOW
    )
    assert change is not None
    assert (change.by, change.at, change.reason) == (users[Role.ADMIN], NOW, "bigger firms")
    assert (change.area, change.action, change.subject) == (
        PlaybookChange.Area.CRITERION,
        PlaybookChange.Action.CHANGED,
        f"avatar {AVATAR}",
    )
    assert change.before == {"criterion": "employee_count at least 10"}
    assert change.after == {"criterion": "employee_count at least 15"}
    target.refresh_from_db()
    assert adapters.criterion(target) == new


def test_an_unchanged_criterion_writes_no_history(users: dict[Role, User]) -> None:
    target = row(Trait.EMPLOYEE_COUNT, q.Operator.AT_LEAST)
    same = q.Criterion(Trait.EMPLOYEE_COUNT, q.Operator.AT_LEAST, Decimal(10))
    assert services.change_criterion(row=target, by=users[Role.OWNER], criterion=same) is None
    assert not PlaybookChange.objects.exists()


def test_added_criteria_go_last_and_removed_ones_are_remembered(
    users: dict[Role, User],
) -> None:
    avatar = Avatar.objects.get(name=AVATAR)
    added = services.add_criterion(
        by=users[Role.OWNER],
        avatar=avatar,
        criterion=q.Criterion(Trait.NEED, q.Operator.NONE_OF, frozenset({"rfp_only"})),
    )
    assert added.position == max(c.position for c in avatar.criteria.all())
    assert adapters.playbook().avatars[0].criteria[-1].describe() == "need none of rfp_only"
    removed = services.remove_criterion(row=added, by=users[Role.ADMIN], reason="too strict")
    assert (removed.before, removed.after, removed.reason) == (
        {"criterion": "need none of rfp_only"},
        None,
        "too strict",
    )
    assert not Criterion.objects.filter(pk=added.pk).exists()


def test_a_retired_avatar_tags_no_new_lead_but_its_leads_keep_the_tag(
    users: dict[Role, User], make_lead: Callable[..., Person]
) -> None:
    tagged = make_lead()
    assert tagged.sweet_spot is not None
    assert tagged.sweet_spot.name == AVATAR
    avatar = Avatar.objects.get(name=AVATAR)
    change = services.change_avatar(
        avatar=avatar,
        by=users[Role.OWNER],
        name=AVATAR,
        description=avatar.description,
        priority=avatar.priority,
        active=False,
    )
    assert change is not None
    assert (change.before, change.after) == ({"active": True}, {"active": False})
    tagged.refresh_from_db()
    assert tagged.sweet_spot_id == avatar.pk  # nobody is re-judged by the change
    newcomer = make_lead()
    assert newcomer.sweet_spot_id is None  # the next lead meets the playbook as it is now


def test_an_avatar_needs_a_name(users: dict[Role, User]) -> None:
    with pytest.raises(MissingDetail, match="name"):
        services.add_avatar(by=users[Role.OWNER], name="  ")
    assert not Avatar.objects.filter(name="").exists()


def test_triggers_store_and_record_only_the_pairs_that_changed(
    users: dict[Role, User],
) -> None:
    key = (ActivityKind.NEWSLETTER_SIGNUP, FollowUpWish.NEUTRAL)
    everything = {**adapters.triggers(), key: Temperature.WARM}
    change = services.set_triggers(by=users[Role.OWNER], triggers=everything)
    assert change is not None
    assert (change.before, change.after) == (
        {"newsletter signup, wish neutral": "cool"},
        {"newsletter signup, wish neutral": "warm"},
    )
    assert adapters.triggers()[key] is Temperature.WARM
    assert services.set_triggers(by=users[Role.OWNER], triggers=everything) is None


def test_next_steps_store_and_record_what_changed(users: dict[Role, User]) -> None:
    steps = {**adapters.next_steps(), Temperature.HOT: NextStep(NextAction.CALL, 0)}
    change = services.set_next_steps(by=users[Role.ADMIN], steps=steps)
    assert change is not None
    assert change.after == {"hot": "call within 0 business days"}
    assert adapters.next_steps()[Temperature.HOT] == NextStep(NextAction.CALL, 0)


def test_thresholds_are_checked_and_recorded(users: dict[Role, User]) -> None:
    with pytest.raises(MissingDetail, match="between 0% and 100%"):
        services.set_thresholds(
            by=users[Role.OWNER], raw_age_alert_business_days=1, show_rate_threshold=Decimal(2)
        )
    with pytest.raises(MissingDetail, match="negative"):
        services.set_thresholds(
            by=users[Role.OWNER], raw_age_alert_business_days=-1, show_rate_threshold=Decimal(0)
        )
    change = services.set_thresholds(
        by=users[Role.OWNER], raw_age_alert_business_days=2, show_rate_threshold=Decimal("0.5")
    )
    assert change is not None
    assert (change.before, change.after) == (
        {"raw-age alert (business days)": 1},
        {"raw-age alert (business days)": 2},
    )
    assert BusinessSettings.objects.get().raw_age_alert_business_days == 2


def test_a_calendar_without_holidays_is_refused(users: dict[Role, User]) -> None:
    with pytest.raises(MissingDetail, match="no holiday calendar"):
        services.set_calendar(by=users[Role.OWNER], country="US", subdivision="XX")
    change = services.set_calendar(by=users[Role.OWNER], country="ca", subdivision="on")
    assert change is not None
    assert (change.before, change.after) == (
        {"country": "US", "subdivision": ""},
        {"country": "CA", "subdivision": "ON"},
    )
    assert adapters.calendar().country == "CA"
