"""Dates as people write them, shown in Spanish (no locale dependence), Bogotá time, and HubSpot's
date format. Timestamps are stored as aware UTC; a naive ``datetime`` is read as UTC (SQLite hands
them back naive).

:func:`bot.domain.validation.fold_text` is imported inside the parsers that use it (``# lazy: see module
docstring``): validation loads phonenumbers and email_validator, and every ``ventas-ops`` command, ``--help``
included, imports this module to show dates."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from bot.domain.errors import DateError

__all__ = [
    "ACCEPTED_DATE_FORMS",
    "BOGOTA",
    "DateError",
    "end_of_day_bogota",
    "format_date",
    "format_date_long",
    "format_datetime",
    "from_hubspot_date",
    "month_bounds_utc",
    "month_label",
    "parse_month",
    "parse_user_date",
    "parse_user_datetime",
    "previous_month",
    "start_of_day_bogota",
    "to_utc",
    "today_bogota",
]

BOGOTA = ZoneInfo("America/Bogota")
ACCEPTED_DATE_FORMS = "21/11/2026, 21-11-2026, 2026-11-21, 21/11 (de este año), «hoy», «ayer» o «anteayer»"
MIN_YEAR, MAX_YEAR = 2000, 2100
DAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
MONTHS = (
    "enero", "febrero", "marzo", "abril", "mayo", "junio",
    "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
)
_RELATIVE = {"hoy": 0, "ayer": 1, "anteayer": 2, "antier": 2, "antes de ayer": 2}
_EPOCH = date(1970, 1, 1)


def to_utc(dt: datetime) -> datetime:
    """The same instant as aware UTC; a naive value is taken to be UTC already."""
    if dt.tzinfo is None or dt.tzinfo.utcoffset(dt) is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def today_bogota(now: datetime, *, tz: tzinfo = BOGOTA) -> date:
    """The calendar date in ``tz`` (the bot's ``TIMEZONE``; Bogotá by default) at the instant ``now``."""
    return to_utc(now).astimezone(tz).date()


def parse_user_date(text: str | None, today: date, field: str = "fecha") -> date:
    """"2026-11-21", "21/11/2026", "21-11-2026", "21.11.2026", "21/11/26", "21/11" (this year),
    "hoy", "ayer", "anteayer"; case, accents and spaces do not matter. Refuses dates that do not
    exist ("31/02/2026") and anything else with a Spanish message listing the accepted forms."""
    from bot.domain.validation import fold_text  # lazy: see module docstring

    raw = str(text or "").strip()
    shown = " ".join(raw.split())[:30].replace("`", "'")
    if not raw:
        raise DateError(f"Escribe la fecha, por ejemplo: {ACCEPTED_DATE_FORMS}.", field)
    key = " ".join(fold_text(raw).split()).rstrip(".")
    if key in _RELATIVE:
        return today - timedelta(days=_RELATIVE[key])
    key = re.sub(r"\s*([/\-.])\s*", r"\1", key)
    parts: tuple[int, int, int] | None = None
    if len(key) <= 12:
        if m := re.fullmatch(r"([0-9]{4})([/\-.])([0-9]{1,2})\2([0-9]{1,2})", key):
            parts = int(m[1]), int(m[3]), int(m[4])
        elif m := re.fullmatch(r"([0-9]{1,2})([/\-.])([0-9]{1,2})\2([0-9]{4}|[0-9]{2})", key):
            year = int(m[4]) if len(m[4]) == 4 else 2000 + int(m[4])
            parts = year, int(m[3]), int(m[1])
        elif m := re.fullmatch(r"([0-9]{1,2})[/\-]([0-9]{1,2})", key):
            parts = today.year, int(m[2]), int(m[1])
    if parts is None:
        raise DateError(
            f"No entendí la fecha «{shown}». Escríbela como día/mes/año, por ejemplo: {ACCEPTED_DATE_FORMS}.",
            field,
        )
    year, month, day = parts
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DateError(f"La fecha «{shown}» está fuera de rango: revisa el año.", field)
    try:
        return date(year, month, day)
    except ValueError:
        raise DateError(
            f"La fecha «{shown}» no existe en el calendario. Revisa el día y el mes "
            f"(se escribe día/mes/año, por ejemplo 21/11/2026).",
            field,
        ) from None


def format_date(d: date) -> str:
    """``21/11/2026``."""
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"


def format_date_long(d: date) -> str:
    """``sábado 21 de noviembre de 2026`` (Spanish names without relying on the system locale)."""
    return f"{DAYS[d.weekday()]} {d.day} de {MONTHS[d.month - 1]} de {d.year}"


def format_datetime(dt_utc: datetime | None, tz: tzinfo, none: str = "—") -> str:
    """``21/11/2026 14:05`` in ``tz`` (naive input is read as UTC); ``none`` when there is no instant.
    The one date-and-time formatter of everything users read; ``tz`` has no default: pass the
    ``TIMEZONE`` setting (``settings.tz``)."""
    if dt_utc is None:
        return none
    local = to_utc(dt_utc).astimezone(tz)
    return f"{format_date(local.date())} {local.hour:02d}:{local.minute:02d}"


def start_of_day_bogota(d: date, *, tz: tzinfo = BOGOTA) -> datetime:
    """The first instant of ``d`` in ``tz`` (Bogotá by default: 05:00 UTC, UTC−5, no DST), as aware UTC."""
    return datetime.combine(d, time(0), tzinfo=tz).astimezone(UTC)


def end_of_day_bogota(d: date, *, tz: tzinfo = BOGOTA) -> datetime:
    """The first instant of the next day in ``tz`` (Bogotá by default), as aware UTC (exclusive end of ``d``)."""
    return start_of_day_bogota(d + timedelta(days=1), tz=tz)


def from_hubspot_date(value: str | int | date) -> date:
    """A HubSpot date value: epoch milliseconds (int or digit string), "2026-11-21" or an ISO
    timestamp such as "2026-11-21T00:00:00Z" / "2026-11-21T00:00:00.000Z" (its UTC date).
    Raises ``ValueError`` for anything else (this is API data, not user input)."""
    if isinstance(value, datetime):
        return to_utc(value).date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise ValueError(f"not a HubSpot date: {value!r}")
    s = str(value).strip()
    if isinstance(value, int) or re.fullmatch(r"-?[0-9]{1,15}", s):
        try:
            return _EPOCH + timedelta(milliseconds=int(s))
        except OverflowError:
            raise ValueError(f"not a HubSpot date: {value!r}") from None
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", s):
        return date.fromisoformat(s)
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9:.]+(?:Z|[+-][0-9]{2}:?[0-9]{2})?", s):
        raise ValueError(f"not a HubSpot date: {value!r}")
    return to_utc(datetime.fromisoformat(s.replace("Z", "+00:00"))).date()


