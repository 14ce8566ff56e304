"""End-to-end harness: the real bot (discord.py client, SQLite file, hubspot-api-client) against the
loopback fakes of Discord and HubSpot in ``tests/fakes``.

    async def test_x(harness):
        ana = await harness.member("Ana", roles=["KAM"])
        h = await harness.fake.slash(ana, "ayuda")
        assert "6 %" in await h.text()

``harness_factory(hubspot=True, extensions=(...), start=..., now=...)`` builds variants; the test clock
starts at ``now``, by default today at 10:00 in Bogotá as the suite sees it (``--today``, see
``tests/timetravel.py``): a test about one calendar situation (a holiday, a month end) says so with ``now=``
or ``@pytest.mark.start_at(...)``, the others take their dates from ``harness.clock`` / ``harness.today()``; ``await harness.restart()``
closes the bot and starts a fresh process-equivalent (new client, engine and sessions) on the same
database and fakes.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pytest

from bot.app import EXTENSIONS, VentasOpsBot
from bot.clock import ManualClock
from bot.config import Settings
from db import migrate
from db.engine import make_engine, make_sessionmaker
from tests.fakes.discord_fake import DiscordFake, running_bot
from tests.fakes.hubspot_fake import HubSpotFake
from tests.timetravel import BOGOTA, harness_today

HUBSPOT_TOKEN = "hs-test-token"


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
    fake_refusals_expected: bool = False  # a test that sends bad bodies on purpose sets it

    def today(self) -> date:
        """The test clock's date in Bogotá (what the bot calls "hoy")."""
        return self.clock.now().astimezone(BOGOTA).date()

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
async def harness_factory(make_settings, request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    # a test about one calendar situation says when it happens: @pytest.mark.start_at(aware datetime)
    marker = request.node.get_closest_marker("start_at")
    default_start: datetime | None = marker.args[0] if marker else None
    made: list[Harness] = []
    fakes: list[Any] = []

    async def factory(
        *, hubspot: bool = False, extensions: tuple[str, ...] = EXTENSIONS, start: bool = True,
        now: datetime | None = None, hubspot_limits: bool = False, jobs: bool = False, **overrides: Any,
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
        h = Harness(fake=fake, settings=make_settings(**overrides), clock=ManualClock(now or default_start or harness_today()), hubspot=hs,
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
    # a body Discord would refuse fails the test even when the bot swallowed the 400 (cards, DMs...)
    refused = [r for h in made for r in h.fake.spec_refusals if not h.fake_refusals_expected]
    assert not refused, "Discord would refuse what the bot sent:\n" + "\n".join(
        f"{r.method} {r.path}: {'; '.join(r.problems)}" for r in refused)
    hs_refused = [r for h in made if h.hubspot is not None and not h.fake_refusals_expected
                  for r in h.hubspot.spec_refusals]
    assert not hs_refused, "HubSpot would refuse what the bot sent:\n" + "\n".join(
        f"{m} {p}: {'; '.join(found)}" for m, p, _body, found in hs_refused)


@pytest.fixture
async def harness(harness_factory) -> Harness:
    return await harness_factory()
