"""Backup archives (database snapshot + DATA_DIR files + manifest), verification, retention and restore,
in-process (the operator's view, as subprocesses, is tests/e2e/platform/test_backup_restore.py)."""

from __future__ import annotations

import json
import tarfile
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.services import backup as bk
from db.models import Member
from tests.conftest import on_postgres, sqlite_only

WHEN = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture
def dirs(tmp_path):
    data, backups = tmp_path / "data", tmp_path / "otro-disco" / "respaldos"
    (data / "proofs" / "ab").mkdir(parents=True)
    (data / "proofs" / "ab" / "ab12.png").write_bytes(b"\x89PNG comprobante")
    (data / "billing").mkdir()
    (data / "billing" / "proforma.pdf").write_bytes(b"%PDF proforma")
    return data, backups


async def test_archive_holds_database_files_and_a_verified_manifest(settings, sessionmaker, dirs):
    data, backups = dirs
    async with sessionmaker() as s:
        s.add_all([Member(discord_id=1, name="Ana"), Member(discord_id=2, name="Luis")])
        await s.commit()
    result = bk.backup(settings.database_url, data, backups, WHEN, referenced=["proofs/ab/ab12.png", "proofs/zz/falta.png"])
    m = result.manifest
    assert result.path == backups / "ventas-ops-20261123-080000.tar.gz" and result.verified
    assert m["counts"]["members"] == 2 and m["revision"] and m["database"] == ("postgresql" if on_postgres() else "sqlite")
    assert sorted(m["files"]) == ["billing/proforma.pdf", "proofs/ab/ab12.png"]
    assert m["missing_files"] == ["proofs/zz/falta.png"]
    with tarfile.open(result.path) as tar:
        names = set(tar.getnames())
    assert {"manifest.json", "files/billing/proforma.pdf", "files/proofs/ab/ab12.png"} <= names
    assert not any("ventas-ops.db" in n or "respaldos" in n for n in names)  # neither the live db nor backups
    status = bk.last_backup(backups)
    assert status["ok"] and status["verified"] and status["rows"] == sum(m["counts"].values()) and status["files"] == 2


def test_a_damaged_archive_fails_verification(settings, dirs, tmp_path):
    data, backups = dirs
    bad = backups / "ventas-ops-20261123-090000.tar.gz"
    backups.mkdir(parents=True, exist_ok=True)
    manifest = {"format": bk.FORMAT, "database": "sqlite", "counts": {}, "files": {"a.txt": {"bytes": 1, "sha256": "0" * 64}},
                "snapshot": {"name": bk.SQLITE_MEMBER, "bytes": 0, "sha256": "0" * 64}, "missing_files": []}
    src = tmp_path / "m.json"
    src.write_text(json.dumps(manifest))
    with tarfile.open(bad, "w:gz") as tar:
        tar.add(src, arcname="manifest.json")
    with pytest.raises(bk.BackupError):
        bk.verify(bad)
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tar")
    with pytest.raises(bk.NotAnArchive):
        bk.verify(junk)
    with pytest.raises(bk.NotAnArchive):
        bk.verify(tmp_path / "missing.tar.gz")


@sqlite_only
async def test_retention_restore_and_everything_replaced_is_kept(settings, sessionmaker, dirs):
    data, backups = dirs
    async with sessionmaker() as s:
        s.add(Member(discord_id=1, name="Antes del respaldo"))
        await s.commit()
    paths = [bk.backup(settings.database_url, data, backups, WHEN + timedelta(days=i), keep=3).path for i in range(5)]
    assert bk.list_backups(backups) == paths[-3:]  # retention keeps the newest three

    async with sessionmaker() as s:
        s.add(Member(discord_id=2, name="Después"))
        await s.commit()
    (data / "billing" / "proforma.pdf").write_bytes(b"%PDF otra")
    (data / "proofs" / "ab" / "ab12.png").unlink()
    (data / "nuevo.txt").write_text("después del respaldo")
    await sessionmaker.kw["bind"].dispose()

    first = bk.restore(paths[-1], settings.database_url, data, backups, WHEN + timedelta(days=9))
    second = bk.restore(paths[-1], settings.database_url, data, backups, WHEN + timedelta(days=9))
    async with sessionmaker() as s:
        assert list((await s.execute(select(Member.name))).scalars()) == ["Antes del respaldo"]
    assert (data / "billing" / "proforma.pdf").read_bytes() == b"%PDF proforma"
    assert (data / "proofs" / "ab" / "ab12.png").read_bytes() == b"\x89PNG comprobante"
    assert (data / "nuevo.txt").exists()  # nothing is deleted
    kept_db = [p for p in first.kept + second.kept if p.name.startswith("ventas-ops.db.antes-de-restaurar-")]
    assert len(kept_db) == 2 and len({p.name for p in kept_db}) == 2  # the second restore kept the first's too
    assert (data / "billing" / "proforma.pdf.antes-de-restaurar-20261202-080000").read_bytes() == b"%PDF otra"
    assert first.files_restored == 2 and second.files_restored == 0


def test_postgres_without_pg_dump_says_what_to_do(monkeypatch, dirs):
    data, backups = dirs
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(bk.BackupError) as err:
        bk.backup("postgresql+asyncpg://u:p@127.0.0.1:1/db", data, backups, WHEN)
    assert "pg_dump no está en el PATH" in str(err.value) and "postgresql-client" in str(err.value)
    status = bk.last_backup(backups)
    assert status["ok"] is False and "pg_dump" in status["error"]  # never silently nothing
