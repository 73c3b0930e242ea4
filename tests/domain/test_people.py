"""Person types and their moves (PRODUCT.md §1)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadflow.domain.errors import (
    DomainError,
    IllegalTransition,
    MissingDetail,
    NotPermitted,
    OnAvoidList,
)
from leadflow.domain.people import (
    PersonEvent,
    PersonType,
    Role,
    TypeChange,
    apply_event,
    lift_from_avoid,
    put_on_avoid,
)

NOT_AVOID = [PersonType.PROSPECT, PersonType.LEAD, PersonType.CLIENT]
NOT_ADMIN = [r for r in Role if r is not Role.ADMIN]


def test_prospect_becomes_lead_on_first_interest_activity() -> None:
    change = apply_event(PersonType.PROSPECT, PersonEvent.INTEREST_SHOWN)

    assert change.before is PersonType.PROSPECT
    assert change.after is PersonType.LEAD
    assert change.changed
    assert "first interest" in change.reason


def test_fitting_a_profile_never_makes_a_prospect_a_lead() -> None:
    # There is no "fits the profile" event: of the automatic events, only interest
    # promotes a prospect; everything else either is refused or needs who and why.
    promoting = []
    for event in PersonEvent:
        try:
            change = apply_event(PersonType.PROSPECT, event)
        except DomainError:
            continue
        if change.after is PersonType.LEAD:
            promoting.append(event)
    assert promoting == [PersonEvent.INTEREST_SHOWN]


def test_a_prospect_cannot_win_a_deal_without_becoming_a_lead_first() -> None:
    with pytest.raises(IllegalTransition, match="prospect"):
        apply_event(PersonType.PROSPECT, PersonEvent.DEAL_WON)


def test_won_deal_makes_lead_a_client() -> None:
    change = apply_event(PersonType.LEAD, PersonEvent.DEAL_WON)

    assert (change.before, change.after) == (PersonType.LEAD, PersonType.CLIENT)
    assert change.changed
    assert "client" in change.reason


def test_another_won_deal_keeps_a_client_a_client() -> None:
    change = apply_event(PersonType.CLIENT, PersonEvent.DEAL_WON)

    assert change.after is PersonType.CLIENT
    assert not change.changed


@pytest.mark.parametrize("person_type", [PersonType.LEAD, PersonType.CLIENT])
def test_interest_never_demotes(person_type: PersonType) -> None:
    change = apply_event(person_type, PersonEvent.INTEREST_SHOWN)

    assert change.after is person_type
    assert not change.changed


@pytest.mark.parametrize("person_type", NOT_AVOID)
def test_anyone_can_be_put_on_avoid_with_who_and_why(person_type: PersonType) -> None:
    change = put_on_avoid(person_type, by="dana (admin)", reason="  asked us to stop calling  ")

    assert change.before is person_type
    assert change.after is PersonType.AVOID
    assert change.event is PersonEvent.PUT_ON_AVOID
    assert change.reason == "asked us to stop calling"


@pytest.mark.parametrize("by", ["", "   "])
def test_putting_on_avoid_needs_who(by: str) -> None:
    with pytest.raises(MissingDetail, match="who"):
        put_on_avoid(PersonType.LEAD, by=by, reason="asked us to stop")


@pytest.mark.parametrize("reason", ["", "   "])
def test_putting_on_avoid_needs_a_reason(reason: str) -> None:
    with pytest.raises(MissingDetail, match="reason"):
        put_on_avoid(PersonType.LEAD, by="dana", reason=reason)


def test_avoid_changes_are_not_automatic_events() -> None:
    for event in (PersonEvent.PUT_ON_AVOID, PersonEvent.LIFTED_FROM_AVOID):
        for person_type in PersonType:
            with pytest.raises(IllegalTransition, match="who and why"):
                apply_event(person_type, event)


def test_an_avoid_person_cannot_be_put_on_avoid_twice() -> None:
    with pytest.raises(OnAvoidList):
        put_on_avoid(PersonType.AVOID, by="dana", reason="again")


@pytest.mark.parametrize("before", [*NOT_AVOID, None])
def test_only_an_admin_with_a_reason_lifts_an_avoid_entry(before: PersonType | None) -> None:
    for role in NOT_ADMIN:
        with pytest.raises(NotPermitted, match="admin"):
            lift_from_avoid(
                PersonType.AVOID,
                actor_roles=frozenset({role}),
                reason="made peace",
                type_before_avoid=before,
            )
    with pytest.raises(NotPermitted):
        lift_from_avoid(
            PersonType.AVOID, actor_roles=frozenset(), reason="x", type_before_avoid=before
        )
    for blank in ("", "  "):
        with pytest.raises(MissingDetail, match="reason"):
            lift_from_avoid(
                PersonType.AVOID,
                actor_roles=frozenset({Role.ADMIN}),
                reason=blank,
                type_before_avoid=before,
            )

    change = lift_from_avoid(
        PersonType.AVOID,
        actor_roles=frozenset({Role.REP, Role.ADMIN}),
        reason=" made peace ",
        type_before_avoid=before,
    )
    assert change.before is PersonType.AVOID
    assert change.after is (before or PersonType.PROSPECT)
    assert change.event is PersonEvent.LIFTED_FROM_AVOID
    assert change.reason == "made peace"


def test_lifted_person_with_unknown_past_returns_as_a_prospect_not_a_lead() -> None:
    for before in (None, PersonType.AVOID):
        change = lift_from_avoid(
            PersonType.AVOID,
            actor_roles=frozenset({Role.ADMIN}),
            reason="mistake",
            type_before_avoid=before,
        )
        assert change.after is PersonType.PROSPECT


@pytest.mark.parametrize("current", NOT_AVOID)
def test_only_someone_on_avoid_can_be_lifted(current: PersonType) -> None:
    # Otherwise a "lift" with an unknown past would turn a lead or client into a prospect.
    with pytest.raises(IllegalTransition, match="not on the Avoid list"):
        lift_from_avoid(
            current, actor_roles=frozenset({Role.ADMIN}), reason="x", type_before_avoid=None
        )


def test_interest_never_promotes_an_avoid_person() -> None:
    change = apply_event(PersonType.AVOID, PersonEvent.INTEREST_SHOWN)

    assert change.after is PersonType.AVOID
    assert not change.changed
    assert "Avoid" in change.reason


def test_a_won_deal_never_takes_a_person_off_avoid() -> None:
    with pytest.raises(OnAvoidList):
        apply_event(PersonType.AVOID, PersonEvent.DEAL_WON)


def test_lead_never_goes_back_to_prospect() -> None:
    for event in PersonEvent:
        try:
            change = apply_event(PersonType.LEAD, event)
        except DomainError:
            continue
        assert change.after is not PersonType.PROSPECT


# --- properties -----------------------------------------------------------------------

roles = st.frozensets(st.sampled_from(Role))
steps = st.lists(st.tuples(st.sampled_from(PersonEvent), roles), max_size=12)


def _step(
    current: PersonType,
    before_avoid: PersonType | None,
    event: PersonEvent,
    actor_roles: frozenset[Role],
) -> tuple[PersonType, PersonType | None]:
    """Apply one event the way a service would; a refused event leaves the person as is."""
    change: TypeChange
    try:
        if event is PersonEvent.PUT_ON_AVOID:
            change = put_on_avoid(current, by="someone", reason="some reason")
            return change.after, current
        if event is PersonEvent.LIFTED_FROM_AVOID:
            change = lift_from_avoid(
                current, actor_roles=actor_roles, reason="why", type_before_avoid=before_avoid
            )
        else:
            change = apply_event(current, event)
    except DomainError:
        return current, before_avoid
    assert change.before is current
    return change.after, before_avoid


@given(steps=steps, before_avoid=st.none() | st.sampled_from(NOT_AVOID))
def test_nothing_but_an_admin_lift_takes_a_person_off_avoid(
    steps: list[tuple[PersonEvent, frozenset[Role]]], before_avoid: PersonType | None
) -> None:
    current: PersonType = PersonType.AVOID
    for event, actor_roles in steps:
        after, before_avoid = _step(current, before_avoid, event, actor_roles)
        if current is PersonType.AVOID and after is not PersonType.AVOID:
            assert event is PersonEvent.LIFTED_FROM_AVOID
            assert Role.ADMIN in actor_roles
        current = after


@given(
    steps=st.lists(st.tuples(st.sampled_from(PersonEvent), roles.map(lambda r: r - {Role.ADMIN})))
)
def test_without_an_admin_avoid_is_forever(
    steps: list[tuple[PersonEvent, frozenset[Role]]],
) -> None:
    current: PersonType = PersonType.AVOID
    before_avoid: PersonType | None = PersonType.LEAD
    for event, actor_roles in steps:
        current, before_avoid = _step(current, before_avoid, event, actor_roles)
        assert current is PersonType.AVOID


@given(steps=steps)
def test_a_lead_never_becomes_a_prospect_by_any_sequence(
    steps: list[tuple[PersonEvent, frozenset[Role]]],
) -> None:
    current: PersonType = PersonType.LEAD
    before_avoid: PersonType | None = None
    for event, actor_roles in steps:
        current, before_avoid = _step(current, before_avoid, event, actor_roles)
        assert current is not PersonType.PROSPECT
