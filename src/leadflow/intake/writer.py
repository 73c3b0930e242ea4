"""Writing a plan: set-based inserts and updates, in the caller's transaction."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import polars as pl
from django.contrib.auth.models import User
from django.db.models import F

from leadflow.crm.models import (
    Activity,
    Avatar,
    Campaign,
    Company,
    MergeRecord,
    Person,
    ProposedDisqualification,
    QualificationRecord,
    Source,
    Task,
    TypeChangeRecord,
)
from leadflow.crm.models.work import FOLLOW_UP_TASK
from leadflow.domain.people import PersonEvent, PersonType, Role
from leadflow.domain.qualification import QualificationStatus
from leadflow.intake.plan import Plan
from leadflow.intake.sql import insert_rows

BATCH = 2000


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _person_values(p: dict[str, Any], company_id: int | None) -> dict[str, Any]:
    budget = p.get("monthly_budget")
    return {
        "first_name": _text(p.get("first_name"))[:100],
        "last_name": _text(p.get("last_name"))[:100],
        "email": _text(p.get("email"))[:254],
        "email_normalized": p.get("email_normalized"),
        "phone": _text(p.get("phone"))[:40],
        "phone_normalized": p.get("phone_normalized"),
        "title": _text(p.get("title"))[:150],
        "external_id": p.get("external_id"),
        "authority": p.get("authority"),
        "company_id": company_id,
        "street": _text(p.get("street"))[:200],
        "city": _text(p.get("city"))[:100],
        "region": _text(p.get("region"))[:50],
        "postcode": _text(p.get("postcode"))[:20],
        "country": _text(p.get("country"))[:2],
        "monthly_budget": Decimal(str(budget)).quantize(Decimal("0.01"))
        if budget is not None
        else None,
        "outsourcing": _text(p.get("outsourcing")),
        "switch_reason": _text(p.get("switch_reason")),
        "need": _text(p.get("need")),
        "services_wanted": sorted(p.get("services_wanted") or []),
    }


def _state(p: dict[str, Any], avatars: dict[str, int], responses: bool) -> dict[str, Any]:
    """Type, qualification and temperature after this run."""
    values: dict[str, Any] = {"person_type": p["type_after"]}
    lead = p["type_after"] == PersonType.LEAD.value
    if lead and (p["person_id"] is None or p["promoted"]):
        values["became_lead_at"] = p["occurred_at"]
    if p["judged"]:
        values.update(
            qualification_status=p["status"],
            unqualified_reason=p["unqualified_reason"],
            sweet_spot_id=avatars.get(p["sweet_spot"]) if p["sweet_spot"] else None,
            qualification_explanation=p["explanation"],
            incomplete=bool(p["incomplete"]),
        )
    if responses and p["new_activity"]:
        values["temperature"] = p["temperature"]
        if p["temperature"] == p["activity_temperature"]:
            values["temperature_explanation"] = (
                f"{_temperature_label(p['temperature'])}: {p['activity'].replace('_', ' ')} on "
                f"{p['activity_date']}, follow-up wish {p['wish']}"
            )
        if p.get("problem"):
            values["has_problem_indicators"] = True
    return values


def _words(value: str) -> str:
    return value.replace("_", " ")


def _temperature_label(value: int) -> str:
    return {1: "cold", 2: "cool", 3: "warm", 4: "hot"}[value]


def write_plan(
    plan: Plan,
    *,
    campaign: Campaign,
    source: Source,
    responses: bool,
    by: User | None,
    now: datetime,
    review_due: date,
) -> dict[str, int]:
    """Write the plan; `review_due` is when a raw lead's review tasks fall due."""
    people = plan.people
    rows = list(people.iter_rows(named=True))
    avatars = dict(Avatar.objects.values_list("name", "id"))
    company_ids = _companies(people)
    source_ids = _sources(people, source)

    new = [p for p in rows if p["person_id"] is None]
    stored = [p for p in rows if p["person_id"] is not None]
    created = insert_rows(
        Person,
        [
            {
                **_person_values(p, company_ids.get(p["company_normalized"])),
                **_state(p, avatars, responses),
                "lead_source_id": source_ids[p["lead_source"].casefold()],
                "email_opt_out": bool(p["email_opt_out"]),
                "do_not_call": bool(p["do_not_call"]),
                "first_campaign_id": campaign.pk,
                "created_at": p["occurred_at"] if responses else now,
                "created_by_id": by.pk if by else None,
            }
            for p in new
        ],
    )
    for p, pk in zip(new, created, strict=True):
        p["person_id"] = pk
    updated = _update_stored(stored, company_ids, avatars, responses)
    _history(
        rows,
        campaign=campaign,
        source_ids=source_ids,
        responses=responses,
        by=by,
        now=now,
        review_due=review_due,
    )
    if plan.spam_count:
        Campaign.objects.filter(pk=campaign.pk).update(spam_count=F("spam_count") + plan.spam_count)
    return {"created": len(created), "updated": updated}


