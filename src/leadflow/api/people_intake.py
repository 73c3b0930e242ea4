"""``POST /people`` and ``PATCH /people/{id}``: one record through the intake pipeline.

Like manual entry and the webhook (web/intake/), a person sent to the API is a one-row
table through ``run_intake`` in all-or-nothing mode, so the rules of every import hold:
normalize, drop spam, block anyone on the Avoid list, find the duplicate and merge into
it (filling blanks, never overwriting), classify. There is no second implementation.

- **Create**: 201 with the person when created; 200 with ``outcome: "merged"`` and the
  pipeline's words when the record was someone already stored. On the Avoid list: 409
  ``on_avoid_list`` and nothing written. A row error: 422 naming each field. Spam: 422
  ``looks_like_spam``; as with every intake, only the campaign's spam count is kept.
- **Update**: the record carries the person's own stored keys (email, phone, external
  id), so the pipeline matches them and nobody else; it runs as a list of prospects
  (no activity, no promotion). Intake fills blanks and never overwrites: the answer says
  which fields were ``filled`` and which ``kept`` their stored value. A value that would
  make the record someone else's (an email another person has) is a 409, nothing written.

Intake writes set-based, without Django's row signals (crm/audit.py); for the one person
an API call creates or changes, the signals are sent here, so the audit log keeps its
before/after exactly as for a save through a page.
"""

# No `from __future__ import annotations`: ninja reads the views' annotations through
# GuardedRouter's wrapper, whose globals are access.py's, so they must not be strings.

from collections.abc import Callable
from decimal import Decimal
from typing import Any, Literal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.http import HttpRequest
from ninja import Field, Schema, Status
from ninja.errors import ValidationError

from leadflow.api.access import GuardedRouter, api_user
from leadflow.api.errors import ApiError
from leadflow.api.people_in import PersonIn, PersonPatch
from leadflow.api.people_out import PersonOut, load_person, person_out
from leadflow.api.people_paging import errors
from leadflow.crm.models import Person
from leadflow.domain.people import Role
from leadflow.intake.fields import Field as IntakeField
from leadflow.intake.options import IntakeOptions, ListKind, Mode, Outcome
from leadflow.intake.records import table_from_records
from leadflow.intake.run import run_intake
from leadflow.web.access import ENTERERS
from leadflow.web.intake.reports import error_lines

ACCESS: dict[str, frozenset[Role]] = {
    # Manual entry's roles: whoever may type a person in may send one.
    "people_create": ENTERERS,
    "people_update": ENTERERS,
}

# The campaign and source a PATCH's merge is recorded under (MergeRecord), and a POST's
# when it names none.
API_CAMPAIGN = "API"
API_SOURCE = "api"


class PersonWriteOut(Schema):
    outcome: Literal["created", "merged", "updated", "unchanged"]
    message: str = Field(description="what the pipeline did, in its words")
    person: PersonOut
    filled: list[str] = Field(description="fields this request filled on a stored person")
    kept: list[str] = Field(description="fields sent whose stored value stays")


def _blank_keys() -> tuple[str, str]:
    return (IntakeField.EMAIL.value, IntakeField.PHONE.value)


def _run(record: dict[str, Any], options: IntakeOptions, by: User) -> tuple[str, str, int | None]:
    """The one row's outcome, the pipeline's detail and the person it names."""
    table = table_from_records([record], blank_columns=_blank_keys())
    report = run_intake(table, options, by=by)
    row = report.rows.row(0, named=True)
    person_id = row["person_id"]
    return str(row["outcome"]), str(row["detail"] or ""), int(person_id) if person_id else None


def _refuse(outcome: str, detail: str) -> None:
    """The answer for a row the pipeline did not write."""
    if outcome == Outcome.ERROR.value:
        raise ValidationError(
            [
                {
                    "loc": ("body", line.column) if line.column else ("body",),
                    "msg": line.reason,
                    "type": "intake",
                }
                for line in error_lines(detail)
            ]
        )
    if outcome == Outcome.BLOCKED.value:
        why = detail.removeprefix("blocked: ")
        raise ApiError(409, "on_avoid_list", f"not added: {why}")
    if outcome == Outcome.SPAM.value:
        rule = detail.removeprefix("spam: ")
        raise ApiError(422, "looks_like_spam", f"not added: it looks like spam ({rule})")


def _before_write(person: Person) -> None:
    """Let the audit log read the stored row before intake changes it (module doc)."""
    pre_save.send(sender=Person, instance=person, raw=False, using="default", update_fields=None)


def _written(person: Person, *, created: bool) -> None:
    post_save.send(
        sender=Person,
        instance=person,
        created=created,
        raw=False,
        using="default",
        update_fields=None,
    )


