"""Start-up: settings → logging → database (migrated to head) → bot → the server checked.

Every start-up failure is raised as :class:`bot.startup.StartupError` (one line, exit code 2 or 3)."""

from __future__ import annotations

import asyncio
import logging
import signal

from bot import blocking
from bot.app import VentasOpsBot
from bot.config import OfflineSettings, Settings
from bot.discord_api import apply_api_base
from bot.guild_check import check_guild, failures
from bot.logging_setup import setup_logging
from bot.startup import EXIT_CONFIG, StartupError, database_phase, discord_error
from db import migrate
from db.engine import make_engine, make_sessionmaker

log = logging.getLogger(__name__)


def build_hubspot(settings: OfflineSettings):  # noqa: ANN201 - optional component
    if not settings.hubspot_enabled:
        return None
    from bot.hubspot.gateway import HubSpotGateway

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


async def run_bot(settings: Settings) -> None:
    secrets = [settings.discord_token.get_secret_value()]
    if settings.hubspot_access_token:
        secrets.append(settings.hubspot_access_token.get_secret_value())
    setup_logging(settings.log_level, secrets, fmt=settings.log_format)
    apply_api_base(settings.discord_api_base)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with database_phase(settings.database_url):
        engine = make_engine(settings.database_url)
    try:
        with database_phase(settings.database_url):
            await migrate.upgrade(engine)
        log.info("Database at head")
        bot = VentasOpsBot(settings, engine, make_sessionmaker(engine), hubspot=build_hubspot(settings))
        await _run(bot, settings)
    finally:
        await engine.dispose()
        blocking.shutdown()


async def _run(bot: VentasOpsBot, settings: Settings) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass

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
                    from bot.healthz import start_health_server  # only when HEALTH_PORT is set

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
