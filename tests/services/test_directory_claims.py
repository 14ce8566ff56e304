"""One directory writer at a time across processes: imports (bot and CLI) and HubSpot syncs hold the
``directorio`` claim in the database, not a lock in memory. Each caller here has its own engine on the
same database, as two processes would; a second writer waits, then gets the Spanish refusal; a claim
whose holder died is retaken once it expires."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.cli_tasks import clientes_importar_task
from bot.services import directory_sync as ds
from bot.texts import directory as T
from db import claims
from db.engine import make_engine, make_sessionmaker
from db.models import Claim, Client
from tests.services.test_directory_import import GOOD

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


@pytest.fixture
async def other_process(settings):
    """A second engine and sessionmaker on the same database: what another process would have."""
    engine = make_engine(settings.database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def held(sessionmaker) -> list[Claim]:
    async with sessionmaker() as s:
        return list((await s.execute(select(Claim))).scalars())


async def test_second_writer_refused_in_spanish_while_the_first_holds_the_directory(sessionmaker, other_process):
    entered = asyncio.Event()
    leave = asyncio.Event()

    async def first() -> None:
        async with ds.directory_writes(sessionmaker, "importacion", now=NOW, wait=0):
            entered.set()
            await leave.wait()

    task = asyncio.create_task(first())
    await entered.wait()
    with pytest.raises(ds.DirectoryBusy) as refused:
        async with ds.directory_writes(other_process, "sincronizacion", now=NOW, wait=0.3):
            pytest.fail("two directory writers at once")
    assert str(refused.value) == T.DIRECTORY_BUSY
    assert "importación o sincronización" in str(refused.value)
    # a sync (the daily job, /admin clientes sincronizar) is refused the same way, before reading HubSpot
    with pytest.raises(ds.DirectoryBusy):
        await ds.sync_once(other_process, None, None, now=NOW, wait=0)  # type: ignore[arg-type]
    leave.set()
    await task
    assert await held(sessionmaker) == []  # released


async def test_second_writer_waits_for_the_first_to_finish(sessionmaker, other_process):
    order: list[str] = []
    entered = asyncio.Event()

    async def first() -> None:
        async with ds.directory_writes(sessionmaker, "importacion", now=NOW, wait=0):
            entered.set()
            order.append("first in")
            await asyncio.sleep(0.4)
            order.append("first out")

    task = asyncio.create_task(first())
    await entered.wait()
    async with ds.directory_writes(other_process, "sincronizacion", now=NOW, wait=5):
        order.append("second in")
    await task
    assert order == ["first in", "first out", "second in"]


async def test_many_writers_at_once_never_overlap(sessionmaker, other_process):
    inside = 0
    most = 0

    async def writer(maker) -> None:
        nonlocal inside, most
        async with ds.directory_writes(maker, "x", now=NOW, wait=10):
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.05)
            inside -= 1

    await asyncio.gather(*(writer(m) for m in [sessionmaker, other_process] * 3))
    assert most == 1


async def test_an_expired_claim_is_retaken_and_the_dead_holder_cannot_release_it(sessionmaker, other_process):
    async with sessionmaker() as s:  # a process died holding the directory
        s.add(Claim(name=ds.CLAIM, holder="otra-maquina:4242:importacion:dead", taken_at=NOW - ds.CLAIM_TTL,
                    expires_at=NOW - timedelta(seconds=1)))
        await s.commit()
    async with ds.directory_writes(other_process, "sincronizacion", now=NOW, wait=0):
        [claim] = await held(sessionmaker)
        assert ":sincronizacion:" in claim.holder
        assert NOW + ds.CLAIM_TTL <= claim.expires_at < NOW + ds.CLAIM_TTL + timedelta(seconds=5)
        await claims.release(sessionmaker, ds.CLAIM, "otra-maquina:4242:importacion:dead")  # the old holder, late
        assert [c.holder for c in await held(sessionmaker)] == [claim.holder]  # still ours
    assert await held(sessionmaker) == []


async def test_a_live_claim_is_not_retaken(sessionmaker):
    assert await claims.try_take(sessionmaker, "directorio", "a", now=NOW, ttl=timedelta(minutes=30))
    assert not await claims.try_take(sessionmaker, "directorio", "b", now=NOW + timedelta(minutes=29), ttl=timedelta(minutes=30))
    assert await claims.try_take(sessionmaker, "directorio", "b", now=NOW + timedelta(minutes=30), ttl=timedelta(minutes=30))
    assert [c.holder for c in await held(sessionmaker)] == ["b"]


async def test_cli_import_refused_while_the_bot_writes_the_directory(sessionmaker, settings, tmp_path, monkeypatch):
    """``ventas-ops clientes importar --aplicar`` is another process: it waits for the claim, then refuses."""
    monkeypatch.setattr(ds, "WAIT_SECONDS", 0.2)
    path = tmp_path / "clientes.csv"
    path.write_text(GOOD, encoding="utf-8")
    async with ds.directory_writes(sessionmaker, "sincronizacion", now=datetime.now(UTC), wait=0):
        with pytest.raises(ds.DirectoryBusy):
            await clientes_importar_task(settings, GOOD.encode(), path, True)
        # the preview (no --aplicar) writes nothing and needs no claim
        assert await clientes_importar_task(settings, GOOD.encode(), path, False) == 0
    async with sessionmaker() as s:
        assert list((await s.execute(select(Client))).scalars()) == []
    assert await clientes_importar_task(settings, GOOD.encode(), path, True) == 0
    async with sessionmaker() as s:
        assert len(list((await s.execute(select(Client))).scalars())) == 2
    assert await held(sessionmaker) == []


async def test_the_daily_sync_finding_the_directory_busy_logs_one_line_and_is_not_marked_done(
    sessionmaker, other_process, settings, monkeypatch, caplog
):
    import functools
    import logging
    from types import SimpleNamespace

    from bot import scheduler
    from bot.clock import ManualClock

    monkeypatch.setattr(scheduler, "sync_once", functools.partial(ds.sync_once, wait=0))
    bot = SimpleNamespace(hubspot=object(), clock=ManualClock(NOW), settings=settings, sessionmaker=other_process)
    entered, leave = asyncio.Event(), asyncio.Event()

    async def importing() -> None:
        async with ds.directory_writes(sessionmaker, "importacion", now=NOW, wait=0):
            entered.set()
            await leave.wait()

    task = asyncio.create_task(importing())
    await entered.wait()
    with caplog.at_level(logging.INFO, logger="bot.scheduler"):
        await scheduler.directory_sync_job(bot)
    leave.set()
    await task
    records = [r for r in caplog.records if r.name == "bot.scheduler"]
    assert [r.levelno for r in records] == [logging.INFO] and records[0].exc_info is None
    assert "busy" in records[0].getMessage()
    assert not await scheduler.job_done(bot, "directorio-hubspot", NOW.astimezone(settings.tz).date().isoformat())
