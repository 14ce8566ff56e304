"""HubSpot-user and channel-access requests (seed step 1). The reminders of every request that waits
on the HubSpot approvers (access and billing) are in :mod:`bot.services.reminders`.

Use cases take an ``AsyncSession`` and never commit: the caller owns the transaction, so the
request, its approval and the audit rows land together.

Concurrency: every use case that writes starts with its conditional statement (``INSERT … WHERE
NOT EXISTS`` for "one open request per person", ``UPDATE … WHERE status='pendiente'`` for a
decision), so SQLite takes the write lock before anything is read and two concurrent clicks or
submissions can never both win; the loser is told what happened instead.

HubSpot is never called inside a transaction: :func:`provision_request` claims the request (a
conditional ``UPDATE`` of ``claim_token``/``claimed_until`` that only takes a free or expired claim),
calls the gateway, then records the outcome and releases the claim in a second short transaction.
Two processes, a double click or a click racing the retry job therefore never provision the same
request twice; a claim left by a process that died expires after :data:`CLAIM_TTL` and is taken again.

The requester's DMs are outbox items queued in the transaction of the change they report (the
decision, the provisioning outcome); a requester with closed DMs gets a notice in the sales channel
instead (:func:`queue_dm`).
"""

from bot.services.access.provisioning import (
    CLAIM_TTL,
    OnOutcome,
    ProvisionOutcome,
    call_provision,
    claim_provisioning,
    complete_approval,
    needs_provisioning,
    provision_request,
    record_provision,
    release_claim,
    retry_unprovisioned,
    split_name,
    unprovisioned,
)
from bot.services.access.requests import (
    APPROVAL_DM_GRACE,
    KINDS,
    REMIND_AFTER_HOURS,
    REMIND_EVERY,
    AccessDecision,
    AccessRefused,
    AccessTicket,
    Notices,
    approval_of,
    approval_text,
    create_access_request,
    decide_access,
    dm_key,
    finish_approval,
    hs_line,
    insert_once,
    latest_approved,
    pending_request,
    queue_dm,
    queue_hubspot_dm,
    recorded_cards,
    requests_without_card,
    set_card,
    validate_emails,
)

__all__ = [
    "APPROVAL_DM_GRACE",
    "CLAIM_TTL",
    "KINDS",
    "REMIND_AFTER_HOURS",
    "REMIND_EVERY",
    "AccessDecision",
    "AccessRefused",
    "AccessTicket",
    "Notices",
    "OnOutcome",
    "ProvisionOutcome",
    "approval_of",
    "approval_text",
    "call_provision",
    "claim_provisioning",
    "complete_approval",
    "create_access_request",
    "decide_access",
    "dm_key",
    "finish_approval",
    "hs_line",
    "insert_once",
    "latest_approved",
    "needs_provisioning",
    "pending_request",
    "provision_request",
    "queue_dm",
    "queue_hubspot_dm",
    "record_provision",
    "recorded_cards",
    "release_claim",
    "requests_without_card",
    "retry_unprovisioned",
    "set_card",
    "split_name",
    "unprovisioned",
    "validate_emails",
]
