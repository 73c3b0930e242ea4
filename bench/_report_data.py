"""The world the report benchmark reads: 1M leads over two years, 200k opportunities with
an appointment each, and their ~1M stage changes, as polars frames (numpy, fixed seed).

Leads: 15% raw, 35% unqualified (with a reason), 50% qualified, 40% of those sweet spot.
Opportunities go to qualified leads a few weeks after they arrived; each step is taken
with a fixed chance (sat 75%, proposing 85%, contract 75%, won 90%) after a few days, or
the deal is lost there; deals younger than their next step stay open.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
import polars as pl

REASONS = [
    "wrong_niche",
    "outside_service_area",
    "not_decision_maker",
    "no_budget",
    "no_need_now",
    "wants_what_we_dont_sell",
    "other",
]
STEPS = [  # (stage entered, chance of taking the step, mean days to it)
    ("appointment_sat", 0.75, 7),
    ("proposing", 0.85, 6),
    ("contract_sent", 0.75, 20),
    ("won", 0.90, 12),
]


def _times(now: datetime, seconds_ago: np.ndarray) -> pl.Series:
    base = np.datetime64(now.replace(tzinfo=None), "us")
    values = base - (seconds_ago * 1_000_000).astype("timedelta64[us]")
    return pl.Series(values).dt.replace_time_zone("UTC")


def _where(mask: np.ndarray, values: Any) -> pl.Series:
    """`values` where `mask` holds, null elsewhere."""
    n = len(mask)
    full = pl.Series(
        np.broadcast_to(np.asarray(values), n).copy() if np.ndim(values) == 0 else values
    )
    return pl.select(pl.when(pl.lit(pl.Series(mask))).then(pl.lit(full))).to_series()


def world(
    leads: int,
    opportunities: int,
    *,
    now: datetime,
    sources: list[int],
    campaigns: list[tuple[int, int]],
    avatars: list[int],
    setters: list[int],
    reps: list[int],
) -> dict[str, pl.DataFrame]:
    rng = np.random.default_rng(2026)
    ids = np.arange(1, leads + 1)
    age = rng.uniform(0, 730 * 86_400, leads)  # seconds since becoming a lead
    pick = rng.integers(0, len(campaigns), leads)
    campaign = np.array([c for c, _ in campaigns])[pick]
    source = np.array([s for _, s in campaigns])[pick]
    u = rng.random(leads)
    status = np.where(u < 0.15, "raw", np.where(u < 0.5, "unqualified", "qualified"))
    reason = _where(status == "unqualified", rng.choice(REASONS, leads))
    sweet = (status == "qualified") & (rng.random(leads) < 0.4)
    sweet_id = _where(sweet, rng.choice(avatars, leads))
    lead_at = _times(now, age)
    people = pl.DataFrame(
        {
            "id": ids,
            "first_name": pl.Series([f"Lead{i}" for i in ids]),
            "last_name": "Bench",
            "person_type": "lead",
            "qualification_status": status,
            "unqualified_reason": reason,
            "sweet_spot_id": sweet_id.cast(pl.Int64),
            "lead_source_id": source,
            "first_campaign_id": campaign,
            "created_at": lead_at,
            "became_lead_at": lead_at,
        }
    )
    records = pl.DataFrame(
        {
            "person_id": ids,
            "kind": "automatic",
            "status": status,
            "unqualified_reason": reason,
            "sweet_spot": np.where(sweet, "Avatar", ""),
            "details": "{}",
            "reason": "bench",
            "at": _times(now, age - 60),
        }
    )
    # Opportunities for qualified leads old enough to have been booked.
    qualified = ids[(status == "qualified") & (age > 40 * 86_400)]
    owners = rng.choice(qualified, size=min(opportunities, len(qualified)), replace=False)
    n = len(owners)
    set_age = age[owners - 1] - rng.exponential(20, n) * 86_400 - 86_400
    set_age = np.maximum(set_age, 3600.0)
    stage = np.full(n, "appointment_set", dtype=object)
    entered = set_age.copy()
    open_ = np.ones(n, dtype=bool)
    changes: list[dict[str, Any]] = [
        {"i": np.arange(n), "before": "", "after": "appointment_set", "ago": set_age}
    ]
    lost_at = np.full(n, np.nan)
    for target, chance, days in STEPS:
        step_age = entered - rng.exponential(days, n) * 86_400 - 3600
        ready = open_ & (step_age > 0)
        takes = ready & (rng.random(n) < chance)
        loses = ready & ~takes
        changes.append({"i": np.flatnonzero(takes), "before": stage[takes], "after": target,
                        "ago": step_age[takes]})  # fmt: skip
        changes.append({"i": np.flatnonzero(loses), "before": stage[loses], "after": "lost",
                        "ago": step_age[loses]})  # fmt: skip
        lost_at[loses] = step_age[loses]
        stage = np.where(takes, target, np.where(loses, "lost", stage))
        entered = np.where(takes | loses, step_age, entered)
        open_ &= takes & (target != "won")
    opp_ids = np.arange(1, n + 1)
    closed_mask = pl.Series((stage == "won") | (stage == "lost"))
    won = stage == "won"
    opps = pl.DataFrame(
        {
            "id": opp_ids,
            "person_id": owners,
            "stage": stage.astype(str),
            "stage_entered_at": _times(now, entered),
            "setter_id": rng.choice(setters, n),
            "rep_id": rng.choice(reps, n),
            "created_at": _times(now, set_age),
            "closed_at": _times(now, entered),
            "lost_reason": np.where(stage == "lost", "bench", ""),
            "disposition": _where(stage == "lost", "nurture"),
            "contract_value": _where(won, np.round(rng.gamma(4, 600, n), 2)),
        }
    )
    change_frames = [
        pl.DataFrame(
            {
                "opportunity_id": opp_ids[c["i"]],
                "before": np.broadcast_to(
                    np.asarray(c["before"], dtype=object), len(c["i"])
                ).astype(str),
                "after": c["after"],
                "details": "{}",
                "reason": "bench",
                "at": _times(now, np.asarray(c["ago"], dtype=float)),
            }
        )
        for c in changes
        if len(c["i"])
    ]
    stage_changes = (
        pl.concat(change_frames)
        .with_row_index("id", offset=1)
        .with_columns(pl.col("id").cast(pl.Int64))
    )
    sat = np.isin(opp_ids, opp_ids[changes[1]["i"]]) if len(changes[1]["i"]) else np.zeros(n, bool)
    lost_first = (
        np.isin(opp_ids, opp_ids[changes[2]["i"]]) if len(changes[2]["i"]) else np.zeros(n, bool)
    )
    missed = rng.choice(["no_show", "cancelled"], n)
    outcome = np.where(sat, "sat", np.where(lost_first, missed, ""))
    appointments = pl.DataFrame(
        {
            "id": opp_ids,
            "opportunity_id": opp_ids,
            "setter_id": opps["setter_id"],
            "rep_id": opps["rep_id"],
            "scheduled_at": _times(now, set_age - 2 * 86_400),
            "booked_at": _times(now, set_age),
            "has_problem_we_solve": True,
            "has_authority_to_buy": True,
            "agreed_to_talk_to_sales": True,
            "outcome": _where(outcome != "", outcome),
            "callback_on": _where(
                outcome == "cancelled",
                np.datetime64((now + timedelta(days=7)).date(), "D"),
            ),
        }
    )
    opps = opps.with_columns(
        pl.when(closed_mask).then(pl.col("closed_at")).otherwise(None).alias("closed_at")
    )
    clients = owners[won]
    people = people.with_columns(
        pl.when(pl.col("id").is_in(clients))
        .then(pl.lit("client"))
        .otherwise("person_type")
        .alias("person_type")
    )
    return {
        "people": people,
        "records": records.with_row_index("id", offset=1).with_columns(pl.col("id").cast(pl.Int64)),
        "opportunities": opps,
        "stage_changes": stage_changes,
        "appointments": appointments,
    }
