"""Reading deals: a deal's approvals, the card's view, a KAM's deals, cards to post, confirmations a
crash prevented."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.enums import BillingStatus, DealStatus
from bot.services import support
from db.audit import Actor, record
from db.engine import rowcount
from db.models import Approval, BillingRequest, Client, Deal, Member, SupportRequest

log = logging.getLogger(__name__)


@dataclass(slots=True)
class DealView:
    """Everything the card and the lists need, read in one go."""

    deal: Deal
    member: Member
    client: Client
    approvals: list[Approval]
    billing: list[BillingRequest] = field(default_factory=list)  # proformas / payment links done
    support: list[SupportRequest] = field(default_factory=list)  # accepted help (/pedir-apoyo) noted on it


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


async def fresh_deal(session: AsyncSession, deal_id: int) -> Deal | None:
    """The deal as the database has it now (an object already in the session is refreshed)."""
    return (
        await session.execute(select(Deal).where(Deal.id == deal_id).execution_options(populate_existing=True))
    ).scalar_one_or_none()


async def load_view(session: AsyncSession, deal_id: int) -> DealView | None:
    deal = await fresh_deal(session, deal_id)
    if deal is None:
        return None
    member = await session.get(Member, deal.member_id)
    client = await session.get(Client, deal.client_id)
    assert member is not None and client is not None
    done = (
        await session.execute(
            select(BillingRequest)
            .where(BillingRequest.deal_id == deal_id, BillingRequest.status == BillingStatus.HECHA)
            .order_by(BillingRequest.id)
            .execution_options(populate_existing=True)
        )
    ).scalars()
    return DealView(deal, member, client, await approvals_of(session, deal_id), list(done),
                    await support.for_deal(session, deal_id))


async def deals_of(
    session: AsyncSession, member_id: int, limit: int | None = 15, *, offset: int = 0, status: str | None = None,
    month: tuple[int, int] | None = None,
) -> tuple[list[DealView], int]:
    """The member's deals, newest first: ``limit`` of them from ``offset`` (None: all), only those in
    ``status`` and with their advance date in ``month`` (year, month) when given; and how many match."""

    where = [Deal.member_id == member_id]
    if status is not None:
        where.append(Deal.status == status)
    if month is not None:
        year, m = month
        where += [Deal.advance_date >= date(year, m, 1),
                  Deal.advance_date < (date(year + 1, 1, 1) if m == 12 else date(year, m + 1, 1))]
    total = (await session.execute(select(func.count()).select_from(Deal).where(*where))).scalar_one()
    q = select(Deal).where(*where).order_by(Deal.id.desc()).offset(offset)
    deals = list((await session.execute(q.limit(limit) if limit is not None else q)).scalars())
    member = await session.get(Member, member_id)
    clients: dict[int, Client] = {}
    approvals: dict[int, list[Approval]] = {d.id: [] for d in deals}
    for k in range(0, len(deals), 500):  # bounded IN lists (the XLSX reads every deal)
        chunk = deals[k : k + 500]
        client_ids = {d.client_id for d in chunk} - clients.keys()
        if client_ids:
            clients.update((c.id, c) for c in (await session.execute(select(Client).where(Client.id.in_(client_ids)))).scalars())
        rows = await session.execute(
            select(Approval).where(Approval.deal_id.in_([d.id for d in chunk])).order_by(Approval.id))
        for a in rows.scalars():
            approvals[a.deal_id].append(a)  # type: ignore[index]
    out = [DealView(d, member, clients[d.client_id], approvals[d.id]) for d in deals]  # type: ignore[arg-type]
    return out, int(total)


async def deals_without_card(session: AsyncSession, limit: int = 50, created_before: datetime | None = None) -> list[int]:
    """Pending deals whose card was never posted (the process stopped between commit and post, or
    Discord refused the post). ``created_before`` leaves out deals whose card may be on its way."""
    q = (
        select(Deal.id)
        .where(Deal.status == DealStatus.PENDIENTE, Deal.card_message_id.is_(None),
               *([Deal.created_at < created_before] if created_before is not None else []))
        .order_by(Deal.id)
        .limit(limit)
    )
    return list((await session.execute(q)).scalars())


async def set_card(session: AsyncSession, deal_id: int, channel_id: int, message_id: int) -> str | None:
    """Store where the card is; returns the deal's HubSpot check as it is now (a verification may
    have landed while the card was being posted, too early to edit it)."""
    await session.execute(
        update(Deal).where(Deal.id == deal_id).values(card_channel_id=channel_id, card_message_id=message_id)
    )
    return (await session.execute(select(Deal.hubspot_check).where(Deal.id == deal_id))).scalar_one_or_none()


@dataclass(slots=True)
class Unconfirmed:
    deal_id: int
    discord_id: int
    interaction_token: str | None
    created_at: datetime


async def mark_confirmed(session: AsyncSession, deal_id: int, now: datetime) -> bool:
    """The KAM saw "registrado": forget the token. False when it was already marked (by the other path)."""
    res = await session.execute(
        update(Deal).where(Deal.id == deal_id, Deal.confirmed_at.is_(None))
        .values(confirmed_at=now, interaction_token=None)
    )
    return rowcount(res) == 1


async def unconfirmed_deals(session: AsyncSession, created_before: datetime, limit: int = 500) -> list[Unconfirmed]:
    """Deals stored from an interaction whose "registrado" never reached the KAM (the process stopped
    between the commit and the answer). ``created_before``: the start of this process, so that a
    registration this process is answering right now is left alone."""
    rows = await session.execute(
        select(Deal.id, Member.discord_id, Deal.interaction_token, Deal.created_at)
        .join(Member, Member.id == Deal.member_id)
        .where(Deal.confirmed_at.is_(None), Deal.interaction_id.is_not(None), Deal.created_at < created_before)
        .order_by(Deal.id)
        .limit(limit)
    )
    return [Unconfirmed(*r) for r in rows]


async def confirm_late(session: AsyncSession, deal_id: int, *, how: str, now: datetime) -> bool:
    """Mark a confirmation sent after a restart (``how``: "respuesta", the original answer edited, or
    "md", a DM queued in the same transaction) with its audit row; False when already marked."""
    if not await mark_confirmed(session, deal_id, now):
        return False
    record(session, Actor.system("confirmación tras reinicio"), "negocio.confirmar", "deal", deal_id,
           after={"how": how})
    return True


async def recorded_cards(session: AsyncSession, deal_ids: list[int]) -> dict[int, int | None]:
    """The stored card message id of each deal (None: not recorded)."""
    q = select(Deal.id, Deal.card_message_id).where(Deal.id.in_(deal_ids))
    return {i: m for i, m in (await session.execute(q)).all()}
