"""Deciding a deal: approvals (audit, COO, attribution) taken once with a conditional ``UPDATE … WHERE
status='pendiente'`` (only the transaction whose update hit a row applies the consequences), the
commission earned, the KAMs' DMs about it queued in the outbox in the same transaction, and
cancellation (with its clawback)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.enums import CLOSED_DEAL_STATUSES, ApprovalKind, ApprovalStatus, DealStatus, ProofStatus
from bot.domain.money import format_cop
from bot.domain.text import md
from bot.services import commissions as ledger
from bot.services import outbox
from bot.services.deals.common import ACTIONS, DealRefused
from bot.services.deals.queries import DealView, fresh_deal, load_view
from bot.texts import deals as T
from db.audit import Actor, record
from db.engine import rowcount
from db.models import Approval, Deal

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


async def decide(
    session: AsyncSession,
    deal_id: int,
    action: str,
    *,
    actor: Actor,
    now: datetime,
    reason: str | None = None,
) -> Decision:
    """Take the decision behind a card button (or the web panel's form), once.

    The one entry point for both: when this call decided, the KAMs' DMs are queued in the outbox in
    the caller's transaction (:func:`queue_decision_dms`), so the commit that stores the decision
    stores its DMs too and the outbox worker delivers them, whoever decided and whatever happens after."""
    out = await _take_decision(session, deal_id, action, actor=actor, now=now, reason=reason)
    if out.decided:
        await queue_decision_dms(session, out, ACTIONS[action][0], now)
    return out


async def _take_decision(
    session: AsyncSession,
    deal_id: int,
    action: str,
    *,
    actor: Actor,
    now: datetime,
    reason: str | None,
) -> Decision:
    kind, approve = ACTIONS[action]
    # the conditional update comes first so SQLite takes the write lock before anything is read
    res = await session.execute(
        update(Approval)
        .where(
            Approval.deal_id == deal_id,
            Approval.kind == kind,
            Approval.status == ApprovalStatus.PENDIENTE,
            exists().where(Deal.id == deal_id, Deal.status == DealStatus.PENDIENTE),
        )
        .values(
            status=ApprovalStatus.APROBADA if approve else ApprovalStatus.RECHAZADA,
            decided_by_discord_id=actor.discord_id,
            decided_by_name=actor.name[:200],
            decided_at=now,
            reason=reason,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    deal = await fresh_deal(session, deal_id)
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
    if rowcount(res) != 1:
        if approval.status == ApprovalStatus.PENDIENTE:  # the deal itself is closed
            raise DealRefused(T.DEAL_CLOSED.format(deal_id=deal_id, status=T.STATUS_STATES.get(deal.status, deal.status)))
        return Decision(decided=False, approval=approval, deal=deal, approve=approve)

    out = Decision(decided=True, approval=approval, deal=deal, approve=approve)
    record(
        session,
        actor,
        f"aprobacion.{'aprobar' if approve else 'rechazar'}",
        "approval",
        approval.id,
        before={"status": ApprovalStatus.PENDIENTE, "kind": kind, "deal_id": deal_id},
        after={"status": approval.status, "reason": reason},
    )
    if approve:
        if kind == ApprovalKind.AUDITORIA:
            deal.proof_status = ProofStatus.VERIFICADO
        if kind == ApprovalKind.ATRIBUCION and approval.related_deal_id:
            other = await session.get(Deal, approval.related_deal_id)
            if other is not None and other.status not in CLOSED_DEAL_STATUSES:
                out.other_deal = other
                out.other_status_before = other.status
                out.other_clawback = await _close_deal(
                    session, other, DealStatus.ANULADO, T.ATTR_NEW_ACK.format(deal_id=deal.id, other_id=other.id),
                    actor=actor, now=now,
                )
        out.earned = await _maybe_earn(session, deal, actor=actor, now=now)
    else:
        if kind == ApprovalKind.AUDITORIA:
            deal.proof_status = ProofStatus.RECHAZADO
        text = reason or (
            T.ATTR_KEEP_ACK.format(deal_id=deal.id, other_id=approval.related_deal_id)
            if kind == ApprovalKind.ATRIBUCION
            else ""
        )
        await _close_deal(session, deal, DealStatus.RECHAZADO, text, actor=actor, now=now)
        out.rejected = True
        if kind == ApprovalKind.ATRIBUCION and approval.related_deal_id:
            out.other_deal = await session.get(Deal, approval.related_deal_id)
    deal.updated_at = now
    return out


@dataclass(frozen=True, slots=True)
class DecisionDM:
    user_id: int  # the KAM's discord id
    text: str
    notice: str  # posted in the sales channel instead, when their DMs are closed (no reason, no amount)


def decision_dms(decision: Decision, kind: str, v: DealView, other: DealView | None) -> list[DecisionDM]:
    """Each DM a decision sends to the KAMs concerned."""
    client = md(v.client.name)
    kind_label = T.KIND_LABELS.get(kind, kind)
    hs = v.deal.hubspot_deal_id or ""
    out: list[DecisionDM] = []
    if kind == ApprovalKind.ATRIBUCION:
        winner, loser = (v, other) if decision.approve else (other, v)
        if winner is not None:
            out.append(DecisionDM(winner.member.discord_id, T.DM_ATTR_WON.format(hubspot_id=hs, deal_id=winner.deal.id),
                                  T.NOTICE_ATTR_WON.format(deal_id=winner.deal.id)))
        if loser is not None:
            out.append(DecisionDM(loser.member.discord_id, T.DM_ATTR_LOST.format(
                hubspot_id=hs, deal_id=loser.deal.id, status=T.STATUS_STATES.get(loser.deal.status, loser.deal.status)),
                T.NOTICE_ATTR_LOST.format(deal_id=loser.deal.id)))
        if decision.earned and winner is v:
            out.append(DecisionDM(v.member.discord_id, T.DM_EARNED.format(
                deal_id=v.deal.id, client=client, commission=format_cop(decision.earned)),
                T.NOTICE_EARNED.format(deal_id=v.deal.id)))
    elif decision.rejected:
        out.append(DecisionDM(v.member.discord_id, T.DM_REJECTED.format(
            deal_id=v.deal.id, client=client, who=T.APPROVERS_AFTER_BY.get(kind, kind_label),
            reason=md(decision.approval.reason or "")), T.NOTICE_REJECTED.format(deal_id=v.deal.id)))
    elif decision.earned:
        out.append(DecisionDM(v.member.discord_id, T.DM_EARNED.format(
            deal_id=v.deal.id, client=client, commission=format_cop(decision.earned)),
            T.NOTICE_EARNED.format(deal_id=v.deal.id)))
    else:
        out.append(DecisionDM(v.member.discord_id, T.DM_APPROVED_STEP.format(
            who=T.APPROVERS.get(kind, kind_label), deal_id=v.deal.id, client=client),
            T.NOTICE_APPROVED_STEP.format(who=T.APPROVERS.get(kind, kind_label), deal_id=v.deal.id)))
    return out


async def queue_decision_dms(session: AsyncSession, decision: Decision, kind: str, now: datetime) -> None:
    """Queue the decision's DMs in the caller's transaction; one key per decided approval, so each
    DM is delivered once. A KAM whose DMs are closed gets a notice in the sales channel instead,
    which pings them (only them); the DM is held and retried like any refused DM."""
    v = await load_view(session, decision.deal.id)
    other = await load_view(session, decision.other_deal.id) if decision.other_deal else None
    if v is None:
        return
    names = {v.member.discord_id: v.member.name} | ({other.member.discord_id: other.member.name} if other else {})
    for n, dm in enumerate(decision_dms(decision, kind, v, other)):
        await outbox.enqueue(
            session, f"decision:{decision.approval.id}:{n}", content=dm.text, user_id=dm.user_id, now=now,
            fallback=T.DM_CLOSED_NOTICE.format(user_id=dm.user_id, name=md(names.get(dm.user_id, "")),
                                               text=dm.notice)[:2000],
        )


async def _maybe_earn(session: AsyncSession, deal: Deal, *, actor: Actor, now: datetime) -> int:
    """Approve the deal and earn its commission when every approval it needs is given."""
    pending = (
        await session.execute(
            select(Approval.id).where(Approval.deal_id == deal.id, Approval.status != ApprovalStatus.APROBADA).limit(1)
        )
    ).first()
    if pending is not None:
        return 0
    res = await session.execute(
        update(Deal)
        .where(Deal.id == deal.id, Deal.status == DealStatus.PENDIENTE)
        .values(status=DealStatus.APROBADO, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if rowcount(res) != 1:
        return 0
    deal.status = DealStatus.APROBADO
    earned = await ledger.settle_earned(session, deal.id, now)
    record(
        session, actor, "negocio.aprobar", "deal", deal.id,
        before={"status": DealStatus.PENDIENTE}, after={"status": DealStatus.APROBADO, "commission": earned},
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
        .where(Approval.deal_id == deal.id, Approval.status == ApprovalStatus.PENDIENTE)
        .values(status=ApprovalStatus.CANCELADA, decided_at=now, decided_by_name=actor.name[:200],
                decided_by_discord_id=actor.discord_id, reason=reason or None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    clawback = 0
    if before == DealStatus.APROBADO:
        clawback = await ledger.claw_back(
            session, deal, T.LEDGER_CLAWBACK.format(deal_id=deal.id, reason=reason), now
        )
    else:
        await ledger.settle_rejected(session, deal.id, now)
    record(
        session, actor, "negocio.rechazar" if status == DealStatus.RECHAZADO else "negocio.anular", "deal", deal.id,
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
        .where(Deal.id == deal_id, Deal.status.not_in(CLOSED_DEAL_STATUSES))
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    )
    deal = await fresh_deal(session, deal_id)
    if deal is None:
        raise DealRefused(T.DEAL_GONE.format(deal_id=deal_id))
    if rowcount(res) != 1:
        raise DealRefused(
            T.CANCEL_ALREADY.format(deal_id=deal_id, status=T.STATUS_STATES.get(deal.status, deal.status))
        )
    before = deal.status
    clawback = await _close_deal(session, deal, DealStatus.ANULADO, reason, actor=actor, now=now)
    await queue_cancellation_dm(session, deal.id, reason, clawback, now)
    return Cancellation(deal, before, clawback)


async def queue_cancellation_dm(session: AsyncSession, deal_id: int, reason: str, clawback: int, now: datetime) -> None:
    """The KAM's DM about a cancelled deal, queued in the cancellation's transaction (delivered once,
    after a crash too); closed DMs leave the same channel notice as a decision, without the reason."""
    v = await load_view(session, deal_id)
    if v is None:
        return
    text = T.DM_CANCELLED.format(deal_id=deal_id, client=md(v.client.name), reason=md(reason),
                                 clawback=T.DM_CLAWBACK.format(amount=format_cop(clawback)) if clawback else "")
    user_id = v.member.discord_id
    await outbox.enqueue(
        session, f"anulado:{deal_id}", content=text, user_id=user_id, now=now,
        fallback=T.DM_CLOSED_NOTICE.format(user_id=user_id, name=md(v.member.name),
                                           text=T.NOTICE_CANCELLED.format(deal_id=deal_id))[:2000],
    )
