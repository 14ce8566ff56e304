"""The outbox: posts and DMs written in the same transaction as the change that causes them,
delivered afterwards by :mod:`bot.outbox_worker`. A ``dedupe_key`` makes every post happen at
most once per key, however often the job that produced it runs.

Nothing is dropped: what Discord refuses (a missing permission, closed DMs) or keeps failing is
*held* (``retenido``) with a Spanish reason, retried every hour, reported once to the admins and
sent again on demand (``/admin reenviar``, ``ventas-ops outbox reenviar``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.enums import OutboxStatus, OutboxTarget
from db.audit import Actor, record
from db.models import Deal, OutboxMessage, Question

SALES_CHANNEL = 0  # target_id meaning "the configured sales channel"
MAX_ATTEMPTS = 10  # transient failures before an item is held
HELD_RETRY = timedelta(hours=1)  # a held item is tried again this often (the cause may be fixed)
NOTICE_KEY = "retenido:"  # dedupe-key prefix of the admins' notices (a held notice is not noticed again)


@dataclass(frozen=True, slots=True)
class OutFile:
    path: str
    filename: str


@dataclass(frozen=True, slots=True)
class ReplyTo:
    """The message a post replies to: a card (``card`` names its table in :data:`CARDS`, ``id`` its
    row), whose channel and message id are read when the post is delivered — a card posted or
    re-posted after the reply was queued is still the one replied to."""

    card: str
    id: int


# the cards a post can reply to: their model (with ``card_channel_id`` / ``card_message_id``)
CARDS: dict[str, type[Deal] | type[Question]] = {"deal": Deal, "question": Question}


async def enqueue(
    session: AsyncSession,
    dedupe_key: str,
    *,
    content: str | None = None,
    embeds: Sequence[Mapping[str, Any]] | None = None,
    files: list[OutFile] | None = None,
    channel_id: int = SALES_CHANNEL,
    user_id: int | None = None,
    now: datetime | None = None,
    for_digest: dict[str, Any] | None = None,
    fallback: str | None = None,
    fallback_channel_id: int = SALES_CHANNEL,
    mention_user: int | None = None,
    reply_to: ReplyTo | None = None,
) -> OutboxMessage:
    """Add a message to deliver unless one with this key exists (then return that one).

    ``for_digest`` (facts about the message, kept in its payload) queues it to be folded with
    others into one post (:func:`take_for_digest`) instead of being delivered by itself.

    ``fallback`` (DMs only): the notice posted in ``fallback_channel_id`` (mentioning the user, who
    alone can be pinged by it) when the DM is refused because the user's DMs are closed; the DM
    itself is held as any refusal. ``mention_user``: the one user this message may ping (every
    other mention stays inert). ``reply_to`` (channel posts only): the card this post replies to; it
    goes to the card's channel as a reply, or as a plain post to ``channel_id`` if the card is not
    posted (a deleted card does not block it either: ``fail_if_not_exists`` is false)."""
    existing = (
        await session.execute(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key))
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    values: dict[str, Any] = {
        "dedupe_key": dedupe_key[:200],
        "target": OutboxTarget.DM if user_id is not None else OutboxTarget.CHANNEL,
        "target_id": user_id if user_id is not None else channel_id,
        "payload": {
            "content": content,
            "embeds": embeds or [],
            "files": [{"path": str(Path(f.path)), "filename": f.filename} for f in files or []],
            **({"digest": for_digest} if for_digest is not None else {}),
            **({"fallback": {"content": fallback, "channel_id": fallback_channel_id}}
               if fallback is not None and user_id is not None else {}),
            **({"mention_users": [mention_user]} if mention_user is not None else {}),
            **({"reply_to": {"card": reply_to.card, "id": reply_to.id}}
               if reply_to is not None and user_id is None else {}),
        },
    }
    if for_digest is not None:
        values["status"] = OutboxStatus.EN_RESUMEN
    if now is not None:
        values["created_at"] = values["next_attempt_at"] = now
    # INSERT … ON CONFLICT DO NOTHING, not a SAVEPOINT around an ORM add: a concurrent transaction that
    # queued the same key first wins and we return its row. A SAVEPOINT taken before the transaction's
    # first write made SQLite's driver open a transaction of its own, and releasing it committed the
    # message on the spot, before (and whatever became of) the state change it reports.
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(OutboxMessage).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"])
    new_id = (await session.execute(stmt.returning(OutboxMessage.id))).scalar_one_or_none()
    if new_id is None:
        return (
            await session.execute(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key[:200]))
        ).scalar_one()
    row = await session.get(OutboxMessage, new_id)
    assert row is not None
    return row


async def reply_target(session: AsyncSession, row: OutboxMessage) -> tuple[int, int] | None:
    """(channel id, message id) of the card a post replies to, read now; None when it replies to
    nothing or the card is not posted."""
    ref = (row.payload or {}).get("reply_to")
    model = CARDS.get(str((ref or {}).get("card")))
    if ref is None or model is None:
        return None
    where = (await session.execute(
        select(model.card_channel_id, model.card_message_id).where(model.id == int(ref["id"]))
    )).first()
    if where is None or not where[0] or not where[1]:
        return None
    return int(where[0]), int(where[1])


async def due(session: AsyncSession, now: datetime, limit: int = 20) -> list[OutboxMessage]:
    """Pending items due now, then held items whose hourly retry has come."""
    q = (
        select(OutboxMessage)
        .where(OutboxMessage.status.in_((OutboxStatus.PENDIENTE, OutboxStatus.RETENIDO)), OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.status, OutboxMessage.id)  # «pendiente» sorts before «retenido»
        .limit(limit)
    )
    return list((await session.execute(q)).scalars())


def failure_values(row: OutboxMessage, now: datetime, error: str, hold_reason: str | None) -> dict[str, Any]:
    """The row's new values after a failed send: retried with backoff, or held when ``hold_reason``
    is given (a refusal retrying cannot fix) or the attempts are used up (``hold_reason`` is then
    ``gave_up_reason``'s text, passed by the caller)."""
    attempts = row.attempts + 1
    values: dict[str, Any] = {"attempts": attempts, "last_error": error[:2000]}
    if hold_reason is None and row.status == OutboxStatus.PENDIENTE and attempts < MAX_ATTEMPTS:
        return values | {"status": OutboxStatus.PENDIENTE, "next_attempt_at": now + backoff(attempts)}
    values |= {"status": OutboxStatus.RETENIDO, "next_attempt_at": now + HELD_RETRY, "held_reason": (hold_reason or error)[:2000]}
    if row.status != OutboxStatus.RETENIDO:
        values["held_at"] = now
    return values


async def held(session: AsyncSession, limit: int | None = None) -> list[OutboxMessage]:
    """Everything held, oldest first (``/admin estado``, ``/admin reenviar``, the CLI)."""
    q = select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.RETENIDO).order_by(OutboxMessage.id)
    if limit is not None:
        q = q.limit(limit)
    return list((await session.execute(q)).scalars())


