"""Business days: next steps fall due in working days (PRODUCT.md §3)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadflow.domain.calendar import BusinessCalendar

US = BusinessCalendar("US")
FRIDAY = date(2026, 3, 13)
MONDAY = date(2026, 3, 16)


def test_friday_plus_one_business_day_is_monday() -> None:
    assert US.add_business_days(FRIDAY, 1) == MONDAY


def test_weekend_activity_falls_due_from_the_next_working_day() -> None:
    saturday = FRIDAY + timedelta(days=1)

    assert US.add_business_days(saturday, 1) == MONDAY
    assert US.add_business_days(saturday, 2) == MONDAY + timedelta(days=1)


def test_us_holiday_is_skipped() -> None:
    # Thanksgiving 2026 is Thursday 26 November.
    assert US.add_business_days(date(2026, 11, 25), 1) == date(2026, 11, 27)
    assert US.add_business_days(date(2026, 11, 25), 2) == date(2026, 11, 30)


def test_observed_holiday_is_skipped() -> None:
    # 4 July 2026 is a Saturday; it is observed on Friday 3 July.
    assert US.add_business_days(date(2026, 7, 2), 1) == date(2026, 7, 6)


@pytest.mark.parametrize(
    ("calendar", "due"),
    [(BusinessCalendar("US"), date(2026, 4, 3)), (BusinessCalendar("GB"), date(2026, 4, 6))],
    ids=["US-works-good-friday", "GB-closes-good-friday"],
)
def test_country_decides_the_holidays(calendar: BusinessCalendar, due: date) -> None:
    assert calendar.add_business_days(date(2026, 4, 2), 1) == due


def test_gb_works_on_us_independence_day() -> None:
    assert BusinessCalendar("GB").add_business_days(date(2026, 7, 2), 1) == date(2026, 7, 3)


def test_subdivision_adds_its_own_holidays() -> None:
    # The late-summer bank holiday (31 August 2026) is England's, not the whole UK's.
    friday = date(2026, 8, 28)

    assert BusinessCalendar("GB").add_business_days(friday, 1) == date(2026, 8, 31)
    assert BusinessCalendar("GB", "ENG").add_business_days(friday, 1) == date(2026, 9, 1)


def test_company_closure_days_are_skipped() -> None:
    black_friday = date(2026, 11, 27)
    closed = BusinessCalendar("US", extra_closed_days=frozenset({black_friday}))

    assert closed.add_business_days(date(2026, 11, 25), 1) == date(2026, 11, 30)
    assert not closed.is_business_day(black_friday)


def test_zero_business_days_is_the_start_day() -> None:
    assert US.add_business_days(FRIDAY, 0) == FRIDAY


def test_negative_business_days_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        US.add_business_days(FRIDAY, -1)


@pytest.mark.parametrize(("country", "subdivision"), [("XX", None), ("US", "ZZ")])
def test_unknown_calendar_is_refused_when_configured(country: str, subdivision: str | None) -> None:
    with pytest.raises(ValueError, match="no holiday calendar"):
        BusinessCalendar(country, subdivision)


def test_business_days_between_counts_working_days_after_the_start() -> None:
    assert US.business_days_between(FRIDAY, MONDAY) == 1
    assert US.business_days_between(date(2026, 11, 25), date(2026, 11, 30)) == 2
    assert US.business_days_between(MONDAY, FRIDAY) == 0


days = st.dates(date(2020, 1, 1), date(2030, 12, 31))


@given(days, st.integers(1, 40))
def test_due_date_is_a_business_day_exactly_n_business_days_later(start: date, n: int) -> None:
    due = US.add_business_days(start, n)

    assert due > start
    assert US.is_business_day(due)
    assert US.business_days_between(start, due) == n
    # ... and the earliest such day: the day before it is n - 1 business days away.
    assert US.business_days_between(start, due - timedelta(days=1)) == n - 1


saturdays = days.map(lambda d: d + timedelta(days=(5 - d.weekday()) % 7))


@given(saturdays, st.sampled_from([0, 1]), st.sampled_from(["US", "GB", "DE"]))
def test_weekends_are_never_business_days(saturday: date, offset: int, country: str) -> None:
    assert not BusinessCalendar(country).is_business_day(saturday + timedelta(days=offset))