def _update_stored(
    stored: list[dict[str, Any]],
    company_ids: dict[str, int],
    avatars: dict[str, int],
    responses: bool,
) -> int:
    """Only what changed: the filled blanks and the new state. People needing the same
    columns are updated together, so a column nobody changed is never written."""
    groups: dict[tuple[str, ...], list[Person]] = {}
    for p in stored:
        company_id = p["old_company_id"] or company_ids.get(p["company_normalized"])
        values = {k: v for k, v in _person_values(p, company_id).items() if k in p["filled"]}
        if p["old_company_id"] is None and company_id is not None:
            values["company_id"] = company_id
        values.update(_state(p, avatars, responses))
        for flag in ("email_opt_out", "do_not_call"):
            if p[flag]:
                values[flag] = True
        person = Person(pk=p["person_id"], **values)
        fields = tuple(sorted(_field_name(k) for k in values))
        groups.setdefault(fields, []).append(person)
    for fields, objects in groups.items():
        Person.objects.bulk_update(objects, list(fields), batch_size=BATCH)
    return len(stored)


def _field_name(attribute: str) -> str:
    return (
        attribute.removesuffix("_id") if attribute in ("company_id", "sweet_spot_id") else attribute
    )


def _sources(people: pl.DataFrame, default: Source) -> dict[str, int]:
    """Source ids by case-folded name, creating the sources the file names first."""
    ids = {name.casefold(): pk for pk, name in Source.objects.values_list("id", "name")}
    ids.setdefault(default.name.casefold(), default.pk)
    named = people.select(pl.concat([pl.col("lead_source"), pl.col("activity_source")]))
    for name in named.to_series().drop_nulls().unique(maintain_order=True).to_list():
        if name.casefold() not in ids:
            ids[name.casefold()] = Source.objects.create(name=name[:100]).pk
    return ids


def _companies(people: pl.DataFrame) -> dict[str, int]:
    """Company ids by normalized name, creating the companies nobody has stored yet."""
    known = people.filter(pl.col("company_id").is_not_null()).select(
        "company_normalized", "company_id"
    )
    ids = dict(known.unique().iter_rows())
    fresh = (
        people.filter(pl.col("company_id").is_null() & pl.col("company_normalized").is_not_null())
        .unique("company_normalized", keep="first", maintain_order=True)
        .iter_rows(named=True)
    )
    rows = [
        {
            "name": _text(c["company"])[:200],
            "normalized_name": c["company_normalized"][:200],
            "domain": _text(c["company_domain"])[:200],
            "niche": _text(c["niche"])[:100],
            "company_type": _text(c["company_type"])[:100],
            "employee_count": c["employee_count"],
            "geography": _text(c["geography"])[:32],
        }
        for c in fresh
    ]
    for row, pk in zip(rows, insert_rows(Company, rows), strict=True):
        ids[row["normalized_name"]] = pk
    return ids


