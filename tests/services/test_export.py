from __future__ import annotations

import csv
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
from sqlalchemy import func, select

from bot.services import export as ex
from bot.services.export_job import perform_export
from db.models import Approval, Client, Deal, ExportRun, Member, OutboxMessage

BOG = ZoneInfo("America/Bogota")
D = date(2026, 11, 22)
SIX_AM = datetime(2026, 11, 23, 6, 0, tzinfo=BOG)


async def seed(sessionmaker) -> dict[str, int]:
    async with sessionmaker() as s:
        ana = Member(discord_id=11, name="Ana Gómez", hubspot_owner_id="501")
        luis = Member(discord_id=12, name="Luis Peña")
        c1 = Client(name="Panadería La Espiga", name_key="panaderia la espiga")
        c2 = Client(name="Ñandú Motos", name_key="ñandu motos")
        s.add_all([ana, luis, c1, c2])
        await s.flush()
        on_day = Deal(member_id=ana.id, client_id=c1.id, deal_type="cross_sale", service="social_ads",
                      total_value=12_000_000, advance_amount=6_000_000, advance_date=D, commission_estimate=720_000,
                      hubspot_deal_id="9001", proof_path="/x/p.pdf",
                      created_at=datetime(2026, 11, 22, 15, 0, tzinfo=UTC))
        no_proof = Deal(member_id=luis.id, client_id=c2.id, deal_type="up_sale", service="web",
                        total_value=3_500_000, advance_amount=1_000_000, advance_date=D, commission_estimate=210_000,
                        created_at=datetime(2026, 11, 22, 16, 0, tzinfo=UTC))
        late = Deal(member_id=ana.id, client_id=c2.id, deal_type="renovacion", service="web",
                    total_value=2_000_000, advance_amount=2_000_000, advance_date=D - timedelta(days=3),
                    commission_estimate=120_000, is_late=True, proof_path="/x/q.png",
                    created_at=datetime(2026, 11, 22, 20, 0, tzinfo=UTC))
        other_day = Deal(member_id=ana.id, client_id=c1.id, deal_type="renovacion", service="web",
                         total_value=1_000_000, advance_amount=500_000, advance_date=D - timedelta(days=1),
                         commission_estimate=60_000, proof_path="/x/r.png")
        s.add_all([on_day, no_proof, late, other_day])
        await s.flush()
        s.add(Approval(kind="coo", deal_id=no_proof.id, status="pendiente"))
        s.add(Approval(kind="auditoria", deal_id=no_proof.id, status="pendiente"))
        await s.commit()
        return {"on_day": on_day.id, "no_proof": no_proof.id, "late": late.id, "other": other_day.id}


def test_export_dates_follow_bogota():
    # 00:30 UTC on the 23rd is still the 22nd in Bogotá
    assert ex.export_date_for(datetime(2026, 11, 23, 0, 30, tzinfo=UTC), BOG) == date(2026, 11, 21)
    assert ex.export_date_for(SIX_AM, BOG) == D
    assert ex.export_instant(D, BOG, time(6)) == SIX_AM


def test_due_dates_catch_up_but_not_before_first_run():
    at = time(6)
    # new install: only yesterday, and only from 06:00
    assert ex.due_dates(SIX_AM - timedelta(minutes=1), BOG, at, set(), None) == []
    # an installed bot before 06:00 still catches up the day before
    assert ex.due_dates(SIX_AM - timedelta(minutes=1), BOG, at, set(), D - timedelta(days=1)) == [D - timedelta(days=1)]
    assert ex.due_dates(SIX_AM, BOG, at, set(), None) == [D]
    # down for three days: every missed date, oldest first
    done = {D - timedelta(days=4)}
    assert ex.due_dates(SIX_AM, BOG, at, done, D - timedelta(days=4)) == [D - timedelta(days=i) for i in (3, 2, 1, 0)]
    # never more than seven days back
    assert len(ex.due_dates(SIX_AM, BOG, at, set(), D - timedelta(days=30))) == ex.CATCH_UP_DAYS


