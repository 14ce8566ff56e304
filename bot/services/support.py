"""``/pedir-apoyo``: a KAM asks the CCO or a support PM for a meeting or commercial advice on a sale to
one of their own current clients (seed «¿Quiénes pueden vender?»). Decided once (accepted with a
date and time, or declined); the KAM hears either way; accepted help is linked to the KAM's next
deal for that client and shown on its card.

Use cases take an ``AsyncSession`` and never commit (the caller owns the transaction)."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.dates import format_datetime
from bot.domain.enums import SupportKind, SupportStatus, SupportTarget
from bot.domain.errors import DomainError
from bot.domain.text import md, truncate
from bot.services import directory
from bot.services import outbox as ob
from bot.texts import questions as T
from db.audit import Actor, record
from db.engine import rowcount
from db.models import Client, Member, SupportRequest

KINDS = tuple(SupportKind)
TARGETS = tuple(SupportTarget)


class _SupportRoles(Protocol):
    """The settings this module reads (:class:`bot.config.Settings` has them)."""

    @property
    def role_pm(self) -> str: ...
    @property
    def role_cco(self) -> str: ...


def target_role(settings: _SupportRoles, target: str) -> str:
    return settings.role_pm if target == SupportTarget.PM else settings.role_cco


async def create(
    session: AsyncSession,
    member: Member,
    client: Client,
    *,
    kind: str,
    target: str,
    wanted_date: date | None,
    detail: str | None,
    actor: Actor,
    now: datetime,
) -> SupportRequest:
    """Store a request for one of the member's current clients (refused otherwise) with its audit row."""
    if kind not in KINDS or target not in TARGETS:
        raise ValueError(f"bad kind/target {kind}/{target}")
    if not await directory.serves(session, member.id, client.id):
        raise DomainError(T.SUPPORT_NOT_YOUR_CLIENT.format(client=md(client.name)))
    req = SupportRequest(member_id=member.id, client_id=client.id, kind=kind, target=target, wanted_date=wanted_date,
                         detail=detail or None, status=SupportStatus.PENDIENTE, created_at=now, updated_at=now)
    session.add(req)
    await session.flush()
    record(session, actor, "apoyo.solicitar", "support_request", req.id, after={
        "client_id": client.id, "kind": kind, "target": target,
        "wanted_date": wanted_date.isoformat() if wanted_date else None})
    return req


async def get(session: AsyncSession, rid: int) -> tuple[SupportRequest, Member, Client] | None:
    req = await session.get(SupportRequest, rid, populate_existing=True)
    if req is None:
        return None
    member = await session.get(Member, req.member_id)
    client = await session.get(Client, req.client_id)
    assert member is not None and client is not None
    return req, member, client


async def decide(
    session: AsyncSession,
    rid: int,
    *,
    accept: bool,
    actor: Actor,
    now: datetime,
    tz: tzinfo,
    meeting_at: datetime | None = None,
    note: str | None = None,
) -> tuple[SupportRequest | None, bool]:
    """Accept (with the meeting's date and time) or decline a pending request once; DM the KAM."""
    target = SupportStatus.ACEPTADA if accept else SupportStatus.RECHAZADA
    res = await session.execute(
        update(SupportRequest).where(SupportRequest.id == rid, SupportRequest.status == SupportStatus.PENDIENTE)
        .values(status=target, helper_discord_id=actor.discord_id, helper_name=actor.name[:200], decided_at=now,
                meeting_at=meeting_at if accept else None, note=note or None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    loaded = await get(session, rid)
    if loaded is None:
        return None, False
    req, member, client = loaded
    if rowcount(res) != 1:
        return req, False
    record(session, actor, "apoyo.decidir", "support_request", rid, before={"status": SupportStatus.PENDIENTE}, after={
        "status": target, "meeting_at": meeting_at.isoformat() if meeting_at else None, "note": note})
    kind = T.KIND_LABELS.get(req.kind, req.kind)
    if accept:
        content = T.DM_ACCEPTED.format(who=md(actor.name), rid=rid, kind=kind, client=md(client.name),
                                       meeting=format_datetime(meeting_at, tz) if meeting_at else "—",
                                       note=T.SUPPORT_NOTE.format(note=truncate(md(note), 500)) if note else "")
    else:
        content = T.DM_DECLINED.format(who=md(actor.name), rid=rid, kind=kind, client=md(client.name))
    await ob.enqueue(session, f"apoyo-dm:{rid}", user_id=member.discord_id, now=now, content=truncate(content, 2000))
    return req, True


async def link_to_deal(session: AsyncSession, member_id: int, client_id: int, deal_id: int) -> list[int]:
    """Called when a deal is registered (same transaction): the accepted help for this KAM and client not
    yet shown on a deal is linked to it. Returns the request ids linked."""
    ids = list((await session.execute(
        select(SupportRequest.id).where(SupportRequest.member_id == member_id, SupportRequest.client_id == client_id,
                                        SupportRequest.status == SupportStatus.ACEPTADA, SupportRequest.deal_id.is_(None))
    )).scalars())
    if ids:
        await session.execute(update(SupportRequest).where(SupportRequest.id.in_(ids)).values(deal_id=deal_id))
        record(session, Actor.system("apoyo"), "apoyo.vincular_negocio", "deal", deal_id, after={"support": ids})
    return ids


async def for_deal(session: AsyncSession, deal_id: int) -> list[SupportRequest]:
    q = select(SupportRequest).where(SupportRequest.deal_id == deal_id).order_by(SupportRequest.id)
    return list((await session.execute(q)).scalars())


async def set_card(session: AsyncSession, rid: int, channel_id: int, message_id: int) -> None:
    await session.execute(update(SupportRequest).where(SupportRequest.id == rid)
                          .values(card_channel_id=channel_id, card_message_id=message_id))


async def recorded_cards(session: AsyncSession, rids: list[int]) -> dict[int, int | None]:
    """The stored card message id of each support request."""
    q = select(SupportRequest.id, SupportRequest.card_message_id).where(SupportRequest.id.in_(rids))
    return {i: m for i, m in (await session.execute(q)).all()}


async def without_card(session: AsyncSession, older_than: datetime) -> list[int]:
    q = select(SupportRequest.id).where(SupportRequest.card_message_id.is_(None),
                                        SupportRequest.created_at <= older_than).order_by(SupportRequest.id).limit(50)
    return list((await session.execute(q)).scalars())
