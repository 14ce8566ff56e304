"""End-to-end harness: the real bot (discord.py client, SQLite file, hubspot-api-client) against the
loopback fakes of Discord and HubSpot in ``tests/fakes``.

    async def test_x(harness):
        ana = await harness.member("Ana", roles=["KAM"])
        h = await harness.fake.slash(ana, "ayuda")
        assert "6 %" in await h.text()

``harness_factory(hubspot=True, extensions=(...), start=...)`` builds variants; ``await harness.restart()``
closes the bot and starts a fresh process-equivalent (new client, engine and sessions) on the same
database and fakes.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.app import EXTENSIONS, VentasOpsBot
from bot.clock import ManualClock
from bot.config import Settings
from db import migrate
from db.engine import make_engine, make_sessionmaker
from tests.fakes.discord_fake import DiscordFake, running_bot
from tests.fakes.hubspot_fake import HubSpotFake

HUBSPOT_TOKEN = "hs-test-token"
DEFAULT_NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # Monday 23/11/2026 10:00 in Bogotá


@dataclass
class Harness:
    fake: DiscordFake
    settings: Settings
    clock: ManualClock
    hubspot: HubSpotFake | None
    extensions: tuple[str, ...]
    run_jobs: bool = False
    bot: VentasOpsBot | None = None
    engine: Any = None
    sessionmaker: Any = None
    _stack: contextlib.AsyncExitStack = field(default_factory=contextlib.AsyncExitStack)
    starts: int = 0

    async def member(self, name: str, roles: tuple[str, ...] | list[str] = ()) -> int:
        return await self.fake.add_member(name, list(roles))

    async def start(self) -> VentasOpsBot:
        from bot.runner import build_hubspot

        self.engine = make_engine(self.settings.database_url)
        await migrate.upgrade(self.engine)
        self.sessionmaker = make_sessionmaker(self.engine)
        bot = VentasOpsBot(
            self.settings, self.engine, self.sessionmaker, hubspot=build_hubspot(self.settings), clock=self.clock,
            extensions=self.extensions, guild_ready_timeout=0.05, run_jobs=self.run_jobs,
        )
        self._stack = contextlib.AsyncExitStack()
        await self._stack.enter_async_context(running_bot(bot, self.fake, token=self.settings.discord_token.get_secret_value()))
        self.bot = bot
        self.starts += 1
        return bot

    async def stop(self) -> None:
        if self.bot is not None:
            await self._stack.aclose()
            self.bot = None
        if self.engine is not None:
            await self.engine.dispose()
            self.engine = None

    async def restart(self) -> VentasOpsBot:
        await self.stop()
        return await self.start()


@pytest.fixture
async def fake() -> AsyncIterator[DiscordFake]:
    """A started Discord fake alone (for tests that run the bot as a subprocess)."""
    f = DiscordFake()
    await f.start()
    yield f
    await f.stop()


@pytest.fixture
async def harness_factory(make_settings) -> AsyncIterator[Any]:
    made: list[Harness] = []
    fakes: list[Any] = []

    async def factory(
        *, hubspot: bool = False, extensions: tuple[str, ...] = EXTENSIONS, start: bool = True,
        now: datetime = DEFAULT_NOW, hubspot_limits: bool = False, jobs: bool = False, **overrides: Any,
    ) -> Harness:
        fake = DiscordFake()
        await fake.start()
        fakes.append(fake)
        hs = None
        if hubspot:
            hs = HubSpotFake(token=HUBSPOT_TOKEN, limits=hubspot_limits)
            await hs.start()
            fakes.append(hs)
            overrides.setdefault("hubspot_access_token", HUBSPOT_TOKEN)
            overrides.setdefault("hubspot_api_base", hs.base_url)
            overrides.setdefault("hubspot_timeout_seconds", 1.0)
        overrides.setdefault("discord_token", fake.token)
        overrides.setdefault("discord_guild_id", fake.guild_id)
        overrides.setdefault("discord_api_base", fake.rest_base)
        h = Harness(fake=fake, settings=make_settings(**overrides), clock=ManualClock(now), hubspot=hs,
                    extensions=extensions, run_jobs=jobs)
        made.append(h)
        if start:
            await h.start()
        return h

    yield factory
    for h in made:
        await h.stop()
    for f in reversed(fakes):
        await f.stop()


@pytest.fixture
async def harness(harness_factory) -> Harness:
    return await harness_factory()
