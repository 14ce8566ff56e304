"""Deals: registration rules, approvals (audit, COO, attribution), cancellation, HubSpot checks.

Use cases take an ``AsyncSession`` and never commit: the caller owns the transaction so the deal,
its approvals, its ledger line and the audit rows land together. Refusals are
:class:`DealRefused` (a ``DomainError``) whose text quotes the rule.

One module a use case: :mod:`.registration`, :mod:`.decisions`, :mod:`.verification`, :mod:`.queries`
(the vocabulary in :mod:`.common`). This package re-exports their public API, so
``from bot.services import deals`` callers keep writing ``deals.register(...)``.
"""

from __future__ import annotations

# the models callers reach through this module (``deals.Deal``), as before the split
from db.models import Approval, BillingRequest, Client, Deal, Member, SupportRequest

from bot.services.deals.common import (
    ACTIONS, APPROVED, A_APPROVED, A_CANCELLED, A_PENDING, A_REJECTED, CANCELLED, CLOSED_STATUSES,
    DealRefused, HS_DIFF, HS_DISABLED, HS_MISSING, HS_OK, HS_PENDING, K_ATTRIBUTION, K_AUDIT, K_COO, PENDING,
    PROOF_RECEIVED, PROOF_REJECTED, PROOF_VERIFIED, REJECTED, escape, local_now, services_text,
)
from bot.services.deals.registration import (
    CheckedDeal, Registration, RegistrationRequest, check_registration, deal_snapshot, find_by_interaction,
    late_status, register, renewal_window_check,
)
from bot.services.deals.decisions import (
    Cancellation, Decision, approvals_of, cancel_deal, decide, get_approval,
)
from bot.services.deals.verification import (
    compare_with_hubspot, pending_verifications, verify_deal,
)
from bot.services.deals.queries import (
    DealView, Unconfirmed, confirm_late, deals_of, deals_without_card, load_view, mark_confirmed,
    recorded_cards, set_card, unconfirmed_deals,
)

__all__ = [
    "Approval", "BillingRequest", "Client", "Deal", "Member", "SupportRequest",
    "ACTIONS", "APPROVED", "A_APPROVED", "A_CANCELLED", "A_PENDING", "A_REJECTED", "CANCELLED",
    "CLOSED_STATUSES", "Cancellation", "CheckedDeal", "DealRefused", "DealView", "Decision", "HS_DIFF",
    "HS_DISABLED", "HS_MISSING", "HS_OK", "HS_PENDING", "K_ATTRIBUTION", "K_AUDIT", "K_COO", "PENDING",
    "PROOF_RECEIVED", "PROOF_REJECTED", "PROOF_VERIFIED", "REJECTED", "Registration", "RegistrationRequest",
    "Unconfirmed", "approvals_of", "cancel_deal", "check_registration", "compare_with_hubspot",
    "confirm_late", "deal_snapshot", "deals_of", "deals_without_card", "decide", "escape",
    "find_by_interaction", "get_approval", "late_status", "load_view", "local_now", "mark_confirmed",
    "pending_verifications", "recorded_cards", "register", "renewal_window_check", "services_text",
    "set_card", "unconfirmed_deals", "verify_deal",
]
