"""Commission statements (bot.services.statements) against a migrated temporary database: which month
a ledger line belongs to (Bogotá), the totals, and the payroll workbook."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from bot.domain.dates import BOGOTA
from bot.services import statements as svc
from db.models import CommissionEntry, Lead, Member


def entry(member: Member, kind: str, state: str, amount: int, created: datetime, settled: datetime | None = None,
          description: str = "x") -> CommissionEntry:
    return CommissionEntry(member_id=member.id, kind=kind, state=state, amount=amount, description=description,
                           created_at=created, settled_at=settled)


async def test_lines_fall_in_the_bogota_month_they_were_settled(sessionmaker):
    async with sessionmaker() as s:
        ana = Member(discord_id=1, name="Ana Gómez")
        s.add(ana)
        await s.flush()
        oct_created = datetime(2026, 10, 20, 15, 0, tzinfo=UTC)
        s.add_all([
            # settled 30 Nov 23:59:59 in Bogotá (1 Dec 04:59:59 UTC): November
            entry(ana, "comision", "ganada", 100_000, oct_created, datetime(2026, 12, 1, 4, 59, 59, tzinfo=UTC), "a"),
            # settled 1 Dec 00:00 in Bogotá: December
            entry(ana, "comision", "ganada", 200_000, oct_created, datetime(2026, 12, 1, 5, 0, tzinfo=UTC), "b"),
            # pending since 31 Oct 23:00 in Bogotá (1 Nov 04:00 UTC): October
            entry(ana, "comision", "pendiente", 300_000, datetime(2026, 11, 1, 4, 0, tzinfo=UTC), None, "c"),
            entry(ana, "referido", "ganada", 5_000, oct_created, datetime(2026, 11, 10, 15, 0, tzinfo=UTC), "d"),
            entry(ana, "comision", "rechazada", 40_000, oct_created, datetime(2026, 11, 11, 15, 0, tzinfo=UTC), "e"),
            entry(ana, "reverso", "reversada", -100_000, datetime(2026, 11, 12, 15, 0, tzinfo=UTC),
                  datetime(2026, 11, 12, 15, 0, tzinfo=UTC), "f"),
        ])
        await s.commit()
        nov = await svc.statement(s, ana, 2026, 11, tz=BOGOTA)
        dec = await svc.statement(s, ana, 2026, 12, tz=BOGOTA)
        octo = await svc.statement(s, ana, 2026, 10, tz=BOGOTA)
    assert [x.kind for x in nov.lines] == ["referido", "comision", "reverso", "comision"]  # in time order
    assert [x.amount for x in nov.lines] == [5_000, 40_000, -100_000, 100_000]
    assert (nov.pending, nov.earned, nov.rejected, nov.reversed, nov.net) == (0, 105_000, 40_000, -100_000, 5_000)
    assert [x.how for x in dec.lines] == ["b"] and dec.net == 200_000
    assert [x.how for x in octo.lines] == ["c"] and octo.pending == 300_000 and octo.net == 0


async def test_monthly_statements_only_people_with_lines_sorted_by_name(sessionmaker):
    when = datetime(2026, 11, 10, 15, 0, tzinfo=UTC)
    async with sessionmaker() as s:
        zoe, ana, idle = Member(discord_id=1, name="Zoe"), Member(discord_id=2, name="ana"), Member(discord_id=3, name="Nadie")
        s.add_all([zoe, ana, idle])
        await s.flush()
        s.add_all([entry(zoe, "comision", "ganada", 10, when, when), entry(ana, "referido", "ganada", 5_000, when, when)])
        await s.commit()
        sts = await svc.monthly_statements(s, 2026, 11, tz=BOGOTA)
        assert await svc.monthly_statements(s, 2026, 9, tz=BOGOTA) == []
    assert [st.member.name for st in sts] == ["ana", "Zoe"]


async def test_payroll_workbook_sheets_and_totals(sessionmaker):
    when = datetime(2026, 11, 10, 15, 0, tzinfo=UTC)
    async with sessionmaker() as s:
        # same display name twice, characters Excel forbids in sheet titles, a formula-looking name
        a = Member(discord_id=1, name="Ana [KAM]: Gómez/Ríos?*", cedula="1020304050")
        b = Member(discord_id=2, name="Ana [KAM]: Gómez/Ríos?*")
        c = Member(discord_id=3, name="=1+1 " + "x" * 60)
        s.add_all([a, b, c])
        await s.flush()
        s.add_all([entry(a, "comision", "ganada", 720_000, when, when), entry(b, "comision", "pendiente", 60_000, when),
                   entry(c, "reverso", "reversada", -30_000, when, when)])
        await s.commit()
        sts = await svc.monthly_statements(s, 2026, 11, tz=BOGOTA)
    wb = load_workbook(io.BytesIO(svc.payroll_xlsx(sts, 2026, 11, tz=BOGOTA)))
    titles = wb.sheetnames
    assert titles[0] == "Totales" and titles[-1] == "Cómo leer" and len(titles) == 5
    assert len(set(t.lower() for t in titles)) == 5
    assert all(len(t) <= 31 and not set(t) & set("[]:*?/\\") for t in titles)
    rows = {r[0]: r for r in wb["Totales"].iter_rows(min_row=4, values_only=True) if r and r[0]}
    assert rows["Total"][3:8] == (60_000, 720_000, 0, -30_000, 690_000)
    formula_row = next(r for r in wb["Totales"].iter_rows(min_row=4) if str(r[0].value).startswith("=1+1"))
    assert formula_row[0].data_type == "s"  # stays text in Excel
    assert svc.payroll_filename(2026, 1) == "comisiones-2026-01.xlsx"


async def test_statement_workbook_cell_by_cell(sessionmaker):
    from bot.domain.enums import CommissionKind, CommissionState
    from bot.services.workbooks import COP_FORMAT, DATETIME_FORMAT
    from bot.texts import reports as T

    created = datetime(2026, 11, 3, 14, 30, tzinfo=UTC)  # 09:30 in Bogotá
    settled = datetime(2026, 11, 20, 3, 15, tzinfo=UTC)  # 19 Nov 22:15 in Bogotá
    async with sessionmaker() as s:
        ana = Member(discord_id=1, name="Ana Gómez", cedula="1020304050", sense_email="ana@sensedigital.co")
        s.add(ana)
        await s.flush()
        s.add_all([
            entry(ana, "comision", "pendiente", 300_000, created),
            entry(ana, "comision", "ganada", 720_000, created, settled),
            entry(ana, "comision", "rechazada", 60_000, created, settled),
            entry(ana, "referido", "ganada", 5_000, created, settled, "Lead bueno"),
            entry(ana, "reverso", "reversada", -120_000, settled, settled),
        ])
        await s.commit()
        st = await svc.statement(s, ana, 2026, 11, tz=BOGOTA)
        payroll = load_workbook(io.BytesIO(svc.payroll_xlsx(await svc.monthly_statements(s, 2026, 11, tz=BOGOTA), 2026, 11, tz=BOGOTA)))
    wb = load_workbook(io.BytesIO(svc.statement_xlsx(st, tz=BOGOTA)))
    assert wb.sheetnames == ["Comisiones", "Cómo leer"]
    ws = wb["Comisiones"]
    assert ws["A1"].value == "Comisiones de Ana Gómez · noviembre de 2026" and ws["A1"].font.bold
    assert [c.value for c in ws[3]] == [h for h, _ in T.XLSX_COLUMNS] and all(c.font.bold for c in ws[3])
    assert ws.freeze_panes == "A4" and ws.auto_filter.ref == "A3:F8"
    lines = [[c for c in r] for r in ws.iter_rows(min_row=4, max_row=8, max_col=6)]
    for r in lines:
        assert isinstance(r[0].value, datetime) and r[0].number_format == DATETIME_FORMAT
        assert r[0].value in (datetime(2026, 11, 3, 9, 30), datetime(2026, 11, 19, 22, 15))  # Bogotá, naive
        assert r[1].value in {k.label for k in CommissionKind} and r[4].value in {x.label for x in CommissionState}
        assert isinstance(r[5].value, int) and r[5].number_format == COP_FORMAT
    values = [[c.value for c in r] for r in lines]
    assert ws.cell(9, 1).value is None  # a blank row between the lines and the totals
    totals = {ws.cell(row, 5).value: ws.cell(row, 6) for row in range(10, 15)}
    assert all(c.number_format == COP_FORMAT for c in totals.values())

    def total(kinds: set[str], state: str) -> int:
        return sum(v[5] for v in values if v[1] in kinds and v[4] == state)

    assert totals["Pendiente"].value == total({"Comisión"}, "Pendiente") == 300_000
    assert totals["Ganada"].value == total({"Comisión", "Referido"}, "Ganada") == 725_000
    assert totals["Rechazada (no se paga)"].value == total({"Comisión"}, "Rechazada") == 60_000
    assert totals["Reversada"].value == sum(v[5] for v in values if v[1] == "Reverso") == -120_000
    assert totals["Neto del mes"].value == totals["Ganada"].value + totals["Reversada"].value == 605_000
    howto = [r for r in wb["Cómo leer"].iter_rows(values_only=True) if r and r[0] == "Comisiones"]
    assert [r[1] for r in howto] == [h for h, _ in T.XLSX_COLUMNS] and all(r[2] for r in howto)

    # the payroll file: the totals sheet's row for Ana, its «Total», and Ana's own sheet agree
    tot = payroll["Totales"]
    assert tot.freeze_panes == "A4" and tot.auto_filter.ref == "A3:H4"
    ana_row = [c for c in tot[4]]
    assert [c.value for c in ana_row[:3]] == ["Ana Gómez", "1020304050", "ana@sensedigital.co"]
    assert ana_row[1].data_type == "s"  # the cédula stays text
    assert [c.value for c in ana_row[3:8]] == [300_000, 725_000, 60_000, -120_000, 605_000]
    assert all(c.number_format == COP_FORMAT for c in ana_row[3:8])
    assert [c.value for c in tot[6]][0] == "Total" and [c.value for c in tot[6]][3:8] == [c.value for c in ana_row[3:8]]
    assert payroll.sheetnames == ["Totales", "Ana Gómez", "Cómo leer"]
    assert [[c.value for c in r] for r in payroll["Ana Gómez"].iter_rows(min_row=3, max_row=14)] == \
        [[c.value for c in r] for r in ws.iter_rows(min_row=3, max_row=14)]


async def test_each_commission_line_shows_the_rate_its_deal_was_registered_with(sessionmaker):
    """The statement and the payroll file label a commission with its deal's stored rate, whatever
    COMMISSION_RATE says today (two deals, 6 % and 7 %)."""
    from datetime import date
    from decimal import Decimal

    from db.models import Client, Deal

    when = datetime(2026, 11, 10, 15, 0, tzinfo=UTC)
    async with sessionmaker() as s:
        ana, c = Member(discord_id=1, name="Ana"), Client(name="Espiga", name_key="espiga")
        s.add_all([ana, c])
        await s.flush()
        for rate, total in ((Decimal("0.06"), 12_000_000), (Decimal("0.07"), 10_000_000)):
            d = Deal(member_id=ana.id, client_id=c.id, deal_type="renovacion", service="web", total_value=total,
                     advance_amount=total // 2, advance_date=date(2026, 11, 10),
                     commission_estimate=int(total * rate), commission_rate=rate, status="aprobado")
            s.add(d)
            await s.flush()
            s.add(CommissionEntry(member_id=ana.id, deal_id=d.id, kind="comision", state="ganada",
                                  amount=int(total * rate), description="x", created_at=when, settled_at=when))
        await s.commit()
        st = await svc.statement(s, ana, 2026, 11, tz=BOGOTA)
        [payroll] = await svc.monthly_statements(s, 2026, 11, tz=BOGOTA)
    assert [x.how for x in st.lines] == ["6 % de $ 12.000.000", "7 % de $ 10.000.000"]
    assert [x.how for x in payroll.lines] == [x.how for x in st.lines]


MEXICO = ZoneInfo("America/Mexico_City")  # UTC-6 all year: one hour behind Bogotá
# registered 01/12 05:30 UTC: 30/11 23:30 in Mexico City, 01/12 00:30 in Bogotá
LATE_NOVEMBER_IN_MEXICO = datetime(2026, 12, 1, 5, 30, tzinfo=UTC)


async def test_the_month_of_a_line_and_of_the_funnel_follows_the_bots_timezone(sessionmaker):
    async with sessionmaker() as s:
        ana = Member(discord_id=1, name="Ana Gómez", cedula="123")
        s.add(ana)
        await s.flush()
        s.add(entry(ana, "comision", "pendiente", 300_000, LATE_NOVEMBER_IN_MEXICO, None, "late"))
        s.add(Lead(referrer_id=ana.id, referrer_cedula="123", contact_name="Carla", company="Tienda",
                   company_key="tienda", service="web", created_at=LATE_NOVEMBER_IN_MEXICO))
        await s.commit()
        nov = await svc.statement(s, ana, 2026, 11, tz=MEXICO)
        dec = await svc.statement(s, ana, 2026, 12, tz=MEXICO)
        [payroll] = await svc.monthly_statements(s, 2026, 11, tz=MEXICO)
        assert await svc.monthly_statements(s, 2026, 12, tz=MEXICO) == []
        # the same line in Bogotá is December's
        bog_nov = await svc.statement(s, ana, 2026, 11, tz=BOGOTA)
        bog_dec = await svc.statement(s, ana, 2026, 12, tz=BOGOTA)
        # the program report on 30/11 (Mexico City) counts the lead referred that evening
        report = await svc.program_report(s, date(2026, 11, 30), tz=MEXICO)
        bog_report = await svc.program_report(s, date(2026, 11, 30), tz=BOGOTA)
    assert [x.amount for x in nov.lines] == [300_000] and nov.pending == 300_000
    assert dec.lines == []
    assert payroll.pending == 300_000
    assert bog_nov.lines == [] and [x.amount for x in bog_dec.lines] == [300_000]
    assert report.funnel.referred == 1
    assert bog_report.funnel.referred == 0
