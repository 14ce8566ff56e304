"""What every deal use case shares: the button actions, the refusal error and two small helpers.

The statuses, approval kinds and HubSpot check states are the members of :mod:`bot.domain.enums`
(``DealStatus``, ``ApprovalStatus``, ``ApprovalKind``, ``HubSpotCheck``, ``ProofStatus``)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.enums import ApprovalKind, Service
from bot.domain.errors import DomainError
from bot.texts import deals as T

# button action → (approval kind, approve?)
ACTIONS: dict[str, tuple[str, bool]] = {
    "audit_ok": (ApprovalKind.AUDITORIA, True),
    "audit_no": (ApprovalKind.AUDITORIA, False),
    "coo_ok": (ApprovalKind.COO, True),
    "coo_no": (ApprovalKind.COO, False),
    "attr_new": (ApprovalKind.ATRIBUCION, True),  # the new registration gets the sale
    "attr_keep": (ApprovalKind.ATRIBUCION, False),  # the earlier registration keeps it
}


class DealRefused(DomainError):
    """A registration or a decision that breaks a rule; nothing was changed."""


def local_now(now: datetime, tz: ZoneInfo) -> datetime:
    return now.astimezone(tz)


def services_text(services: set[str]) -> str:
    return ", ".join(Service.label_of(s) for s in sorted(services)) or T.NO_SERVICES
