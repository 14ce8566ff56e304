"""Shared fixtures: settings without any .env, a migrated temporary database.

The database is a fresh SQLite file per test; with ``VENTAS_TEST_POSTGRES_URL`` set (an admin URL of a
PostgreSQL server, see ``scripts/test-postgres.sh``) it is instead a fresh PostgreSQL database per test,
created before and dropped after it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from db import migrate
from db.engine import make_engine, make_sessionmaker
from tests import timetravel

GUILD_ID = 900000000000000001
POSTGRES_ENV = "VENTAS_TEST_POSTGRES_URL"


def _check_specs() -> None:
    """The fakes validate request bodies against the vendors' specs in ../shared: without them, stop
    the run with one line instead of failing every end-to-end test."""
    from tests.fakes.openapi_check import SHARED

    for name in ("discord-openapi/openapi.json", "hubspot-openapi/deals.json"):
        if not (SHARED / name).exists():
            pytest.exit(f"OpenAPI spec missing: {(SHARED / name).resolve()} (the Discord and HubSpot fakes "
                        "validate request bodies against ../shared beside the repository)", returncode=2)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--today", metavar="YYYY-MM-DD", default=None,
        help="run the suite as if today were this date, 10:00 in Bogotá (see tests/timetravel.py)",
    )


def pytest_configure(config: pytest.Config) -> None:
    if today := config.getoption("--today"):
        os.environ[timetravel.TODAY_ENV] = today
    timetravel.start()
    _check_specs()


def pytest_report_header(config: pytest.Config) -> str:
    return f"today (Bogotá): {timetravel.harness_today().astimezone(timetravel.BOGOTA):%Y-%m-%d %A}"


def on_postgres() -> bool:
    return bool(os.environ.get(POSTGRES_ENV))


sqlite_only = pytest.mark.skipif(
    on_postgres(), reason="exercises SQLite itself (file backups, WAL locking); the PostgreSQL run skips it"
)


@pytest.fixture
async def database_url(tmp_path: Path) -> AsyncIterator[str]:
    admin = os.environ.get(POSTGRES_ENV)
    if not admin:
        yield f"sqlite+aiosqlite:///{tmp_path / 'ventas-ops.db'}"
        return
    import asyncpg
    from sqlalchemy.engine import make_url

    url = make_url(admin)
    name = f"t_{uuid.uuid4().hex[:16]}"
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    yield url.set(database=name).render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test reads the developer's .env or real tokens."""
    for key in list(os.environ):
        if key in {"DISCORD_TOKEN", "HUBSPOT_ACCESS_TOKEN", "DATABASE_URL", "DISCORD_API_BASE"} or key.startswith(
            ("ROLE_", "LINK_", "LEAD_", "COMMISSION_")
        ):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("VENTAS_OPS_HOME", str(tmp_path))  # never the project's own .env
    for key in ("LOG_FORMAT", "HEALTH_PORT"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(tmp_path)
    yield


@pytest.fixture
def make_settings(tmp_path: Path, database_url: str):
    def factory(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "discord_token": "test-token-not-real",
            "discord_guild_id": GUILD_ID,
            "database_url": database_url,
            "data_dir": tmp_path / "data",
            "export_dir": tmp_path / "exports",
            "_env_file": None,
        }
        values.update(overrides)
        return Settings(**values)

    return factory


@pytest.fixture
def settings(make_settings) -> Settings:
    return make_settings()


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    eng = make_engine(settings.database_url)
    await migrate.upgrade(eng)
    yield eng
    await eng.dispose()


@pytest.fixture
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(engine)
