"""Start-up: settings → logging → database (migrated to head) → bot."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from bot.app import VentasOpsBot
from bot.config import Settings
from bot.discord_api import apply_api_base
from bot.lease import Lease, lease_for
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
        advance_date_property=settings.hubspot_advance_date_property,
        services_property=settings.hubspot_company_services_property or None,
    )


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
    setup_logging(settings.log_level, secrets)
    apply_api_base(settings.discord_api_base)
    settings.data_dir.mkdir(parents=True, exist_ok=True)

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass

    lease = lease_for(settings.database_url)
    if not await wait_for_lease(lease, stop):
        log.info("Stopping (standby)")
        return
    try:
        await _run_active(settings, lease, stop)
    finally:
        await lease.release()


async def _run_active(settings: Settings, lease: Lease, stop: asyncio.Event) -> None:
    engine = make_engine(settings.database_url)
    await migrate.upgrade(engine)
    log.info("Database at head; this instance is the active one")
    bot = VentasOpsBot(settings, engine, make_sessionmaker(engine), hubspot=build_hubspot(settings))

    watcher = asyncio.create_task(_watch_lease(lease, stop))
    async with bot:
        runner = asyncio.create_task(bot.start(settings.discord_token.get_secret_value()))
        stopper = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if stopper in done:
            log.info("Stopping")
            await bot.close()
        stopper.cancel()
        watcher.cancel()
        if runner.done():
            runner.result()
        else:
            await runner
    await engine.dispose()
