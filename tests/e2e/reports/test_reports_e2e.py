"""/mis-comisiones, the monthly payroll statement and /admin reporte over a month with deals and leads
in every state (including a clawback), checked against a hand computation."""

from __future__ import annotations

import asyncio
import io
import os
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select

from bot.exts.reports.statements import run_monthly_statement
from bot.services import directory
from db.models import AuditLog, JobRun
from tests.e2e.deals.test_deals_e2e import card_of, deals, options, register, setup_people
from tests.fakes.discord_fake import mentions_safe, message_text
from tests.timetravel import BOT_CLI

CEDULA = "1020304050"

# Hand computation for Ana, November 2026 (commission 6 % of the total value):
#   #1 cross sale $ 12.000.000, audited      → ganada     720.000
#   #2 cross sale  $ 5.000.000, rejected     → rechazada  300.000 (not paid)
#   #3 up sale    $ 20.000.000, waits on COO → pendiente 1.200.000
#   #4 cross sale  $ 8.000.000, audited then cancelled by an admin
#                                            → ganada 480.000 and reverso −480.000
#   lead «bueno» 5.000, lead «vendido» 10.000, lead «malo» 0
EARNED = 720_000 + 480_000 + 5_000 + 10_000  # 1.215.000
REVERSED = -480_000
NET = EARNED + REVERSED  # 735.000
PENDING = 1_200_000
REJECTED = 300_000

# The month above is November 2026 and the statement is due on Tuesday 1 December (its first business
# day): the harness clock starts inside that month, Monday 23/11/2026 10:00 in Bogotá.
pytestmark = pytest.mark.start_at(datetime(2026, 11, 23, 15, 0, tzinfo=UTC))


async def build_month(h) -> dict[str, int]:
    ids = await setup_people(h)
    ids["perfi"] = await h.member("Paula Perfiladora", ["Perfilador"])
    async with h.sessionmaker() as s:
        ana = await directory.get_member(s, ids["ana"])
        ana.cedula = CEDULA
        ana.sense_email = "ana.gomez@sensedigital.co"
        await s.commit()
    await register(h, ids["ana"], options(ids["client"], total="12.000.000", anticipo="6.000.000"))
    await register(h, ids["ana"], options(ids["client"], servicio="google_ads", total="5.000.000", anticipo="1.000.000"))
    await register(h, ids["ana"], options(ids["client"], tipo="up_sale", servicio="web", total="20.000.000", anticipo="2.000.000"))
    await register(h, ids["ana"], options(ids["client"], servicio="community_manager", total="8.000.000", anticipo="4.000.000"))
    d1, d2, d3, d4 = await deals(h)
    await (await h.fake.click(ids["aud1"], await card_of(h, d1.id), label="Pago verificado")).wait_final()
    click = await h.fake.click(ids["aud1"], await card_of(h, d2.id), label="Rechazar")
    await click.response()
    await (await h.fake.submit_modal(ids["aud1"], click.modal, {
        click.modal["components"][0]["components"][0]["custom_id"]: "No llegó el anticipo"})).wait_final()
    await (await h.fake.click(ids["aud1"], await card_of(h, d3.id), label="Pago verificado")).wait_final()  # COO pending
    await (await h.fake.click(ids["aud1"], await card_of(h, d4.id), label="Pago verificado")).wait_final()
    t = await (await h.fake.slash(ids["admin"], "admin negocio anular", {"id": d4.id, "motivo": "El cliente canceló"})).text()
    assert "#4" in t
    # three leads: bueno, vendido, malo
    for i, (company, label) in enumerate((("Ferretería El Tornillo", "Bueno"), ("Droguería La Salud", "Vendido"),
                                          ("Taller Don Pepe", "Malo"))):
        await (await h.fake.slash(ids["ana"], "referir-lead", {
            "cedula": CEDULA, "contacto": f"Contacto {i}", "empresa": company, "correo": f"c{i}@correo{i}.co",
            "telefono": f"30012345{i}{i}", "servicio": "web"})).wait_final()
        card = await h.fake.wait_for_message(predicate=lambda m, n=i + 1: any(f"Lead #{n}" in (e.get("title") or "")
                                                                               for e in m["embeds"]))
        click = await h.fake.click(ids["perfi"], card, label=label)
        if label == "Malo":
            await click.response()
            await (await h.fake.submit_modal(ids["perfi"], click.modal, {"reason": "No tiene presupuesto"})).wait_final()
        else:
            await click.wait_final()
    states = [(d.id, d.status) for d in await deals(h)]
    assert states == [(1, "aprobado"), (2, "rechazado"), (3, "pendiente"), (4, "anulado")], states
    return ids


