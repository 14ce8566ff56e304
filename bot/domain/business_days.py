"""Colombian business days: Monday to Friday except national holidays, taken from the ``holidays``
library (it includes the Ley Emiliani holidays moved to Monday and Holy Week's Thursday and Friday).

Renewal windows: the KAM has ``RENEWAL_BUSINESS_DAYS`` (3) business days from the delivery date;
counting starts the day after the delivery, so the deadline is ``add_business_days(delivery, 3)``.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

__all__ = [
    "RENEWAL_BUSINESS_DAYS",
    "add_business_days",
    "business_days_between",
    "business_days_left",
    "is_business_day",
    "is_holiday",
    "next_business_day",
]

RENEWAL_BUSINESS_DAYS = 3


@lru_cache(maxsize=128)
def _holidays(year: int) -> dict[date, str]:
    """Colombia's national holidays of one year, with their Spanish names (cached per year)."""
    return dict(holidays.country_holidays("CO", years=year, language="es").items())


def is_holiday(d: date) -> bool:
    """A national holiday in Colombia (as observed, i.e. on the Monday it is moved to)."""
    return d in _holidays(d.year)


def is_business_day(d: date) -> bool:
    """Monday to Friday and not a national holiday."""
    return d.weekday() < 5 and not is_holiday(d)


def next_business_day(d: date) -> date:
    """``d`` itself when it is a business day, otherwise the first business day after it."""
    while not is_business_day(d):
        d += timedelta(days=1)
    return d


def add_business_days(start: date, n: int) -> date:
    """The ``n``-th business day after ``start`` (counting starts the day after ``start``, which
    itself need not be a business day). ``n == 0`` returns ``start``."""
    if n < 0:
        raise ValueError("n must not be negative")
    d, counted = start, 0
    while counted < n:
        d += timedelta(days=1)
        if is_business_day(d):
            counted += 1
    return d


def business_days_between(a: date, b: date) -> int:
    """Business days after ``a`` up to and including ``b`` (0 when ``b <= a``)."""
    if b <= a:
        return 0
    # whole weeks have 5 weekdays; only holidays inside the range need checking one by one
    days = (b - a).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    d = a + timedelta(days=weeks * 7)
    for _ in range(rest):
        d += timedelta(days=1)
        if d.weekday() < 5:
            count += 1
    for year in range(a.year, b.year + 1):
        count -= sum(1 for h in _holidays(year) if a < h <= b and h.weekday() < 5)
    return count


def business_days_left(today: date, deadline: date) -> int:
    """Business days still to come after ``today`` up to the deadline (0 on the last day or after)."""
    return business_days_between(today, deadline)
