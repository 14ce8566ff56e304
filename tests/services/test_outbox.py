from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.services import outbox as ob
from db.models import OutboxMessage

NOW = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)


async def test_enqueue_is_idempotent_per_key(sessionmaker):
    async with sessionmaker() as s:
        a = await ob.enqueue(s, "export:2026-11-22", content="hola", now=NOW)
        await s.commit()
    async with sessionmaker() as s:
        b = await ob.enqueue(s, "export:2026-11-22", content="otra vez", now=NOW)
        await s.commit()
        count = (await s.execute(select(func.count()).select_from(OutboxMessage))).scalar_one()
    assert a.id == b.id and count == 1
    assert b.payload["content"] == "hola"


async def test_due_respects_next_attempt_and_status(sessionmaker):
    async with sessionmaker() as s:
        await ob.enqueue(s, "a", content="a", now=NOW)
        later = await ob.enqueue(s, "b", content="b", now=NOW)
        later.next_attempt_at = NOW + timedelta(minutes=5)
        sent = await ob.enqueue(s, "c", content="c", now=NOW)
        sent.status = "enviado"
        await s.commit()
    async with sessionmaker() as s:
        keys = [r.dedupe_key for r in await ob.due(s, NOW)]
        assert keys == ["a"]
        keys = [r.dedupe_key for r in await ob.due(s, NOW + timedelta(minutes=6))]
        assert keys == ["a", "b"]


def test_backoff_grows_and_is_capped():
    assert ob.backoff(1) == timedelta(seconds=5)
    assert ob.backoff(2) == timedelta(seconds=10)
    assert ob.backoff(30) == timedelta(seconds=900)


async def test_dm_and_channel_targets(sessionmaker):
    async with sessionmaker() as s:
        dm = await ob.enqueue(s, "dm:1", content="x", user_id=42)
        ch = await ob.enqueue(s, "ch:1", content="y", files=[ob.OutFile("/tmp/a.csv", "a.csv")])
        await s.commit()
    assert (dm.target, dm.target_id) == ("dm", 42)
    assert (ch.target, ch.target_id) == ("channel", ob.SALES_CHANNEL)
    assert ch.payload["files"] == [{"path": "/tmp/a.csv", "filename": "a.csv"}]
