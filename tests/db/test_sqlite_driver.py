"""The SQLite driver under the async engine (db/sqlite_driver.py): one thread round trip per
statement, and the same answers as aiosqlite's own cursor (rows, row counts, errors, transactions)."""

from __future__ import annotations

from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import IntegrityError

from db import migrate
from db.engine import make_engine, make_sessionmaker
from db.models import Member
from tests.conftest import sqlite_only

pytestmark = sqlite_only


@pytest.fixture
async def engine(tmp_path: Path):
    eng = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'd.db'}")
    await migrate.upgrade(eng)
    yield eng
    await eng.dispose()


def count_trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every call that crosses to a connection's thread (aiosqlite's single entry point)."""
    trips: list[str] = []
    real = aiosqlite.Connection._execute

    async def counted(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        trips.append(getattr(fn, "__name__", repr(fn)))
        return await real(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return trips


async def test_a_select_is_one_round_trip(engine, monkeypatch: pytest.MonkeyPatch) -> None:
    sm = make_sessionmaker(engine)
    async with sm() as s:
        await s.execute(text("SELECT 1"))  # connection checked out, pragmas set
        trips = count_trips(monkeypatch)
        rows = (await s.execute(select(Member.id, Member.name).order_by(Member.id))).all()
        assert rows == []
        assert len(trips) == 1  # aiosqlite's cursor: cursor(), execute(), fetchall(), close() = 4
        await s.execute(insert(Member).values(discord_id=7, name="Ana", active=True))
        assert len(trips) == 2


async def test_rows_rowcount_ids_and_transactions_are_the_drivers(engine) -> None:
    sm = make_sessionmaker(engine)
    async with sm() as s:
        s.add_all([Member(discord_id=i, name=f"M{i}", active=True) for i in (1, 2, 3)])
        await s.flush()  # executemany / RETURNING through the one-trip cursor
        ids = [m.id for m in (await s.execute(select(Member).order_by(Member.discord_id))).scalars()]
        assert len(ids) == 3 and all(ids)
        res = await s.execute(update(Member).where(Member.discord_id >= 2).values(name="X"))
        assert res.rowcount == 2
        await s.commit()
    async with sm() as s:
        await s.execute(update(Member).values(name="rolled back"))
        await s.rollback()
        names = (await s.execute(select(Member.name).order_by(Member.discord_id))).scalars().all()
        assert names == ["M1", "X", "X"]
        first = (await s.execute(select(Member.discord_id).order_by(Member.discord_id))).first()
        assert first == (1,)


async def test_constraint_errors_keep_their_type(engine) -> None:
    sm = make_sessionmaker(engine)
    async with sm() as s:
        s.add(Member(discord_id=5, name="A", active=True))
        await s.commit()
    async with sm() as s:
        s.add(Member(discord_id=5, name="B", active=True))
        with pytest.raises(IntegrityError):
            await s.commit()
