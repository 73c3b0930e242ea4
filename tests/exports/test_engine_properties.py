"""Properties of list exports over random worlds (PRODUCT.md §5): nobody reaches a list
they must not be on, the counts add up, and the set-based engine agrees with the
domain's per-person `eligibility` for every person and channel.

The channel groups are written out from the rulebook, not taken from channels.py.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings

from leadflow.crm.adapters import channel_subject
from leadflow.crm.models import Person
from leadflow.crm.services.avoid import active_entry_for
from leadflow.domain.channels import Channel, eligibility
from leadflow.domain.people import PersonType
from leadflow.domain.qualification import QualificationStatus
from leadflow.exports.engine import ExportResult, export_list
from tests.exports.test_engine_world import Someone, build, worlds

pytestmark = pytest.mark.django_db

C = Channel
EMAIL_CHANNELS = {C.EMAIL_DRIP, C.GENERAL_EMAIL, C.CLIENT_UPSELL, C.CLIENT_REFERRAL}
PROSPECTING = {C.EMAIL_DRIP, C.GENERAL_EMAIL, C.DIRECT_MAIL, C.TELEMARKETING, C.PROSPECTING}
SWEET_SPOT_ONLY = {C.DIRECT_MAIL, C.TELEMARKETING}
PROSPECTING_CALLS_AND_MAIL = {C.DIRECT_MAIL, C.TELEMARKETING, C.PROSPECTING}
PROPERTY = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _in_world(people: list[Someone], check: object) -> None:
    with transaction.atomic():
        stored = build(people)
        results = {channel: export_list(channel) for channel in Channel}
        assert callable(check)
        check(stored, results)
        transaction.set_rollback(True)


def _included(result: ExportResult) -> set[int]:
    return set(result.included["person_id"].to_list())


@PROPERTY
@given(people=worlds)
def test_no_export_ever_reaches_someone_the_rules_keep_off_it(
    db: None, people: list[Someone]
) -> None:
    def check(stored: list[Person], results: dict[Channel, ExportResult]) -> None:
        by_id = {p.pk: (p, s) for p, s in zip(stored, people, strict=True)}
        for channel, result in results.items():
            for pid in _included(result):
                person, s = by_id[pid]
                where = f"{person} on {channel}"
                assert person.person_type != PersonType.AVOID, f"Avoid person {where}"
                if channel in EMAIL_CHANNELS:
                    assert not person.email_opt_out, f"opted-out email {where}"
                if channel is C.TELEMARKETING:
                    assert not person.do_not_call, f"do-not-call number {where}"
                if channel is C.DIRECT_MAIL:
                    assert person.has_postal_address, f"no postal address {where}"
                if channel in SWEET_SPOT_ONLY and person.person_type == PersonType.LEAD:
                    assert person.sweet_spot_id is not None, f"not sweet spot {where}"
                    assert person.qualification_status == QualificationStatus.QUALIFIED
                if channel in PROSPECTING:
                    assert person.person_type != PersonType.CLIENT, f"client {where}"
                if channel in PROSPECTING_CALLS_AND_MAIL and person.person_type == "lead":
                    assert s.opportunity != "open", f"open opportunity {where}"

    _in_world(people, check)


@PROPERTY
@given(people=worlds)
def test_included_plus_excluded_is_everyone_considered_once(
    db: None, people: list[Someone]
) -> None:
    def check(stored: list[Person], results: dict[Channel, ExportResult]) -> None:
        everyone = {p.pk for p in stored}
        for result in results.values():
            included, excluded = _included(result), set(result.excluded["person_id"])
            assert result.considered == len(everyone)
            assert included | excluded == everyone
            assert not included & excluded
            assert result.excluded["reasons"].list.len().min() or result.excluded.is_empty()
            every_reason = result.excluded["reasons"].explode().value_counts()
            counted = {str(k): v for k, v in result.excluded_by_reason.items()}
            assert counted == dict(every_reason.iter_rows())

    _in_world(people, check)


@PROPERTY
@given(people=worlds)
def test_the_engine_agrees_with_the_per_person_eligibility_for_every_channel(
    db: None, people: list[Someone]
) -> None:
    def check(stored: list[Person], results: dict[Channel, ExportResult]) -> None:
        for person in Person.objects.filter(pk__in=[p.pk for p in stored]):
            subject = channel_subject(
                person,
                has_open_opportunity=any(o.is_open for o in person.opportunities.all()),
                avoid_entry=active_entry_for(person),
            )
            for channel, result in results.items():
                expected = eligibility(subject, channel)
                row = result.excluded.filter(person_id=person.pk)
                if expected.allowed:
                    assert person.pk in _included(result), f"{person} left off {channel}"
                    assert row.is_empty()
                else:
                    codes = [r.code.value for r in expected.reasons]
                    assert row["reasons"].to_list() == [codes], f"{person} on {channel}"
                    assert row["explanation"].to_list() == [expected.explain()]

    _in_world(people, check)
