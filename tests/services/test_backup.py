from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from bot.services import backup as bk
from db.models import Member
from tests.conftest import sqlite_only


@sqlite_only
async def test_backup_prune_and_restore(settings, sessionmaker, tmp_path):
    async with sessionmaker() as s:
        s.add(Member(discord_id=1, name="Antes del respaldo"))
        await s.commit()
    when = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    dest = tmp_path / "backups"
    paths = [bk.backup(settings.database_url, dest, when + timedelta(days=i), keep=3) for i in range(5)]
    assert bk.list_backups(dest) == paths[-3:]  # retention keeps the newest three

    # a change after the backup is undone by restoring it
    async with sessionmaker() as s:
        s.add(Member(discord_id=2, name="Después"))
        await s.commit()
    await sessionmaker.kw["bind"].dispose()
    target = bk.restore(paths[-1], settings.database_url)
    names = [r[0] for r in sqlite3.connect(target).execute("select name from members order by id")]
    assert names == ["Antes del respaldo"]
    assert target.with_name(target.name + ".before-restore").exists()


def test_restore_refuses_non_backups(settings, tmp_path):
    junk = tmp_path / "junk.db"
    sqlite3.connect(junk).execute("create table x (a)").connection.commit()
    with pytest.raises(bk.BackupError):
        bk.restore(junk, settings.database_url)
    with pytest.raises(bk.BackupError):
        bk.backup("postgresql+asyncpg://u:p@h/db", tmp_path, datetime.now(UTC))
