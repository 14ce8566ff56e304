"""Migration 0004_i26 (one lead per e-mail, phone and company key): it refuses a database that
already holds duplicate leads with one Spanish line naming them — nothing changed — and upgrades a
clean one, where the database itself then refuses a duplicate."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from db import migrate
from db.engine import make_engine, make_sessionmaker
from db.migrate import MigrationRefused
from db.models import Lead, Member
from tests.fakes.cli_process import run_cli
from tests.services.test_referrals import NOW

BEFORE = "0004_i17b"


def lead(referrer: Member, company_key: str, email: str | None = None, phone: str | None = None) -> Lead:
    return Lead(referrer_id=referrer.id, referrer_cedula="1020304050", contact_name="Laura Ríos",
                company=company_key.title(), company_key=company_key, email=email, phone=phone, service="web",
                status="nuevo", created_at=NOW, updated_at=NOW)


@pytest.fixture
async def old_engine(database_url):
    """A database at the revision before, as a bot of the previous version left it."""
    eng = make_engine(database_url)
    await migrate.upgrade(eng, BEFORE)
    yield eng
    await eng.dispose()


async def add_leads(eng, rows: list[tuple[str, str | None, str | None]]) -> None:
    async with make_sessionmaker(eng)() as s:
        ana = Member(discord_id=1001, name="Ana Gómez", active=True)
        s.add(ana)
        await s.flush()
        s.add_all([lead(ana, *row) for row in rows])
        await s.commit()


def lead_indexes(sync_conn) -> dict[str, bool]:
    return {ix["name"]: bool(ix["unique"]) for ix in inspect(sync_conn).get_indexes("leads")}


DUPLICATED = [
    ("ferreteria el tornillo", "laura@tornillo.co", None),  # 1
    ("otra", "laura@tornillo.co", "+573001234567"),  # 2: e-mail of 1
    ("persona natural", None, "+573001234567"),  # 3: phone of 2
    ("ferreteria el tornillo", None, None),  # 4: company of 1
    ("persona natural", None, None),  # 5: generic, not a duplicate
]


async def test_refuses_a_database_with_duplicate_leads_and_changes_nothing(old_engine):
    await add_leads(old_engine, DUPLICATED)
    async with old_engine.connect() as conn:
        before = await conn.run_sync(lead_indexes)
    with pytest.raises(MigrationRefused) as refused:
        await migrate.upgrade(old_engine)
    line = str(refused.value)
    assert "\n" not in line
    assert "#1 y #2 (el mismo correo)" in line
    assert "#1 y #4 (la misma empresa)" in line
    assert "#2 y #3 (el mismo teléfono)" in line
    assert "#5" not in line  # «persona natural» twice is no duplicate
    assert "la base no se modificó" in line
    assert await migrate.current(old_engine) == (BEFORE,)
    async with old_engine.connect() as conn:
        assert await conn.run_sync(lead_indexes) == before
        assert (await conn.execute(text("SELECT count(*) FROM leads"))).scalar_one() == 5


async def test_cli_upgrade_refuses_with_one_line_and_exit_2(old_engine, database_url, tmp_path):
    """As an operator meets it: ``ventas-ops db upgrade`` (the bot's start runs the same step)."""
    await add_leads(old_engine, DUPLICATED[:2])
    await old_engine.dispose()
    res = await run_cli(["db", "upgrade"], {"DATABASE_URL": database_url, "VENTAS_OPS_HOME": str(tmp_path)}, tmp_path)
    assert res.code == 2, res.output
    assert "Traceback" not in res.output
    [line] = res.error_lines()
    assert "leads repetidos" in line and "#1 y #2 (el mismo correo)" in line, line
    assert await migrate.current(old_engine) == (BEFORE,)


async def test_upgrades_a_clean_database_and_the_index_refuses_a_duplicate(old_engine):
    await add_leads(old_engine, [("ferreteria el tornillo", "laura@tornillo.co", None),
                                 ("persona natural", None, None), ("persona natural", None, None),
                                 ("otra", None, "+573001234567")])
    await migrate.upgrade(old_engine)
    async with old_engine.connect() as conn:
        indexes = await conn.run_sync(lead_indexes)
    assert {"uq_leads_email", "uq_leads_phone", "uq_leads_company_key"} <= {n for n, u in indexes.items() if u}
    for row in [("nueva", "laura@tornillo.co", None), ("nueva", None, "+573001234567"), ("ferreteria el tornillo", None, None)]:
        async with make_sessionmaker(old_engine)() as s:
            ana = await s.get(Member, 1)
            s.add(lead(ana, *row))
            with pytest.raises(IntegrityError):
                await s.commit()
    async with make_sessionmaker(old_engine)() as s:  # a third «persona natural» is fine
        s.add(lead(await s.get(Member, 1), "persona natural"))
        await s.commit()
    await migrate.downgrade(old_engine, BEFORE)
    async with old_engine.connect() as conn:
        assert {"ix_leads_email", "ix_leads_phone"} <= set(await conn.run_sync(lead_indexes))
    await migrate.upgrade(old_engine)
    assert await migrate.current(old_engine) == (migrate.history()[0][0],)  # the head
