"""Online SQLite backups (the sqlite3 backup API: consistent while the bot writes) with retention,
and restore. PostgreSQL deployments use pg_dump instead (see the README)."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

PREFIX = "ventas-ops-"
SUFFIX = ".db"


class BackupError(Exception):
    pass


def sqlite_path(database_url: str) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupError("online backups are for SQLite databases; use pg_dump for PostgreSQL")
    return Path(url.database).expanduser()


def backup_name(when: datetime) -> str:
    return f"{PREFIX}{when.strftime('%Y%m%d-%H%M%S')}{SUFFIX}"


def backup(database_url: str, dest_dir: Path, when: datetime, keep: int = 14) -> Path:
    """Copy the live database to ``dest_dir`` and prune all but the newest ``keep`` copies."""
    src_path = sqlite_path(database_url)
    if not src_path.exists():
        raise BackupError(f"database file not found: {src_path}")
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / backup_name(when)
    tmp = dest.with_suffix(".partial")
    src = sqlite3.connect(src_path)
    try:
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
            ok = dst.execute("PRAGMA integrity_check").fetchone()[0]
            if ok != "ok":
                raise BackupError(f"integrity check of the copy failed: {ok}")
        finally:
            dst.close()
    finally:
        src.close()
    tmp.replace(dest)
    prune(dest_dir, keep)
    return dest


def list_backups(dest_dir: Path) -> list[Path]:
    return sorted(p for p in dest_dir.glob(f"{PREFIX}*{SUFFIX}") if p.is_file())


def prune(dest_dir: Path, keep: int) -> list[Path]:
    files = list_backups(dest_dir)
    removed = files[: max(len(files) - keep, 0)]
    for p in removed:
        p.unlink()
    return removed


def restore(backup_file: Path, database_url: str) -> Path:
    """Replace the database with a backup (the bot must be stopped). The current file is kept
    next to it as ``*.before-restore`` so a wrong restore can be undone."""
    target = sqlite_path(database_url)
    if not backup_file.exists():
        raise BackupError(f"backup not found: {backup_file}")
    check = sqlite3.connect(backup_file)
    try:
        ok = check.execute("PRAGMA integrity_check").fetchone()[0]
        tables = {r[0] for r in check.execute("select name from sqlite_master where type='table'")}
    finally:
        check.close()
    if ok != "ok" or "alembic_version" not in tables:
        raise BackupError(f"{backup_file} is not a valid ventas-ops backup")
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        shutil.copy2(target, target.with_name(target.name + ".before-restore"))
    for extra in (target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
        extra.unlink(missing_ok=True)
    src = sqlite3.connect(backup_file)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    return target