# --- months (statements and reports) -----------------------------------------------------------
ACCEPTED_MONTH_FORMS = "2026-11, 11/2026, «noviembre 2026», «noviembre» (el último que ya empezó), «este mes» o «mes pasado»"
_MONTH_PREFIX = {m[:3]: i + 1 for i, m in enumerate(MONTHS)} | {"set": 9}


def previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def parse_month(text: str | None, today: date, field: str = "mes") -> tuple[int, int]:
    """(year, month) from "2026-11", "11/2026", "11-2026", "noviembre 2026", "nov 2026", "noviembre"
    (the latest one that has started), "este mes", "mes pasado"; empty means this month. Refuses the future and anything
    else with a Spanish message listing the accepted forms."""
    from bot.domain.validation import fold_text  # lazy: see module docstring

    raw = " ".join(str(text or "").split())
    shown = raw[:30].replace("`", "'")
    folded = fold_text(raw).replace("de ", "")
    ym: tuple[int, int] | None = None
    if folded in {"", "este mes", "mes actual", "actual"}:
        ym = (today.year, today.month)
    elif folded in {"mes pasado", "mes anterior", "anterior", "pasado"}:
        ym = previous_month(today.year, today.month)
    elif m := re.fullmatch(r"(\d{4})[-/.](\d{1,2})", folded):
        ym = (int(m.group(1)), int(m.group(2)))
    elif m := re.fullmatch(r"(\d{1,2})[-/.](\d{4})", folded):
        ym = (int(m.group(2)), int(m.group(1)))
    elif m := re.fullmatch(r"([a-z]{3,10})\.?(?: (\d{4}))?", folded):
        month = _MONTH_PREFIX.get(m.group(1)[:3])
        if month is not None and (len(m.group(1)) == 3 or MONTHS[month - 1].startswith(m.group(1))
                                  or m.group(1) == "setiembre"):
            if m.group(2):
                ym = (int(m.group(2)), month)
            else:  # a bare month name is the latest one that has started: «diciembre» in March is last December
                ym = (today.year, month) if month <= today.month else (today.year - 1, month)
    if ym is None or not 1 <= ym[1] <= 12 or not MIN_YEAR <= ym[0] <= MAX_YEAR:
        raise DateError(f"No entiendo el mes «{shown}». Escríbelo así: {ACCEPTED_MONTH_FORMS}.", field)
    if ym > (today.year, today.month):
        raise DateError(f"El mes {MONTHS[ym[1] - 1]} de {ym[0]} todavía no empieza.", field)
    return ym


