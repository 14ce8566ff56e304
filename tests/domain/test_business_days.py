from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.business_days import (
    RENEWAL_BUSINESS_DAYS,
    add_business_days,
    business_days_between,
    business_days_left,
    is_business_day,
    is_holiday,
    next_business_day,
)


@pytest.mark.parametrize(
    "d",
    [
        date(2026, 1, 1), date(2026, 1, 12),  # Reyes moved to Monday 12
        date(2026, 3, 23),  # San José moved
        date(2026, 4, 2), date(2026, 4, 3),  # Jueves and Viernes Santo
        date(2026, 5, 1), date(2026, 7, 20), date(2026, 8, 7), date(2026, 11, 16),  # Cartagena moved
        date(2026, 12, 8), date(2026, 12, 25), date(2027, 1, 1), date(2027, 1, 11),
    ],
)
def test_known_holidays_from_the_library(d):
    assert is_holiday(d) and not is_business_day(d)


def test_moved_holidays_original_dates_are_working_days():
    assert is_business_day(date(2026, 1, 6))  # Tuesday: Reyes is observed on Monday 12
    assert is_business_day(date(2026, 11, 11))  # Wednesday: Cartagena is observed on Monday 16
    assert is_holiday(date(2026, 4, 2)) and not is_holiday(date(2026, 11, 17))  # Jueves Santo
    assert not is_business_day(date(2026, 11, 21)) and not is_business_day(date(2026, 11, 22))  # weekend
    assert is_business_day(date(2026, 11, 17))


@pytest.mark.parametrize(
    ("delivery", "deadline"),
    [
        (date(2026, 11, 13), date(2026, 11, 19)),  # Friday before the Monday-moved Independencia de Cartagena
        (date(2026, 1, 9), date(2026, 1, 15)),  # Friday before Reyes (Monday 12)
        (date(2026, 3, 27), date(2026, 4, 1)),  # Holy Week: Mon 30, Tue 31, Wed 1
        (date(2026, 3, 31), date(2026, 4, 7)),  # across Jueves and Viernes Santo and the weekend
        (date(2026, 4, 1), date(2026, 4, 8)),
        (date(2026, 4, 2), date(2026, 4, 8)),  # delivered on the holiday itself
        (date(2026, 12, 24), date(2026, 12, 30)),  # Christmas Friday and the weekend
        (date(2026, 12, 30), date(2027, 1, 5)),  # New Year; Reyes 2027 (Monday 11) not reached
        (date(2027, 1, 6), date(2027, 1, 12)),  # across Reyes 2027 moved to Monday 11
        (date(2026, 11, 18), date(2026, 11, 23)),  # plain weekend
        (date(2026, 11, 21), date(2026, 11, 25)),  # delivery on a Saturday
        (date(2026, 11, 22), date(2026, 11, 25)),  # delivery on a Sunday
        (date(2026, 11, 23), date(2026, 11, 26)),  # plain week
    ],
)
def test_renewal_deadlines(delivery, deadline):
    assert RENEWAL_BUSINESS_DAYS == 3
    assert add_business_days(delivery, 3) == deadline == add_business_days(delivery, RENEWAL_BUSINESS_DAYS)
    assert business_days_between(delivery, deadline) == 3
    assert is_business_day(deadline)


def test_zero_and_negative():
    assert add_business_days(date(2026, 11, 21), 0) == date(2026, 11, 21)
    assert add_business_days(date(2026, 11, 13), 1) == date(2026, 11, 17)
    with pytest.raises(ValueError):
        add_business_days(date(2026, 11, 13), -1)
    assert business_days_between(date(2026, 11, 20), date(2026, 11, 20)) == 0
    assert business_days_between(date(2026, 11, 20), date(2026, 11, 10)) == 0


def test_next_business_day():
    assert next_business_day(date(2026, 11, 14)) == date(2026, 11, 17)  # Sat → Tue (Mon is a holiday)
    assert next_business_day(date(2026, 11, 17)) == date(2026, 11, 17)
    assert next_business_day(date(2026, 12, 25)) == date(2026, 12, 28)


def test_days_left():
    assert business_days_left(date(2026, 11, 17), date(2026, 11, 19)) == 2
    assert business_days_left(date(2026, 11, 19), date(2026, 11, 19)) == 0
    assert business_days_left(date(2026, 11, 20), date(2026, 11, 19)) == 0
    assert business_days_left(date(2026, 11, 13), date(2026, 11, 17)) == 1  # the holiday Monday does not count
    assert business_days_left(date(2026, 11, 13), date(2026, 11, 19)) == 3
    assert business_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 242


def _slow_between(a: date, b: date) -> int:
    return sum(1 for i in range(1, (b - a).days + 1) if is_business_day(a + timedelta(days=i)))


@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)), st.integers(min_value=0, max_value=40))
def test_add_business_days_properties(start, n):
    end = add_business_days(start, n)
    if n:
        assert is_business_day(end) and end > start
        assert business_days_between(start, end - timedelta(days=1)) == n - 1  # the first such day
    assert business_days_between(start, end) == n
    assert (end - start) <= timedelta(days=n * 3 + 6)


@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)), st.integers(min_value=-20, max_value=400))
def test_between_matches_day_by_day_count(a, span):
    b = a + timedelta(days=span)
    assert business_days_between(a, b) == max(0, _slow_between(a, b))
