"""Run Alembic migrations programmatically (the only source of the schema)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


class MigrationRefused(Exception):
    """A migration that cannot apply to the data as it is (e.g. a unique index over duplicates): raised
    before it changes anything; ``str()`` is one Spanish line saying what is wrong and what to do."""


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _run(conn: Connection, action: str, revision: str, commission_rate: Decimal | None = None) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = conn
    if commission_rate is not None:  # 0004_i17b stamps it on the deals stored before it
        cfg.attributes["commission_rate"] = commission_rate
    if action == "upgrade":
        command.upgrade(cfg, revision)
    else:
        command.downgrade(cfg, revision)


async def upgrade(engine: AsyncEngine, revision: str = "heads", *, commission_rate: Decimal | None = None) -> None:
    """Migrate to ``revision``. ``commission_rate``: the COMMISSION_RATE setting, which the migration
    that stores each deal's rate writes on the deals registered before it (default 0.06)."""
    async with engine.begin() as conn:
        await conn.run_sync(_run, "upgrade", revision, commission_rate)


async def downgrade(engine: AsyncEngine, revision: str = "base") -> None:
    async with engine.begin() as conn:
        await conn.run_sync(_run, "downgrade", revision)


def _current(conn: Connection) -> tuple[str, ...]:
    return tuple(MigrationContext.configure(conn).get_current_heads())


async def current(engine: AsyncEngine) -> tuple[str, ...]:
    """The revisions the database is at (empty: never migrated)."""
    async with engine.connect() as conn:
        return await conn.run_sync(_current)


def history() -> list[tuple[str, str | None, str]]:
    """Every migration, newest first: (revision, down revision, description)."""
    script = ScriptDirectory.from_config(alembic_config())
    out = []
    for rev in script.walk_revisions():
        down = rev.down_revision if isinstance(rev.down_revision, str) or rev.down_revision is None \
            else ",".join(rev.down_revision)
        out.append((rev.revision, down, (rev.doc or "").strip()))
    return out
