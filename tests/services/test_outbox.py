from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.domain.enums import OutboxStatus
from bot.services import outbox as ob
from db.models import OutboxMessage

NOW = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)


async def test_enqueue_is_idempotent_per_key(sessionmaker):
    async with sessionmaker() as s:
        a = await ob.enqueue(s, "export:2026-11-22", content="hola", now=NOW)
        await s.commit()
    async with sessionmaker() as s:
        b = await ob.enqueue(s, "export:2026-11-22", content="otra vez", now=NOW)
        await s.commit()
        count = (await s.execute(select(func.count()).select_from(OutboxMessage))).scalar_one()
    assert a.id == b.id and count == 1
    assert b.payload["content"] == "hola"


async def test_due_respects_next_attempt_and_status(sessionmaker):
    async with sessionmaker() as s:
        await ob.enqueue(s, "a", content="a", now=NOW)
        later = await ob.enqueue(s, "b", content="b", now=NOW)
        later.next_attempt_at = NOW + timedelta(minutes=5)
        sent = await ob.enqueue(s, "c", content="c", now=NOW)
        sent.status = "enviado"
        await s.commit()
    async with sessionmaker() as s:
        keys = [r.dedupe_key for r in await ob.due(s, NOW)]
        assert keys == ["a"]
        keys = [r.dedupe_key for r in await ob.due(s, NOW + timedelta(minutes=6))]
        assert keys == ["a", "b"]


def test_backoff_grows_and_is_capped():
    assert ob.backoff(1) == timedelta(seconds=5)
    assert ob.backoff(2) == timedelta(seconds=10)
    assert ob.backoff(30) == timedelta(seconds=900)


async def test_dm_and_channel_targets(sessionmaker):
    async with sessionmaker() as s:
        dm = await ob.enqueue(s, "dm:1", content="x", user_id=42)
        ch = await ob.enqueue(s, "ch:1", content="y", files=[ob.OutFile("/tmp/a.csv", "a.csv")])
        await s.commit()
    assert (dm.target, dm.target_id) == ("dm", 42)
    assert (ch.target, ch.target_id) == ("channel", ob.SALES_CHANNEL)
    assert ch.payload["files"] == [{"path": "/tmp/a.csv", "filename": "a.csv"}]


def test_transient_failures_are_retried_then_held_never_dropped():
    row = OutboxMessage(dedupe_key="k", target="channel", target_id=0, payload={}, status=OutboxStatus.PENDIENTE, attempts=0)
    for n in range(1, ob.MAX_ATTEMPTS):
        v = ob.failure_values(row, NOW, "HTTPException: 500", None)
        assert v["status"] == OutboxStatus.PENDIENTE and v["next_attempt_at"] == NOW + ob.backoff(n)
        row.attempts = v["attempts"]
    v = ob.failure_values(row, NOW, "HTTPException: 500", "Discord falló 10 veces seguidas")
    assert v["status"] == OutboxStatus.RETENIDO and v["held_reason"] == "Discord falló 10 veces seguidas"
    assert v["held_at"] == NOW and v["next_attempt_at"] == NOW + ob.HELD_RETRY


def test_a_refusal_is_held_at_the_first_try_and_a_held_retry_keeps_its_date():
    row = OutboxMessage(dedupe_key="k", target="dm", target_id=1, payload={}, status=OutboxStatus.PENDIENTE, attempts=0)
    v = ob.failure_values(row, NOW, "Forbidden: 50007", "Ana no acepta mensajes directos del bot")
    assert (v["status"], v["attempts"], v["held_at"]) == (OutboxStatus.RETENIDO, 1, NOW)
    row.status, row.attempts = OutboxStatus.RETENIDO, 1
    later = NOW + ob.HELD_RETRY
    v = ob.failure_values(row, later, "Forbidden: 50007", "Ana no acepta mensajes directos del bot")
    assert v["status"] == OutboxStatus.RETENIDO and "held_at" not in v and v["next_attempt_at"] == later + ob.HELD_RETRY


async def test_release_puts_held_items_back_with_an_audit_row(sessionmaker):
    from db.audit import Actor
    from db.models import AuditLog

    async with sessionmaker() as s:
        a = await ob.enqueue(s, "a", content="a", now=NOW)
        b = await ob.enqueue(s, "b", content="b", now=NOW)
        a.status, a.held_reason, a.attempts = OutboxStatus.RETENIDO, "sin permiso", 3
        b.status = OutboxStatus.ENVIADO
        await s.commit()
    async with sessionmaker() as s:
        assert await ob.held_summary(s) == [("sin permiso", 1)]
        assert await ob.release_held(s, Actor(7, "Admin"), NOW) == [a.id]
        await s.commit()
    async with sessionmaker() as s:
        assert [r.dedupe_key for r in await ob.due(s, NOW)] == ["a"]
        row = (await s.execute(select(OutboxMessage).where(OutboxMessage.id == a.id))).scalar_one()
        assert (row.status, row.attempts) == (OutboxStatus.PENDIENTE, 0)
        audit = (await s.execute(select(AuditLog).where(AuditLog.action == "outbox.reenviar"))).scalar_one()
        assert audit.actor_discord_id == 7 and audit.before["ids"] == [a.id]
        assert await ob.release_held(s, Actor(7, "Admin"), NOW) == []


