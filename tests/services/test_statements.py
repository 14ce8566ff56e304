"""Commission statements (bot.services.statements) against a migrated temporary database: which month
a ledger line belongs to (Bogotá), the totals, and the payroll workbook."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal

from openpyxl import load_workbook

from bot.services import statements as svc
from db.models import CommissionEntry, Member

RATE = Decimal("0.06")


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
        nov = await svc.statement(s, ana, 2026, 11, RATE)
        dec = await svc.statement(s, ana, 2026, 12, RATE)
        octo = await svc.statement(s, ana, 2026, 10, RATE)
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
        sts = await svc.monthly_statements(s, 2026, 11, RATE)
        assert await svc.monthly_statements(s, 2026, 9, RATE) == []
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
        sts = await svc.monthly_statements(s, 2026, 11, RATE)
    wb = load_workbook(io.BytesIO(svc.payroll_xlsx(sts, 2026, 11)))
    titles = wb.sheetnames
    assert titles[0] == "Totales" and titles[-1] == "Cómo leer" and len(titles) == 5
    assert len(set(t.lower() for t in titles)) == 5
    assert all(len(t) <= 31 and not set(t) & set("[]:*?/\\") for t in titles)
    rows = {r[0]: r for r in wb["Totales"].iter_rows(min_row=4, values_only=True) if r and r[0]}
    assert rows["Total"][3:8] == (60_000, 720_000, 0, -30_000, 690_000)
    formula_row = next(r for r in wb["Totales"].iter_rows(min_row=4) if str(r[0].value).startswith("=1+1"))
    assert formula_row[0].data_type == "s"  # stays text in Excel
    assert svc.payroll_filename(2026, 1) == "comisiones-2026-01.xlsx"
