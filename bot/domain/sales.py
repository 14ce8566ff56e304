"""What counts as a sale in the program's figures (daily summary, program report)."""

from __future__ import annotations

from bot.domain.enums import DealStatus

__all__ = ["SALE_STATUSES"]

# Registered and waiting, or approved. Rejected deals (proof refused) and cancelled ones were never
# sales: no report counts them.
SALE_STATUSES: tuple[str, ...] = (DealStatus.PENDIENTE.value, DealStatus.APROBADO.value)

