"""Deals: registration rules, approvals (audit, COO, attribution), cancellation, HubSpot checks.

Use cases take an ``AsyncSession`` and never commit: the caller owns the transaction so the deal,
its approvals, its ledger line and the audit rows land together. Refusals are
:class:`DealRefused` (a ``DomainError``) whose text quotes the rule.

One module a use case: :mod:`.registration`, :mod:`.decisions` (with the KAMs' decision DMs queued in
the outbox), :mod:`.verification`, :mod:`.queries` (the button actions and the refusal in
:mod:`.common`; statuses and kinds are the enums of :mod:`bot.domain.enums`), and :mod:`.writer`, which
owns its sessions and commits: a burst's registrations written together. This package
re-exports their public API, so ``from bot.services import deals`` callers keep writing
``deals.register(...)``.
"""

from __future__ import annotations

from bot.services.deals.common import ACTIONS, DealRefused, local_now, services_text
from bot.services.deals.decisions import (
    Cancellation,
    Decision,
    cancel_deal,
    decide,
    decision_dms,
    queue_decision_dms,
)
from bot.services.deals.inserts import ToWrite, deal_snapshot, register, register_all, register_checked
from bot.services.deals.queries import (
    DealView,
    Unconfirmed,
    approvals_of,
    confirm_late,
    deals_of,
    deals_without_card,
    get_approval,
    load_view,
    mark_confirmed,
    recorded_cards,
    set_card,
    unconfirmed_deals,
)
from bot.services.deals.registration import (
    CheckedDeal,
    Registration,
    RegistrationRequest,
    check_registration,
    find_by_interaction,
    late_status,
    renewal_window_check,
)
from bot.services.deals.verification import compare_with_hubspot, pending_verifications, verify_deal
from bot.services.deals.writer import RegistrationWriter

# the models callers reach through this module (``deals.Deal``), as before the split
from db.models import Approval, BillingRequest, Client, Deal, Member, SupportRequest

__all__ = [
    "ACTIONS",
    "Approval",
    "BillingRequest",
    "Cancellation",
    "CheckedDeal",
    "Client",
    "Deal",
    "DealRefused",
    "DealView",
    "Decision",
    "Member",
    "Registration",
    "RegistrationRequest",
    "RegistrationWriter",
    "SupportRequest",
    "ToWrite",
    "Unconfirmed",
    "approvals_of",
    "cancel_deal",
    "check_registration",
    "compare_with_hubspot",
    "confirm_late",
    "deal_snapshot",
    "deals_of",
    "deals_without_card",
    "decide",
    "decision_dms",
    "find_by_interaction",
    "get_approval",
    "late_status",
    "load_view",
    "local_now",
    "mark_confirmed",
    "pending_verifications",
    "queue_decision_dms",
    "recorded_cards",
    "register",
    "register_all",
    "register_checked",
    "renewal_window_check",
    "services_text",
    "set_card",
    "unconfirmed_deals",
    "verify_deal",
]
