"""What every report shares: the period asked for, the cut, names for ids, one query."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

import polars as pl
from django.contrib.auth.models import User
from django.db import connection, connections

from leadflow.conf import REPORTS_DATABASE
from leadflow.crm.models import Campaign, Source


class Cut(StrEnum):
    """How a report splits its numbers (`--by`)."""

    ALL = "all"
    SOURCE = "source"
    CAMPAIGN = "campaign"
    SETTER = "setter"
    REP = "rep"
    MONTH = "month"
    QUARTER = "quarter"

    @property
    def is_pipeline(self) -> bool:
        """Setters and reps exist only from the appointment on: these cuts count
        opportunities, the others count leads."""
        return self in (Cut.SETTER, Cut.REP)


NONE_LABEL = "(none)"


# The calendar reports work in: a month after the last day still has to be a date.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9998, 12, 31)


@dataclass(frozen=True)
class Window:
    """Days from `start` to `end`, both included; an open end reaches as far as history."""

    start: date | None = None
    end: date | None = None

    def __post_init__(self) -> None:
        for day in (self.start, self.end):
            if day is not None and not FIRST_DAY <= day <= LAST_DAY:
                raise ValueError(f"{day} is outside {FIRST_DAY} to {LAST_DAY}")
        if self.start and self.end and self.start > self.end:
            raise ValueError(f"the period starts ({self.start}) after it ends ({self.end})")

    def where(self, column: str) -> tuple[str, list[Any]]:
        parts, params = [], []
        if self.start:
            parts.append(f"{column} >= %s")
            params.append(self.start.isoformat())
        if self.end:
            parts.append(f"{column} <= %s")
            params.append(self.end.isoformat())
        return (" AND ".join(parts) or "1 = 1"), params

    def describe(self) -> str:
        if not (self.start or self.end):
            return "all time"
        start = self.start.isoformat() if self.start else "the beginning"
        end = self.end.isoformat() if self.end else "today"
        return f"{start} to {end}"


_CELL_COLUMNS = (
    "lead_on, source_id, campaign_id, furthest, sweet_spot, unqualified_reason, "
    "won_after_months, won_in_month, won_set_in_month, leads, won_value"
)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def lead_cells(window: Window) -> tuple[str, list[Any]]:
    """The lead cells of the window, as a derived table `cells` for a FROM clause: whole
    months from FunnelMonth, the days before and after them from FunnelDay."""
    from leadflow.crm.models import FunnelDay, FunnelMonth

    day_table, month_table = FunnelDay._meta.db_table, FunnelMonth._meta.db_table
    # The whole months inside the window: [first, after) by their first days.
    first = window.start
    if first is not None and first.day != 1:
        first = _next_month(first)
    after = None if window.end is None else _next_month(window.end)
    if window.end is not None and after is not None and window.end != after - timedelta(days=1):
        after = after.replace(day=1) - timedelta(days=1)
        after = after.replace(day=1)
    if first is not None and after is not None and first >= after:
        where, params = window.where("lead_on")
        return f"(SELECT {_CELL_COLUMNS} FROM {day_table} WHERE {where}) cells", params
    months, month_params = [], []
    # The partial months at either end, each a range of days of its own: one OR of
    # "before the first whole month or after the last" within the window made SQLite
    # walk every day of the window (most of a plan's 100 ms at 1M leads).
    edges: list[tuple[str, str]] = []  # [start, end) of the partial months' days
    if first is not None:
        months.append("lead_on >= %s")
        month_params.append(first.isoformat())
        if window.start is not None and window.start < first:
            edges.append((window.start.isoformat(), first.isoformat()))
    if after is not None:
        months.append("lead_on < %s")
        month_params.append(after.isoformat())
        if window.end is not None and window.end >= after:
            edges.append((after.isoformat(), (window.end + timedelta(days=1)).isoformat()))
    parts = [f"SELECT {_CELL_COLUMNS} FROM {month_table} WHERE {' AND '.join(months) or '1 = 1'}"]
    parts += [
        f"SELECT {_CELL_COLUMNS} FROM {day_table} WHERE lead_on >= %s AND lead_on < %s"
        for _ in edges
    ]
    sql = "(" + " UNION ALL ".join(parts) + ") cells"
    edge_params = [day for edge in edges for day in edge]
    return sql, [*month_params, *edge_params]


def epoch(sql: str) -> str:
    """A timestamp expression as seconds since 1970 (UTC), on either database."""
    if connection.vendor == "postgresql":
        return f"EXTRACT(EPOCH FROM {sql})"
    return f"(julianday({sql}) - 2440587.5) * 86400.0"


def moment(column: str) -> pl.Expr:
    """Epoch seconds (as `epoch` reads them) to a UTC datetime, to the microsecond."""
    micros = (pl.col(column) * 1_000_000).round().cast(pl.Int64)
    return pl.from_epoch(micros, time_unit="us").dt.replace_time_zone("UTC")


def query(sql: str, params: Sequence[Any], schema: dict[str, Any]) -> pl.DataFrame:
    """Every report's read of the history and the funnel facts: from the reports database
    (a read replica) when LEADFLOW_REPORTS_DATABASE_URL names one, else the primary."""
    alias = REPORTS_DATABASE if REPORTS_DATABASE in connections.settings else "default"
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, list(params))
        rows = cursor.fetchall()
    return pl.DataFrame(rows, schema=schema, orient="row")


def month_of(day: pl.Expr) -> pl.Expr:
    return day.dt.strftime("%Y-%m")


def quarter_of(day: pl.Expr) -> pl.Expr:
    return pl.format("{}-Q{}", day.dt.year(), day.dt.quarter())


def names(cut: Cut, ids: Iterable[int]) -> dict[int, str]:
    """Readable names for the ids of a source, campaign, setter or rep cut."""
    wanted = sorted({i for i in ids if i})
    if cut is Cut.SOURCE:
        return dict(Source.objects.filter(pk__in=wanted).values_list("id", "name"))
    if cut is Cut.CAMPAIGN:
        return dict(Campaign.objects.filter(pk__in=wanted).values_list("id", "name"))
    if cut.is_pipeline:
        users = User.objects.filter(pk__in=wanted).values_list(
            "id", "first_name", "last_name", "username"
        )
        return {pk: f"{first} {last}".strip() or username for pk, first, last, username in users}
    return {}
