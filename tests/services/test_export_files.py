"""The daily export's files opened the way finance opens them: openpyxl cell by cell (types, number
formats, Spanish labels, totals = sum of the rows, «Cómo leer») and the CSV read back with ``;``.
One deal of every type and state, and every reconciliation finding (HubSpot down in its own test)."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta

import openpyxl

from bot.domain.enums import ApprovalKind, DealStatus, DealType, HubSpotCheck, Service
from bot.hubspot.gateway import HubSpotGateway
from bot.services.export_job import perform_export
from bot.services.workbooks import COP_FORMAT, DATE_FORMAT, DATETIME_FORMAT
from bot.texts import export as T
from db.models import Approval, Client, Deal, Member
from tests.fakes.hubspot_fake import HubSpotFake
from tests.services.test_export_hubspot import NOW, TOKEN, D, gateway, hubspot, hubspot_deals

__all__ = ["hubspot"]  # the fixture, shared with test_export_hubspot

CODES = {m.value for e in (DealType, DealStatus, HubSpotCheck, Service, ApprovalKind) for m in e} | set(T.CATEGORY_LABELS)


async def seed(sessionmaker, hs: HubSpotFake) -> dict[str, int]:
    hid = hubspot_deals(hs)
    ids: dict[str, int] = {}
    async with sessionmaker() as s:
        ana = Member(discord_id=11, name="Ana Gómez", hubspot_owner_id="501")
        client = Client(name="Ñandú Motos", name_key="ñandu motos")
        s.add_all([ana, client])
        await s.flush()
        created = datetime(2026, 11, 22, 15, 5, tzinfo=UTC)  # 10:05 in Bogotá
        spec = [  # key, type, service, state, value, HubSpot id, check, proof, late
            ("match", "renovacion", "web", "aprobado", 5_000_000, hid["match"], "ok", True, False),
            ("amount", "cross_sale", "social_ads", "pendiente", 4_500_000, hid["amount"], "diferencias", True, False),
            ("owner", "up_sale", "branding", "pendiente", 1_000_000, hid["owner"], "pendiente", True, False),
            ("date", "renovacion", "google_ads", "aprobado", 2_000_000, hid["date"], "diferencias", True, False),
            ("archived", "cross_sale", "community_manager", "anulado", 3_000_000, hid["archived"], "no_encontrado",
             True, False),
            ("missing", "up_sale", "app", "rechazado", 1_500_000, "123456789", "no_encontrado", False, False),
            ("local", "renovacion", "digital_manager", "pendiente", 800_000, None, "desactivado", True, False),
            ("late", "cross_sale", "otro", "aprobado", 700_000, None, "desactivado", True, True),
        ]
        deals = {}
        for key, kind, service, state, value, hs_id, check, proof, late in spec:
            deals[key] = Deal(
                member_id=ana.id, client_id=client.id, deal_type=kind, service=service, status=state,
                total_value=value, advance_amount=value // 2, commission_estimate=value * 6 // 100,
                advance_date=D - timedelta(days=3) if late else D, is_late=late, hubspot_deal_id=hs_id,
                hubspot_check=check, proof_path="/p.pdf" if proof else None, created_at=created,
                cancel_reason="=Pago no llegó" if state == "rechazado" else None)
        s.add_all(deals.values())
        await s.flush()
        s.add_all([Approval(kind="auditoria", deal_id=deals["amount"].id, status="pendiente"),
                   Approval(kind="coo", deal_id=deals["owner"].id, status="pendiente"),
                   Approval(kind="auditoria", deal_id=deals["owner"].id, status="pendiente")])
        await s.commit()
        ids = {k: d.id for k, d in deals.items()}
    return ids


def data_rows(ws, width: int) -> list[list]:
    """Rows 2.. up to the first empty row (the totals come after it)."""
    out = []
    for row in ws.iter_rows(min_row=2, max_col=width):
        if all(c.value is None for c in row):
            break
        out.append(list(row))
    return out


async def test_daily_export_cell_by_cell(sessionmaker, settings, hubspot):
    ids = await seed(sessionmaker, hubspot)
    out = await perform_export(sessionmaker, settings, d=D, now=NOW, trigger="schedule", gateway=gateway(hubspot))
    assert out.status == "hecha", out.error
    assert set(out.result.findings) == set(T.CATEGORY_LABELS) - {"hubspot_no_disponible"}
    wb = openpyxl.load_workbook(out.result.files["xlsx"])
    assert wb.sheetnames == ["negocios", "hallazgos", "Cómo leer"]

    # --- negocios -------------------------------------------------------------------------------
    ws = wb["negocios"]
    header = [c.value for c in ws[1]]
    assert header == T.DEAL_HEADERS and all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2"
    rows = data_rows(ws, 15)
    assert len(rows) == 8 and ws.auto_filter.ref == f"A1:O{len(rows) + 1}"
    by_id = {r[0].value: r for r in rows}
    assert set(by_id) == set(ids.values())
    for r in rows:
        assert isinstance(r[0].value, int)
        assert r[1].value in (datetime(2026, 11, 22), datetime(2026, 11, 19)) and r[1].number_format == DATE_FORMAT
        assert r[2].value == datetime(2026, 11, 22, 10, 5) and r[2].number_format == DATETIME_FORMAT  # Bogotá
        assert r[3].value == "Ana Gómez" and r[4].value == "Ñandú Motos"
        for c in r[7:10]:
            assert isinstance(c.value, int) and c.number_format == COP_FORMAT
        assert r[11].value in ("Sí", "No") and r[14].value in ("Adjunto", "Falta")
        assert all(c.value not in CODES for c in r), [c.value for c in r]  # labels, never internal codes
    labels = {k: [c.value for c in by_id[ids[k]]] for k in ids}
    assert labels["match"][5:7] == ["Renovación", "Sitio web"] and labels["match"][10] == "Aprobado"
    assert labels["match"][13] == "Coincide" and labels["match"][12].isdigit()
    assert labels["amount"][5:7] == ["Cross sale", "Social Ads"] and labels["amount"][13] == "Con diferencias"
    assert labels["owner"][5:7] == ["Up sale", "Logos y brochures"] and labels["owner"][13] == "Pendiente"
    assert labels["archived"][6] == "Community Manager" and labels["archived"][10] == "Anulado"
    assert labels["missing"][10] == "Rechazado" and labels["missing"][13] == "No encontrado en HubSpot"
    assert labels["missing"][14] == "Falta" and labels["missing"][12] == "123456789"
    assert labels["local"][13] == "Sin verificar (integración desactivada)" and labels["local"][12] is None
    assert labels["late"][11] == "Sí" and labels["late"][1] == datetime(2026, 11, 19) and labels["late"][6] == "Otro"
    assert {v[10] for v in labels.values()} == {s.label for s in DealStatus}
    assert {v[5] for v in labels.values()} == {t.label for t in DealType}
    # the totals row, under a blank row and outside the filter, equals the sum of the rows
    total_row = len(rows) + 3
    assert ws.cell(total_row - 1, 1).value is None and ws.cell(total_row, 1).value == "Total"
    for col in (8, 9, 10):
        cell = ws.cell(total_row, col)
        assert cell.value == sum(r[col - 1].value for r in rows) and cell.number_format == COP_FORMAT
    assert ws.cell(total_row, 8).value == 18_500_000
    for i, h in enumerate(header, start=1):  # widths fit the header
        assert ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width >= len(h)

    # --- hallazgos ------------------------------------------------------------------------------
    wf = wb["hallazgos"]
    assert [c.value for c in wf[1]] == T.FINDING_HEADERS and wf.freeze_panes == "A2"
    findings = data_rows(wf, 8)
    assert wf.auto_filter.ref == f"A1:H{len(findings) + 1}"
    assert wf.cell(len(findings) + 3, 1).value == f"Total: {len(findings)} hallazgo(s)"
    assert {r[0].value for r in findings} == set(T.CATEGORY_LABELS.values()) - {T.CATEGORY_LABELS["hubspot_no_disponible"]}
    for r in findings:
        assert r[1].value is None or isinstance(r[1].value, int)
        for c in r[6:8]:
            assert c.value is None or (isinstance(c.value, int) and c.number_format == COP_FORMAT)
        assert all(c.value not in CODES for c in r)
    by_cat = {r[0].value: [c.value for c in r] for r in findings}
    pend = sorted(c[5] for c in ([c.value for c in r] for r in findings) if c[0] == "Aprobaciones pendientes")
    assert pend == ["Pendiente: Aprobación del COO, Auditoría del pago", "Pendiente: Auditoría del pago"]
    assert by_cat["Valor distinto en HubSpot"][5] == "Registrado $ 4.500.000 · HubSpot $ 4.000.000"
    assert by_cat["Valor distinto en HubSpot"][6:8] == [4_500_000, 4_000_000]
    forgotten = next(r for r in (list(v) for v in ([c.value for c in r] for r in findings)) if r[7] == 9_000_000)
    assert forgotten[0] == "En HubSpot pero nunca registrado" and forgotten[1] is None and forgotten[3] == "Ana Gómez"
    rejected = next(r for r in findings if r[0].value == "Comprobante / pago rechazado")
    assert rejected[5].value == "=Pago no llegó" and rejected[5].data_type == "s"  # user text stays text
    assert by_cat["Registro tardío"][5].startswith("Registrado el 22/11/2026 10:05 con anticipo del 19/11/2026")

    # --- Cómo leer: one line per column ---------------------------------------------------------
    howto = [[c.value for c in r] for r in wb["Cómo leer"].iter_rows()]
    explained = [(r[0], r[1]) for r in howto if r and len(r) >= 3 and r[2] and r[0] in ("negocios", "hallazgos")]
    assert explained == [("negocios", h) for h in T.DEAL_HEADERS] + [("hallazgos", h) for h in T.FINDING_HEADERS]

    # --- the CSVs read back with ";" --------------------------------------------------------------
    raw = open(out.result.files["csv"], "rb").read()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
    assert table[0] == T.DEAL_HEADERS and len(table) == len(rows) + 1
    for line in table[1:]:
        xl = [c.value for c in by_id[int(line[0])]]
        assert line[1] == xl[1].date().isoformat() and line[2] == xl[2].strftime("%Y-%m-%d %H:%M")
        assert [int(v) for v in line[7:10]] == xl[7:10]  # plain integers, no thousands separators
        assert line[3:7] + line[10:12] + line[13:] == xl[3:7] + xl[10:12] + xl[13:]  # the same labels
        assert line[12] == (xl[12] or "")
    assert sum(int(line[7]) for line in table[1:]) == ws.cell(total_row, 8).value
    ftable = list(csv.reader(open(out.result.files["hallazgos_csv"], encoding="utf-8-sig"), delimiter=";"))
    assert ftable[0] == T.FINDING_HEADERS and len(ftable) == len(findings) + 1
    frej = next(r for r in ftable if r[0] == "Comprobante / pago rechazado")
    assert frej[5] == "'=Pago no llegó"  # formula injection: text in Excel too


async def test_comma_delimiter_setting(sessionmaker, make_settings, hubspot):
    await seed(sessionmaker, hubspot)
    settings = make_settings(csv_delimiter=",")
    out = await perform_export(sessionmaker, settings, d=D, now=NOW, trigger="schedule")
    assert out.status == "hecha", out.error
    text = open(out.result.files["csv"], encoding="utf-8-sig").read()
    assert text.startswith("ID,Fecha anticipo,") and ";" not in text.split("\n", 1)[0]
    assert len(list(csv.reader(text.splitlines()))[1]) == len(T.DEAL_HEADERS)


async def test_hubspot_down_is_labelled(sessionmaker, settings, hubspot):
    await seed(sessionmaker, hubspot)
    hubspot.outage = True
    gw = HubSpotGateway(TOKEN, base_url=hubspot.base_url, timeout=0.3, max_attempts=2, backoff_base=0.01,
                        backoff_max=0.02, deadline=2)
    out = await perform_export(sessionmaker, settings, d=D, now=NOW, trigger="schedule", gateway=gw)
    assert out.status == "hecha", out.error
    ws = openpyxl.load_workbook(out.result.files["xlsx"])["hallazgos"]
    cats = [r[0] for r in ws.iter_rows(min_row=2, values_only=True) if r and r[0]]
    assert cats.count("HubSpot no disponible (verificación pendiente)") == 8
