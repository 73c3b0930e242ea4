"""Time in the demo world: business days on the business's calendar, office hours, and a
"now" that nothing may happen after."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from leadflow.domain.calendar import BusinessCalendar

# 14:00-21:59 UTC is office hours in Texas (UTC-5/-6) and never crosses midnight in
# either zone, so an event's date is the same wherever it is read.
_FIRST_HOUR, _LAST_HOUR = 14, 21


class Clock:
    def __init__(self, *, now: datetime, calendar: BusinessCalendar, rng: random.Random) -> None:
        self.now = now.astimezone(UTC)
        self.today = self.now.date()
        self.calendar = calendar
        self.rng = rng
        self.start = self.now - timedelta(days=548)  # about 18 months of history

    def at(self, day: date, *, hour: int | None = None) -> datetime:
        """A moment in office hours on `day`."""
        hour = self.rng.randint(_FIRST_HOUR, _LAST_HOUR) if hour is None else hour
        return datetime.combine(day, time(hour, self.rng.randrange(0, 60, 5)), tzinfo=UTC)

    def business_day_on_or_after(self, day: date) -> date:
        while not self.calendar.is_business_day(day):
            day += timedelta(days=1)
        return day

    def after(self, moment: datetime, low: int, high: int) -> datetime:
        """A moment `low`..`high` business days after `moment`, in office hours."""
        days = self.rng.randint(low, high)
        day = self.calendar.add_business_days(moment.date(), days)
        later = self.at(day)
        if later <= moment:  # same day: keep the order of events
            later = moment + timedelta(minutes=self.rng.randint(20, 120))
        return later

    def days_after(self, moment: datetime, low: int, high: int) -> datetime:
        """A business-day moment `low`..`high` calendar days after `moment`."""
        day = moment.date() + timedelta(days=self.rng.randint(low, high))
        return self.at(self.business_day_on_or_after(day))

    def business_days_ago(self, days: int) -> datetime:
        day = self.today
        while days > 0:
            day -= timedelta(days=1)
            if self.calendar.is_business_day(day):
                days -= 1
        return self.at(day)

    def between(self, first: datetime, last: datetime) -> datetime:
        """A business-day moment in [first, last); `first` itself if the span is empty."""
        span = (last - first).days
        if span <= 0:
            return first
        day = self.business_day_on_or_after(first.date() + timedelta(days=self.rng.randrange(span)))
        moment = self.at(day)
        if first <= moment < last:
            return moment
        return first + (last - first) * self.rng.random()

    def past(self, moment: datetime) -> bool:
        return moment < self.now
