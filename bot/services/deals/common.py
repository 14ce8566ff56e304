"""The deals vocabulary (statuses, approval kinds, HubSpot check states), the refusal error and the
small helpers every deal use case shares."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo


from bot.domain.enums import Service
from bot.domain.errors import DomainError
from bot.domain.text import escape_discord
from bot.texts import deals as T

log = logging.getLogger(__name__)


# Deal.status
PENDING = "pendiente"



APPROVED = "aprobado"



REJECTED = "rechazado"



CANCELLED = "anulado"



CLOSED_STATUSES = (REJECTED, CANCELLED)



# Approval.status
A_PENDING = "pendiente"



A_APPROVED = "aprobada"



A_REJECTED = "rechazada"



A_CANCELLED = "cancelada"



# Approval.kind
K_AUDIT = "auditoria"



K_COO = "coo"



K_ATTRIBUTION = "atribucion"



# Deal.hubspot_check
HS_DISABLED = "desactivado"



HS_PENDING = "pendiente"



HS_OK = "ok"



HS_DIFF = "diferencias"



HS_MISSING = "no_encontrado"



# Deal.proof_status
PROOF_RECEIVED = "recibido"



PROOF_VERIFIED = "verificado"



PROOF_REJECTED = "rechazado"



# button action → (approval kind, approve?)
ACTIONS: dict[str, tuple[str, bool]] = {
    "audit_ok": (K_AUDIT, True),
    "audit_no": (K_AUDIT, False),
    "coo_ok": (K_COO, True),
    "coo_no": (K_COO, False),
    "attr_new": (K_ATTRIBUTION, True),  # the new registration gets the sale
    "attr_keep": (K_ATTRIBUTION, False),  # the earlier registration keeps it
}



class DealRefused(DomainError):
    """A registration or a decision that breaks a rule; nothing was changed."""



def local_now(now: datetime, tz: ZoneInfo) -> datetime:
    return now.astimezone(tz)



def services_text(services: set[str]) -> str:
    return ", ".join(Service.label_of(s) for s in sorted(services)) or T.NO_SERVICES



def escape(text: str) -> str:
    """Markdown-escape user or directory text shown in Discord."""
    return escape_discord(text)
