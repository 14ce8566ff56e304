"""Deciding a deal: approvals (audit, COO, attribution) taken once with a conditional ``UPDATE … WHERE
status='pendiente'`` (only the transaction whose update hit a row applies the consequences), the
commission earned, and cancellation (with its clawback)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import commissions as ledger
from bot.texts import deals as T
from db.audit import Actor, record
from db.models import Approval, Deal

from bot.services.deals.common import ACTIONS, APPROVED, A_APPROVED, A_CANCELLED, A_PENDING, A_REJECTED, CANCELLED, CLOSED_STATUSES, DealRefused, K_ATTRIBUTION, K_AUDIT, PENDING, PROOF_REJECTED, PROOF_VERIFIED, REJECTED
log = logging.getLogger(__name__)


@dataclass(slots=True)
class Decision:
    decided: bool  # False: someone else decided first (see ``approval``)
    approval: Approval
    deal: Deal
    approve: bool = False
    earned: int = 0  # commission earned by this decision
    rejected: bool = False  # the deal was rejected by this decision
    other_deal: Deal | None = None  # attribution: the registration on the other side
    other_clawback: int = 0
    other_status_before: str | None = None



async def get_approval(session: AsyncSession, deal_id: int, kind: str) -> Approval | None:
    return (
        await session.execute(
            select(Approval).where(Approval.deal_id == deal_id, Approval.kind == kind).order_by(Approval.id.desc())
        )
    ).scalars().first()



async def approvals_of(session: AsyncSession, deal_id: int) -> list[Approval]:
    return list(
        (await session.execute(select(Approval).where(Approval.deal_id == deal_id).order_by(Approval.id))).scalars()
    )



async def decide(
    session: AsyncSession,
    deal_id: int,
    action: str,
    *,
    actor: Actor,
    now: datetime,
    reason: str | None = None,
) -> Decision:
    """Take the decision behind a card button, once."""
    kind, approve = ACTIONS[action]
    # the conditional update comes first so SQLite takes the write lock before anything is read
    res = await session.execute(
        update(Approval)
        .where(
            Approval.deal_id == deal_id,
            Approval.kind == kind,
            Approval.status == A_PENDING,
            exists().where(Deal.id == deal_id, Deal.status == PENDING),
        )
        .values(
            status=A_APPROVED if approve else A_REJECTED,
            decided_by_discord_id=actor.discord_id,
            decided_by_name=actor.name[:200],
            decided_at=now,
            reason=reason,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    deal = (
        await session.execute(select(Deal).where(Deal.id == deal_id).execution_options(populate_existing=True))
    ).scalar_one_or_none()
    if deal is None:
        raise DealRefused(T.DEAL_GONE.format(deal_id=deal_id))
    approval = (
        await session.execute(
            select(Approval)
            .where(Approval.deal_id == deal_id, Approval.kind == kind)
            .order_by(Approval.id.desc())
            .execution_options(populate_existing=True)
        )
    ).scalars().first()
    if approval is None:
        raise DealRefused(T.NOTHING_TO_DECIDE.format(deal_id=deal_id))
    if res.rowcount != 1:
        if approval.status == A_PENDING:  # the deal itself is closed
            raise DealRefused(T.DEAL_CLOSED.format(deal_id=deal_id, status=T.STATUS_STATES.get(deal.status, deal.status)))
        return Decision(decided=False, approval=approval, deal=deal, approve=approve)

    out = Decision(decided=True, approval=approval, deal=deal, approve=approve)
    record(
        session,
        actor,
        f"aprobacion.{'aprobar' if approve else 'rechazar'}",
        "approval",
        approval.id,
        before={"status": A_PENDING, "kind": kind, "deal_id": deal_id},
        after={"status": approval.status, "reason": reason},
    )
    if approve:
        if kind == K_AUDIT:
            deal.proof_status = PROOF_VERIFIED
        if kind == K_ATTRIBUTION and approval.related_deal_id:
            other = await session.get(Deal, approval.related_deal_id)
            if other is not None and other.status not in CLOSED_STATUSES:
                out.other_deal = other
                out.other_status_before = other.status
                out.other_clawback = await _close_deal(
                    session, other, CANCELLED, T.ATTR_NEW_ACK.format(deal_id=deal.id, other_id=other.id),
                    actor=actor, now=now,
                )
        out.earned = await _maybe_earn(session, deal, actor=actor, now=now)
    else:
        if kind == K_AUDIT:
            deal.proof_status = PROOF_REJECTED
        text = reason or (
            T.ATTR_KEEP_ACK.format(deal_id=deal.id, other_id=approval.related_deal_id)
            if kind == K_ATTRIBUTION
            else ""
        )
        await _close_deal(session, deal, REJECTED, text, actor=actor, now=now)
        out.rejected = True
        if kind == K_ATTRIBUTION and approval.related_deal_id:
            out.other_deal = await session.get(Deal, approval.related_deal_id)
    deal.updated_at = now
    return out



async def _maybe_earn(session: AsyncSession, deal: Deal, *, actor: Actor, now: datetime) -> int:
    """Approve the deal and earn its commission when every approval it needs is given."""
    pending = (
        await session.execute(
            select(Approval.id).where(Approval.deal_id == deal.id, Approval.status != A_APPROVED).limit(1)
        )
    ).first()
    if pending is not None:
        return 0
    res = await session.execute(
        update(Deal)
        .where(Deal.id == deal.id, Deal.status == PENDING)
        .values(status=APPROVED, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if res.rowcount != 1:
        return 0
    deal.status = APPROVED
    earned = await ledger.settle_earned(session, deal.id, now)
    record(
        session, actor, "negocio.aprobar", "deal", deal.id,
        before={"status": PENDING}, after={"status": APPROVED, "commission": earned},
    )
    return earned



async def _close_deal(
    session: AsyncSession, deal: Deal, status: str, reason: str, *, actor: Actor, now: datetime
) -> int:
    """Reject or cancel a deal: close its pending approvals and settle its ledger. Returns the
    amount clawed back (earned deals only)."""
    before = deal.status
    deal.status = status
    deal.cancel_reason = reason or None
    deal.updated_at = now
    await session.execute(
        update(Approval)
        .where(Approval.deal_id == deal.id, Approval.status == A_PENDING)
        .values(status=A_CANCELLED, decided_at=now, decided_by_name=actor.name[:200],
                decided_by_discord_id=actor.discord_id, reason=reason or None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    clawback = 0
    if before == APPROVED:
        clawback = await ledger.claw_back(
            session, deal, T.LEDGER_CLAWBACK.format(deal_id=deal.id, reason=reason), now
        )
    else:
        await ledger.settle_rejected(session, deal.id, now)
    record(
        session, actor, "negocio.rechazar" if status == REJECTED else "negocio.anular", "deal", deal.id,
        before={"status": before}, after={"status": status, "reason": reason, "clawback": clawback},
    )
    return clawback



@dataclass(slots=True)
class Cancellation:
    deal: Deal
    status_before: str
    clawback: int



async def cancel_deal(
    session: AsyncSession, deal_id: int, reason: str, *, actor: Actor, now: datetime
) -> Cancellation:
    """``/admin negocio anular``: cancel a pending or earned deal; an earned one gets a clawback."""
    reason = (reason or "").strip()
    if not reason:
        raise DealRefused(T.CANCEL_REASON_REQUIRED, field="motivo")
    # take the write lock first (see decide)
    res = await session.execute(
        update(Deal)
        .where(Deal.id == deal_id, Deal.status.not_in(CLOSED_STATUSES))
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    )
    deal = (
        await session.execute(select(Deal).where(Deal.id == deal_id).execution_options(populate_existing=True))
    ).scalar_one_or_none()
    if deal is None:
        raise DealRefused(T.DEAL_GONE.format(deal_id=deal_id))
    if res.rowcount != 1:
        raise DealRefused(
            T.CANCEL_ALREADY.format(deal_id=deal_id, status=T.STATUS_STATES.get(deal.status, deal.status))
        )
    before = deal.status
    clawback = await _close_deal(session, deal, CANCELLED, reason, actor=actor, now=now)
    return Cancellation(deal, before, clawback)
