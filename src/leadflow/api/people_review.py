"""Judging a lead by hand through the API: re-run the rules, propose a disqualification,
confirm or reject one; and the consent flags.

Each is the raw-review or confirmations page's action over the same service
(crm/services/qualification.py, review.py, people.change_consent), with the same roles.
The services decide; a refusal comes back with their reason (errors.py maps it: an
illegal move 409, a missing detail 422, a role the consent rules do not allow 403).
"""

# No `from __future__ import annotations`: ninja reads the views' annotations through
# GuardedRouter's wrapper, whose globals are access.py's, so they must not be strings.

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Schema, Status

from leadflow.api.access import EVERYONE, GuardedRouter, api_user
from leadflow.api.errors import ApiError
from leadflow.api.form_errors import raise_for
from leadflow.api.people_in import ConsentIn, DecisionIn, ProposeIn
from leadflow.api.people_out import (
    PersonOut,
    QualificationOut,
    load_person,
    person_out,
    qualification_out,
)
from leadflow.api.people_paging import errors
from leadflow.api.people_records import ProposalOut, proposal_out
from leadflow.api.schemas import MAX_ID
from leadflow.crm.models import ConsentChange, ProposedDisqualification
from leadflow.crm.roles import roles_of
from leadflow.crm.selectors.people import qualification_detail, who
from leadflow.crm.services.people import change_consent
from leadflow.crm.services.qualification import (
    confirm_disqualification,
    qualify_person,
    reject_disqualification,
)
from leadflow.crm.services.review import propose_disqualification
from leadflow.domain.consent import ConsentFlag
from leadflow.domain.people import Role
from leadflow.web.queues.confirmations import DECIDERS
from leadflow.web.queues.forms import DecisionForm
from leadflow.web.queues.raw import REVIEWERS

ACCESS: dict[str, frozenset[Role]] = {
    "people_qualify": REVIEWERS,
    "disqualification_propose": REVIEWERS,
    "disqualification_confirm": DECIDERS,
    "disqualification_reject": DECIDERS,
    # Every role sees the person page's consent form; who may make which change is the
    # domain's rule (domain/consent.py), answered 403 with its words.
    "consent_update": EVERYONE,
}

router = GuardedRouter(access=ACCESS, tags=["qualification"])


class QualifyOut(Schema):
    rejudged: bool = Field(description="false: a confirmed disqualification stands")
    message: str
    person: PersonOut
    qualification: QualificationOut | None


class DecisionOut(Schema):
    proposal: ProposalOut
    person: PersonOut


class ConsentChangeOut(Schema):
    flag: str
    value: bool
    at: datetime
    by: str
    reason: str


class ConsentOut(Schema):
    changes: list[ConsentChangeOut] = Field(description="only the flags that changed")
    person: PersonOut


@router.post(
    "/people/{person_id}/qualify",
    response={200: QualifyOut, **errors(404, 409)},
    operation_id="people_qualify",
    summary="Re-run the qualification rules on a lead now",
)
def people_qualify(request: HttpRequest, person_id: int) -> dict[str, Any]:
    """A disqualification someone confirmed after talking to the lead stands: the rules
    never overrule a person (``rejudged: false``)."""
    person = load_person(person_id)
    result = qualify_person(person=person, by=api_user(request))
    person = load_person(person_id)
    record = person.qualification_records.select_related("by").order_by("-at", "-id").first()
    return {
        "rejudged": result is not None,
        "message": result.explanation if result else "a confirmed disqualification stands",
        "person": person_out(person),
        "qualification": qualification_out(qualification_detail(record)) if record else None,
    }


@router.post(
    "/people/{person_id}/disqualifications",
    response={201: ProposalOut, **errors(404, 409, 422)},
    operation_id="disqualification_propose",
    summary="Propose that a lead is not a fit (someone who talks to them decides)",
)
def disqualification_propose(
    request: HttpRequest, person_id: int, payload: ProposeIn
) -> Status[dict[str, Any]]:
    proposal = propose_disqualification(
        person=load_person(person_id),
        reason=payload.reason,
        by=api_user(request),
        note=payload.note,
    )
    return Status(201, proposal_out(proposal))


def _proposal(person_id: int, proposal_id: int) -> ProposedDisqualification:
    found = None
    if 1 <= proposal_id <= MAX_ID and 1 <= person_id <= MAX_ID:
        found = (
            ProposedDisqualification.objects.select_related("proposed_by", "resolved_by")
            .filter(pk=proposal_id, person_id=person_id)
            .first()
        )
    if found is None:
        raise ApiError(404, "not_found", "no such proposal for this person")
    return found


def _decide(
    request: HttpRequest, person_id: int, proposal_id: int, decision: str, note: str
) -> Any:
    proposal = _proposal(person_id, proposal_id)
    # The confirmations page's form: a decision says what the lead told you.
    form = raise_for(DecisionForm({"decision": decision, "note": note}), where="body")
    decide = confirm_disqualification if decision == "confirm" else reject_disqualification
    decide(proposal=proposal, by=api_user(request), note=form.cleaned_data["note"])
    return {
        "proposal": proposal_out(_proposal(person_id, proposal_id)),
        "person": person_out(load_person(person_id)),
    }


@router.post(
    "/people/{person_id}/disqualifications/{proposal_id}/confirm",
    response={200: DecisionOut, **errors(404, 409, 422)},
    operation_id="disqualification_confirm",
    summary="Confirm a proposed disqualification after talking to the lead",
)
def disqualification_confirm(
    request: HttpRequest, person_id: int, proposal_id: int, payload: DecisionIn
) -> Any:
    """The lead becomes Unqualified for the proposal's reason; their other open proposals
    are settled by this decision too."""
    return _decide(request, person_id, proposal_id, "confirm", payload.note)


@router.post(
    "/people/{person_id}/disqualifications/{proposal_id}/reject",
    response={200: DecisionOut, **errors(404, 409, 422)},
    operation_id="disqualification_reject",
    summary="Reject a proposed disqualification after talking to the lead",
)
def disqualification_reject(
    request: HttpRequest, person_id: int, proposal_id: int, payload: DecisionIn
) -> Any:
    """The proposal's trait is waived for this lead, and the lead is judged again."""
    return _decide(request, person_id, proposal_id, "reject", payload.note)


def _change_out(change: ConsentChange) -> dict[str, Any]:
    return {
        "flag": change.flag,
        "value": change.value,
        "at": change.at,
        "by": who(change.by),
        "reason": change.reason,
    }


@router.put(
    "/people/{person_id}/consent",
    response={200: ConsentOut, **errors(404, 422)},
    operation_id="consent_update",
    summary="Set or lift email opt-out, do-not-call and the client flags",
    tags=["consent"],
)
def consent_update(request: HttpRequest, person_id: int, payload: ConsentIn) -> dict[str, Any]:
    """Anyone sets an opt-out or a do-not-call; only the owner, marketing or an admin
    lifts one; the owner or an admin keep the client flags. Nothing is written if any
    change is refused (403 ``not_permitted``)."""
    person = load_person(person_id)
    wanted = {
        flag: value for flag in ConsentFlag if (value := getattr(payload, flag.value)) is not None
    }
    changes = change_consent(
        person=person,
        wanted=wanted,
        roles=roles_of(request.user),
        by=api_user(request),
        reason=payload.reason,
    )
    return {
        "changes": [_change_out(c) for c in changes],
        "person": person_out(load_person(person_id)),
    }
