"""An outbox message is part of the transaction that queues it: rolled back with it, whatever was (or was
not) written before it in that transaction (a SAVEPOINT opened before any write made SQLite's driver
start, and its RELEASE commit, a transaction of its own)."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.services import outbox as ob
from db.models import OutboxMessage


async def _count(sessionmaker) -> int:
    async with sessionmaker() as s:
        return (await s.execute(select(func.count()).select_from(OutboxMessage))).scalar_one()


async def test_a_message_queued_as_the_first_write_is_rolled_back_with_its_transaction(sessionmaker):
    async with sessionmaker() as s:
        await ob.enqueue(s, "k:first-write", content="hola")
        await s.rollback()
    assert await _count(sessionmaker) == 0


async def test_two_messages_then_rollback_leave_nothing(sessionmaker):
    async with sessionmaker() as s:
        await ob.enqueue(s, "k:a", content="a")
        await ob.enqueue(s, "k:b", content="b", user_id=42)
        await s.rollback()
    assert await _count(sessionmaker) == 0


async def test_a_duplicate_key_inside_the_transaction_returns_the_first_and_commits_one(sessionmaker):
    async with sessionmaker() as s:
        first = await ob.enqueue(s, "k:dup", content="uno")
        again = await ob.enqueue(s, "k:dup", content="dos")
        assert again.id == first.id
        await s.commit()
    assert await _count(sessionmaker) == 1
