"""The world the page benchmark works on, as table columns, built with polars only.

On top of bench/_import_data.py's people, companies and Avoid entries: leads in every
qualification status and temperature, opportunities in every stage with an appointment
and their stage history, tasks of every kind, open proposed disqualifications, interest
activities and qualification records. Everything is a pure function of a person's id.
Times are "minutes ago" expressions turned into the text the tables store.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import _import_data as data
import polars as pl

DAY = 1440  # minutes


def ints(values: list[int], index: pl.Expr) -> pl.Expr:
    return pl.lit(pl.Series(values, dtype=pl.Int64)).gather(index % len(values))


class Clock:
    """Timestamps as the tables store them, from "minutes ago" expressions."""

    def __init__(self, now: datetime, zone: str) -> None:
        self.now, self.zone = now.replace(tzinfo=None, microsecond=0), zone

    def at(self, minutes_ago: pl.Expr) -> pl.Expr:
        moment = pl.lit(self.now) - pl.duration(minutes=minutes_ago)
        return moment.dt.strftime("%Y-%m-%d %H:%M:%S") + pl.lit(self.zone)

    def day(self, days_ahead: pl.Expr) -> pl.Expr:
        return (pl.lit(self.now.date()) + pl.duration(days=days_ahead)).dt.strftime("%Y-%m-%d")


def shape_people(
    people: pl.DataFrame, clock: Clock, avatars: list[int], campaigns: list[int], source: int
) -> pl.DataFrame:
    """Leads 10% raw (recent, some past the age alert), 30% unqualified with a reason, 60%
    qualified (half of them in an avatar's sweet spot); clients qualified; dates over 18
    months. Helper columns (_created, _led) are minutes ago, dropped before loading."""
    from leadflow.domain.qualification import UnqualifiedReason

    i, kind = pl.col("id"), pl.col("person_type")
    lead, u = kind == "lead", data.rand(pl.col("id"), 62, 100)
    created = data.rand(i, 60, 540 * DAY) + 60
    led = (
        pl.when(lead & (u < 10))
        .then(data.rand(i, 63, 5 * DAY))
        .otherwise(created * data.rand(i, 61, 100) // 100)
    )
    status = (
        pl.when(kind == "client")
        .then(pl.lit("qualified"))
        .when(lead & (u < 10))
        .then(pl.lit("raw"))
        .when(lead & (u < 40))
        .then(pl.lit("unqualified"))
        .when(lead)
        .then(pl.lit("qualified"))
    )
    reasons = [r.value for r in UnqualifiedReason]
    has_lead_date = pl.col("became_lead_at").is_not_null()
    return people.with_columns(_created=created, _led=led).with_columns(
        qualification_status=status,
        unqualified_reason=pl.when(status == "unqualified").then(
            data.pick(reasons, data.rand(i, 64, len(reasons)))
        ),
        sweet_spot_id=pl.when((status == "qualified") & (data.rand(i, 65, 2) == 0)).then(
            ints(avatars, data.rand(i, 66, len(avatars)))
        ),
        qualification_explanation=pl.when(status.is_not_null())
        .then(pl.lit("bench: judged by the default playbook"))
        .otherwise(pl.lit("")),
        has_problem_indicators=lead & (data.rand(i, 67, 10) == 0),
        do_not_call=lead & (data.rand(i, 68, 50) == 0),
        created_at=clock.at(pl.col("_created")),
        became_lead_at=pl.when(has_lead_date).then(clock.at(pl.col("_led"))),
        first_campaign_id=pl.when(has_lead_date).then(ints(campaigns, data.rand(i, 69, 9))),
        lead_source_id=pl.when(has_lead_date).then(pl.lit(source)),
    )


def work_frames(
    people: pl.DataFrame,
    clock: Clock,
    team: dict[str, list[int]],
    avatar_names: dict[int, str],
    source: int,
) -> dict[str, pl.DataFrame]:
    """Opportunities (6% of qualified leads in an open stage, 3% lost; every client won;
    half of Avoid lost with disposition avoid), one appointment and its stage history each,
    tasks, proposals, activities and qualification records."""
    i, st = pl.col("id"), pl.col("qualification_status")
    w = data.rand(i, 70, 100)
    open_stages = [
        "appointment_set",
        "appointment_sat",
        "no_show",
        "cancelled",
        "proposing",
        "contract_sent",
    ]
    stage = (
        pl.when(pl.col("person_type") == "client")
        .then(pl.lit("won"))
        .when((pl.col("person_type") == "avoid") & (w < 50))
        .then(pl.lit("lost"))
        .when((st == "qualified") & (w < 6))
        .then(data.pick(open_stages, w))
        .when((st == "qualified") & (w < 9))
        .then(pl.lit("lost"))
    )
    opp = people.with_columns(stage=stage).filter(pl.col("stage").is_not_null())
    opp = opp.with_columns(
        oid=pl.int_range(1, opp.height + 1, dtype=pl.Int64),
        _opened=pl.min_horizontal(pl.col("_led"), data.rand(i, 72, 60 * DAY) + 3 * DAY),
    ).with_columns(
        _since=pl.when(pl.col("stage") == "appointment_set")
        .then(pl.col("_opened"))
        .otherwise(pl.col("_opened") * data.rand(i, 73, 90) // 100),
        setter=ints(team["setter"], data.rand(i, 74, 97)),
        rep=ints(team["rep"], data.rand(i, 75, 89)),
    )
    s, lost, won = pl.col("stage"), pl.col("stage") == "lost", pl.col("stage") == "won"
    closed = lost | won
    opportunities = opp.select(
        id="oid",
        person_id="id",
        stage=s,
        stage_entered_at=clock.at(pl.col("_since")),
        setter_id="setter",
        rep_id="rep",
        created_at=clock.at(pl.col("_opened")),
        closed_at=pl.when(closed).then(clock.at(pl.col("_since"))),
        lost_reason=pl.when(lost).then(pl.lit("went with the incumbent")).otherwise(pl.lit("")),
        disposition=pl.when(lost & (pl.col("person_type") == "avoid"))
        .then(pl.lit("avoid"))
        .when(lost)
        .then(data.pick(["nurture", "unqualified"], i)),
        contract_value=pl.when(won).then(1200 + data.rand(i, 76, 400) * 100),
    )
    is_set = s == "appointment_set"
    # Set appointments from two days ago to a week ahead: today and this week have work.
    when = (
        pl.when(is_set).then(2 * DAY - data.rand(i, 77, 9 * DAY)).otherwise(pl.col("_since") + 60)
    )
    outcome = (
        pl.when(is_set)
        .then(None)
        .when(s == "no_show")
        .then(pl.lit("no_show"))
        .when(s == "cancelled")
        .then(pl.lit("cancelled"))
        .otherwise(pl.lit("sat"))
    )
    callback = clock.day(1 + data.rand(i, 78, 10))
    appointments = opp.select(
        opportunity_id="oid",
        setter_id="setter",
        rep_id="rep",
        scheduled_at=clock.at(when),
        booked_at=clock.at(pl.col("_opened")),
        has_problem_we_solve=pl.lit(True),
        has_authority_to_buy=pl.lit(True),
        agreed_to_talk_to_sales=pl.lit(True),
        outcome=outcome,
        outcome_at=pl.when(~is_set).then(clock.at(pl.col("_since"))),
        callback_on=pl.when(s == "cancelled").then(callback),
    )
    first = opp.select(
        opportunity_id="oid",
        before=pl.lit(""),
        after=pl.lit("appointment_set"),
        at=clock.at(pl.col("_opened")),
        by_id="setter",
        reason=pl.lit("first-time appointment booked"),
    )
    moved = opp.filter(~is_set).select(
        opportunity_id="oid",
        before=pl.lit("appointment_set"),
        after=s,
        at=clock.at(pl.col("_since")),
        by_id="rep",
        reason=pl.lit("moved on the board"),
    )
    changes = pl.concat([first, moved]).with_columns(details=pl.lit("{}"))
    return {
        "opportunities": opportunities,
        "appointments": appointments,
        "changes": changes,
        **_tasks(people, opp, clock),
        **_history(people, avatar_names, source),
    }


def _tasks(people: pl.DataFrame, opp: pl.DataFrame, clock: Clock) -> dict[str, pl.DataFrame]:
    i, st, t = pl.col("id"), pl.col("qualification_status"), pl.col("temperature")
    in_deal = people["id"].is_in(opp.filter(pl.col("stage") != "lost")["id"].implode())
    free = people.filter(~in_deal)
    due = clock.day(data.rand(i, 80, 16) - 10)  # ten days overdue to five ahead
    follow = free.filter((st == "qualified") & (t >= 3)).select(
        person_id="id",
        kind=pl.when(t == 4).then(pl.lit("call")).otherwise(pl.lit("personal_follow_up")),
        due_on=due,
        note=pl.lit("next step"),
    )
    proposed = free.filter(st.is_in(["raw", "qualified"]) & (data.rand(i, 81, 40) == 0))
    reason = data.rand(i, 82, 3)
    proposals = proposed.select(
        person_id="id",
        reason=data.pick(["no_budget", "not_decision_maker", "no_need_now"], reason),
        trait=data.pick(["monthly_budget", "authority", "need"], reason),
        detail=pl.lit("failed a soft rule: call before disqualifying"),
        status=pl.lit("open"),
        proposed_at=clock.at(pl.col("_led") // 2),
        note=pl.lit(""),
    )
    confirm = proposed.select(
        person_id="id",
        kind=pl.lit("confirm_disqualification"),
        due_on=due,
        note=pl.lit("call before disqualifying"),
    )
    gather = free.filter((st == "raw") & (data.rand(i, 83, 3) == 0)).select(
        person_id="id",
        kind=pl.lit("gather_missing_information"),
        due_on=due,
        note=pl.lit("missing: employee count"),
    )
    o = pl.col("stage")
    deal = opp.filter(o.is_in(["appointment_set", "cancelled"])).select(
        person_id="id",
        opportunity_id="oid",
        kind=pl.when(o == "cancelled").then(pl.lit("callback")).otherwise(pl.lit("shock_and_awe")),
        role=pl.when(o == "cancelled").then(pl.lit("setter")).otherwise(pl.lit("marketing")),
        due_on=clock.day(data.rand(i, 84, 8) - 2),
        note=pl.lit("from the deal"),
    )
    loose = pl.concat([follow, confirm, gather]).with_columns(
        role=pl.lit("setter"), opportunity_id=pl.lit(None, dtype=pl.Int64)
    )
    tasks = pl.concat([loose, deal], how="diagonal").with_columns(
        created_at=clock.at(pl.lit(DAY)), done_at=pl.lit(None, dtype=pl.String)
    )
    return {"tasks": tasks, "proposals": proposals}


def _history(
    people: pl.DataFrame, avatar_names: dict[int, str], source: int
) -> dict[str, pl.DataFrame]:
    t = pl.col("temperature")
    led = people.filter(pl.col("became_lead_at").is_not_null())
    kinds = {4: "inbound_call", 3: "web_form", 2: "event_attended", 1: "download"}
    activities = led.select(
        person_id="id",
        kind=t.replace_strict(kinds, return_dtype=pl.String),
        wish=pl.when(t == 4).then(pl.lit("asked")).otherwise(pl.lit("neutral")),
        occurred_at="became_lead_at",
        campaign_id="first_campaign_id",
        source_id=pl.lit(source),
        problem_indicators=pl.lit("[]"),
        temperature=t,
        recorded_at="became_lead_at",
    )
    records = led.filter(pl.col("qualification_status").is_not_null()).select(
        person_id="id",
        kind=pl.lit("automatic"),
        status="qualification_status",
        unqualified_reason="unqualified_reason",
        sweet_spot=pl.col("sweet_spot_id").replace_strict(
            avatar_names, default="", return_dtype=pl.String
        ),
        details=pl.lit("{}"),
        at="became_lead_at",
        reason=pl.lit(""),
    )
    return {"activities": activities, "records": records}


def complete(model: Any, frame: pl.DataFrame) -> pl.DataFrame:
    """Every column the table has: the frame's, else the field's default, else NULL; so
    a column added to a model later does not break the load unless it needs a value."""
    adds: dict[str, pl.Expr] = {}
    for field in model._meta.concrete_fields:
        if field.column in frame.columns or field.primary_key:
            continue
        if field.has_default() or (field.empty_strings_allowed and not field.null):
            value = field.get_default()
            if isinstance(value, list | dict):
                value = json.dumps(value)
            elif isinstance(value, datetime):
                value = value.strftime("%Y-%m-%d %H:%M:%S")
            elif isinstance(value, str):
                value = str(value)
            adds[field.column] = pl.lit(value)
        elif not field.null:
            raise SystemExit(f"{model.__name__}.{field.name}: NOT NULL, no default; fill it")
    unknown = set(frame.columns) - {f.column for f in model._meta.concrete_fields}
    assert not unknown, f"{model.__name__}: no columns {unknown}"
    return frame.with_columns(**adds)


def samples(
    people: pl.DataFrame, opportunities: pl.DataFrame, avoid: pl.DataFrame
) -> dict[str, Any]:
    busy = opportunities.filter(pl.col("stage").is_in(["won", "proposing"]))
    in_deal = opportunities.filter(~pl.col("stage").is_in(["won", "lost"]))["person_id"]
    bookable = people.filter(
        pl.col("sweet_spot_id").is_not_null()
        & ~pl.col("do_not_call")
        & ~pl.col("id").is_in(in_deal.implode())
    )
    middle = people.row(people.height // 2, named=True)
    avoided = people.filter(pl.col("id") == avoid["person_id"][0]).row(0, named=True)
    return {
        "client": int(busy.filter(pl.col("stage") == "won")["person_id"][0]),
        "open_deal": int(busy.filter(pl.col("stage") == "proposing")["person_id"][0]),
        "bookable": int(bookable["id"][bookable.height // 2]),
        "last_name": middle["last_name"],
        "email": middle["email"],
        "phone": middle["phone"],
        "avoid_last_name": avoided["last_name"],
    }