def totals_of(ws) -> dict[str, int]:
    return {row[4]: row[5] for row in ws.iter_rows(values_only=True) if row and len(row) >= 6 and row[4] and isinstance(row[5], int)
            and row[0] in ("", None)}


async def test_my_commissions_statement_matches_the_hand_computation(harness):
    ids = await build_month(harness)
    handle = await harness.fake.slash(ids["ana"], "mis-comisiones")
    msg = await handle.wait_final(timeout=20)
    assert handle.ephemeral and mentions_safe(msg)
    text = message_text(msg)
    assert "noviembre de 2026" in text
    for amount in ("$ 1.215.000", "$ 735.000", "$ 1.200.000", "$ 300.000", "-$ 480.000"):
        assert amount in text, (amount, text)
    assert "6 % de $ 12.000.000" in text and "Reverso del negocio #4" in text
    [att] = msg["attachments"]
    assert att["filename"] == "mis-comisiones-2026-11.xlsx"
    wb = load_workbook(io.BytesIO(harness.fake.attachments[int(att["id"])][0]))
    ws = wb["Comisiones"]
    totals = totals_of(ws)
    assert totals["Ganada"] == EARNED and totals["Reversada"] == REVERSED and totals["Neto del mes"] == NET
    assert totals["Pendiente"] == PENDING and totals["Rechazada (no se paga)"] == REJECTED
    amounts = sorted(r[5] for r in ws.iter_rows(min_row=4, values_only=True) if r and r[1] in ("Comisión", "Referido", "Reverso"))
    assert amounts == sorted([720_000, 300_000, 1_200_000, 480_000, -480_000, 5_000, 10_000, 0])
    # another month, a bad month, someone without records
    t = await (await harness.fake.slash(ids["ana"], "mis-comisiones", {"mes": "octubre"})).text()
    assert "No tienes movimientos" in t and "octubre de 2026" in t
    t = await (await harness.fake.slash(ids["ana"], "mis-comisiones", {"mes": "2026-13"})).text()
    assert "No entiendo el mes" in t
    t = await (await harness.fake.slash(ids["ana"], "mis-comisiones", {"mes": "diciembre de 2026"})).text()
    assert "todavía no empieza" in t
    t = await (await harness.fake.slash(ids["luis"], "mis-comisiones")).text()
    assert "No tienes movimientos" in t


