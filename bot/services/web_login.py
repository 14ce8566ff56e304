"""One-time links to the web panel (``/panel``).

The raw token goes only to the user (an ephemeral Discord answer); the database keeps its SHA-256.
A link opens one session within :data:`LINK_TTL` and is then spent; a member may ask for at most
:data:`MAX_LINKS` links per :data:`LINK_TTL`. Issuing and using a link are audited (never the token).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.errors import DomainError
from bot.texts import web as T
from db.audit import Actor, record
from db.engine import rowcount
from db.models import WebLoginToken

LINK_TTL = timedelta(minutes=10)
MAX_LINKS = 5  # per member and LINK_TTL


class LinkRefused(DomainError):
    """Too many links asked for; nothing was stored."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class IssuedLink:
    token: str
    expires_at: datetime


async def issue(session: AsyncSession, actor: Actor, *, now: datetime) -> IssuedLink:
    """A new one-time token for ``actor`` (the caller commits)."""
    assert actor.discord_id is not None
    token = secrets.token_urlsafe(32)
    row = WebLoginToken(token_hash=token_hash(token), discord_id=actor.discord_id, created_at=now,
                        expires_at=now + LINK_TTL)
    session.add(row)
    await session.flush()  # written first: on SQLite the write lock orders concurrent requests before they count
    recent = (await session.execute(
        select(func.count()).select_from(WebLoginToken)
        .where(WebLoginToken.discord_id == actor.discord_id, WebLoginToken.created_at > now - LINK_TTL)
    )).scalar_one()
    if recent > MAX_LINKS:
        await session.rollback()
        raise LinkRefused(T.LINK_RATE_LIMITED.format(n=MAX_LINKS, minutes=int(LINK_TTL.total_seconds() // 60)))
    record(session, actor, "panel.enlace", "web_login", row.id, after={"expires_at": row.expires_at.isoformat()})
    return IssuedLink(token, row.expires_at)


async def redeem(session: AsyncSession, token: str, *, now: datetime) -> int | None:
    """The Discord id the token was issued to, spending it; None when unknown, expired or used.
    The caller commits. Two concurrent uses: the conditional update lets only one through."""
    if not token or len(token) > 100:
        return None
    h = token_hash(token)
    res = await session.execute(
        update(WebLoginToken)
        .where(WebLoginToken.token_hash == h, WebLoginToken.used_at.is_(None), WebLoginToken.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if rowcount(res) != 1:
        return None
    row = (await session.execute(select(WebLoginToken).where(WebLoginToken.token_hash == h))).scalar_one()
    record(session, Actor(row.discord_id, str(row.discord_id)), "panel.entrar", "web_login", row.id,
           after={"used_at": now.isoformat()})
    return row.discord_id
