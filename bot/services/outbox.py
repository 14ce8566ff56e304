"""The outbox: posts and DMs written in the same transaction as the change that causes them,
delivered afterwards by :mod:`bot.outbox_worker`. A ``dedupe_key`` makes every post happen at
most once per key, however often the job that produced it runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import OutboxMessage

SALES_CHANNEL = 0  # target_id meaning "the configured sales channel"
MAX_ATTEMPTS = 10


@dataclass(frozen=True, slots=True)
class OutFile:
    path: str
    filename: str


async def enqueue(
    session: AsyncSession,
    dedupe_key: str,
    *,
    content: str | None = None,
    embeds: list[dict[str, Any]] | None = None,
    files: list[OutFile] | None = None,
    channel_id: int = SALES_CHANNEL,
    user_id: int | None = None,
    now: datetime | None = None,
) -> OutboxMessage:
    """Add a message to deliver unless one with this key exists (then return that one)."""
    existing = (
        await session.execute(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key))
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    row = OutboxMessage(
        dedupe_key=dedupe_key[:200],
        target="dm" if user_id is not None else "channel",
        target_id=user_id if user_id is not None else channel_id,
        payload={
            "content": content,
            "embeds": embeds or [],
            "files": [{"path": str(Path(f.path)), "filename": f.filename} for f in files or []],
        },
    )
    if now is not None:
        row.created_at = row.next_attempt_at = now
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # a concurrent transaction enqueued the same key first
        return (
            await session.execute(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key))
        ).scalar_one()
    return row


async def due(session: AsyncSession, now: datetime, limit: int = 20) -> list[OutboxMessage]:
    q = (
        select(OutboxMessage)
        .where(OutboxMessage.status == "pendiente", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    return list((await session.execute(q)).scalars())


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(5 * 2 ** max(attempts - 1, 0), 900))
