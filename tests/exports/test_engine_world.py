"""Random worlds for the export engine, built set-based with bulk_create."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from leadflow.crm.models import Avatar, AvoidEntry, Opportunity, Person
from leadflow.domain.people import PersonType
from leadflow.domain.pipeline import LostDisposition, Stage
from leadflow.domain.qualification import QualificationStatus, UnqualifiedReason

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Someone:
    person_type: PersonType
    qualification: QualificationStatus | None
    sweet_spot: bool
    email: bool
    email_opt_out: bool
    phone: bool
    do_not_call: bool
    address: bool
    refunded: bool
    late_pay: bool
    opportunity: str  # "", "open", "won", "lost"
    avoid_entry: bool
    avoid_days_ago: int


someone = st.builds(
    Someone,
    person_type=st.sampled_from(list(PersonType)),
    qualification=st.sampled_from([None, *QualificationStatus]),
    sweet_spot=st.booleans(),
    email=st.booleans(),
    email_opt_out=st.booleans(),
    phone=st.booleans(),
    do_not_call=st.booleans(),
    address=st.booleans(),
    refunded=st.booleans(),
    late_pay=st.booleans(),
    opportunity=st.sampled_from(["", "open", "won", "lost"]),
    avoid_entry=st.booleans(),
    avoid_days_ago=st.integers(0, 900),
)
worlds = st.lists(someone, min_size=1, max_size=14)


def build(people: list[Someone]) -> list[Person]:
    """Store the world; a prospect has no qualification (a database rule)."""
    avatar = Avatar.objects.first() or Avatar.objects.create(name="Sweet spot")
    rows = []
    for n, s in enumerate(people):
        status = None if s.person_type is PersonType.PROSPECT else s.qualification
        rows.append(
            Person(
                first_name=f"P{n}",
                last_name="World",
                email=f"p{n}@example.com" if s.email else "",
                email_normalized=f"p{n}@example.com" if s.email else None,
                phone="(512) 555-0100" if s.phone else "",
                phone_normalized=f"+1512555{n:04d}" if s.phone else None,
                street="1 Main St" if s.address else "",
                city="Austin" if s.address else "",
                postcode="78701",
                country="US",
                person_type=s.person_type,
                qualification_status=status,
                unqualified_reason=(
                    UnqualifiedReason.WRONG_NICHE
                    if status is QualificationStatus.UNQUALIFIED
                    else None
                ),
                sweet_spot=avatar if s.sweet_spot else None,
                email_opt_out=s.email_opt_out,
                do_not_call=s.do_not_call,
                client_refunded=s.refunded,
                client_late_pay=s.late_pay,
                created_at=NOW,
            )
        )
    stored = Person.objects.bulk_create(rows)
    opportunities = []
    for person, s in zip(stored, people, strict=True):
        if not s.opportunity:
            continue
        stage = {"open": Stage.APPOINTMENT_SET, "won": Stage.WON, "lost": Stage.LOST}
        opportunities.append(
            Opportunity(
                person=person,
                stage=stage[s.opportunity],
                stage_entered_at=NOW,
                created_at=NOW,
                closed_at=None if s.opportunity == "open" else NOW,
                contract_value=1000 if s.opportunity == "won" else None,
                lost_reason="no budget" if s.opportunity == "lost" else "",
                disposition=LostDisposition.NURTURE if s.opportunity == "lost" else None,
            )
        )
    Opportunity.objects.bulk_create(opportunities)
    AvoidEntry.objects.bulk_create(
        AvoidEntry(
            person=person,
            email_normalized=person.email_normalized or "",
            reason="asked never to be contacted",
            added_at=NOW - timedelta(days=s.avoid_days_ago),
        )
        for person, s in zip(stored, people, strict=True)
        if s.avoid_entry and s.person_type is PersonType.AVOID
    )
    return stored
