"""Dates as people write them, shown in Spanish, and HubSpot's date format."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.errors import DomainError
from bot.domain.validation import fold_text

BOGOTA = ZoneInfo("America/Bogota")
ACCEPTED = "2026-11-21, 21/11/2026, 21-11-2026, 21/11, «hoy» o «ayer»"
DAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
          "noviembre", "diciembre")


def today_bogota(now: datetime) -> date:
    return now.astimezone(BOGOTA).date()


def to_utc(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        raise ValueError("naive datetime")
    return dt.astimezone(UTC)


def parse_user_date(text: str | None, today: date, field: str = "fecha") -> date:
    raw = (text or "").strip()
    key = fold_text(raw)
    relative = {"hoy": 0, "ayer": 1, "anteayer": 2, "antier": 2}
    if key in relative:
        return today - timedelta(days=relative[key])
    try:
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", key):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := re.fullmatch(r"(\d{1,2})[/\-.](\d{1,2})[/\-.](\d{4})", key):
            return date(int(m[3]), int(m[2]), int(m[1]))
        if m := re.fullmatch(r"(\d{1,2})/(\d{1,2})", key):
            return date(today.year, int(m[2]), int(m[1]))
    except ValueError:
        raise DomainError(f"La fecha «{raw[:30]}» no existe en el calendario.", field) from None
    raise DomainError(f"No entendí la fecha «{raw[:30]}». Usa uno de estos formatos: {ACCEPTED}.", field)


def format_date(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def format_date_long(d: date) -> str:
    return f"{DAYS[d.weekday()]} {d.day} de {MONTHS[d.month - 1]} de {d.year}"


def format_datetime(dt: datetime) -> str:
    return dt.astimezone(BOGOTA).strftime("%d/%m/%Y %H:%M")


def end_of_day_bogota(d: date) -> datetime:
    """The first instant of the next day in Bogotá, as aware UTC."""
    return datetime.combine(d + timedelta(days=1), time(0), tzinfo=BOGOTA).astimezone(UTC)


def hubspot_date_ms(d: date) -> int:
    """HubSpot ``date`` properties: midnight UTC as epoch milliseconds."""
    return int(datetime.combine(d, time(0), tzinfo=UTC).timestamp() * 1000)


def from_hubspot_date(value: str | int) -> date:
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC).date()
    s = str(value).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
        return date.fromisoformat(s)
    return datetime.fromisoformat(s.replace("Z", "+00:00")).astimezone(UTC).date()
