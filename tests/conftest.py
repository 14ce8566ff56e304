"""Shared fixtures: settings without any .env, a migrated temporary SQLite database."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from db import migrate
from db.engine import make_engine, make_sessionmaker

GUILD_ID = 900000000000000001


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test reads the developer's .env or real tokens."""
    for key in list(os.environ):
        if key in {"DISCORD_TOKEN", "HUBSPOT_ACCESS_TOKEN", "DATABASE_URL", "DISCORD_API_BASE"} or key.startswith(
            ("ROLE_", "LINK_", "LEAD_", "COMMISSION_")
        ):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(tmp_path)
    yield


@pytest.fixture
def make_settings(tmp_path: Path):
    def factory(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "discord_token": "test-token-not-real",
            "discord_guild_id": GUILD_ID,
            "database_url": f"sqlite+aiosqlite:///{tmp_path / 'ventas-ops.db'}",
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
