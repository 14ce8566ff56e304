"""One active instance per database: an exclusive lease taken before anything touches the database.

* SQLite: ``flock`` on a lock file next to the database (``ventas-ops.db.lock``, holding the
  holder's pid and host). The kernel releases it when the process dies, even by ``kill -9``.
* PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) on a dedicated connection;
  the server releases it when that connection ends (the process died or the network dropped).

The bot takes it at start (a second instance waits on standby and takes over when the lease is
free); ``ventas-ops db restore`` takes it too, so it refuses while a bot runs and no bot starts
while it restores.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

ADVISORY_KEY = 0x76656E746173  # "ventas": the same key for every process of this program


class Lease:
    """``await try_acquire()`` → True when this process now holds the lease; ``await release()``;
    ``await alive()`` → False when a held lease was lost (PostgreSQL connection gone)."""

    description: str

    async def try_acquire(self) -> bool:  # pragma: no cover - interface
        raise NotImplementedError

    async def alive(self) -> bool:
        return True

    async def release(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def holder(self) -> str:
        """Who holds it, when known (for messages)."""
        return ""


class FileLease(Lease):
    def __init__(self, path: Path) -> None:
        self.path = path
        self.description = str(path)
        self._fd: int | None = None

    async def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}@{socket.gethostname()}\n".encode())
        self._fd = fd
        return True

    async def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def holder(self) -> str:
        try:
            return self.path.read_text().strip()
        except OSError:
            return ""


class PostgresLease(Lease):
    def __init__(self, database_url: str) -> None:
        url = make_url(database_url)
        self._dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.description = url.render_as_string(hide_password=True)
        self._conn: Any = None

    async def try_acquire(self) -> bool:
        if self._conn is not None:
            return True
        import asyncpg  # only PostgreSQL deployments need the driver loaded

        conn = await asyncpg.connect(self._dsn)
        try:
            got = await conn.fetchval("SELECT pg_try_advisory_lock($1)", ADVISORY_KEY)
        except BaseException:
            await conn.close()
            raise
        if not got:
            await conn.close()
            return False
        self._conn = conn
        return True

    async def alive(self) -> bool:
        if self._conn is None:
            return False
        try:
            return bool(await self._conn.fetchval("SELECT 1") == 1)
        except Exception:  # noqa: BLE001 - any failure means the lease can no longer be trusted
            return False

    async def release(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.execute("SELECT pg_advisory_unlock($1)", ADVISORY_KEY)
            with contextlib.suppress(Exception):
                await self._conn.close()
            self._conn = None


def lease_for(database_url: str) -> Lease:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise ValueError("an in-memory SQLite database cannot be shared by processes")
        db = Path(url.database).expanduser()
        return FileLease(db.with_name(db.name + ".lock"))
    return PostgresLease(database_url)
