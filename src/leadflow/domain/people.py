"""Person types and how a person moves between them (PRODUCT.md §1).

Exactly one type per person. The table below is the whole state machine: a prospect
becomes a lead only by showing interest (never by fitting a profile), a won deal makes a
client, anyone can be put on Avoid, and only an admin's explicit, reasoned action lifts
an Avoid entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from leadflow.domain.errors import IllegalTransition, MissingDetail, NotPermitted, OnAvoidList


class PersonType(StrEnum):
    PROSPECT = "prospect"
    LEAD = "lead"
    CLIENT = "client"
    AVOID = "avoid"


class PersonEvent(StrEnum):
    INTEREST_SHOWN = "interest_shown"
    DEAL_WON = "deal_won"
    PUT_ON_AVOID = "put_on_avoid"
    LIFTED_FROM_AVOID = "lifted_from_avoid"


class Role(StrEnum):
    OWNER = "owner"
    MARKETING = "marketing"
    SETTER = "setter"
    REP = "rep"
    ADMIN = "admin"


@dataclass(frozen=True)
class TypeChange:
    """The outcome of an event: the new type, whether it changed, and why."""

    before: PersonType
    after: PersonType
    event: PersonEvent
    reason: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


# (current type, event) -> new type. A pair missing from this table is an illegal move.
# Interest never demotes: a lead stays a lead, a client stays a client.
# Interest never promotes an Avoid person: the activity may be recorded, the type stays.
TRANSITIONS: dict[tuple[PersonType, PersonEvent], PersonType] = {
    (PersonType.PROSPECT, PersonEvent.INTEREST_SHOWN): PersonType.LEAD,
    (PersonType.LEAD, PersonEvent.INTEREST_SHOWN): PersonType.LEAD,
    (PersonType.CLIENT, PersonEvent.INTEREST_SHOWN): PersonType.CLIENT,
    (PersonType.AVOID, PersonEvent.INTEREST_SHOWN): PersonType.AVOID,
    (PersonType.LEAD, PersonEvent.DEAL_WON): PersonType.CLIENT,
    (PersonType.CLIENT, PersonEvent.DEAL_WON): PersonType.CLIENT,
    (PersonType.PROSPECT, PersonEvent.PUT_ON_AVOID): PersonType.AVOID,
    (PersonType.LEAD, PersonEvent.PUT_ON_AVOID): PersonType.AVOID,
    (PersonType.CLIENT, PersonEvent.PUT_ON_AVOID): PersonType.AVOID,
}

_REASONS: dict[tuple[PersonType, PersonEvent], str] = {
    (
        PersonType.PROSPECT,
        PersonEvent.INTEREST_SHOWN,
    ): "first interest activity: prospect becomes a lead",
    (PersonType.LEAD, PersonEvent.INTEREST_SHOWN): "already a lead",
    (PersonType.CLIENT, PersonEvent.INTEREST_SHOWN): "already a client",
    (PersonType.AVOID, PersonEvent.INTEREST_SHOWN): "on the Avoid list: interest never promotes",
    (PersonType.LEAD, PersonEvent.DEAL_WON): "deal won: lead becomes a client",
    (PersonType.CLIENT, PersonEvent.DEAL_WON): "another deal won by a client",
}


def apply_event(current: PersonType, event: PersonEvent) -> TypeChange:
    """Apply an automatic event (interest, won). Avoid changes go through `put_on_avoid`
    and `lift_from_avoid`, which need who and why."""
    if event in (PersonEvent.PUT_ON_AVOID, PersonEvent.LIFTED_FROM_AVOID):
        raise IllegalTransition(f"{event.value} needs who and why: use its own function")
    target = TRANSITIONS.get((current, event))
    if target is None:
        if current is PersonType.AVOID:
            raise OnAvoidList(f"a {current.value} person cannot have {event.value}")
        raise IllegalTransition(f"a {current.value} cannot have {event.value}")
    return TypeChange(current, target, event, _REASONS[(current, event)])


def put_on_avoid(current: PersonType, *, by: str, reason: str) -> TypeChange:
    """Anyone may be put on Avoid; the entry must say who did it and why."""
    if not by.strip():
        raise MissingDetail("putting someone on Avoid needs who did it")
    if not reason.strip():
        raise MissingDetail("putting someone on Avoid needs a reason")
    if current is PersonType.AVOID:
        raise OnAvoidList("already on the Avoid list")
    return TypeChange(current, PersonType.AVOID, PersonEvent.PUT_ON_AVOID, reason.strip())


def lift_from_avoid(
    current: PersonType,
    *,
    actor_roles: frozenset[Role],
    reason: str,
    type_before_avoid: PersonType | None,
) -> TypeChange:
    """The only way off Avoid: an admin, with a reason, back to the type held before.

    A person whose earlier type is unknown returns as a prospect: they must show
    interest again before anyone treats them as a lead. Only someone on Avoid can be
    lifted: otherwise a "lift" would be a back door that turns a lead or a client into
    a prospect.
    """
    if current is not PersonType.AVOID:
        raise IllegalTransition(f"a {current.value} is not on the Avoid list: nothing to lift")
    if Role.ADMIN not in actor_roles:
        raise NotPermitted("only an admin may take someone off the Avoid list")
    if not reason.strip():
        raise MissingDetail("taking someone off the Avoid list needs a reason")
    after = type_before_avoid or PersonType.PROSPECT
    if after is PersonType.AVOID:
        after = PersonType.PROSPECT
    return TypeChange(PersonType.AVOID, after, PersonEvent.LIFTED_FROM_AVOID, reason.strip())