async def test_export_writes_files_and_posts_once(sessionmaker, settings):
    ids = await seed(sessionmaker)
    now = SIX_AM.astimezone(UTC)
    out = await perform_export(sessionmaker, settings, d=D, now=now, trigger="schedule")
    assert out.status == "hecha", out.error
    r = out.result
    assert r.deals_count == 3  # on the day (2) + the late one; not the other day's
    assert r.findings == {"sin_comprobante": 1, "aprobacion_pendiente": 1, "tardio": 1}

    folder = Path(settings.export_dir) / "2026-11-22"
    wb = openpyxl.load_workbook(folder / "negocios-2026-11-22.xlsx")
    assert wb.sheetnames == ["negocios", "hallazgos", "Cómo leer"]
    ws = wb["negocios"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:O4"
    header = [c.value for c in ws[1]]
    assert header[:4] == ["ID", "Fecha anticipo", "Registrado (Bogotá)", "KAM"] and all(c.font.bold for c in ws[1])
    rows = {row[0].value: row for row in ws.iter_rows(min_row=2, max_row=4)}
    assert [c.value for c in ws[6]][7:10] == [17_500_000, 9_000_000, 1_050_000] and ws["A6"].value == "Total"
    assert set(rows) == {ids["on_day"], ids["no_proof"], ids["late"]}
    first = rows[ids["on_day"]]
    assert first[1].value == datetime(2026, 11, 22) and first[1].number_format == "dd/mm/yyyy"
    assert first[2].value == datetime(2026, 11, 22, 10, 0) and first[2].number_format == "dd/mm/yyyy hh:mm"
    assert first[3].value == "Ana Gómez" and first[4].value == "Panadería La Espiga"
    assert first[7].value == 12_000_000 and "#,##0" in first[7].number_format
    assert first[9].value == 720_000 and first[14].value == "Adjunto"
    assert rows[ids["late"]][11].value == "Sí" and rows[ids["no_proof"]][14].value == "Falta"
    assert ws.column_dimensions["E"].width >= 20
    findings = [[c.value for c in row] for row in wb["hallazgos"].iter_rows(min_row=2, max_row=4)]
    cats = sorted(f[0] for f in findings)
    assert cats == ["Aprobaciones pendientes", "Registro tardío", "Sin comprobante de pago"]
    pending = next(f for f in findings if f[0] == "Aprobaciones pendientes")
    assert pending[1] == ids["no_proof"] and pending[5] == "Pendiente: Aprobación del COO, Auditoría del pago"

    raw = (folder / "negocios-2026-11-22.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    csv_rows = list(csv.reader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
    assert csv_rows[0][0] == "ID" and len(csv_rows) == 4 and "Ñandú Motos" in raw.decode("utf-8-sig")
    assert (folder / "resumen-2026-11-22.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # a second run of the same date posts nothing new
    again = await perform_export(sessionmaker, settings, d=D, now=now + timedelta(hours=3), trigger="startup")
    assert again.status == "ya_hecha"
    async with sessionmaker() as s:
        posts = list((await s.execute(select(OutboxMessage))).scalars())
        runs = list((await s.execute(select(ExportRun))).scalars())
    assert [p.dedupe_key for p in posts] == ["export:2026-11-22:1"]
    assert len(runs) == 1 and runs[0].status == "hecha" and runs[0].deals_count == 3
    embed = posts[0].payload["embeds"][0]
    assert "22/11/2026" in embed["title"] and "Re-exportación" not in embed["title"]
    assert [f["filename"] for f in posts[0].payload["files"]] == [
        "negocios-2026-11-22.xlsx", "negocios-2026-11-22.csv", "resumen-2026-11-22.png"
    ]


async def test_forced_reexport_is_labelled(sessionmaker, settings):
    await seed(sessionmaker)
    now = SIX_AM.astimezone(UTC)
    assert (await perform_export(sessionmaker, settings, d=D, now=now, trigger="schedule")).status == "hecha"
    forced = await perform_export(sessionmaker, settings, d=D, now=now, trigger="admin", forced=True)
    assert forced.status == "hecha" and forced.result.attempt == 2 and forced.result.forced
    async with sessionmaker() as s:
        posts = list((await s.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())
    assert [p.dedupe_key for p in posts] == ["export:2026-11-22:1", "export:2026-11-22:2"]
    assert "Re-exportación #2" in posts[1].payload["embeds"][0]["title"]


async def test_crashed_run_is_taken_over_once(sessionmaker, settings):
    await seed(sessionmaker)
    now = SIX_AM.astimezone(UTC)
    async with sessionmaker() as s:
        run = await ex.claim_run(s, D, trigger="schedule", forced=False, now=now)
    assert run is not None
    # the process died here; a fresh claim right away is refused (a run is in progress)…
    async with sessionmaker() as s:
        assert await ex.claim_run(s, D, trigger="startup", forced=False, now=now + timedelta(minutes=1)) is None
    # …and after the stale interval it is taken over, by one claimer only
    later = now + ex.STALE_RUN + timedelta(minutes=1)
    async with sessionmaker() as s:
        taken = await ex.claim_run(s, D, trigger="startup", forced=False, now=later)
    async with sessionmaker() as s:
        second = await ex.claim_run(s, D, trigger="startup", forced=False, now=later)
    assert taken is not None and taken.id == run.id and second is None
    async with sessionmaker() as s:
        assert (await s.execute(select(func.count()).select_from(ExportRun))).scalar_one() == 1


async def test_read_ahead_keeps_order_and_propagates_errors():
    import asyncio

    import pytest

    started: list[int] = []

    async def pages(fail_at: int | None = None):
        for i in range(5):
            started.append(i)
            if i == fail_at:
                raise RuntimeError("boom")
            await asyncio.sleep(0)
            yield [i]

    seen = []
    async for page in ex.read_ahead(pages()):
        seen.append(page)
        await asyncio.sleep(0.01)
        assert max(started) <= page[0] + 2  # at most one page fetched ahead (plus the one in hand)
    assert seen == [[0], [1], [2], [3], [4]]
    with pytest.raises(RuntimeError, match="boom"):
        async for _ in ex.read_ahead(pages(fail_at=2)):
            pass


async def test_formula_looking_names_stay_text_in_xlsx_and_csv(sessionmaker, settings):
    """OWASP CSV injection: a client or KAM named like a formula must not run in finance's Excel."""
    async with sessionmaker() as s:
        kam = Member(discord_id=21, name="=HYPERLINK(\"http://x.example\",\"clic\")")
        client = Client(name="+cmd|' /C calc'!A0", name_key="cmd calc")
        s.add_all([kam, client])
        await s.flush()
        s.add(Deal(member_id=kam.id, client_id=client.id, deal_type="cross_sale", service="web", total_value=1_000_000,
                   advance_amount=500_000, advance_date=D, commission_estimate=60_000, proof_path="/x/p.pdf",
                   created_at=datetime(2026, 11, 22, 15, 0, tzinfo=UTC)))
        await s.commit()
    out = await perform_export(sessionmaker, settings, d=D, now=SIX_AM.astimezone(UTC), trigger="schedule")
    assert out.status == "hecha", out.error
    folder = Path(settings.export_dir) / "2026-11-22"
    ws = openpyxl.load_workbook(folder / "negocios-2026-11-22.xlsx")["negocios"]
    row = next(ws.iter_rows(min_row=2))
    assert row[3].value == "=HYPERLINK(\"http://x.example\",\"clic\")" and row[3].data_type == "s"
    assert row[4].value == "+cmd|' /C calc'!A0" and row[4].data_type == "s"
    csv_rows = list(csv.reader((folder / "negocios-2026-11-22.csv").read_text("utf-8-sig").splitlines(), delimiter=";"))
    assert csv_rows[1][3] == "'=HYPERLINK(\"http://x.example\",\"clic\")" and csv_rows[1][4] == "'+cmd|' /C calc'!A0"
