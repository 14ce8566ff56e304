"""What the gateway returns: small frozen dataclasses (never SDK objects) and the parsing of HubSpot's
dates and amounts."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HubSpotDeal:
    id: str
    name: str | None
    amount: int | None  # integer COP (rounded half up), None when empty or not a number
    owner_id: str | None
    advance_date: date | None
    archived: bool
    stage: str | None
    properties: Mapping[str, str | None] = field(default_factory=dict, compare=False, hash=False, repr=False)



@dataclass(frozen=True, slots=True)
class HubSpotOwner:
    id: str
    email: str | None
    first_name: str | None
    last_name: str | None
    user_id: str | None = None

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or (self.email or self.id)



@dataclass(frozen=True, slots=True)
class HubSpotCompany:
    id: str
    name: str | None
    domain: str | None
    owner_id: str | None
    services: tuple[str, ...]  # the services property split on ';' (multi-checkbox values)
    properties: Mapping[str, str | None] = field(default_factory=dict, compare=False, hash=False, repr=False)



def midnight_utc_ms(d: date) -> int:
    """HubSpot stores ``date`` properties as epoch milliseconds at midnight UTC."""
    return int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp() * 1000)



def parse_hubspot_date(value: Any) -> date | None:
    """Epoch ms (``"1735776000000"``), ``YYYY-MM-DD`` or an ISO datetime → date (UTC); else None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    s = str(value).strip()
    if not s:
        return None
    if re.fullmatch(r"-?\d+(\.\d+)?", s):
        try:
            return datetime.fromtimestamp(float(s) / 1000, UTC).date()
        except (OverflowError, OSError, ValueError):
            return None
    try:
        if len(s) == 10:
            return date.fromisoformat(s)
        dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
        return dt.astimezone(UTC).date() if dt.tzinfo else dt.date()
    except ValueError:
        return None



def parse_amount(value: Any) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        return int(Decimal(str(value).strip().replace(",", "")).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except (InvalidOperation, ValueError):
        return None



def _props(obj: Any) -> dict[str, str | None]:
    return dict(getattr(obj, "properties", None) or {})
