"""SQLite for the async engine in one thread round trip per statement.

aiosqlite runs each sqlite3 call on the connection's own thread, and SQLAlchemy's aiosqlite adapter
makes one call per DB-API step: a statement is ``cursor()``, ``execute()``, ``fetchall()`` and
``close()``, four trips to that thread and back through the event loop (each a queue hand-off, a
GIL switch and a loop wake-up), and the trips, not SQLite, were most of what a statement cost. Here
the cursor does the four steps in one trip and answers ``description``, ``fetchall()`` and
``close()`` from what it brought back. Everything else (the thread, commit, rollback, close,
exceptions) is aiosqlite's, and the results are the same rows in the same order.

All rows are fetched at ``execute()``: there are no server-side cursors (the bot does not stream
from SQLite). :func:`make_dbapi` is handed to ``create_async_engine(module=...)`` by
:func:`db.engine.make_engine`.
"""

from __future__ import annotations

import sqlite3
import types
from collections.abc import Iterable, Sequence
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_dbapi


def _run(conn: sqlite3.Connection, many: bool, sql: str, parameters: Any) -> tuple[Any, list[Any], int, int | None]:
    """On the connection's thread: the whole statement, and what the cursor knows after it."""
    cur = conn.cursor()
    try:
        if many:
            cur.executemany(sql, parameters)
        elif parameters is None:
            cur.execute(sql)
        else:
            cur.execute(sql, parameters)
        description = cur.description
        rows = cur.fetchall() if description else []
        return description, rows, cur.rowcount, cur.lastrowid
    finally:
        cur.close()


class OneTripCursor:
    """The part of aiosqlite's ``Cursor`` SQLAlchemy uses, one thread round trip per statement."""

    arraysize = 1

    def __init__(self, connection: OneTripConnection) -> None:
        self._connection = connection
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self._rows: list[Any] = []

    async def __aenter__(self) -> OneTripCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._rows = []

    async def _go(self, many: bool, sql: str, parameters: Any) -> OneTripCursor:
        conn = self._connection
        # aiosqlite's private _execute has no annotations
        self.description, self._rows, self.rowcount, self.lastrowid = await conn._execute(  # type: ignore[no-untyped-call]
            _run, conn._conn, many, sql, parameters
        )
        return self

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> OneTripCursor:
        return await self._go(False, sql, parameters)

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> OneTripCursor:
        return await self._go(True, sql, parameters)

    async def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows, []
        return rows

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        n = self.arraysize if size is None else size
        rows, self._rows = self._rows[:n], self._rows[n:]
        return rows

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def close(self) -> None:
        self._rows = []


class OneTripConnection(aiosqlite.Connection):
    def cursor(self) -> OneTripCursor:  # type: ignore[override]
        return OneTripCursor(self)


def connect(database: str, *, iter_chunk_size: int = 64, **kwargs: Any) -> OneTripConnection:
    """``aiosqlite.connect`` with :class:`OneTripConnection` (same arguments)."""

    def connector() -> sqlite3.Connection:
        conn: sqlite3.Connection = sqlite3.connect(str(database), **kwargs)
        return conn

    return OneTripConnection(connector, iter_chunk_size)


def make_dbapi() -> AsyncAdapt_aiosqlite_dbapi:
    """SQLAlchemy's aiosqlite adapter around aiosqlite with :func:`connect` in place of its own."""
    module = types.ModuleType("aiosqlite_one_trip")
    module.__dict__.update(vars(aiosqlite))
    module.connect = connect  # type: ignore[attr-defined]
    return AsyncAdapt_aiosqlite_dbapi(module, sqlite3)
