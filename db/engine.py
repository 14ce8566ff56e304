"""Engine and session factory. Built by the caller (never at import time) and injected."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, Result, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from db import sqlite_driver

SQLITE_BUSY_TIMEOUT_MS = 30_000


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


URL_EXAMPLES = "sqlite+aiosqlite:///data/ventas-ops.db o postgresql://usuario:clave@servidor:5432/ventas_ops"


def normalize_url(url: str, root: Path | None = None) -> str:
    """The URL the async engine needs, or ``ValueError`` (Spanish, one line).

    ``postgres://`` and ``postgresql://`` (what hosting providers hand out) become ``postgresql+asyncpg://``
    and their ``sslmode`` becomes asyncpg's ``ssl``; ``sqlite:///`` becomes ``sqlite+aiosqlite:///``; a
    relative SQLite path is resolved against ``root`` (the home), never against the current folder.
    """
    raw = (url or "").strip()
    for plain in ("postgres://", "postgresql://"):
        if raw.startswith(plain):
            raw = "postgresql+asyncpg://" + raw[len(plain):]
    if raw.startswith("sqlite://"):
        raw = "sqlite+aiosqlite://" + raw[len("sqlite://"):]
    try:
        u = make_url(raw)
    except ArgumentError:
        raise ValueError(f"no es una URL de base de datos; use por ejemplo {URL_EXAMPLES}") from None
    backend, driver = u.get_backend_name(), u.get_driver_name()
    if (backend, driver) not in {("sqlite", "aiosqlite"), ("postgresql", "asyncpg")}:
        raise ValueError(f"solo se admiten SQLite y PostgreSQL, por ejemplo {URL_EXAMPLES}")
    if backend == "postgresql":
        if not u.database:
            raise ValueError("falta el nombre de la base de datos al final de la URL (…/ventas_ops)")
        if "sslmode" in u.query:
            query = dict(u.query)
            query.setdefault("ssl", query.pop("sslmode"))
            u = u.set(query=query)
    elif root is not None and u.database and u.database != ":memory:" and not Path(u.database).expanduser().is_absolute():
        u = u.set(database=str(root / u.database))
    return u.render_as_string(hide_password=False)


def ensure_sqlite_dir(url: str) -> None:
    u = make_url(url)
    if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:":
        Path(u.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def make_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    ensure_sqlite_dir(url)
    kwargs: dict[str, Any] = {"echo": echo}
    if make_url(url).get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        kwargs["module"] = sqlite_driver.make_dbapi()  # one thread round trip per statement, not four
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def rowcount(result: Result[*tuple[Any, ...]]) -> int:
    """The rows an UPDATE or DELETE run through ``AsyncSession.execute`` matched. The session types every
    result as a plain ``Result``; for such a statement it is a ``CursorResult``, which has ``rowcount``."""
    return cast("CursorResult[*tuple[Any, ...]]", result).rowcount
