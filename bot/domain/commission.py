"""Commission arithmetic in Decimal (never float), rounded half-up to the peso."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from bot.domain.enums import LeadStatus


def _rate(rate: Decimal | str | float) -> Decimal:
    return rate if isinstance(rate, Decimal) else Decimal(str(rate))


def commission(total: int, rate: Decimal | str | float) -> int:
    """``rate`` of ``total`` COP, half-up to the peso (6 % of 12.000.000 = 720.000)."""
    if total < 0:
        raise ValueError("total must not be negative")
    return int((Decimal(total) * _rate(rate)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def rate_label(rate: Decimal | str | float) -> str:
    """es-CO percentage: ``6 %``, ``6,5 %``."""
    pct = (_rate(rate) * 100).normalize()
    text = format(pct, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text.replace('.', ',')} %"


def lead_reward(status: str | LeadStatus, good: int, sold: int) -> int:
    """The reward of a referral by its final status (not cumulative): malo 0, bueno, vendido."""
    s = LeadStatus(status)
    if s is LeadStatus.VENDIDO:
        return sold
    if s is LeadStatus.BUENO:
        return good
    return 0
