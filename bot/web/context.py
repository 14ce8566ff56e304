"""What the web app needs from the outside world, injected (the bot in production, fakes in tests)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import OfflineSettings

# the program roles the panel knows (Settings.role_kam, role_audit, role_coo, role_admin)
KAM, AUDIT, COO, ADMIN = "kam", "audit", "coo", "admin"
ALL_ROLES = (KAM, AUDIT, COO, ADMIN)


@dataclass(frozen=True, slots=True)
class Identity:
    """A guild member as seen right now: their display name and which program roles they hold."""

    discord_id: int
    name: str
    roles: frozenset[str]

    def has(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)


# Discord id → the member now (None: not in the guild any more)
IdentityLookup = Callable[[int], Awaitable[Identity | None]]
# (deals.Decision, approval kind) → refresh the card(s) and tell the KAM, as the button does
AfterDecision = Callable[[Any, str], Awaitable[None]]


@dataclass(slots=True)
class WebContext:
    settings: OfflineSettings
    sessionmaker: async_sessionmaker[AsyncSession]
    clock: Clock
    identity: IdentityLookup
    after_decision: AfterDecision
    secret_key: str
