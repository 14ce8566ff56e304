"""Start-up: settings → logging → database (migrated to head) → bot."""

from __future__ import annotations

import asyncio
import logging
import signal

from bot import blocking
from bot.app import VentasOpsBot
from bot.config import Settings
from bot.discord_api import apply_api_base
from bot.logging_setup import setup_logging
from db import migrate
from db.engine import make_engine, make_sessionmaker

log = logging.getLogger(__name__)


def build_hubspot(settings: Settings):  # noqa: ANN201 - optional component
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


async def run_bot(settings: Settings) -> None:
    secrets = [settings.discord_token.get_secret_value()]
    if settings.hubspot_access_token:
        secrets.append(settings.hubspot_access_token.get_secret_value())
    setup_logging(settings.log_level, secrets)
    apply_api_base(settings.discord_api_base)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    await migrate.upgrade(engine)
    log.info("Database at head")
    bot = VentasOpsBot(settings, engine, make_sessionmaker(engine), hubspot=build_hubspot(settings))

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass

    async with bot:
        runner = asyncio.create_task(bot.start(settings.discord_token.get_secret_value()))
        stopper = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if stopper in done:
            log.info("Stopping")
            await bot.close()
        stopper.cancel()
        if runner.done():
            runner.result()
        else:
            await runner
    await engine.dispose()
    blocking.shutdown()