async def test_monthly_payroll_statement_once_on_the_first_business_day(harness):
    ids = await build_month(harness)
    bot = harness.bot
    # 30 Nov 18:00 in Bogotá: the bot was not running on 3 Nov (first business day of November: 2 Nov is
    # a holiday), so it catches up October's statement now; November's is not due yet
    harness.clock.set(datetime(2026, 11, 30, 23, 0, tzinfo=UTC))
    assert await run_monthly_statement(bot) == "2026-10"
    assert await run_monthly_statement(bot) is None
    harness.clock.set(datetime(2026, 12, 1, 10, 59, tzinfo=UTC))  # 1 Dec 05:59 Bogotá: before EXPORT_TIME
    assert await run_monthly_statement(bot) is None
    harness.clock.set(datetime(2026, 12, 1, 11, 0, tzinfo=UTC))  # Tuesday 1 Dec 06:00: first business day
    assert await run_monthly_statement(bot) == "2026-11"
    assert await run_monthly_statement(bot) is None
    await harness.restart()
    assert await run_monthly_statement(harness.bot) is None  # exactly once, across restarts
    path = harness.settings.export_dir / "reportes" / "comisiones-2026-11.xlsx"
    wb = load_workbook(path)
    assert wb.sheetnames[0] == "Totales" and "Ana Gómez" in wb.sheetnames
    rows = {r[0]: r for r in wb["Totales"].iter_rows(values_only=True) if r and r[0]}
    ana = rows["Ana Gómez"]
    assert ana[1] == CEDULA and ana[2] == "ana.gomez@sensedigital.co"
    assert ana[3:8] == (PENDING, EARNED, REJECTED, REVERSED, NET)
    assert rows["Total"][7] == NET
    assert totals_of(wb["Ana Gómez"])["Neto del mes"] == NET
    dm = await harness.fake.wait_for_dm(
        ids["admin"], lambda m: any(a["filename"] == "comisiones-2026-11.xlsx" for a in m.get("attachments", [])), timeout=10)
    assert "$ 735.000" in message_text(dm) and dm["attachments"][0]["filename"] == "comisiones-2026-11.xlsx"
    async with harness.sessionmaker() as s:
        runs = list((await s.execute(select(JobRun).where(JobRun.job == "reporte-mensual"))).scalars())
        audit = list((await s.execute(select(AuditLog).where(AuditLog.action == "reporte.mensual"))).scalars())
    assert sorted(r.run_key for r in runs) == ["2026-10", "2026-11"] and len(audit) == 2
    # the CLI, run by an operator in its own process, writes the same statement
    out = harness.settings.export_dir / "cli.xlsx"
    env = {k: v for k, v in os.environ.items() if k not in {"DISCORD_API_BASE", "HUBSPOT_ACCESS_TOKEN"}}
    env.update({"DISCORD_TOKEN": "x", "DISCORD_GUILD_ID": "1", "DATABASE_URL": harness.settings.database_url,
                "EXPORT_DIR": str(harness.settings.export_dir), "DATA_DIR": str(harness.settings.data_dir)})
    proc = await asyncio.create_subprocess_exec(
        *BOT_CLI, "reporte", "mensual", "--mes", "2026-11", "--salida", str(out),
        env=env, cwd=harness.settings.data_dir, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    stdout, stderr = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, (stdout, stderr)
    assert str(out) in stdout.decode()
    cli_rows = {r[0]: r for r in load_workbook(out)["Totales"].iter_rows(values_only=True) if r and r[0]}
    assert cli_rows["Ana Gómez"] == ana


async def test_two_concurrent_monthly_runs_send_one_statement(harness):
    ids = await setup_people(harness)
    harness.clock.set(datetime(2026, 12, 1, 11, 0, tzinfo=UTC))
    results = await asyncio.gather(run_monthly_statement(harness.bot), run_monthly_statement(harness.bot))
    assert sorted(results, key=str) == ["2026-11", None]
    async with harness.sessionmaker() as s:
        runs = list((await s.execute(select(JobRun).where(JobRun.job == "reporte-mensual"))).scalars())
        audit = list((await s.execute(select(AuditLog).where(AuditLog.action == "reporte.mensual"))).scalars())
    assert len(runs) == 1 and len(audit) == 1
    await harness.fake.wait_for_dm(ids["admin"], lambda m: bool(m.get("attachments")), timeout=10)
    assert len([m for m in harness.fake.dms(ids["admin"]) if m.get("attachments")]) == 1


async def test_bot_stops_promptly_while_the_statement_is_being_delivered(harness):
    """Regression: stopping right after the outbox was kicked used to hang forever (the cancel was
    swallowed by the outbox's wait on Python 3.11). Nothing is lost: the DM is delivered after restart."""
    ids = await setup_people(harness)
    harness.clock.set(datetime(2026, 11, 30, 23, 0, tzinfo=UTC))
    assert await run_monthly_statement(harness.bot) == "2026-10"
    loop = asyncio.get_running_loop()
    started = loop.time()
    await harness.stop()
    assert loop.time() - started < 10, "the bot hung on shutdown"  # a liveness bound, not a performance target
    await harness.start()
    dm = await harness.fake.wait_for_dm(
        ids["admin"], lambda m: any(a["filename"] == "comisiones-2026-10.xlsx" for a in m.get("attachments", [])), timeout=10)
    assert "octubre de 2026" in message_text(dm)


def png_size(data: bytes) -> tuple[int, int]:
    img = Image.open(io.BytesIO(data))
    img.verify()
    return Image.open(io.BytesIO(data)).size


async def test_admin_report_numbers_and_charts(harness):
    ids = await build_month(harness)
    handle = await harness.fake.slash(ids["admin"], "admin reporte")
    msg = await handle.wait_final(timeout=30)
    text = message_text(msg)
    # counted sales: #1 (aprobado, 12 M) and #3 (pendiente, 20 M); rejected and cancelled ones are not sales
    assert "negocios 2 · $ 32.000.000" in text
    assert "Referidos **3** → buenos **2** (67 %) → vendidos **1** (33 %)" in text
    assert "Ana Gómez: referidos 3 · buenos 2 · vendidos 1" in text
    files = {a["filename"]: harness.fake.attachments[int(a["id"])][0] for a in msg["attachments"]}
    assert set(files) == {"ventas-mes.png", "embudo-referidos.png"}
    assert png_size(files["ventas-mes.png"]) == (1200, 480) and png_size(files["embudo-referidos.png"]) == (700, 360)
    # the charts are drawn from the data: another sale changes the comparison chart, not the funnel
    await register(harness, ids["ana"], options(ids["client"], servicio="social_ads", total="30.000.000", anticipo="3.000.000"))
    again = await (await harness.fake.slash(ids["admin"], "admin reporte")).wait_final(timeout=30)
    files2 = {a["filename"]: harness.fake.attachments[int(a["id"])][0] for a in again["attachments"]}
    assert "negocios 3 · $ 62.000.000" in message_text(again)
    assert files2["ventas-mes.png"] != files["ventas-mes.png"]
    assert files2["embudo-referidos.png"] == files["embudo-referidos.png"]
    # non-admins are refused
    t = await (await harness.fake.slash(ids["ana"], "admin reporte")).text()
    assert "Admin ventas-ops" in t


async def test_monthly_statement_runs_at_export_time_and_is_caught_up_at_start(harness_factory):
    """Issue 25.3: a cron job at EXPORT_TIME (07:30 here) on the first business day, not an hourly tick;
    a bot that was down then sends it at start-up."""
    bog = ZoneInfo("America/Bogota")
    first_business_day = datetime(2026, 12, 1, tzinfo=bog)  # Tuesday 1 Dec 2026
    h = await harness_factory(jobs=True, now=first_business_day.replace(hour=5), export_time="07:30")
    admin = await h.member("Admin", ["Admin ventas-ops"])
    await h.bot._startup_task
    job = h.bot.jobs.scheduler.get_job("reporte-mensual")
    assert isinstance(job.trigger, CronTrigger)
    assert job.trigger.get_next_fire_time(None, h.clock.now().astimezone(bog)) == first_business_day.replace(
        hour=7, minute=30)
    assert [j.id for j in h.bot.jobs.scheduler.get_jobs() if "mensual" in j.id] == ["reporte-mensual"]  # no hourly tick

    def statements() -> list[dict]:
        return [m for m in h.fake.dms(admin) if any(a["filename"] == "comisiones-2026-11.xlsx"
                                                    for a in m.get("attachments", []))]

    h.clock.set(first_business_day.replace(hour=7, minute=29))
    await h.bot.jobs.run_now("reporte-mensual")
    await h.bot.outbox.flush()
    assert statements() == []  # a minute early: nothing
    h.clock.set(first_business_day.replace(hour=7, minute=30))
    await h.bot.jobs.run_now("reporte-mensual")
    await h.bot.outbox.flush()
    assert len(statements()) == 1 and "noviembre" in message_text(statements()[0]).lower()
    h.clock.set(first_business_day.replace(hour=8, minute=30))
    await h.bot.jobs.run_now("reporte-mensual")  # a later run the same day does not repeat it
    await h.bot.outbox.flush()
    assert len(statements()) == 1

    # down on the next month's first business day at 07:30 (Monday 4 Jan 2027: 1 Jan is a holiday),
    # started at 09:00: the start-up catch-up sends December's
    await h.stop()
    h.clock.set(datetime(2027, 1, 4, 9, 0, tzinfo=bog))
    await h.start()
    await h.bot._startup_task
    await h.bot.outbox.flush()
    await h.fake.wait_for_dm(
        admin, lambda m: any(a["filename"] == "comisiones-2026-12.xlsx" for a in m.get("attachments", [])), timeout=10)
    assert len(statements()) == 1


async def test_statement_with_no_admin_waits_and_is_sent_when_one_appears(harness, caplog):
    from bot.services import statements as svc

    ids = await setup_people(harness)
    await harness.fake.set_roles(ids["admin"], [])  # nobody in ROLE_ADMIN
    s = harness.settings
    harness.clock.set(datetime(2026, 12, 1, 11, 0, tzinfo=UTC))  # Tuesday 1 Dec 06:00 Bogotá: due
    await harness.fake.wait_for(lambda: not harness.bot.guild.get_member(ids["admin"]).roles[1:])
    assert await run_monthly_statement(harness.bot) is None
    assert "nadie tiene el rol Admin ventas-ops" in caplog.text and "2026-11" in caplog.text
    async with harness.sessionmaker() as session:
        assert await svc.monthly_statement_waiting(session, harness.clock.now(), s.tz, s.export_time) == (2026, 11)
        assert (await session.execute(select(JobRun))).first() is None  # not marked done

    await harness.fake.set_roles(ids["admin"], ["Admin ventas-ops"])
    await harness.fake.wait_for(lambda: harness.bot.guild.get_member(ids["admin"]).roles[1:])
    harness.clock.set(datetime(2026, 12, 1, 12, 0, tzinfo=UTC))  # the next try (the daily run at EXPORT_TIME, or a start)
    assert await run_monthly_statement(harness.bot) == "2026-11"
    await harness.fake.wait_for_dm(ids["admin"], lambda m: bool(m.get("attachments")), timeout=10)
    async with harness.sessionmaker() as session:
        assert await svc.monthly_statement_waiting(session, harness.clock.now(), s.tz, s.export_time) is None
