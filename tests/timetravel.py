"""The date the suite runs as: "today" is something the test runner can move.

``uv run pytest --today 2027-01-11`` (or ``VENTAS_TEST_TODAY=2027-01-11``) runs the whole suite as if the
wall clock said that day, 10:00 in Bogotá: the pytest process and its xdist workers travel there with
time-machine (the wall clock ticks on from there; asyncio's monotonic clock is untouched), the e2e
harness starts its test clock on that day (``harness_today``), and every bot subprocess runs through
``python -m tests.timetravel …``, which travels the same way before handing over to the real CLI.

All processes share one shift (``VENTAS_TEST_TIME_SHIFT``, seconds), computed once by the first process
that reads ``VENTAS_TEST_TODAY`` and inherited by the rest, so their clocks agree to the second.
Without ``VENTAS_TEST_TODAY`` nothing travels: the suite runs on the real date.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import time_machine

TODAY_ENV = "VENTAS_TEST_TODAY"
SHIFT_ENV = "VENTAS_TEST_TIME_SHIFT"
BOGOTA = ZoneInfo("America/Bogota")
START_HOUR = time(10, 0)  # a working morning: after the 06:00 export, inside business hours

# The bot's CLI as the tests start it in a subprocess (``[*BOT_CLI, "bot"]``): travels first when asked.
BOT_CLI = (sys.executable, "-m", "tests.timetravel")

_traveller: time_machine.travel | None = None


def _shift_seconds() -> float | None:
    if raw := os.environ.get(SHIFT_ENV):
        return float(raw)
    today = os.environ.get(TODAY_ENV)
    if not today:
        return None
    try:
        target = datetime.combine(date.fromisoformat(today), START_HOUR, BOGOTA)
    except ValueError:
        raise SystemExit(f"{TODAY_ENV}={today!r}: se esperaba una fecha AAAA-MM-DD") from None
    shift = (target - datetime.now(UTC)).total_seconds()
    os.environ[SHIFT_ENV] = repr(shift)  # inherited by xdist workers and subprocesses
    return shift


def start() -> None:
    """Travel to the date under test, if one is set (idempotent)."""
    global _traveller
    shift = _shift_seconds()
    if shift is None or _traveller is not None:
        return
    _traveller = time_machine.travel(datetime.now(UTC) + timedelta(seconds=shift), tick=True)
    _traveller.start()


def harness_today() -> datetime:
    """Where the e2e harness starts its test clock by default: today (as the suite sees it), 10:00 Bogotá."""
    today = datetime.now(BOGOTA).date()
    return datetime.combine(today, START_HOUR, BOGOTA).astimezone(UTC)


# Expected values computed here, independently of the bot's code, for tests whose day floats.
MONTHS_ES = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
             "noviembre", "diciembre")


def business_days_after(start: date, n: int) -> date:
    """The n-th Colombian business day after ``start`` (weekends and national holidays skipped)."""
    co = holidays.Colombia(years=range(start.year, start.year + 2))
    d = start
    while n:
        d += timedelta(days=1)
        if d.weekday() < 5 and d not in co:
            n -= 1
    return d


def spanish_date(d: date) -> str:
    """``25 de noviembre de 2026``."""
    return f"{d.day} de {MONTHS_ES[d.month - 1]} de {d.year}"


if __name__ == "__main__":  # python -m tests.timetravel ARGS…: the real CLI, on the date under test
    start()
    from bot.cli import app

    app(prog_name="ventas-ops", args=sys.argv[1:])
