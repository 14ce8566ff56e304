"""/admin estado (the program's health for admins) and GET /healthz (for the container's healthcheck)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import aiohttp

from bot.domain.dates import format_date, format_datetime, today_bogota
from bot.healthz import start_health_server
from db.engine import make_engine, make_sessionmaker
from db.models import Approval, ExportRun, JobRun, OutboxMessage
from tests.fakes.cli_process import free_port


async def test_admin_estado_shows_exports_outbox_approvals_and_backup(harness):
    now = harness.clock.now()
    today = today_bogota(now)
    later = now + timedelta(days=1)  # not due: the outbox worker leaves them alone
    async with harness.sessionmaker() as s:
        s.add_all([
            ExportRun(export_date=today - timedelta(days=1), trigger="schedule", status="hecha",
                      started_at=now - timedelta(hours=4), finished_at=now - timedelta(hours=4), deals_count=4),
            ExportRun(export_date=today - timedelta(days=2), trigger="schedule", status="fallida",
                      started_at=now - timedelta(days=1), error="HubSpot no respondió"),
            OutboxMessage(dedupe_key="t1", target="channel", target_id=0, payload={"content": "x"},
                          created_at=now - timedelta(hours=2), next_attempt_at=later),
            OutboxMessage(dedupe_key="t2", target="channel", target_id=0, payload={"content": "y"},
                          status="retenido", attempts=1, next_attempt_at=later,
                          held_reason="el bot no puede escribir en #dudas-ventas-ops"),
            Approval(kind="auditoria", created_at=now - timedelta(days=2, hours=3)),
            Approval(kind="auditoria", created_at=now - timedelta(hours=1)),
            Approval(kind="coo", status="aprobada", created_at=now - timedelta(days=9)),
            JobRun(job="backup", run_key=today.isoformat(), ran_at=now - timedelta(hours=7)),
        ])
        await s.commit()
    admin = await harness.member("Admin", ["Admin ventas-ops"])
    kam = await harness.member("Kam", ["KAM"])

    text = await (await harness.fake.slash(admin, "admin estado")).text()
    assert "Versión: " in text and "En marcha desde" in text
    assert f"{format_date(today - timedelta(days=1))}: ✅ hecha el {format_datetime(now - timedelta(hours=4), harness.bot.settings.tz)}, 4 negocios" in text
    assert f"{format_date(today - timedelta(days=2))}: ❌ fallida: HubSpot no respondió" in text
    assert "1 por enviar (el más antiguo hace 2 h 0 min); 1 retenidos" in text
    assert "1 mensaje: el bot no puede escribir en #dudas-ventas-ops" in text
    assert "Auditoría del pago: 2 (la más antigua hace 2 d 3 h)" in text
    assert "COO" not in text.split("Aprobaciones pendientes")[1].split("Servicios")[0]
    assert "HubSpot: desactivado" in text
    assert f"Último respaldo: {format_datetime(now - timedelta(hours=7), harness.bot.settings.tz)} (hace 7 h 0 min)" in text

    refused = await (await harness.fake.slash(kam, "admin estado")).text()
    assert "Versión" not in refused


async def test_admin_estado_says_when_hubspot_does_not_answer(harness_factory):
    h = await harness_factory(hubspot=True)
    admin = await h.member("Admin", ["Admin ventas-ops"])
    assert "HubSpot: ✅ responde" in await (await h.fake.slash(admin, "admin estado")).text()
    h.hubspot.outage = True
    h.bot.hubspot.max_attempts = 1  # no back-off between retries in the test
    text = await (await h.fake.slash(admin, "admin estado")).text()
    assert "HubSpot: ❌ no responde" in text


async def test_healthz_200_then_503_when_the_database_or_the_gateway_goes(harness):
    bot = harness.bot
    port = free_port()
    runner = await start_health_server(bot, port)
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(url) as r:
                assert (r.status, await r.text()) == (200, "ok\n")

            good = bot.sessionmaker
            gone = make_engine(f"postgresql+asyncpg://ventas@127.0.0.1:{free_port()}/gone")
            bot.sessionmaker = make_sessionmaker(gone)  # the database server went away
            try:
                async with http.get(url) as r:
                    assert r.status == 503 and "la base de datos no responde" in await r.text()
            finally:
                bot.sessionmaker = good
                await gone.dispose()
            async with http.get(url) as r:
                assert r.status == 200

            await harness.fake.stop()  # the gateway drops and cannot reconnect

            async def status() -> tuple[int, str]:
                async with http.get(url) as r:
                    return r.status, await r.text()

            for _ in range(100):
                code, text = await status()
                if code == 503:
                    break
                await asyncio.sleep(0.05)
            assert code == 503 and "gateway de Discord desconectado" in text
    finally:
        await runner.cleanup()
