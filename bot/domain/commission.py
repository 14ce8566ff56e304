"""Commission arithmetic in ``Decimal`` (never float arithmetic), rounded half-up to the peso.

Program defaults (seed): 6 % of the deal's total value for the KAM who sold it; referral rewards by
the lead's *final* status (not cumulative): malo $0, bueno $5.000, vendido $10.000.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from bot.domain.enums import (  # re-exported: the vocabularies of deals and the commission ledger
    CommissionKind,
    CommissionState,
    DealType,
    LeadStatus,
)

__all__ = [
    "COMMISSION_RATE",
    "LEAD_REWARD_BAD",
    "LEAD_REWARD_GOOD",
    "LEAD_REWARD_SOLD",
    "CommissionKind",
    "CommissionState",
    "DealType",
    "LeadStatus",
    "commission",
    "lead_reward",
    "parse_rate",
    "rate_label",
]

COMMISSION_RATE = Decimal("0.06")
LEAD_REWARD_BAD = 0
LEAD_REWARD_GOOD = 5_000
LEAD_REWARD_SOLD = 10_000


def parse_rate(rate: Decimal | str | float | int) -> Decimal:
    """A rate as an exact Decimal fraction (``0.06``). Floats go through ``str`` so 0.06 stays 0.06.

    Strings may also be written as a percentage: ``"6 %"``, ``"6,5%"``. Raises ``ValueError`` for
    anything that is not a finite rate between 0 and 1 (a configuration error, not user input).
    """
    if isinstance(rate, bool):
        raise ValueError(f"invalid commission rate: {rate!r}")
    if isinstance(rate, Decimal):
        value = rate
    elif isinstance(rate, str) and rate.strip().endswith("%"):
        try:
            value = Decimal(rate.strip()[:-1].strip().replace(",", ".")) / 100
        except InvalidOperation:
            raise ValueError(f"invalid commission rate: {rate!r}") from None
    else:
        try:
            value = Decimal(str(rate).strip().replace(",", "."))
        except InvalidOperation:
            raise ValueError(f"invalid commission rate: {rate!r}") from None
    if not value.is_finite() or not Decimal(0) <= value <= Decimal(1):
        raise ValueError(f"commission rate must be between 0 and 1: {rate!r}")
    return value


def commission(total: int, rate: Decimal | str | float = COMMISSION_RATE) -> int:
    """``rate`` of ``total`` COP, half-up to the peso (6 % of 12.000.000 = 720.000; 6 % of 25 = 2)."""
    if isinstance(total, bool) or not isinstance(total, int):
        raise TypeError("total must be an int of whole pesos")
    if total < 0:
        raise ValueError("total must not be negative")
    return int((Decimal(total) * parse_rate(rate)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def rate_label(rate: Decimal | str | float = COMMISSION_RATE) -> str:
    """es-CO percentage: ``6 %``, ``6,5 %``, ``10 %``."""
    pct = parse_rate(rate) * 100
    text = format(pct.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text.replace('.', ',')} %"


def lead_reward(
    status: str | LeadStatus, good: int = LEAD_REWARD_GOOD, sold: int = LEAD_REWARD_SOLD
) -> int:
    """The reward of a referral by its final status (not cumulative): malo/nuevo 0, bueno, vendido."""
    s = LeadStatus(status)
    if s is LeadStatus.VENDIDO:
        return sold
    if s is LeadStatus.BUENO:
        return good
    return LEAD_REWARD_BAD
