from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.dates import (
    BOGOTA,
    end_of_day_bogota,
    format_date,
    format_date_long,
    format_datetime,
    from_hubspot_date,
    parse_user_date,
    start_of_day_bogota,
    to_utc,
    today_bogota,
)
from bot.domain.errors import DateError, DomainError

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-21", date(2026, 11, 21)), ("21/11/2026", date(2026, 11, 21)), ("21-11-2026", date(2026, 11, 21)),
        ("21.11.2026", date(2026, 11, 21)), ("21/11/26", date(2026, 11, 21)), ("1/2/2026", date(2026, 2, 1)),
        ("21/11", date(2026, 11, 21)), (" 21 / 11 / 2026 ", date(2026, 11, 21)), ("2026/11/21", date(2026, 11, 21)),
        ("hoy", TODAY), ("Hoy", TODAY), (" AYER ", date(2026, 11, 22)), ("anteayer", date(2026, 11, 21)),
        ("Antier", date(2026, 11, 21)), ("29/02/2028", date(2028, 2, 29)),
    ],
)
def test_user_dates(text, expected):
    assert parse_user_date(text, TODAY) == expected


def test_relative_dates_cross_month_and_year():
    assert parse_user_date("ayer", date(2026, 1, 1)) == date(2025, 12, 31)
    assert parse_user_date("anteayer", date(2026, 3, 1)) == date(2026, 2, 27)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("31/02/2026", "La fecha «31/02/2026» no existe en el calendario. Revisa el día y el mes "
                       "(se escribe día/mes/año, por ejemplo 21/11/2026)."),
        ("29/02/2026", "no existe en el calendario"),
        ("11/31", "no existe en el calendario"),
        ("mañana?", "No entendí la fecha «mañana?». Escríbela como día/mes/año, por ejemplo: 21/11/2026, "
                    "21-11-2026, 2026-11-21, 21/11 (de este año), «hoy», «ayer» o «anteayer»."),
        ("", "Escribe la fecha, por ejemplo: 21/11/2026"),
        ("21/11/2026 10:00", "No entendí la fecha"),
        ("2026-11-21-1", "No entendí la fecha"),
        ("21/11-2026", "No entendí la fecha"),
        ("1/1/1999", "fuera de rango"),
    ],
)
def test_bad_user_dates(text, message):
    with pytest.raises(DateError) as exc:
        parse_user_date(text, TODAY, field="fecha-anticipo")
    assert message in str(exc.value) and exc.value.field == "fecha-anticipo"


@given(st.text(max_size=40))
def test_parse_user_date_only_raises_domain_errors(text):
    try:
        d = parse_user_date(text, TODAY)
    except DomainError:
        return
    assert isinstance(d, date)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_format_parse_round_trip(d):
    assert parse_user_date(format_date(d), TODAY) == d
    assert parse_user_date(d.isoformat(), TODAY) == d


def test_formats_in_spanish_and_bogota():
    assert format_date(date(2026, 11, 21)) == "21/11/2026"
    assert format_date(date(2026, 1, 5)) == "05/01/2026"
    assert format_date_long(date(2026, 11, 21)) == "sábado 21 de noviembre de 2026"
    assert format_date_long(date(2026, 9, 2)) == "miércoles 2 de septiembre de 2026"
    assert format_datetime(datetime(2026, 11, 22, 3, 5, tzinfo=UTC), BOGOTA) == "21/11/2026 22:05"
    assert format_datetime(datetime(2026, 11, 21, 19, 5, tzinfo=UTC), BOGOTA) == "21/11/2026 14:05"
    assert format_datetime(datetime(2026, 11, 21, 19, 5), BOGOTA) == "21/11/2026 14:05"  # naive = UTC
    assert today_bogota(datetime(2026, 11, 22, 3, 5, tzinfo=UTC)) == date(2026, 11, 21)
    assert today_bogota(datetime(2026, 11, 22, 5, 0, tzinfo=UTC)) == date(2026, 11, 22)
    assert end_of_day_bogota(date(2026, 11, 21)) == datetime(2026, 11, 22, 5, 0, tzinfo=UTC)
    assert start_of_day_bogota(date(2026, 11, 21)) == datetime(2026, 11, 21, 5, 0, tzinfo=UTC)
    assert end_of_day_bogota(date(2026, 12, 31)).tzinfo is UTC


def test_to_utc():
    assert to_utc(datetime(2026, 1, 1, 7, 0, tzinfo=BOGOTA)) == datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert to_utc(datetime(2026, 1, 1, 7, 0)).tzinfo is UTC
    plus2 = timezone(timedelta(hours=2))
    assert to_utc(datetime(2026, 1, 1, 7, 0, tzinfo=plus2)) == datetime(2026, 1, 1, 5, 0, tzinfo=UTC)


def test_hubspot_dates():
    assert from_hubspot_date("1795219200000") == date(2026, 11, 21)
    assert from_hubspot_date(1795219200000) == date(2026, 11, 21)
    assert from_hubspot_date("2026-11-21") == date(2026, 11, 21)
    assert from_hubspot_date("2026-11-21T00:00:00Z") == date(2026, 11, 21)
    assert from_hubspot_date("2026-11-21T00:00:00.000Z") == date(2026, 11, 21)
    assert from_hubspot_date(date(2026, 11, 21)) == date(2026, 11, 21)
    for bad in ("", "ayer", "21/11/2026", "9" * 15):
        with pytest.raises(ValueError):
            from_hubspot_date(bad)


