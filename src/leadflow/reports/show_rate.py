"""Show rate per setter (sat ÷ set) and contract-sent → won, each with how sure we are
and a flag when below what the business expects (PRODUCT.md §4, §6)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import polars as pl
from django.db.models import Count, Q

from leadflow.crm import adapters
from leadflow.crm.models import Appointment, OpportunityFact
from leadflow.domain.funnel import (
    EXPECTED_CONTRACT_CLOSE,
    FunnelStage,
    Verdict,
    contract_close_verdict,
    show_rate_verdict,
)
from leadflow.domain.pipeline import AppointmentOutcome, Stage
from leadflow.reports.common import Cut, Window, names, query


@dataclass(frozen=True)
class SetterShowRate:
    """Show rate = sat ÷ set, over the setter's appointments whose outcome is known.

    An appointment still to come has had no chance to show, so it is left out of both
    sides and reported as `awaiting`. A cancellation counts as set and not sat.
    """

    setter_id: int
    setter: str
    set_count: int
    sat: int
    no_show: int
    cancelled: int
    awaiting: int
    verdict: Verdict

    @property
    def rate(self) -> Decimal | None:
        return Decimal(self.sat) / Decimal(self.set_count) if self.set_count else None

    @property
    def below_threshold(self) -> bool:
        return self.verdict.flagged


def show_rate_threshold() -> Decimal:
    # A freshly created settings row holds the field's float default, not a Decimal.
    return Decimal(str(adapters.business_settings().show_rate_threshold))


def show_rates(
    window: Window | None = None, threshold: Decimal | None = None
) -> tuple[SetterShowRate, ...]:
    """Per setter, over the appointments scheduled in the window."""
    window = window or Window()
    threshold = show_rate_threshold() if threshold is None else threshold
    appointments = Appointment.objects.order_by()
    if window.start:
        appointments = appointments.filter(scheduled_at__date__gte=window.start)
    if window.end:
        appointments = appointments.filter(scheduled_at__date__lte=window.end)
    # The setter's name comes in the same query: the dashboard's query count stays flat.
    rows = appointments.values(
        "setter_id", "setter__username", "setter__first_name", "setter__last_name"
    ).annotate(
        sat=Count("id", filter=Q(outcome=AppointmentOutcome.SAT)),
        no_show=Count("id", filter=Q(outcome=AppointmentOutcome.NO_SHOW)),
        cancelled=Count("id", filter=Q(outcome=AppointmentOutcome.CANCELLED)),
        awaiting=Count("id", filter=Q(outcome__isnull=True)),
    )
    rates = []
    for row in rows:  # one row per setter, already counted by the database
        set_count = row["sat"] + row["no_show"] + row["cancelled"]
        name = f"{row['setter__first_name']} {row['setter__last_name']}".strip()
        rates.append(
            SetterShowRate(
                setter_id=row["setter_id"],
                setter=name or row["setter__username"],
                set_count=set_count,
                sat=row["sat"],
                no_show=row["no_show"],
                cancelled=row["cancelled"],
                awaiting=row["awaiting"],
                verdict=show_rate_verdict(row["sat"], set_count, threshold),
            )
        )
    return tuple(sorted(rates, key=lambda r: r.setter.lower()))


@dataclass(frozen=True)
class ContractClose:
    """Of the contracts sent (by the opportunities set in the window), how many were won
    and lost; those still out are counted apart, not against the rep."""

    rep_id: int | None
    rep: str
    won: int
    lost: int
    still_out: int
    verdict: Verdict


def contract_close(window: Window | None = None) -> tuple[ContractClose, list[ContractClose]]:
    """The whole team's contract-sent → won, and each rep's."""
    window = window or Window()
    where, params = window.where("set_on")
    sent = FunnelStage.CONTRACT_SENT.rank
    sql = (
        f"SELECT rep_id, "
        f"SUM(CASE WHEN stage = '{Stage.WON.value}' THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN stage = '{Stage.LOST.value}' THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN stage NOT IN ('{Stage.WON.value}', '{Stage.LOST.value}') "
        f"THEN 1 ELSE 0 END) "
        f"FROM {OpportunityFact._meta.db_table} WHERE furthest >= {sent} AND {where} "
        f"GROUP BY rep_id"
    )
    schema = {"rep_id": pl.Int64, "won": pl.Int64, "lost": pl.Int64, "out": pl.Int64}
    frame = query(sql, params, schema)
    who = names(Cut.REP, frame["rep_id"].drop_nulls().to_list())
    reps = [
        _close(rep_id, who.get(rep_id or 0, "(no rep)"), won, lost, out)
        for rep_id, won, lost, out in frame.iter_rows()
    ]
    reps.sort(key=lambda r: r.rep.lower())
    totals = frame.select(pl.col("won", "lost", "out").sum()).row(0) if frame.height else (0, 0, 0)
    return _close(None, "Everyone", *(int(v or 0) for v in totals)), reps


def _close(rep_id: int | None, rep: str, won: int, lost: int, out: int) -> ContractClose:
    verdict = contract_close_verdict(won, won + lost, EXPECTED_CONTRACT_CLOSE)
    return ContractClose(rep_id, rep, won, lost, out, verdict)
