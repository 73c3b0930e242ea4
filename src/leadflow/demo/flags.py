"""Late in a person's story: consent flags, client flags, and being put on Avoid.

Each flag is kept as history (a ConsentChange with who, when and why), not just set.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from leadflow.demo import catalog
from leadflow.demo.leads import put_on_avoid
from leadflow.demo.plan import PlannedConsent, PlannedPerson, Staff
from leadflow.demo.timeline import Clock
from leadflow.domain.people import PersonType
from leadflow.domain.pipeline import Stage


def maybe_avoid(person: PlannedPerson, clock: Clock, staff: Staff) -> None:
    """A few leads turn out to be people we will never work with; a few clients get fired.
    Nobody in an open opportunity: that would need the deal lost first."""
    rng = clock.rng
    if any(Stage(o.stage).is_open for o in person.opportunities):
        return
    if person.person_type == PersonType.LEAD and rng.random() < 0.025:
        last = _last_event(person)
        at = clock.between(last + timedelta(days=1), clock.now)
        if clock.past(at) and at > last:
            reason = rng.choice(catalog.AVOID_LEAD)
            put_on_avoid(person, by=rng.choice(staff.setters), reason=reason, at=at)
    elif person.person_type == PersonType.CLIENT and person.became_client_at:
        _client_flags(person, clock, staff, person.became_client_at)


def _last_event(person: PlannedPerson) -> datetime:
    """When anything last happened to this person: Avoid can only come after it."""
    moments = [person.created_at]
    moments += [a.at for a in person.activities] + [q.at for q in person.qualifications]
    moments += [t.created_at for t in person.tasks] + [t.at for t in person.type_changes]
    moments += [c.at for o in person.opportunities for c in o.changes]
    return max(moments)


def _client_flags(person: PlannedPerson, clock: Clock, staff: Staff, since: datetime) -> None:
    rng, owner = clock.rng, staff.owner
    flags = (
        ("client_refunded", 0.06, "refunded the onboarding fee after a rocky migration"),
        ("client_late_pay", 0.1, "invoices more than 60 days late"),
    )
    for flag, share, reason in flags:
        at = clock.days_after(since, 30, 240)
        if rng.random() < share and clock.past(at):
            setattr(person, flag, True)
            person.consents.append(PlannedConsent(flag, True, at, reason, owner))
    if rng.random() < 0.04:
        at = clock.days_after(since, 60, 300)
        if clock.past(at) and at > _last_event(person) and all(c.at < at for c in person.consents):
            put_on_avoid(person, by=owner, reason=rng.choice(catalog.AVOID_CLIENT), at=at)


def set_consents(person: PlannedPerson, clock: Clock, staff: Staff) -> None:
    """Email opt-outs and do-not-call requests, at some point after we first had them."""
    rng = clock.rng
    choices = (
        ("email_opt_out", 0.06, "unsubscribed from every email", None),
        ("do_not_call", 0.07, "asked not to be called", rng.choice(staff.setters)),
    )
    for flag, share, reason, by in choices:
        if rng.random() < share:
            at = clock.between(person.created_at + timedelta(days=1), clock.now)
            if at > person.created_at:
                setattr(person, flag, True)
                person.consents.append(PlannedConsent(flag, True, at, reason, by))
