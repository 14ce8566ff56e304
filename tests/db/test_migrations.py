"""The migrations are the only source of the schema: they must agree with the models."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text

from db import migrate
from db.engine import make_engine
from db.models import AuditLog, Base, Member
from tests.conftest import sqlite_only


def _diff(sync_conn):
    ctx = MigrationContext.configure(sync_conn, opts={"compare_type": True})
    return compare_metadata(ctx, Base.metadata)


async def test_models_and_migrations_agree(engine):
    async with engine.connect() as conn:
        diff = await conn.run_sync(_diff)
    assert diff == []


async def test_upgrade_downgrade_upgrade_on_empty_database(tmp_path):
    eng = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'cycle.db'}")
    try:
        await migrate.upgrade(eng)
        async with eng.connect() as conn:
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        assert {t.name for t in Base.metadata.sorted_tables} <= tables
        await migrate.downgrade(eng, "base")
        async with eng.connect() as conn:
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        assert tables <= {"alembic_version"}
        await migrate.upgrade(eng)
        async with eng.connect() as conn:
            assert (await conn.execute(text("select count(*) from members"))).scalar_one() == 0
            diff = await conn.run_sync(_diff)
        assert diff == []
    finally:
        await eng.dispose()


@sqlite_only
async def test_sqlite_pragmas(engine):
    async with engine.connect() as conn:
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar_one() == "wal"
        assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar_one() == 1
        assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar_one() >= 5000


async def test_datetimes_come_back_aware_utc(sessionmaker):
    bogota = timezone(timedelta(hours=-5))
    when = datetime(2026, 11, 21, 23, 30, tzinfo=bogota)
    async with sessionmaker() as s:
        s.add(AuditLog(at=when, action="prueba", entity_type="x"))
        await s.commit()
    async with sessionmaker() as s:
        row = (await s.execute(select(AuditLog))).scalar_one()
    assert row.at.tzinfo is not None and row.at.utcoffset() == timedelta(0)
    assert row.at == when and row.at == datetime(2026, 11, 22, 4, 30, tzinfo=UTC)


async def test_naive_datetime_refused(sessionmaker):
    from sqlalchemy.exc import StatementError

    async with sessionmaker() as s:
        s.add(AuditLog(at=datetime(2026, 1, 1), action="x", entity_type="x"))
        with pytest.raises(StatementError):
            await s.commit()


async def test_foreign_keys_enforced(sessionmaker):
    from sqlalchemy.exc import IntegrityError

    from db.models import ClientAssignment

    async with sessionmaker() as s:
        s.add(ClientAssignment(client_id=999, member_id=999))
        with pytest.raises(IntegrityError):
            await s.commit()


async def test_member_unique_discord_id(sessionmaker):
    from sqlalchemy.exc import IntegrityError

    async with sessionmaker() as s:
        s.add(Member(discord_id=1, name="A"))
        await s.commit()
    async with sessionmaker() as s:
        s.add(Member(discord_id=1, name="B"))
        with pytest.raises(IntegrityError):
            await s.commit()


async def test_deals_stored_before_the_rate_column_get_the_rate_in_force(database_url):
    """0004_i17b: existing deals are stamped with the COMMISSION_RATE of the process migrating."""
    from datetime import date
    from decimal import Decimal

    from sqlalchemy import column, table

    from db.engine import make_sessionmaker
    from db.models import Client

    eng = make_engine(database_url)
    try:
        await migrate.upgrade(eng, "0003_i22")
        async with make_sessionmaker(eng)() as s:
            ana, c = Member(discord_id=1, name="Ana"), Client(name="C", name_key="c")
            s.add_all([ana, c])
            await s.flush()
            old = {"member_id": ana.id, "client_id": c.id, "deal_type": "renovacion", "service": "web",
                   "total_value": 1000, "advance_amount": 500, "advance_date": date(2026, 11, 2),
                   "commission_estimate": 70, "status": "pendiente", "is_late": False, "hubspot_check": "desactivado",
                   "proof_status": "pendiente", "created_at": datetime(2026, 11, 2, tzinfo=UTC),
                   "updated_at": datetime(2026, 11, 2, tzinfo=UTC)}
            await s.execute(table("deals", *(column(k) for k in old)).insert().values(**old))
            await s.commit()
        await migrate.upgrade(eng, commission_rate=Decimal("0.07"))
        async with eng.connect() as conn:
            stored = (await conn.execute(text("select commission_rate from deals"))).scalar_one()
            assert Decimal(str(stored)) == Decimal("0.07")
            assert await conn.run_sync(_diff) == []
    finally:
        await eng.dispose()
