"""The restore drill, as an operator runs it (``ventas-ops db backup`` / ``db restore`` in their own
processes, on SQLite and on PostgreSQL): back up, change data and files, restore, compare. And a
restore is refused while the bot runs on the database."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bot.services import directory
from db import migrate
from db.audit import Actor
from db.engine import make_engine, make_sessionmaker
from db.models import AuditLog, Client, Member
from tests.conftest import on_postgres
from tests.fakes.bot_process import ROOT, BotProcess
from tests.fakes.discord_fake import DiscordFake
from tests.timetravel import BOT_CLI


def env_for(tmp_path: Path, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "HUBSPOT_", "ROLE_"))}
    env.update({"DATABASE_URL": url, "DATA_DIR": str(tmp_path / "data"), "BACKUP_DIR": str(tmp_path / "otro-disco"),
                "PYTHONPATH": str(ROOT)})
    return env


async def cli(tmp_path: Path, url: str, *args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        *BOT_CLI, *args, cwd=tmp_path, env=env_for(tmp_path, url),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 180)
    return proc.returncode or 0, out.decode(), err.decode()


async def snapshot(url: str) -> dict[str, list]:
    eng = make_engine(url)
    try:
        async with make_sessionmaker(eng)() as s:
            return {
                "members": list((await s.execute(select(Member.discord_id, Member.name).order_by(Member.id))).all()),
                "clients": list((await s.execute(select(Client.name).order_by(Client.id))).scalars()),
                "audit": list((await s.execute(select(AuditLog.action).order_by(AuditLog.id))).scalars()),
            }
    finally:
        await eng.dispose()


def files(data: Path) -> dict[str, bytes]:
    return {p.relative_to(data).as_posix(): p.read_bytes() for p in sorted(data.rglob("*"))
            if p.is_file() and ("proofs" in p.parts or "billing" in p.parts) and ".antes-de-restaurar-" not in p.name}


async def seed(url: str, data: Path) -> None:
    eng = make_engine(url)
    try:
        await migrate.upgrade(eng)
        async with make_sessionmaker(eng)() as s:
            actor = Actor.system("simulacro")
            ana = await directory.ensure_member(s, 101, "Ana Gómez", actor)
            c = await directory.create_client(s, actor, "Panadería La Espiga")
            await directory.assign(s, actor, c, ana, now=datetime.now(UTC))  # the subprocesses' wall clock
            await s.commit()
    finally:
        await eng.dispose()
    (data / "proofs" / "ab").mkdir(parents=True)
    (data / "proofs" / "ab" / "ab12.png").write_bytes(b"\x89PNG comprobante")
    (data / "billing").mkdir()
    (data / "billing" / "proforma-7.pdf").write_bytes(b"%PDF proforma")


async def change(url: str, data: Path) -> None:
    eng = make_engine(url)
    try:
        async with make_sessionmaker(eng)() as s:
            actor = Actor.system("cambio")
            await directory.ensure_member(s, 202, "Luis Peña", actor)
            await directory.create_client(s, actor, "Ferretería Nueva")
            await s.commit()
    finally:
        await eng.dispose()
    (data / "proofs" / "ab" / "ab12.png").unlink()
    (data / "billing" / "proforma-7.pdf").write_bytes(b"%PDF cambiada")


async def test_restore_drill_backup_change_restore_compare(tmp_path, database_url):
    data = tmp_path / "data"
    await seed(database_url, data)
    before, before_files = await snapshot(database_url), files(data)

    code, out, err = await cli(tmp_path, database_url, "db", "backup")
    assert code == 0, err
    assert "Respaldo escrito y verificado" in out
    [archive] = list((tmp_path / "otro-disco").glob("ventas-ops-*.tar.gz"))  # BACKUP_DIR, not DATA_DIR

    await change(database_url, data)
    assert await snapshot(database_url) != before

    code, out, err = await cli(tmp_path, database_url, "db", "restore", str(archive))
    assert code == 0, err
    assert "migraciones al día" in out
    assert await snapshot(database_url) == before  # identical data
    assert files(data) == before_files  # identical files
    kept = [line.split(": ", 1)[1] for line in out.splitlines() if "se conserva en" in line]
    assert any(".pdf.antes-de-restaurar-" in k and Path(k).read_bytes() == b"%PDF cambiada" for k in kept)
    if on_postgres():
        assert any(Path(k).parent == tmp_path / "otro-disco" and k.endswith(".pgdump") for k in kept)
    else:
        assert any(Path(k).name.startswith("ventas-ops.db.antes-de-restaurar-") for k in kept)

    # not an archive: one line, exit 2, nothing changed
    junk = tmp_path / "notas.txt"
    junk.write_text("no soy un respaldo")
    code, out, err = await cli(tmp_path, database_url, "db", "restore", str(junk))
    assert code == 2 and len(err.strip().splitlines()) == 1 and "no es un respaldo de ventas-ops" in err
    assert await snapshot(database_url) == before


async def test_restore_refused_while_the_bot_runs(tmp_path, database_url):
    data = tmp_path / "data"
    await seed(database_url, data)
    code, _out, err = await cli(tmp_path, database_url, "db", "backup")
    assert code == 0, err
    [archive] = list((tmp_path / "otro-disco").glob("ventas-ops-*.tar.gz"))
    await change(database_url, data)
    changed, changed_files = await snapshot(database_url), files(data)

    fake = DiscordFake()
    await fake.start()
    env = {"DISCORD_TOKEN": fake.token, "DISCORD_GUILD_ID": str(fake.guild_id), "DISCORD_API_BASE": fake.rest_base,
           "DATABASE_URL": database_url, "DATA_DIR": str(data), "EXPORT_DIR": str(tmp_path / "exports"),
           "BACKUP_DIR": str(tmp_path / "otro-disco")}
    bot = BotProcess(env, tmp_path, tmp_path / "bot.log")
    try:
        await bot.start(fake, timeout=120)
        code, out, err = await cli(tmp_path, database_url, "db", "restore", str(archive))
        assert code == 2 and "el bot está en marcha" in err and "No se cambió nada" in err
        # nothing restored: the changed rows are all still there, in order. The running bot may add its
        # own rows meanwhile (its start-up catch-up export, depending on the hour): those are not the restore's.
        now = await snapshot(database_url)
        assert {k: v[: len(changed[k])] for k, v in now.items()} == changed and files(data) == changed_files
        assert set(now["audit"][len(changed["audit"]):]) <= {"exportacion.hecha", "exportacion.fallida"}
    finally:
        await bot.stop()
        await fake.stop()
    code, out, err = await cli(tmp_path, database_url, "db", "restore", str(archive))  # stopped: now it may
    assert code == 0, err