def people_create(request: HttpRequest, payload: PersonIn) -> Status[dict[str, Any]]:
    given = payload.model_dump(exclude_none=True)
    record = {k: _cell(v) for k, v in given.items() if k not in PersonIn.OPTIONS}
    options = IntakeOptions(
        campaign=payload.campaign,
        source=payload.source,
        kind=ListKind.RESPONSES if payload.responded else ListKind.FARM_LIST,
        mode=Mode.ALL_OR_NOTHING,
    )
    with transaction.atomic():
        outcome, detail, person_id = _run(record, options, api_user(request))
        if outcome != Outcome.SPAM.value:  # a spam response is counted: keep the count
            _refuse(outcome, detail)
    _refuse(outcome, detail)
    if person_id is None:  # written, yet no person named: a pipeline bug
        raise ApiError(500, "intake_failed", "saved, but the person could not be found")
    person = load_person(person_id)
    created = outcome == Outcome.CREATED.value
    if created:
        _written(person, created=True)
    body = {"outcome": outcome, "message": detail, "person": person_out(person)}
    return Status(201 if created else 200, {**body, "filled": [], "kept": []})


def _cell(value: Any) -> Any:
    """A value as the records reader takes it (a date or an amount as its text)."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, list | bool | int | str) or value is None:
        return value
    return str(value)


# What each PATCH field reads back from the person: filled or kept is what changed.
_READ: dict[str, Callable[[Person], Any]] = {
    "company": lambda p: p.company.name if p.company else None,
    "website": lambda p: p.company.domain if p.company else None,
    "niche": lambda p: p.company.niche if p.company else None,
    "company_type": lambda p: p.company.company_type if p.company else None,
    "employee_count": lambda p: p.company.employee_count if p.company else None,
}


def _snapshot(person: Person, names: list[str]) -> dict[str, Any]:
    return {n: _READ[n](person) if n in _READ else getattr(person, n) for n in names}


def _own_keys(person: Person) -> dict[str, str]:
    """The person's stored identity, which the pipeline matches them by: with these in
    the record, it can only ever be this person (or a refusal)."""
    keys = {
        # Normalized: E.164 reads the same in every region, whatever the person's country.
        IntakeField.EMAIL.value: person.email_normalized or "",
        IntakeField.PHONE.value: person.phone_normalized or "",
        IntakeField.EXTERNAL_ID.value: person.external_id or "",
    }
    if not any(keys.values()) and person.company is not None:
        # Company and name: intake's weakest key, for someone with nothing stronger.
        keys |= {
            IntakeField.COMPANY.value: person.company.name,
            IntakeField.FIRST_NAME.value: person.first_name,
            IntakeField.LAST_NAME.value: person.last_name,
        }
    return {k: v for k, v in keys.items() if v}


def people_update(
    request: HttpRequest, person_id: int, payload: PersonPatch
) -> Status[dict[str, Any]]:
    person = load_person(person_id)
    given = payload.model_dump(exclude_unset=True, exclude_none=True)
    names = list(given)
    before = _snapshot(person, names)
    if given:
        record = {k: _cell(v) for k, v in given.items()} | _own_keys(person)
        options = IntakeOptions(campaign=API_CAMPAIGN, source=API_SOURCE, kind=ListKind.FARM_LIST)
        with transaction.atomic():
            _before_write(person)
            outcome, detail, found = _run(record, options, api_user(request))
            _refuse(outcome, detail)
            if found != person.pk:
                raise ApiError(409, "conflict", _not_this_person(found))
            person = load_person(person.pk)
            _written(person, created=False)
    after = _snapshot(person, names)
    filled = [n for n in names if after[n] != before[n]]
    kept = [n for n in names if n not in filled]
    said = f"filled {', '.join(filled)}" if filled else "nothing to fill"
    if kept:
        said += f"; kept the stored {', '.join(kept)} (intake never overwrites a value)"
    return Status(
        200,
        {
            "outcome": "updated" if filled else "unchanged",
            "message": said,
            "person": person_out(person),
            "filled": filled,
            "kept": kept,
        },
    )


def _not_this_person(found: int | None) -> str:
    if found is None:
        return (
            "intake could not match this person (no email, phone, external id, or company "
            "and name stored): nothing was written"
        )
    return f"these details belong to person {found}, not this one: nothing was written"


def register(router: GuardedRouter) -> None:
    """Declared on the people router itself: ninja routes one path to one router, and
    ``/people`` and ``/people/{id}`` have their GET there."""
    router.post(
        "/people",
        response={201: PersonWriteOut, 200: PersonWriteOut, **errors(409, 422)},
        operation_id="people_create",
        tags=["people"],
        summary="Add a person through intake (Avoid, dedupe and spam rules apply)",
    )(people_create)
    router.patch(
        "/people/{person_id}",
        response={200: PersonWriteOut, **errors(404, 409, 422)},
        operation_id="people_update",
        tags=["people"],
        summary="Fill in a person's blank details through intake (never overwrites)",
    )(people_update)
