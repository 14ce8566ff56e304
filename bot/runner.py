"""Start-up: settings → logging → database (migrated to head) → bot → the server checked.

Every start-up failure is raised as :class:`bot.startup.StartupError` (one line, exit code 2 or 3)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from bot import blocking
from bot.app import VentasOpsBot
from bot.config import OfflineSettings, Settings
from bot.discord_api import apply_api_base
from bot.guild_check import check_guild, failures
from bot.hubspot.gateway import HubSpotGateway
from bot.lease import Lease, lease_for
from bot.logging_setup import setup_logging
from bot.startup import EXIT_CONFIG, StartupError, database_phase, discord_error
from db import migrate
from db.engine import make_engine, make_sessionmaker

log = logging.getLogger(__name__)


def build_hubspot(settings: OfflineSettings) -> HubSpotGateway | None:
    if not settings.hubspot_enabled:
        return None
    assert settings.hubspot_access_token is not None
    return HubSpotGateway(
        access_token=settings.hubspot_access_token.get_secret_value(),
        base_url=settings.hubspot_api_base,
        timeout=settings.hubspot_timeout_seconds,
        max_concurrency=settings.hubspot_max_concurrency,
        advance_date_property=settings.hubspot_advance_date_property,
        services_property=settings.hubspot_company_services_property or None,
    )


def server_problems(bot: VentasOpsBot) -> str | None:
    """One line naming what is missing in the Discord server, or None when everything is there."""
    guild = bot.guild
    if guild is None:
        return (f"el bot no está en el servidor DISCORD_GUILD_ID={bot.settings.discord_guild_id}: corrija el id o "
                "invite el bot a ese servidor (README, «Creating the Discord application»)")
    bad = failures(check_guild(guild, guild.channels, guild.roles, guild.me, bot.settings))
    if not bad:
        return None
    return f"en el servidor «{guild.name}»: " + "; ".join(f"{c.name}: {c.detail}" for c in bad)


LEASE_POLL_SECONDS = 2.0  # a standby checks this often whether the active instance is gone
LEASE_CHECK_SECONDS = 10.0  # the active instance checks this often that it still holds the lease


async def wait_for_lease(lease: Lease, stop: asyncio.Event) -> bool:
    """Take the lease, waiting on standby while another instance holds it. False when stopped first."""
    if await lease.try_acquire():
        return True
    holder = lease.holder()
    log.warning("Standby: another instance%s is active on this database (%s); this one waits and takes over "
                "when it stops", f" ({holder})" if holder else "", lease.description)
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), LEASE_POLL_SECONDS)
        if not stop.is_set() and await lease.try_acquire():
            log.warning("Taking over: the active instance is gone")
            return True
    return False


async def _watch_lease(lease: Lease, stop: asyncio.Event) -> None:
    """Stop the bot if its lease is lost (PostgreSQL connection dropped): a standby may be taking over."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), LEASE_CHECK_SECONDS)
        if not stop.is_set() and not await lease.alive():
            log.error("Lost the database lease; stopping so that only one instance stays active")
            stop.set()


async def run_bot(settings: Settings) -> None:
    secrets = [settings.discord_token.get_secret_value()]
    if settings.hubspot_access_token:
        secrets.append(settings.hubspot_access_token.get_secret_value())
    setup_logging(settings.log_level, secrets, fmt=settings.log_format)
    apply_api_base(settings.discord_api_base)
    settings.data_dir.mkdir(parents=True, exist_ok=True)

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass

    with database_phase(settings.database_url):
        lease = lease_for(settings.database_url)
        active = await wait_for_lease(lease, stop)
    if not active:
        log.info("Stopping (standby)")
        return
    try:
        await _run_active(settings, lease, stop)
    finally:
        await lease.release()


async def _run_active(settings: Settings, lease: Lease, stop: asyncio.Event) -> None:
    with database_phase(settings.database_url):
        engine = make_engine(settings.database_url)
    try:
        with database_phase(settings.database_url):
            await migrate.upgrade(engine, commission_rate=settings.commission_rate)
        log.info("Database at head; this instance is the active one")
        bot = VentasOpsBot(settings, engine, make_sessionmaker(engine), hubspot=build_hubspot(settings))
        watcher = asyncio.create_task(_watch_lease(lease, stop))
        try:
            await _run(bot, settings, stop)
        finally:
            watcher.cancel()
    finally:
        await engine.dispose()
        blocking.shutdown()


async def _run(bot: VentasOpsBot, settings: Settings, stop: asyncio.Event) -> None:
    health = None
    async with bot:
        runner = asyncio.create_task(bot.start(settings.discord_token.get_secret_value()))
        stopper = asyncio.create_task(stop.wait())
        ready = asyncio.create_task(bot.wait_until_ready())
        try:
            done, _ = await asyncio.wait({runner, stopper, ready}, return_when=asyncio.FIRST_COMPLETED)
            if ready in done and not runner.done() and stopper not in done:
                problem = server_problems(bot)
                if problem:
                    await bot.close()
                    await asyncio.gather(runner, return_exceptions=True)
                    raise StartupError(problem, EXIT_CONFIG)
                if settings.health_port:
                    # lazy: the health server's aiohttp.web and queries only when HEALTH_PORT is set
                    from bot.healthz import start_health_server

                    health = await start_health_server(bot, settings.health_port)
                log.info("Ready: guild «%s», channel #%s", bot.guild.name if bot.guild else "?", settings.sales_channel)
                await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if stopper.done() and not runner.done():
                log.info("Stopping")
                await bot.close()
            try:
                await runner
            except Exception as exc:
                classified = discord_error(exc, settings.discord_guild_id)
                if classified is None:
                    raise
                raise classified from exc
        finally:
            for t in (stopper, ready):
                t.cancel()
            if health is not None:
                await health.cleanup()
