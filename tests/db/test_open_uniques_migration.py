"""Migration 0002 (one open access request per person, one open billing request per deal and kind, one
open renewal intent per KAM and client): it refuses a database that already holds two open rows of one
kind with one Spanish line naming them — nothing changed — and upgrades a clean one, where the database
itself then refuses a second open intent."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from db import migrate
from db.engine import make_engine

BEFORE = "0001"
NOW = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
async def old_engine(database_url):
    """A database at the revision before, as a bot of that version left it."""
    eng = make_engine(database_url)
    await migrate.upgrade(eng, BEFORE)
    yield eng
    await eng.dispose()


async def add_intents(eng, rows: list[tuple[int, str]]) -> None:
    """Two KAMs, two clients, then one intent per (member id, status) of ``rows`` on client 1."""
    async with eng.begin() as conn:
        for i in (1, 2):
            await conn.execute(text(
                "INSERT INTO members (id, discord_id, name, job_role, active, created_at, updated_at) "
                "VALUES (:i, :d, :n, 'kam', true, :t, :t)"), {"i": i, "d": 1000 + i, "n": f"KAM {i}", "t": NOW})
            await conn.execute(text(
                "INSERT INTO clients (id, name, name_key, active, created_at, updated_at) "
                "VALUES (:i, :n, :k, true, :t, :t)"), {"i": i, "n": f"Cliente {i}", "k": f"cliente {i}", "t": NOW})
        for member_id, status in rows:
            await insert_intent(conn, member_id, status)


async def insert_intent(conn, member_id: int, status: str) -> None:
    await conn.execute(text(
        "INSERT INTO renewal_intents (member_id, client_id, delivery_date, deadline, status, blocked, created_at, "
        "updated_at) VALUES (:m, 1, :d, :dl, :s, false, :t, :t)"),
        {"m": member_id, "d": date(2026, 11, 20), "dl": date(2026, 11, 25), "s": status, "t": NOW})


def intent_indexes(sync_conn) -> set[str]:
    return {ix["name"] for ix in inspect(sync_conn).get_indexes("renewal_intents")}


async def test_refuses_a_database_with_two_open_intents_of_one_kam_and_client(old_engine):
    # 1 and 3: the same KAM and client, both open; 2 is another KAM's; 4 is closed
    await add_intents(old_engine, [(1, "abierta"), (2, "abierta"), (1, "abierta"), (1, "cerrada")])
    with pytest.raises(migrate.MigrationRefused) as refused:
        await migrate.upgrade(old_engine)
    line = str(refused.value)
    assert "\n" not in line
    assert "intenciones de renovación abiertas #1 y #3" in line, line
    assert "#2" not in line and "#4" not in line
    assert "la base no se modificó" in line
    assert await migrate.current(old_engine) == (BEFORE,)
    async with old_engine.connect() as conn:
        assert "uq_renewal_intents_one_open" not in await conn.run_sync(intent_indexes)
        assert (await conn.execute(text("SELECT count(*) FROM renewal_intents"))).scalar_one() == 4


async def test_upgrades_a_clean_database_and_the_index_refuses_a_second_open_intent(old_engine):
    await add_intents(old_engine, [(1, "abierta"), (2, "abierta"), (1, "cerrada"), (1, "vencida")])
    await migrate.upgrade(old_engine)
    async with old_engine.connect() as conn:
        assert "uq_renewal_intents_one_open" in await conn.run_sync(intent_indexes)
    with pytest.raises(IntegrityError):
        async with old_engine.begin() as conn:
            await insert_intent(conn, 1, "abierta")
    async with old_engine.begin() as conn:  # closed ones may repeat
        await insert_intent(conn, 1, "liberada")