def month_label(year: int, month: int) -> str:
    """``noviembre de 2026``."""
    return f"{MONTHS[month - 1]} de {year}"


def month_bounds_utc(year: int, month: int, *, tz: tzinfo = BOGOTA) -> tuple[datetime, datetime]:
    """[first instant, first instant of the next month) of a calendar month in ``tz`` (Bogotá by default), in UTC."""
    ny, nm = (year + 1, 1) if month == 12 else (year, month + 1)
    return start_of_day_bogota(date(year, month, 1), tz=tz), start_of_day_bogota(date(ny, nm, 1), tz=tz)


_TIME = re.compile(r"^(?P<date>.+?)[\sT,]+(?:a las\s+)?(?P<h>\d{1,2})(?:[:.h](?P<m>\d{2})|h)?\s*(?P<ampm>[ap])?\.?\s*m?\.?$")


def parse_user_datetime(text: str | None, now: datetime, tz: ZoneInfo = BOGOTA, field: str = "fecha") -> datetime:
    """"30/11/2026 15:00", "30/11 3:30 pm", "hoy 16h", "2026-11-30 09:15" in ``tz``; aware UTC out.
    Refuses what it cannot read, hours that do not exist and moments already past (Spanish messages)."""
    from bot.domain.validation import fold_text  # lazy: see module docstring

    raw = " ".join(str(text or "").split())
    shown = raw[:40].replace("`", "'")
    example = "día/mes/año hora:minutos, por ejemplo 30/11/2026 15:00"
    m = _TIME.match(fold_text(raw).replace("p. m.", "pm").replace("a. m.", "am"))
    if not m:
        raise DateError(f"No entendí «{shown}». Escribe la fecha y la hora como {example}.", field)
    local_now = to_utc(now).astimezone(tz)
    day = parse_user_date(m["date"], local_now.date(), field)
    hour, minute = int(m["h"]), int(m["m"] or 0)
    if m["ampm"] == "p" and hour < 12:
        hour += 12
    elif m["ampm"] == "a" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        raise DateError(f"La hora de «{shown}» no existe. Escríbela como {example}.", field)
    when = datetime.combine(day, time(hour, minute), tzinfo=tz)
    if when <= local_now:
        raise DateError(f"El {format_date(day)} a las {hour:02d}:{minute:02d} ya pasó: elige un momento futuro.", field)
    return when.astimezone(UTC)
