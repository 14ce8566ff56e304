from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.business_days import add_business_days, business_days_between, business_days_left, is_business_day
from bot.domain.dates import (
    end_of_day_bogota, format_date, format_date_long, format_datetime, from_hubspot_date, hubspot_date_ms,
    parse_user_date, today_bogota,
)
from bot.domain.errors import DomainError

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2026-11-21", date(2026, 11, 21)), ("21/11/2026", date(2026, 11, 21)), ("21-11-2026", date(2026, 11, 21)),
     ("21/11", date(2026, 11, 21)), ("hoy", TODAY), (" AYER ", date(2026, 11, 22)), ("anteayer", date(2026, 11, 21))],
)
def test_user_dates(text, expected):
    assert parse_user_date(text, TODAY) == expected


@pytest.mark.parametrize(("text", "needle"), [("31/02/2026", "no existe"), ("mañana?", "formatos"), ("", "formatos")])
def test_bad_user_dates(text, needle):
    with pytest.raises(DomainError) as exc:
        parse_user_date(text, TODAY, field="fecha-anticipo")
    assert needle in str(exc.value) and exc.value.field == "fecha-anticipo"


def test_formats_in_spanish_and_bogota():
    assert format_date(date(2026, 11, 21)) == "21/11/2026"
    assert format_date_long(date(2026, 11, 21)) == "sábado 21 de noviembre de 2026"
    assert format_datetime(datetime(2026, 11, 22, 3, 5, tzinfo=UTC)) == "21/11/2026 22:05"
    assert today_bogota(datetime(2026, 11, 22, 3, 5, tzinfo=UTC)) == date(2026, 11, 21)
    assert end_of_day_bogota(date(2026, 11, 21)) == datetime(2026, 11, 22, 5, 0, tzinfo=UTC)


def test_hubspot_dates():
    assert hubspot_date_ms(date(2026, 11, 21)) == 1795219200000
    assert from_hubspot_date("1795219200000") == date(2026, 11, 21)
    assert from_hubspot_date("2026-11-21") == date(2026, 11, 21)
    assert from_hubspot_date("2026-11-21T00:00:00Z") == date(2026, 11, 21)


def test_known_2026_holidays_from_the_library():
    for d in (date(2026, 1, 12), date(2026, 4, 2), date(2026, 4, 3), date(2026, 11, 16), date(2026, 12, 8),
              date(2026, 12, 25), date(2027, 1, 1)):
        assert not is_business_day(d), d
    assert is_business_day(date(2026, 11, 17))
    assert not is_business_day(date(2026, 11, 21))  # Saturday


@pytest.mark.parametrize(
    ("delivery", "deadline"),
    [
        (date(2026, 11, 13), date(2026, 11, 19)),  # Friday before the Monday-moved Independencia de Cartagena
        (date(2026, 3, 27), date(2026, 4, 1)),  # Holy Week: Thursday 2 and Friday 3 April are holidays
        (date(2026, 3, 31), date(2026, 4, 7)),  # across Jueves and Viernes Santo
        (date(2026, 12, 24), date(2026, 12, 30)),  # Christmas and the weekend
        (date(2026, 12, 30), date(2027, 1, 5)),  # New Year; 11 January 2027 is Reyes (moved), not reached
        (date(2026, 11, 18), date(2026, 11, 23)),  # plain weekend
        (date(2026, 11, 21), date(2026, 11, 25)),  # delivery on a Saturday
    ],
)
def test_renewal_deadlines(delivery, deadline):
    assert add_business_days(delivery, 3) == deadline
    assert business_days_between(delivery, deadline) == 3


def test_days_left():
    assert business_days_left(date(2026, 11, 17), date(2026, 11, 19)) == 2
    assert business_days_left(date(2026, 11, 19), date(2026, 11, 19)) == 0
    assert business_days_left(date(2026, 11, 13), date(2026, 11, 17)) == 1  # the holiday Monday does not count


@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)), st.integers(min_value=0, max_value=30))
def test_add_business_days_properties(start, n):
    end = add_business_days(start, n)
    if n:
        assert is_business_day(end) and end > start
    assert business_days_between(start, end) == n
    assert (end - start) <= timedelta(days=n * 3 + 6)