def by_reason(rows: list[OutboxMessage]) -> list[tuple[str, int]]:
    """(reason, how many), most frequent first."""
    counts: dict[str, int] = {}
    for row in rows:
        reason = row.held_reason or row.last_error or "?"
        counts[reason] = counts.get(reason, 0) + 1
    return sorted(counts.items(), key=lambda kv: -kv[1])


async def held_summary(session: AsyncSession) -> list[tuple[str, int]]:
    """(reason, how many) of the held items: the status line for admins (``/admin estado``)."""
    return by_reason(await held(session))


async def release_held(session: AsyncSession, actor: Actor, now: datetime, ids: list[int] | None = None) -> list[int]:
    """Put held items back in the queue (due now, attempts from zero), with an audit row. The
    admins were already told about them: a new failure keeps them held without a second notice."""
    rows = [r for r in await held(session) if ids is None or r.id in ids]
    if not rows:
        return []
    released = [r.id for r in rows]
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(released), OutboxMessage.status == OutboxStatus.RETENIDO)
        .values(status=OutboxStatus.PENDIENTE, attempts=0, next_attempt_at=now)
    )
    record(session, actor, "outbox.reenviar", "outbox", None,
           before={"status": OutboxStatus.RETENIDO, "ids": released, "reasons": sorted({r.held_reason or "" for r in rows})},
           after={"status": OutboxStatus.PENDIENTE})
    return released


async def take_unnoticed(session: AsyncSession, now: datetime) -> list[tuple[str, int]]:
    """Mark the held items the admins have not been told about as told, and return (reason, count)
    of those whose reason is new — a cause already reported and still held is not reported again,
    nor is a held notice itself. The caller enqueues the notice in the same transaction."""
    fresh = list((await session.execute(
        select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.RETENIDO, OutboxMessage.held_notified_at.is_(None))
        .order_by(OutboxMessage.id)
    )).scalars())
    if not fresh:
        return []
    known = set((await session.execute(
        select(OutboxMessage.held_reason).where(OutboxMessage.status == OutboxStatus.RETENIDO, OutboxMessage.held_notified_at.is_not(None))
    )).scalars())
    new = [r for r in fresh if r.held_reason not in known and not r.dedupe_key.startswith(NOTICE_KEY)]
    await session.execute(
        update(OutboxMessage)
        .where(and_(OutboxMessage.id.in_([r.id for r in fresh]), OutboxMessage.held_notified_at.is_(None)))
        .values(held_notified_at=now)
    )
    return by_reason(new)


async def take_for_digest(session: AsyncSession) -> list[OutboxMessage]:
    """The messages waiting to be folded into one post, marked folded (the caller enqueues that post
    in the same transaction: a crash in between leaves them waiting, never lost)."""
    rows = list((await session.execute(
        select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.EN_RESUMEN).order_by(OutboxMessage.id)
    )).scalars())
    if rows:
        await session.execute(
            update(OutboxMessage).where(OutboxMessage.id.in_([r.id for r in rows])).values(status=OutboxStatus.RESUMIDO)
        )
    return rows


FALLBACK_KEY = "aviso:"  # dedupe-key prefix of the channel notice posted for a DM refused by closed DMs


async def enqueue_fallback(session: AsyncSession, row: OutboxMessage, now: datetime) -> OutboxMessage | None:
    """Queue the channel notice of a DM refused because the user's DMs are closed (in the caller's
    transaction, with the DM's new status): once per DM, however often the held DM is retried."""
    fb = (row.payload or {}).get("fallback")
    if row.target != OutboxTarget.DM or not fb or not fb.get("content"):
        return None
    return await enqueue(session, f"{FALLBACK_KEY}{row.dedupe_key}"[:200], content=fb["content"],
                         channel_id=int(fb.get("channel_id") or SALES_CHANNEL), mention_user=row.target_id, now=now)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(5 * 2 ** max(attempts - 1, 0), 900))