def test_cli_lists_and_resends_held_items(monkeypatch, tmp_path, database_url):
    import asyncio

    from typer.testing import CliRunner

    from bot.cli import app
    from db import migrate
    from db.engine import make_engine, make_sessionmaker

    async def seed() -> None:
        eng = make_engine(database_url)
        try:
            await migrate.upgrade(eng)
            async with make_sessionmaker(eng)() as s:
                row = await ob.enqueue(s, "export:2026-11-22:1", content="corte", now=NOW)
                row.status, row.held_at = OutboxStatus.RETENIDO, NOW
                row.held_reason = "el bot no puede escribir en #dudas-ventas-ops: le falta el permiso «Enviar mensajes»"
                await s.commit()
        finally:
            await eng.dispose()

    async def statuses() -> list[str]:
        eng = make_engine(database_url)
        try:
            async with make_sessionmaker(eng)() as s:
                return list((await s.execute(select(OutboxMessage.status))).scalars())
        finally:
            await eng.dispose()

    asyncio.run(seed())
    monkeypatch.setenv("DATABASE_URL", database_url)
    runner = CliRunner()
    listed = runner.invoke(app, ["outbox", "retenidos"])
    assert listed.exit_code == 0, listed.output
    assert "export:2026-11-22:1 (23/11/2026 06:00): el bot no puede escribir en #dudas-ventas-ops" in listed.output
    assert asyncio.run(statuses()) == ["retenido"]  # listing changes nothing
    resent = runner.invoke(app, ["outbox", "reenviar"])
    assert resent.exit_code == 0 and "Mensajes devueltos a la cola: 1." in resent.output
    assert asyncio.run(statuses()) == ["pendiente"]
    again = runner.invoke(app, ["outbox", "reenviar"])
    assert again.exit_code == 0 and "No hay mensajes retenidos." in again.output


async def test_catch_up_days_fold_into_one_post_with_busy_days_files(sessionmaker, tmp_path):
    from bot.services.export_job import post_catch_up

    async with sessionmaker() as s:
        for day, deals, findings in ((17, 0, 0), (18, 3, 1), (19, 0, 0), (20, 0, 2), (21, 0, 0)):
            iso = f"2026-11-{day}"
            files = [ob.OutFile(str(tmp_path / f"negocios-{iso}.xlsx"), f"negocios-{iso}.xlsx"),
                     ob.OutFile(str(tmp_path / f"resumen-{iso}.png"), f"resumen-{iso}.png")]
            embed = {"title": f"Corte {iso}", "fields": [{"name": "Auditoría", "value": "x"},
                                                          {"name": "Aprobaciones esperando", "value": f"día {day}"}]}
            await ob.enqueue(s, f"export:{iso}:1", embeds=[embed], files=files, now=NOW,
                             for_digest={"date": iso, "deals": deals, "findings": findings, "xlsx": files[0].path})
        await s.commit()
    async with sessionmaker() as s:
        assert await ob.due(s, NOW) == []  # waiting to be folded, never sent one by one
        await post_catch_up(s, NOW)
        await s.commit()
    async with sessionmaker() as s:
        [post] = await ob.due(s, NOW)
        statuses = set((await s.execute(select(OutboxMessage.status).where(OutboxMessage.id != post.id))).scalars())
        await post_catch_up(s, NOW)  # nothing left to fold
        await s.commit()
        assert len(list((await s.execute(select(OutboxMessage))).scalars())) == 6
    assert statuses == {OutboxStatus.RESUMIDO}
    embed = post.payload["embeds"][0]
    assert embed["title"] == "📦 Puesta al día — cortes del 17/11/2026 al 21/11/2026"
    assert embed["fields"][0]["value"] == (
        "• 18/11/2026: 3 negocio(s) · 1 hallazgo(s)\n• 20/11/2026: 0 negocio(s) · 2 hallazgo(s)\n"
        "• Sin negocios ni hallazgos: 17/11, 19/11, 21/11"
    )
    assert [f["name"] for f in embed["fields"]] == ["Cortes", "Aprobaciones esperando"]
    assert embed["fields"][1]["value"] == "día 21"  # the latest state, not the first day's
    assert [f["filename"] for f in post.payload["files"]] == [
        "negocios-2026-11-18.xlsx", "negocios-2026-11-20.xlsx", "resumen-2026-11-21.png"]
