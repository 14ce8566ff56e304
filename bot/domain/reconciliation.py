"""One reconciliation rule: when a registered deal and its HubSpot deal disagree.

Used by the deal card's HubSpot check and by the daily export, so the card and the 06:00 file
always say the same thing about a deal. An EMPTY value in HubSpot (no amount, no owner, no advance
date) is a difference: finance reconciles against HubSpot, and a deal without an amount or an
owner there is exactly what they must see and fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

__all__ = ["Reconciliation", "reconcile"]


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """Which fields differ (each True means "finance must look")."""

    amount: bool
    owner: bool
    advance_date: bool

    @property
    def matches(self) -> bool:
        return not (self.amount or self.owner or self.advance_date)


def _owner(value: object) -> str | None:
    return None if value in (None, "") else str(value)


def reconcile(
    *,
    local_amount: int,
    local_owner: str | None,
    local_advance_date: date,
    hubspot_amount: int | None,
    hubspot_owner: str | None,
    hubspot_advance_date: date | datetime | None,
) -> Reconciliation:
    """Compare a registered deal (its value, its KAM's HubSpot owner id, its advance date) with
    what HubSpot holds. A value matches only when HubSpot has it and it is equal: an empty amount,
    owner or advance date in HubSpot is a difference, and so is an owner HubSpot has when the KAM
    has no HubSpot owner id here (nobody can tell that the deal is theirs)."""
    remote_date = hubspot_advance_date.date() if isinstance(hubspot_advance_date, datetime) else hubspot_advance_date
    remote_owner = _owner(hubspot_owner)
    return Reconciliation(
        amount=hubspot_amount is None or hubspot_amount != local_amount,
        owner=remote_owner is None or remote_owner != _owner(local_owner),
        advance_date=remote_date is None or remote_date != local_advance_date,
    )
