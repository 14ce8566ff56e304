"""Renewal intents (seed «Renovaciones»): the KAM declares the intent to renew one of their own
clients; the window ends ``renewal_window_business_days`` Colombian business days after the
delivery date, at the end of that day in the bot's TIMEZONE (Bogotá by default). Reminders at one business day left and on the
last day; at expiry the client goes back to sales and the KAM is blocked for that client until the
coordinator accepts a new intent. The coordinator may extend or release a window; the KAM may
release it; a registered Renovación deal closes it.

Use cases take an ``AsyncSession`` and never commit: the caller owns the transaction, so the change,
its audit-log row and its outbox messages (posts and DMs, delivered after commit by the outbox
worker, at most once per dedupe key) land together. Every state change is a conditional UPDATE, so
a decision is taken once however many clicks, ticks or processes race for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.business_days import add_business_days, business_days_left
from bot.domain.dates import end_of_day_bogota, format_date, format_date_long, to_utc, today_bogota
from bot.domain.enums import RenewalStatus
from bot.domain.errors import DomainError
from bot.domain.text import md
from bot.services import directory
from bot.services import outbox as ob

# the queries are part of this module's API (``renewals.open_intents_of(...)``): re-exported
from bot.services.renewal_queries import (
    ENDED,
    blocked_cards,
    blocking_intent,
    get_intent,
    intents_without_card,
    load_card,
    open_intent,
    open_intents_of,
    open_window_for,
    recorded_cards,
    set_card,
    window_refusal,
)
from bot.texts import renewals as T
from db.audit import Actor, record
from db.models import Client, Member, RenewalIntent

__all__ = [
    "ENDED",
    "Change",
    "Event",
    "RenewalRefused",
    "accept_new",
    "already_decided",
    "blocked_cards",
    "blocking_intent",
    "close_by_renewal_deal",
    "deadline_for",
    "declare",
    "extend",
    "get_intent",
    "intents_without_card",
    "load_card",
    "open_intent",
    "open_intents_of",
    "open_window_for",
    "process_due",
    "recorded_cards",
    "release",
    "release_for_client",
    "role_label",
    "set_card",
    "window_refusal",
]

REMIND_FROM = time(8, 0)  # reminders are not sent at night (local time, TIMEZONE)
MAX_AHEAD_DAYS = 366  # a delivery date or an extension further away is a typo
LOOKAHEAD_DAYS = 14  # process_due looks at open windows ending within this many calendar days

EventKind = Literal["recordatorio_1_dia", "recordatorio_ultimo_dia", "vencida"]


class RenewalRefused(DomainError):
    """A declaration or a decision that breaks a rule; nothing was changed."""


@dataclass(frozen=True, slots=True)
class Event:
    """Something ``process_due`` did (already marked, audit-logged and enqueued)."""

    kind: EventKind
    intent_id: int
    member_id: int
    client_id: int
    deadline: date


@dataclass(frozen=True, slots=True)
class Change:
    """The result of a decision: the intent after it, and what it was before."""

    intent: RenewalIntent
    client: Client
    member: Member
    before: dict[str, object]


def role_label(spec: str) -> str:
    """A configured role in a post: a role mention for an id (posts never ping), else the bold name."""
    spec = (spec or "").strip()
    return f"<@&{spec}>" if spec.isdigit() else f"**@{md(spec)}**"


def deadline_for(delivery: date, window_days: int) -> date:
    """The last day of the window: ``window_days`` business days after the delivery date."""
    return add_business_days(delivery, window_days)


def _snapshot(i: RenewalIntent) -> dict[str, object]:
    return {
        "status": i.status,
        "delivery_date": i.delivery_date.isoformat(),
        "deadline": i.deadline.isoformat(),
        "blocked": bool(i.blocked),
    }


# --- declaring -------------------------------------------------------------------------------------
def _already_open(client_name: str, existing: RenewalIntent) -> RenewalRefused:
    return RenewalRefused(T.ALREADY_OPEN.format(
        client=md(client_name), delivery=format_date(existing.delivery_date),
        deadline=format_date_long(existing.deadline)), field="cliente")


async def declare(
    session: AsyncSession,
    *,
    member: Member,
    client: Client,
    delivery: date,
    now: datetime,
    window_days: int,
    actor: Actor,
    tz: ZoneInfo,
    coordinator_role: str = "Renovaciones",
) -> RenewalIntent:
    """Open a window for ``member``'s own client. Refuses (``RenewalRefused``, Spanish, quoting the
    rule) another client's or an inactive client, a second open intent, a KAM blocked for this
    client, and a delivery date whose window is already over. "Today" is the date in ``tz`` (the bot's
    TIMEZONE); the business days stay Colombian."""
    today = today_bogota(now, tz=tz)
    if not client.active or not await directory.serves(session, member.id, client.id):
        raise RenewalRefused(T.CLIENT_NOT_YOURS.format(client=md(client.name)), field="cliente")
    existing = await open_intent(session, member.id, client.id)
    if existing is not None:
        raise _already_open(client.name, existing)
    blocked = await blocking_intent(session, member.id, client.id)
    if blocked is not None:
        how = T.HOW_RELEASED if blocked.status == RenewalStatus.LIBERADA else T.HOW_EXPIRED
        raise RenewalRefused(T.BLOCKED.format(
            client=md(client.name), deadline=format_date(blocked.deadline), how=how, days=window_days,
            coordinator=role_label(coordinator_role)), field="cliente")
    if delivery > today + timedelta(days=MAX_AHEAD_DAYS):
        raise RenewalRefused(T.DELIVERY_TOO_FAR.format(delivery=format_date(delivery), days=MAX_AHEAD_DAYS),
                             field="fecha-entrega")
    deadline = deadline_for(delivery, window_days)
    if deadline < today:
        raise RenewalRefused(T.WINDOW_OVER.format(delivery=format_date(delivery), deadline=format_date(deadline),
                                                  days=window_days), field="fecha-entrega")
    intent = RenewalIntent(member_id=member.id, client_id=client.id, delivery_date=delivery, deadline=deadline,
                           status=RenewalStatus.ABIERTA, blocked=False, created_at=now, updated_at=now)
    session.add(intent)
    member_id, client_id, name = member.id, client.id, client.name  # a rollback below expires them
    try:
        await session.flush()
    except IntegrityError:
        # another session or process opened the same window between the check and the insert: the
        # partial unique index uq_renewal_intents_one_open refused ours. Nothing of this transaction is
        # kept (as with any refusal; a savepoint would not do: on SQLite, releasing the outermost one
        # commits), and the KAM gets the answer a later declaration gets.
        await session.rollback()
        existing = await open_intent(session, member_id, client_id)
        if existing is None:
            raise
        raise _already_open(name, existing) from None
    record(session, actor, "renovacion.declarar", "renewal_intent", intent.id,
           after={**_snapshot(intent), "member_id": member.id, "client_id": client.id, "client": client.name,
                  "window_business_days": window_days})
    return intent


def days_left_text(today: date, intent: RenewalIntent) -> str:
    if today < intent.delivery_date:
        return T.LEFT_FUTURE
    n = business_days_left(today, intent.deadline)
    if n <= 0:
        return T.LEFT_LAST
    return T.LEFT_ONE if n == 1 else T.LEFT_MANY.format(n=n)


# --- decisions ---------------------------------------------------------------------------------------
async def _load_for_decision(session: AsyncSession, intent_id: int) -> tuple[RenewalIntent, Client, Member]:
    loaded = await load_card(session, intent_id)
    if loaded is None:
        raise RenewalRefused(T.INTENT_GONE.format(intent_id=intent_id))
    return loaded


def already_decided(intent: RenewalIntent) -> RenewalRefused:
    label = RenewalStatus(intent.status).label.lower()
    return RenewalRefused(T.ALREADY_DECIDED.format(intent_id=intent.id, status=label))


async def extend(
    session: AsyncSession, intent_id: int, new_deadline: date, *, actor: Actor, now: datetime
) -> Change:
    """Move an open window's deadline later (the coordinator). Reminders are re-armed for the new
    deadline; the KAM gets a DM."""
    intent, client, member = await _load_for_decision(session, intent_id)
    if intent.status != RenewalStatus.ABIERTA:
        raise already_decided(intent)
    old = intent.deadline
    if new_deadline <= old:
        raise RenewalRefused(T.EXTEND_NOT_AFTER.format(new=format_date(new_deadline), current=format_date(old)),
                             field="fecha")
    if new_deadline > old + timedelta(days=MAX_AHEAD_DAYS):
        raise RenewalRefused(T.EXTEND_TOO_FAR.format(new=format_date(new_deadline), days=MAX_AHEAD_DAYS),
                             field="fecha")
    before = _snapshot(intent)
    res = await session.execute(
        update(RenewalIntent)
        .where(RenewalIntent.id == intent_id, RenewalIntent.status == RenewalStatus.ABIERTA, RenewalIntent.deadline == old)
        .values(deadline=new_deadline, reminded_one_day_at=None, reminded_last_day_at=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    intent = await get_intent(session, intent_id)  # type: ignore[assignment]
    if res.rowcount != 1:
        raise already_decided(intent) if intent.status != RenewalStatus.ABIERTA else RenewalRefused(
            T.EXTEND_NOT_AFTER.format(new=format_date(new_deadline), current=format_date(intent.deadline)))
    record(session, actor, "renovacion.extender", "renewal_intent", intent_id, before=before, after=_snapshot(intent))
    await ob.enqueue(session, f"renov-ext-dm:{intent_id}:{new_deadline.isoformat()}", user_id=member.discord_id,
                     now=now, content=T.DM_EXTENDED.format(who=md(actor.name), client=md(client.name),
                                                           deadline_long=format_date_long(new_deadline),
                                                           old=format_date(old)))
    return Change(intent, client, member, before)


async def release(
    session: AsyncSession,
    intent_id: int,
    *,
    actor: Actor,
    now: datetime,
    by_kam: bool,
    coordinator_role: str = "Renovaciones",
) -> Change:
    """End an open window now: the client goes back to sales, and the KAM may declare again for it
    only after the coordinator accepts a new intent. Posts in the sales channel; DMs the KAM when the
    coordinator released it."""
    intent, client, member = await _load_for_decision(session, intent_id)
    if intent.status != RenewalStatus.ABIERTA:
        raise already_decided(intent)
    before = _snapshot(intent)
    res = await session.execute(
        update(RenewalIntent)
        .where(RenewalIntent.id == intent_id, RenewalIntent.status == RenewalStatus.ABIERTA)
        .values(status=RenewalStatus.LIBERADA, blocked=True, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    intent = await get_intent(session, intent_id)  # type: ignore[assignment]
    if res.rowcount != 1:
        raise already_decided(intent)
    record(session, actor, "renovacion.liberar", "renewal_intent", intent_id, before=before,
           after={**_snapshot(intent), "by": "kam" if by_kam else "coordinacion"})
    if by_kam:
        text = T.POST_RELEASED_BY_KAM.format(kam=md(member.name), intent_id=intent_id, client=md(client.name),
                                             coordinator=role_label(coordinator_role))
    else:
        text = T.POST_RELEASED_BY_COORDINATOR.format(who=md(actor.name), intent_id=intent_id, client=md(client.name),
                                                     kam=md(member.name))
        await ob.enqueue(session, f"renov-lib-dm:{intent_id}", user_id=member.discord_id, now=now,
                         content=T.DM_RELEASED.format(who=md(actor.name), client=md(client.name)))
    await ob.enqueue(session, f"renov-lib:{intent_id}", now=now, content=text)
    return Change(intent, client, member, before)


async def release_for_client(
    session: AsyncSession, member: Member, client: Client, *, actor: Actor, now: datetime,
    coordinator_role: str = "Renovaciones",
) -> Change:
    """The KAM releases their own open intent for a client."""
    intent = await open_intent(session, member.id, client.id)
    if intent is None:
        raise RenewalRefused(T.NO_OPEN_INTENT.format(client=md(client.name)), field="cliente")
    return await release(session, intent.id, actor=actor, now=now, by_kam=True, coordinator_role=coordinator_role)


async def accept_new(session: AsyncSession, intent_id: int, *, actor: Actor, now: datetime) -> Change:
    """The coordinator lifts the block an expired or released window left: the KAM may declare a new
    intent for the client. DMs the KAM."""
    intent, client, member = await _load_for_decision(session, intent_id)
    if not intent.blocked:
        raise RenewalRefused(T.NOT_BLOCKED.format(intent_id=intent_id))
    before = _snapshot(intent)
    res = await session.execute(
        update(RenewalIntent)
        .where(RenewalIntent.id == intent_id, RenewalIntent.blocked.is_(True), RenewalIntent.status.in_(ENDED))
        .values(blocked=False, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    intent = await get_intent(session, intent_id)  # type: ignore[assignment]
    if res.rowcount != 1:
        raise RenewalRefused(T.NOT_BLOCKED.format(intent_id=intent_id))
    record(session, actor, "renovacion.aceptar_nueva", "renewal_intent", intent_id, before=before,
           after=_snapshot(intent))
    await ob.enqueue(session, f"renov-acc-dm:{intent_id}", user_id=member.discord_id, now=now,
                     content=T.DM_ACCEPTED.format(who=md(actor.name), client=md(client.name)))
    return Change(intent, client, member, before)


async def close_by_renewal_deal(
    session: AsyncSession, member_id: int, client_id: int, deal_id: int, actor: Actor
) -> bool:
    """For the deals feature (same transaction as the deal): close the member's open intent for the
    client with the registered Renovación deal. False when there was no open intent."""
    intent = await open_intent(session, member_id, client_id)
    if intent is None:
        return False
    before = _snapshot(intent)
    res = await session.execute(
        update(RenewalIntent)
        .where(RenewalIntent.id == intent.id, RenewalIntent.status == RenewalStatus.ABIERTA)
        .values(status=RenewalStatus.CERRADA, closed_by_deal_id=deal_id)
        .execution_options(synchronize_session=False)
    )
    if res.rowcount != 1:
        return False
    await session.refresh(intent)
    record(session, actor, "renovacion.cerrar", "renewal_intent", intent.id, before=before,
           after={**_snapshot(intent), "deal_id": deal_id})
    return True


# --- reminders and expiry ----------------------------------------------------------------------------
async def _mark(session: AsyncSession, intent: RenewalIntent, column: str, now: datetime, **extra: object) -> bool:
    """Set ``column`` (a timestamp that is NULL until this happens) on a still-open intent whose
    deadline did not change meanwhile. True for the one caller that did it."""
    col = getattr(RenewalIntent, column)
    res = await session.execute(
        update(RenewalIntent)
        .where(RenewalIntent.id == intent.id, RenewalIntent.status == RenewalStatus.ABIERTA,
               RenewalIntent.deadline == intent.deadline, col.is_(None))
        .values({column: now, **extra})
        .execution_options(synchronize_session=False)
    )
    return res.rowcount == 1


async def process_due(
    session: AsyncSession, now: datetime, *, tz: ZoneInfo, coordinator_role: str = "Renovaciones",
    remind_from: time = REMIND_FROM,
) -> list[Event]:
    """Reminders and expiries due at ``now``, each exactly once: the row is marked with a conditional
    UPDATE in this transaction, which also holds the audit row and the outbox messages. Missed ones
    (the bot was down) are handled at the next call; a reminder whose moment passed is skipped.

    Days and hours are read in ``tz`` (the bot's TIMEZONE).

    - expiry: from the end of the deadline day in ``tz`` → ``vencida`` + ``blocked``, a post in the
      sales channel (naming the coordinator role) and a DM to the KAM;
    - last day: on the deadline day (from ``remind_from`` local time) → DM;
    - one business day left: on the day before the last business day (from ``remind_from``) → DM.
    """
    now = to_utc(now)
    local = now.astimezone(tz)
    today = local.date()
    daytime = local.time() >= remind_from
    q = (
        select(RenewalIntent, Client, Member)
        .join(Client, Client.id == RenewalIntent.client_id)
        .join(Member, Member.id == RenewalIntent.member_id)
        .where(RenewalIntent.status == RenewalStatus.ABIERTA, RenewalIntent.deadline <= today + timedelta(days=LOOKAHEAD_DAYS))
        .order_by(RenewalIntent.deadline, RenewalIntent.id)
    )
    events: list[Event] = []
    for intent, client, member in (await session.execute(q)).all():
        deadline = intent.deadline
        ev = lambda kind: Event(kind, intent.id, member.id, client.id, deadline)  # noqa: E731, B023 - called in this iteration
        if now >= end_of_day_bogota(deadline, tz=tz):
            if not await _mark(session, intent, "expired_at", now, status=RenewalStatus.VENCIDA, blocked=True, updated_at=now):
                continue
            record(session, Actor.system("renovaciones"), "renovacion.vencer", "renewal_intent", intent.id,
                   before=_snapshot(intent), after={**_snapshot(intent), "status": RenewalStatus.VENCIDA, "blocked": True})
            await ob.enqueue(session, f"renov-vencida:{intent.id}", now=now, content=T.POST_EXPIRED.format(
                intent_id=intent.id, client=md(client.name), kam=md(member.name), deadline=format_date(deadline),
                coordinator=role_label(coordinator_role)))
            await ob.enqueue(session, f"renov-vencida-dm:{intent.id}", user_id=member.discord_id, now=now,
                             content=T.DM_EXPIRED.format(client=md(client.name), deadline=format_date(deadline)))
            events.append(ev("vencida"))
            continue
        if not daytime or today < intent.delivery_date:
            continue
        if today == deadline:
            if intent.reminded_last_day_at is None and await _mark(session, intent, "reminded_last_day_at", now):
                record(session, Actor.system("renovaciones"), "renovacion.recordatorio", "renewal_intent", intent.id,
                       after={"kind": "ultimo_dia", "deadline": deadline.isoformat()})
                await ob.enqueue(session, f"renov-ultimo:{intent.id}:{deadline.isoformat()}", user_id=member.discord_id,
                                 now=now, content=T.REMIND_LAST_DAY.format(client=md(client.name),
                                                                           deadline_long=format_date_long(deadline)))
                events.append(ev("recordatorio_ultimo_dia"))
        elif business_days_left(today, deadline) == 1:
            if intent.reminded_one_day_at is None and await _mark(session, intent, "reminded_one_day_at", now):
                record(session, Actor.system("renovaciones"), "renovacion.recordatorio", "renewal_intent", intent.id,
                       after={"kind": "un_dia", "deadline": deadline.isoformat()})
                await ob.enqueue(session, f"renov-1dia:{intent.id}:{deadline.isoformat()}", user_id=member.discord_id,
                                 now=now, content=T.REMIND_ONE_DAY.format(client=md(client.name),
                                                                          deadline_long=format_date_long(deadline)))
                events.append(ev("recordatorio_1_dia"))
    return events
