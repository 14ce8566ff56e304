"""Reading renewal intents: the open window of a KAM and a client, the refusal text of a deal outside
it, a KAM's open intents, and the cards to post or to bring up to date."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.dates import format_date
from bot.domain.enums import RenewalStatus
from bot.domain.text import md
from bot.texts import renewals as T
from db.models import Client, Member, RenewalIntent

ENDED = (RenewalStatus.LIBERADA, RenewalStatus.VENCIDA)


async def get_intent(session: AsyncSession, intent_id: int) -> RenewalIntent | None:
    return await session.get(RenewalIntent, intent_id, populate_existing=True)


async def open_intent(session: AsyncSession, member_id: int, client_id: int) -> RenewalIntent | None:
    q = (
        select(RenewalIntent)
        .where(RenewalIntent.member_id == member_id, RenewalIntent.client_id == client_id,
               RenewalIntent.status == RenewalStatus.ABIERTA)
        .order_by(RenewalIntent.id.desc())
        .limit(1)
    )
    return (await session.execute(q)).scalar_one_or_none()


async def blocking_intent(session: AsyncSession, member_id: int, client_id: int) -> RenewalIntent | None:
    """The ended window that still blocks the KAM for this client (None: not blocked)."""
    q = (
        select(RenewalIntent)
        .where(RenewalIntent.member_id == member_id, RenewalIntent.client_id == client_id,
               RenewalIntent.blocked.is_(True))
        .order_by(RenewalIntent.id.desc())
        .limit(1)
    )
    return (await session.execute(q)).scalar_one_or_none()


async def open_window_for(session: AsyncSession, member_id: int, client_id: int, today: date) -> RenewalIntent | None:
    """For the deals feature: the member's open intent for the client whose window includes
    ``today`` (the deadline day itself counts), or None."""
    intent = await open_intent(session, member_id, client_id)
    if intent is None or intent.deadline < today:
        return None
    return intent


async def window_refusal(
    session: AsyncSession, member_id: int, client_id: int, client_name: str, today: date, *, window_days: int
) -> str | None:
    """For the deals feature: None when a Renovación may be registered now, else the Spanish refusal
    quoting the rule (no window declared, or the window expired / was released)."""
    if await open_window_for(session, member_id, client_id, today) is not None:
        return None
    blocked = await blocking_intent(session, member_id, client_id)
    if blocked is None:
        late = await open_intent(session, member_id, client_id)  # open but past its deadline (tick pending)
        blocked = late
    if blocked is not None:
        how = T.HOW_RELEASED if blocked.status == RenewalStatus.LIBERADA else T.HOW_EXPIRED
        return T.DEAL_WINDOW_OVER.format(client=md(client_name), deadline=format_date(blocked.deadline), how=how,
                                         days=window_days)
    return T.DEAL_NO_WINDOW.format(client=md(client_name), days=window_days)


async def open_intents_of(session: AsyncSession, member_id: int) -> list[tuple[RenewalIntent, Client]]:
    q = (
        select(RenewalIntent, Client)
        .join(Client, Client.id == RenewalIntent.client_id)
        .where(RenewalIntent.member_id == member_id, RenewalIntent.status == RenewalStatus.ABIERTA)
        .order_by(RenewalIntent.deadline, RenewalIntent.id)
    )
    return [(i, c) for i, c in (await session.execute(q)).all()]


async def load_card(session: AsyncSession, intent_id: int) -> tuple[RenewalIntent, Client, Member] | None:
    intent = await get_intent(session, intent_id)
    if intent is None:
        return None
    client = await session.get(Client, intent.client_id)
    member = await session.get(Member, intent.member_id)
    assert client is not None and member is not None
    return intent, client, member


async def intents_without_card(session: AsyncSession, created_before: datetime) -> list[int]:
    """Intents whose coordinator card was never posted (a crash between commit and post)."""
    q = (
        select(RenewalIntent.id)
        .where(RenewalIntent.card_message_id.is_(None), RenewalIntent.created_at <= created_before,
               (RenewalIntent.status == RenewalStatus.ABIERTA) | RenewalIntent.blocked.is_(True))
        .order_by(RenewalIntent.id)
    )
    return list((await session.execute(q)).scalars())


async def blocked_cards(session: AsyncSession, limit: int = 100) -> list[int]:
    """Posted cards of ended windows still waiting for "Aceptar nueva intención" (most recent first):
    re-rendered at start-up in case a crash came between an expiry and its card edit."""
    q = (
        select(RenewalIntent.id)
        .where(RenewalIntent.blocked.is_(True), RenewalIntent.card_message_id.is_not(None))
        .order_by(RenewalIntent.id.desc())
        .limit(limit)
    )
    return list((await session.execute(q)).scalars())


async def set_card(session: AsyncSession, intent_id: int, channel_id: int, message_id: int) -> None:
    await session.execute(
        update(RenewalIntent).where(RenewalIntent.id == intent_id)
        .values(card_channel_id=channel_id, card_message_id=message_id)
        .execution_options(synchronize_session=False)
    )


async def recorded_cards(session: AsyncSession, intent_ids: list[int]) -> dict[int, int | None]:
    """The stored card message id of each renewal intent (None: not recorded)."""
    q = select(RenewalIntent.id, RenewalIntent.card_message_id).where(RenewalIntent.id.in_(intent_ids))
    return {i: m for i, m in (await session.execute(q)).all()}
