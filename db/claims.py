"""Claims: named work that one process does at a time, held in the database (table ``claims``), so the
rule holds between processes (the bot and a CLI command, two bots during a take-over) and not only
inside one.

A claim is taken with a conditional write checked by its outcome: an INSERT of the name (the primary
key lets one in), else an UPDATE of a claim whose ``expires_at`` has passed (its holder died without
releasing it), checked by rowcount. Each step is its own short transaction, so no database lock is
held while the claimed work runs. :func:`release` deletes the claim only while it is still ours.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.engine import rowcount
from db.models import Claim

log = logging.getLogger(__name__)


class ClaimBusy(Exception):
    """Another holder has the claim (``holder``, until ``expires_at``)."""

    def __init__(self, name: str, holder: str, expires_at: datetime | None) -> None:
        super().__init__(f"claim {name!r} held by {holder} until {expires_at}")
        self.name, self.holder, self.expires_at = name, holder, expires_at


def new_holder(purpose: str) -> str:
    """A holder name unique to this taking (host, pid, what for): only it releases the claim."""
    return f"{socket.gethostname()}:{os.getpid()}:{purpose}:{uuid.uuid4().hex[:8]}"[:200]


async def try_take(sessionmaker: async_sessionmaker[AsyncSession], name: str, holder: str, *, now: datetime,
                   ttl: timedelta) -> bool:
    """True when ``holder`` now holds ``name`` (free, or expired and retaken); False when another holds it."""
    async with sessionmaker() as session:
        session.add(Claim(name=name, holder=holder, taken_at=now, expires_at=now + ttl))
        try:
            await session.commit()
            return True
        except IntegrityError:
            await session.rollback()
        res = await session.execute(
            update(Claim).where(Claim.name == name, Claim.expires_at <= now)
            .values(holder=holder, taken_at=now, expires_at=now + ttl)
            .execution_options(synchronize_session=False)
        )
        await session.commit()
        if rowcount(res) == 1:
            log.warning("Claim %r had expired (its holder died?): retaken by %s", name, holder)
            return True
    return False


async def current(sessionmaker: async_sessionmaker[AsyncSession], name: str) -> Claim | None:
    async with sessionmaker() as session:
        return await session.get(Claim, name)


async def release(sessionmaker: async_sessionmaker[AsyncSession], name: str, holder: str) -> None:
    """Give the claim back (only while ``holder`` still holds it: an expired one may be another's now)."""
    async with sessionmaker() as session:
        await session.execute(delete(Claim).where(Claim.name == name, Claim.holder == holder)
                              .execution_options(synchronize_session=False))
        await session.commit()


@asynccontextmanager
async def claimed(
    sessionmaker: async_sessionmaker[AsyncSession], name: str, purpose: str, *, now: datetime, ttl: timedelta,
    wait: float = 0.0, poll: float = 0.25, refusal: Exception | None = None,
) -> AsyncIterator[str]:
    """Hold ``name`` for the block (released in ``finally``). Waits up to ``wait`` seconds for another
    holder to finish, then raises ``refusal`` (default :class:`ClaimBusy`). ``now`` is the caller's
    clock; time spent waiting is added to it."""
    holder = new_holder(purpose)
    started = time.monotonic()
    while True:
        elapsed = time.monotonic() - started
        if await try_take(sessionmaker, name, holder, now=now + timedelta(seconds=elapsed), ttl=ttl):
            break
        if elapsed >= wait:
            other = await current(sessionmaker, name)
            busy = ClaimBusy(name, other.holder if other else "?", other.expires_at if other else None)
            log.info("%s", busy)
            if refusal is not None:
                raise refusal from busy
            raise busy
        await asyncio.sleep(poll)
    try:
        yield holder
    finally:
        try:
            await release(sessionmaker, name, holder)
        except Exception:  # the database is gone: the claim then expires by itself
            log.exception("Claim %r not released; it expires at its deadline", name)