def _history(
    rows: list[dict[str, Any]],
    *,
    campaign: Campaign,
    source_ids: dict[str, int],
    responses: bool,
    by: User | None,
    now: datetime,
    review_due: date,
) -> None:
    by_id = by.pk if by else None
    activities: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    proposals: list[dict[str, Any]] = []
    tasks: list[dict[str, Any]] = []
    merges: list[dict[str, Any]] = []
    for p in rows:
        pid, at = p["person_id"], p["occurred_at"]
        if responses and p["new_activity"]:
            activities.append(
                {
                    "person_id": pid,
                    "kind": p["activity"],
                    "wish": p["wish"],
                    "occurred_at": at,
                    "campaign_id": campaign.pk,
                    "source_id": source_ids[p["activity_source"].casefold()],
                    "problem_indicators": [p["problem"]] if p.get("problem") else [],
                    "temperature": p["activity_temperature"],
                    "note": _text(p.get("note")),
                    "recorded_by_id": by_id,
                    "recorded_at": now,
                }
            )
        if p["type_after"] == PersonType.LEAD.value and (
            p["stored_type"] in (None, PersonType.PROSPECT.value)
        ):
            changes.append(
                {
                    "person_id": pid,
                    "before": PersonType.PROSPECT.value,
                    "after": PersonType.LEAD.value,
                    "event": PersonEvent.INTEREST_SHOWN.value,
                    "reason": f"first interest activity: {_words(p['activity'])} ({campaign.name})",
                    "by_id": by_id,
                    "at": at,
                }
            )
        if p["judged"]:
            records.append(
                {
                    "person_id": pid,
                    "kind": QualificationRecord.Kind.AUTOMATIC,
                    "status": p["status"],
                    "unqualified_reason": p["unqualified_reason"],
                    "sweet_spot": p["sweet_spot"] or "",
                    "details": p["details"],
                    "reason": p["explanation"],
                    "by_id": by_id,
                    "at": at,
                }
            )
            for proposal in p["proposals"] or []:
                proposals.append(
                    {
                        "person_id": pid,
                        "reason": proposal["reason"],
                        "trait": proposal["trait"],
                        "detail": proposal["detail"],
                        "proposed_at": at,
                    }
                )
            if p["proposals"]:
                tasks.append(
                    _task(
                        pid,
                        Task.Kind.CONFIRM_DISQUALIFICATION,
                        review_due,
                        "; ".join(x["detail"] for x in p["proposals"]),
                        now,
                    )
                )
            if p["incomplete"] and p["status"] != QualificationStatus.UNQUALIFIED.value:
                tasks.append(
                    _task(
                        pid,
                        Task.Kind.GATHER_MISSING_INFORMATION,
                        review_due,
                        f"missing: {p['missing']}",
                        now,
                    )
                )
        if p["follow_up_action"] in FOLLOW_UP_TASK:
            tasks.append(
                _task(
                    pid,
                    FOLLOW_UP_TASK[p["follow_up_action"]],
                    p["follow_up_due"],
                    p["follow_up_note"],
                    now,
                )
            )
        if p["filled"]:
            merges.append(
                {
                    "person_id": pid,
                    "campaign_id": campaign.pk,
                    "by_id": by_id,
                    "at": now,
                    "reason": f"import into {campaign.name}, row {p['row']}",
                    "changes": {name: _json(p[name]) for name in p["filled"]},
                }
            )
    for model, objects in (
        (Activity, activities),
        (TypeChangeRecord, changes),
        (QualificationRecord, records),
        (ProposedDisqualification, proposals),
        (Task, tasks),
        (MergeRecord, merges),
    ):
        insert_rows(model, objects)


def _task(person_id: int, kind: str, due: Any, note: str, now: datetime) -> dict[str, Any]:
    return {
        "person_id": person_id,
        "kind": kind,
        "role": Role.SETTER.value,
        "due_on": due,
        "note": note,
        "created_at": now,
    }


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return list(value)
    return value
