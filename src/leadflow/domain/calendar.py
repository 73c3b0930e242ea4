"""Business days: next steps fall due in working days, skipping weekends and holidays."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

import holidays


@dataclass(frozen=True)
class BusinessCalendar:
    """Working days of one country (and optional subdivision), e.g. ("US", "TX")."""

    country: str = "US"
    subdivision: str | None = None
    extra_closed_days: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        # Fail where the calendar is configured, not on the first due date weeks later.
        try:
            self._holidays  # noqa: B018
        except NotImplementedError as error:
            where = self.country + (f"-{self.subdivision}" if self.subdivision else "")
            raise ValueError(f"no holiday calendar for {where!r}: {error}") from error

    @cached_property
    def _holidays(self) -> holidays.HolidayBase:
        return holidays.country_holidays(self.country, subdiv=self.subdivision)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._holidays and day not in self.extra_closed_days

    def add_business_days(self, start: date, days: int) -> date:
        """The date `days` business days after `start` (start itself does not count)."""
        if days < 0:
            raise ValueError("days must not be negative")
        current = start
        remaining = days
        while remaining:
            current += timedelta(days=1)
            if self.is_business_day(current):
                remaining -= 1
        return current

    def business_days_between(self, start: date, end: date) -> int:
        """Business days after `start` up to and including `end` (0 if end <= start)."""
        count = 0
        current = start
        while current < end:
            current += timedelta(days=1)
            if self.is_business_day(current):
                count += 1
        return count
