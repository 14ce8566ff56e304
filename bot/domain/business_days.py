"""Colombian business days: no weekends, no national holidays (from the ``holidays`` library,
which includes the Ley Emiliani Monday-moved holidays and Holy Week)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("CO", years=year).keys())


def is_holiday(d: date) -> bool:
    return d in _holidays(d.year)


def is_business_day(d: date) -> bool:
    return d.weekday() < 5 and not is_holiday(d)


def add_business_days(start: date, n: int) -> date:
    """The ``n``-th business day after ``start`` (counting starts the day after)."""
    if n < 0:
        raise ValueError("n must not be negative")
    d, counted = start, 0
    while counted < n:
        d += timedelta(days=1)
        if is_business_day(d):
            counted += 1
    return d


def business_days_between(a: date, b: date) -> int:
    """Business days after ``a`` up to and including ``b`` (0 when b <= a)."""
    count, d = 0, a
    while d < b:
        d += timedelta(days=1)
        if is_business_day(d):
            count += 1
    return count


def business_days_left(today: date, deadline: date) -> int:
    """Business days remaining after today until the deadline (0 on the last day or after it)."""
    return business_days_between(today, deadline)
