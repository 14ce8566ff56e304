"""Reminders of the access and billing requests nobody decided: once a day after REMIND_AFTER_HOURS,
to the approvers (the Discord side posts them: :mod:`bot.exts.requests.reminders`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.enums import ApprovalKind, ApprovalStatus
from bot.services.access import KINDS, REMIND_AFTER_HOURS, REMIND_EVERY
from db.audit import Actor, record
from db.models import AccessRequest, Approval, BillingRequest, Member

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Reminder:
    approval_id: int
    kind: str
    request_id: int
    name: str
    created_at: datetime
    card_channel_id: int | None
    card_message_id: int | None
    deal_id: int | None = None
    billing_kind: str | None = None


async def process_reminders(
    session: AsyncSession, now: datetime, *, after_hours: int = REMIND_AFTER_HOURS
) -> list[Reminder]:
    """Claim every access/billing approval pending longer than ``after_hours`` and not reminded in
    the last 24 h; marks ``reminded_at`` (conditional update, so concurrent ticks never remind the
    same request twice). The caller commits, then sends."""
    cutoff = now - timedelta(hours=after_hours)
    again = now - REMIND_EVERY
    due_filter = and_(
        Approval.kind.in_(KINDS),
        Approval.status == ApprovalStatus.PENDIENTE,
        Approval.created_at <= cutoff,
        or_(Approval.reminded_at.is_(None), Approval.reminded_at <= again),
    )
    claimed = await session.execute(
        update(Approval)
        .where(due_filter)
        .values(reminded_at=now)
        .returning(Approval.id)
        .execution_options(synchronize_session=False)
    )
    ids = sorted(claimed.scalars())
    if not ids:
        return []
    rows = list(
        (
            await session.execute(
                select(Approval).where(Approval.id.in_(ids)).order_by(Approval.created_at, Approval.id)
                .execution_options(populate_existing=True)
            )
        ).scalars()
    )
    out: list[Reminder] = []
    for a in rows:
        if a.kind == ApprovalKind.USUARIO_HUBSPOT and a.access_request_id:
            req = await session.get(AccessRequest, a.access_request_id)
            if req is None:
                continue
            out.append(Reminder(a.id, a.kind, req.id, req.name, a.created_at, a.card_channel_id, a.card_message_id))
        elif a.kind == ApprovalKind.PROFORMA and a.billing_request_id:
            b = await session.get(BillingRequest, a.billing_request_id)
            if b is None:
                continue
            m = await session.get(Member, b.member_id)
            out.append(
                Reminder(
                    a.id, a.kind, b.id, m.name if m else "?", a.created_at, a.card_channel_id, a.card_message_id,
                    deal_id=b.deal_id, billing_kind=b.kind,
                )
            )
        record(
            session, Actor.system("recordatorios"), "aprobacion.recordar", "approval", a.id,
            after={"kind": a.kind, "reminded_at": now.isoformat()},
        )
    return out
