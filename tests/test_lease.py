"""The database lease: one holder at a time, free again on release (and on process death, which the
subprocess tests in tests/e2e/platform/test_failover.py exercise with kill -9)."""

from __future__ import annotations

import asyncio

from bot.lease import FileLease, PostgresLease, lease_for
from bot.runner import wait_for_lease
from tests.conftest import on_postgres


async def test_one_holder_at_a_time(database_url):
    first, second = lease_for(database_url), lease_for(database_url)
    assert isinstance(first, PostgresLease if on_postgres() else FileLease)
    assert await first.try_acquire()
    try:
        assert await first.try_acquire()  # idempotent for the holder
        assert not await second.try_acquire()
        assert await first.alive()
        if isinstance(first, FileLease):
            assert first.holder().split("@")[0].isdigit()
    finally:
        await first.release()
    assert await second.try_acquire()
    await second.release()


async def test_standby_waits_and_takes_over_or_stops(database_url, monkeypatch):
    monkeypatch.setattr("bot.runner.LEASE_POLL_SECONDS", 0.05)
    active, standby = lease_for(database_url), lease_for(database_url)
    assert await active.try_acquire()
    stop = asyncio.Event()
    waiting = asyncio.create_task(wait_for_lease(standby, stop))
    await asyncio.sleep(0.3)
    assert not waiting.done()  # on standby while the active one holds it
    await active.release()
    assert await asyncio.wait_for(waiting, 10) is True
    await standby.release()

    assert await active.try_acquire()
    stop = asyncio.Event()
    waiting = asyncio.create_task(wait_for_lease(standby, stop))
    await asyncio.sleep(0.1)
    stop.set()  # SIGTERM on standby
    assert await asyncio.wait_for(waiting, 10) is False
    await active.release()