@given(st.dates(min_value=date(1970, 1, 1), max_value=date(2200, 12, 31)))
def test_hubspot_round_trip(d):
    ms = int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp() * 1000)  # HubSpot: midnight UTC
    assert from_hubspot_date(ms) == from_hubspot_date(str(ms)) == d


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)))
def test_day_bounds_contain_the_instant(now):
    d = today_bogota(now)
    assert start_of_day_bogota(d) <= now < end_of_day_bogota(d)
    assert end_of_day_bogota(d) - start_of_day_bogota(d) == timedelta(days=1)  # no DST in Bogotá


# --- months --------------------------------------------------------------------------------------
from bot.domain.dates import month_bounds_utc, month_label, parse_month, previous_month  # noqa: E402

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, (2026, 11)), ("", (2026, 11)), ("este mes", (2026, 11)), ("mes pasado", (2026, 10)),
        ("2026-11", (2026, 11)), ("2026/3", (2026, 3)), ("11/2026", (2026, 11)), ("03-2025", (2025, 3)),
        ("noviembre 2026", (2026, 11)), ("Noviembre de 2026", (2026, 11)), ("nov 2026", (2026, 11)),
        ("SEPTIEMBRE", (2026, 9)), ("setiembre", (2026, 9)), ("sept. 2025", (2025, 9)), ("  octubre  ", (2026, 10)),
        ("diciembre", (2025, 12)),  # the latest December that has started, not a future one
        ("enero", (2026, 1)),
    ],
)
def test_parse_month(text, expected):
    assert parse_month(text, TODAY) == expected


def test_parse_month_bare_name_in_january_is_last_year():
    assert parse_month("diciembre", date(2027, 1, 4)) == (2026, 12)
    assert parse_month("mes pasado", date(2027, 1, 4)) == (2026, 12)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-13", "No entiendo el mes"), ("13/2026", "No entiendo el mes"), ("nobiembre", "No entiendo el mes"),
        ("no", "No entiendo el mes"), ("2026-00", "No entiendo el mes"), ("1800-01", "No entiendo el mes"),
        ("mañana", "No entiendo el mes"), ("x" * 5000, "No entiendo el mes"), ("diciembre 2026", "todavía no empieza"),
        ("2027-01", "todavía no empieza"),
    ],
)
def test_bad_months(text, message):
    with pytest.raises(DateError) as exc:
        parse_month(text, TODAY)
    assert message in str(exc.value) and len(str(exc.value)) < 300


def test_month_helpers():
    assert previous_month(2026, 1) == (2025, 12) and previous_month(2026, 11) == (2026, 10)
    assert month_label(2026, 11) == "noviembre de 2026"
    start, end = month_bounds_utc(2026, 12)
    # Bogotá is UTC-5 all year: the month starts at 05:00 UTC
    assert start == datetime(2026, 12, 1, 5, 0, tzinfo=UTC) and end == datetime(2027, 1, 1, 5, 0, tzinfo=UTC)


def test_day_and_month_helpers_take_the_bots_timezone():
    mexico = ZoneInfo("America/Mexico_City")  # UTC-6 all year: one hour behind Bogotá
    moment = datetime(2026, 12, 1, 5, 30, tzinfo=UTC)  # 30/11 23:30 in Mexico City, 01/12 00:30 in Bogotá
    assert today_bogota(moment, tz=mexico) == date(2026, 11, 30)
    assert today_bogota(moment) == date(2026, 12, 1)
    assert start_of_day_bogota(date(2026, 11, 30), tz=mexico) == datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
    assert end_of_day_bogota(date(2026, 11, 30), tz=mexico) == datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
    start, end = month_bounds_utc(2026, 11, tz=mexico)
    assert start == datetime(2026, 11, 1, 6, 0, tzinfo=UTC) and end == datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
    assert start <= moment < end


@given(st.dates(min_value=date(2001, 1, 1), max_value=date(2098, 12, 31)))
def test_parse_month_round_trips_every_past_month(today):
    y, m = previous_month(today.year, today.month)
    assert parse_month(f"{y}-{m:02d}", today) == (y, m)
    assert parse_month(f"{m:02d}/{y}", today) == (y, m)
    assert parse_month(month_label(y, m), today) == (y, m)


def test_format_datetime_takes_the_zone_and_a_text_for_no_instant():
    instant = datetime(2026, 11, 21, 19, 5, tzinfo=UTC)
    assert format_datetime(instant, BOGOTA) == "21/11/2026 14:05"
    assert format_datetime(instant, ZoneInfo("America/Mexico_City")) == "21/11/2026 13:05"
    assert format_datetime(instant, ZoneInfo("Europe/Madrid")) == "21/11/2026 20:05"
    assert format_datetime(None, BOGOTA) == "—" and format_datetime(None, BOGOTA, none="(sin dato)") == "(sin dato)"


def test_format_datetime_has_no_default_zone():
    # the zone is the TIMEZONE setting, never a silent Bogotá: a caller that forgets it fails loudly
    with pytest.raises(TypeError):
        format_datetime(datetime(2026, 11, 21, 19, 5, tzinfo=UTC))
