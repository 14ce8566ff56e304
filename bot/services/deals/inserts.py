"""Writing a checked registration: the deal, its approvals, the pending ledger line, the audit row,
the referral flag and the disputed KAMs' DMs, in the caller's transaction (:mod:`.registration`
checks the rules first; :mod:`.writer` batches a burst's writes).

Plain INSERTs, not the ORM's unit of work: this is the path a burst of KAMs waits on (issue 18).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, time, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Insert, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert

from bot.domain.commission import rate_label
from bot.domain.enums import (
    CLOSED_DEAL_STATUSES,
    ApprovalKind,
    ApprovalStatus,
    DealStatus,
    DealType,
    HubSpotCheck,
    ProofStatus,
)
from bot.services import commissions as ledger
from bot.services import outbox, referrals, renewals, support
from bot.services.deals.common import DealRefused
from bot.services.deals.registration import (
    CheckedDeal,
    Registration,
    RegistrationRequest,
    check_registration,
    find_by_interaction,
)
from bot.services.proofs import StoredProof
from bot.texts import deals as T
from db import audit
from db.audit import Actor
from db.models import Approval, Deal, Member


async def register(
    session: AsyncSession,
    req: RegistrationRequest,
    proof: StoredProof | None,
    *,
    actor: Actor,
    now: datetime,
    tz: ZoneInfo,
    export_time: time,
    rate: Decimal,
    hubspot_enabled: bool,
    window_days: int,
) -> Registration:
    """Check every rule (in the transaction that writes) and store the deal, its approvals, the
    pending ledger line and the audit rows. Idempotent on ``req.interaction_id``."""
    if req.interaction_id is not None:
        existing = await find_by_interaction(session, req.interaction_id)
        if existing is not None:
            return Registration(existing, None, created=False)
    c = await check_registration(
        session, req, now=now, tz=tz, export_time=export_time, rate=rate, hubspot_required=hubspot_enabled,
        window_days=window_days,
    )
    return await register_checked(session, req, c, proof, actor=actor, now=now, tz=tz, rate=rate,
                                  hubspot_enabled=hubspot_enabled)


async def register_checked(
    session: AsyncSession,
    req: RegistrationRequest,
    c: CheckedDeal,
    proof: StoredProof | None,
    *,
    actor: Actor,
    now: datetime,
    tz: tzinfo,
    rate: Decimal,
    hubspot_enabled: bool,
) -> Registration:
    """:func:`register` once ``c`` passed :func:`check_registration` in this same session (the caller
    stores the proof in between, so a refused registration stores nothing)."""
    return (await register_all(session, [ToWrite(req, c, proof, actor)], now=now, tz=tz, rate=rate,
                               hubspot_enabled=hubspot_enabled))[0]


@dataclass(frozen=True, slots=True)
class ToWrite:
    """One registration that passed :func:`check_registration`, to be written by :func:`register_all`."""

    req: RegistrationRequest
    checked: CheckedDeal
    proof: StoredProof | None
    actor: Actor
    referral_lead: int | None = None  # a lead of the client's company referred by someone else: flagged


class BatchConflict(Exception):
    """Two registrations of one batch name the same HubSpot deal: the batch is written one by one
    instead, so that each sees the other (:class:`bot.services.deals.writer.RegistrationWriter`)."""


async def recheck_hubspot(session: AsyncSession, items: list[ToWrite]) -> None:
    """The HubSpot-deal rule of :func:`check_registration` again, in the writing transaction.

    The rules are read before a registration waits for the writer, so a registration naming the same
    HubSpot deal may have been written in between (a double submission, or another KAM at the same
    moment). The same KAM's is refused (:class:`DealRefused`, as the check would have); another KAM's
    is disputed like one the check had found. One SELECT for the whole batch."""
    named = [it.checked.hubspot_deal_id for it in items if it.checked.hubspot_deal_id]
    if not named:
        return
    if len(set(named)) < len(named):
        raise BatchConflict
    found: dict[str, list[Deal]] = {}
    for d in (await session.execute(
        select(Deal).where(Deal.hubspot_deal_id.in_(set(named)), Deal.status.not_in(CLOSED_DEAL_STATUSES))
        .order_by(Deal.id)
    )).scalars():
        found.setdefault(d.hubspot_deal_id or "", []).append(d)
    for it in items:
        c = it.checked
        others = found.get(c.hubspot_deal_id or "", [])
        mine = [d for d in others if d.member_id == c.member.id]
        if mine:
            raise DealRefused(T.HUBSPOT_DUPLICATE_SAME.format(hubspot_id=c.hubspot_deal_id, deal_id=mine[0].id),
                              field="negocio-hubspot")
        c.disputed = others


async def register_all(
    session: AsyncSession, items: list[ToWrite], *, now: datetime, tz: tzinfo, rate: Decimal, hubspot_enabled: bool,
    admin_role: str = "Admin ventas-ops", recheck: bool = False,
) -> list[Registration]:
    """Write checked registrations in the caller's transaction: each deal, its approvals, the pending
    ledger line and the audit row, and the referral flag of those that carry one.

    Plain INSERTs, one per table for all of ``items`` (the deals' returning their ids, in order), not
    the ORM's unit of work: this is the path a burst of KAMs waits on, the writes are one at a time
    (SQLite has one writer), and each statement is a trip to the database and back through a busy
    event loop. The returned ``deal`` and ``approvals`` are the rows as written, not attached to the
    session. ``recheck``: the HubSpot-deal rule again first (:func:`recheck_hubspot`), for rules read
    before waiting for the writer."""
    if recheck:
        await recheck_hubspot(session, items)
    deal_values = [_deal_values(it, now, rate, hubspot_enabled) for it in items]
    insert_deal, insert_approvals = _write_statements()
    if len(items) > 1 and all(v["interaction_id"] is not None for v in deal_values):  # a burst from Discord
        ids_of = {row.interaction_id: row.id for row in await session.execute(insert_deal, deal_values)}
        ids = [ids_of[v["interaction_id"]] for v in deal_values]
    else:  # one by one: no other key to match the returned ids with
        ids = [(await session.execute(insert_deal, v)).scalar_one() for v in deal_values]
    deals = [Deal(id=i, **v) for i, v in zip(ids, deal_values, strict=True)]
    approval_rows = [_approval_rows(it.checked, deal.id, now) for it, deal in zip(items, deals, strict=True)]
    await session.execute(insert_approvals, [row for rows in approval_rows for row in rows])
    await ledger.open_pending(session, [
        (deal, T.LEDGER_COMMISSION.format(rate=rate_label(rate), deal_id=deal.id, client=it.checked.client.name))
        for it, deal in zip(items, deals, strict=True)
    ], now)
    out, audit_rows = [], []
    for it, deal, rows in zip(items, deals, approval_rows, strict=True):
        c = it.checked
        if c.support_waiting:
            await support.link_to_deal(session, c.member.id, c.client.id, deal.id)
        if c.deal_type == DealType.RENOVACION:
            await renewals.close_by_renewal_deal(session, c.member.id, c.client.id, deal.id, it.actor)
        approvals = [Approval(**row) for row in rows]
        after = deal_snapshot(deal) | {"approvals": [a.kind for a in approvals], "disputes": [d.id for d in c.disputed]}
        audit_rows.append(audit.values(it.actor, "negocio.registrar", "deal", deal.id, after=after))
        await _queue_dispute_dms(session, c, deal.id, now)
        flagged = it.referral_lead is not None
        if it.referral_lead is not None:  # rare: its audit row and outbox DM through the ORM
            await referrals.flag_lead_conflict(session, it.referral_lead, c.client.name, c.member.id, tz=tz,
                                               now=now, deal_id=deal.id, admin_role=admin_role)
        out.append(Registration(deal, c, created=True, approvals=approvals, referral_flagged=flagged))
    await session.execute(audit.INSERT, audit_rows)
    return out


async def _queue_dispute_dms(session: AsyncSession, c: CheckedDeal, deal_id: int, now: datetime) -> None:
    """Tell each KAM whose open registration names the same HubSpot deal that someone else registered
    it: an outbox DM of the registration's transaction (rare: a statement only when there is one)."""
    for other in c.disputed:
        discord_id = await session.scalar(select(Member.discord_id).where(Member.id == other.member_id))
        if discord_id:
            await outbox.enqueue(session, f"disputa:{deal_id}:{other.id}", user_id=discord_id, now=now,
                                 content=T.DM_UNREGISTERED_DISPUTE.format(hubspot_id=c.hubspot_deal_id, deal_id=other.id))


def _deal_values(it: ToWrite, now: datetime, rate: Decimal, hubspot_enabled: bool) -> dict[str, Any]:
    c, proof, req = it.checked, it.proof, it.req
    return dict(
        member_id=c.member.id,
        client_id=c.client.id,
        deal_type=c.deal_type.value,
        service=c.service.value,
        total_value=c.total,
        advance_amount=c.advance,
        advance_date=c.advance_date,
        commission_estimate=c.commission,
        commission_rate=rate,
        status=DealStatus.PENDIENTE,
        is_late=c.is_late,
        hubspot_deal_id=c.hubspot_deal_id,
        hubspot_check=HubSpotCheck.PENDIENTE if (hubspot_enabled and c.hubspot_deal_id) else HubSpotCheck.DESACTIVADO,
        proof_path=proof.relative_path if proof else None,
        proof_sha256=proof.sha256 if proof else None,
        proof_filename=proof.filename if proof else None,
        proof_content_type=proof.content_type if proof else None,
        proof_status=ProofStatus.RECIBIDO if proof else ProofStatus.PENDIENTE,
        interaction_id=req.interaction_id,
        interaction_token=req.interaction_token,
        confirmed_at=None if req.interaction_id is not None else now,  # nobody waits for an answer
        created_at=now,
        updated_at=now,
    )


def _approval_rows(c: CheckedDeal, deal_id: int, now: datetime) -> list[dict[str, Any]]:
    kinds = [ApprovalKind.AUDITORIA]
    if c.deal_type is DealType.UP_SALE:
        kinds.append(ApprovalKind.COO)
    rows = [dict(kind=kind, status=ApprovalStatus.PENDIENTE, deal_id=deal_id, related_deal_id=None,
                 requested_by_id=c.member.id, created_at=now, updated_at=now) for kind in kinds]
    if c.disputed:
        rows.append(dict(kind=ApprovalKind.ATRIBUCION, status=ApprovalStatus.PENDIENTE, deal_id=deal_id,
                         related_deal_id=c.disputed[0].id, requested_by_id=c.member.id, created_at=now, updated_at=now))
    return rows


@functools.cache
def _write_statements() -> tuple[ReturningInsert[tuple[int, int | None]], Insert]:
    """The deals' INSERT (returning each id with its interaction: one multi-row statement, whose rows
    may come back in any order) and the approvals', on the tables."""
    deals, approvals = Deal.__table__, Approval.__table__
    return insert(deals).returning(deals.c.id, deals.c.interaction_id), insert(approvals)  # type: ignore[arg-type]


def deal_snapshot(deal: Deal) -> dict[str, Any]:
    return {
        "member_id": deal.member_id,
        "client_id": deal.client_id,
        "deal_type": deal.deal_type,
        "service": deal.service,
        "total_value": deal.total_value,
        "advance_amount": deal.advance_amount,
        "advance_date": deal.advance_date.isoformat(),
        "commission_estimate": deal.commission_estimate,
        "status": deal.status,
        "is_late": deal.is_late,
        "hubspot_deal_id": deal.hubspot_deal_id,
        "proof_sha256": deal.proof_sha256,
    }
