"""Rejected (and cancelled) deals are not sales in any figure: the daily summary and the program
report count the same deals."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.domain.dates import BOGOTA
from bot.services.statements import program_report
from bot.services.summary import build_summary
from db.models import Client, Deal, Member

D = date(2026, 11, 20)
NOW = datetime(2026, 11, 21, 11, 0, tzinfo=UTC)


async def seed(sessionmaker) -> None:
    async with sessionmaker() as s:
        ana = Member(discord_id=1, name="Ana")
        c = Client(name="Cliente", name_key="cliente")
        s.add_all([ana, c])
        await s.flush()
        for status, value in (("pendiente", 1_000_000), ("aprobado", 2_000_000), ("rechazado", 40_000_000),
                              ("anulado", 80_000_000)):
            s.add(Deal(member_id=ana.id, client_id=c.id, deal_type="renovacion", service="web", total_value=value,
                       advance_amount=value // 2, advance_date=D, commission_estimate=value * 6 // 100,
                       status=status))
        await s.commit()


async def test_daily_summary_and_program_report_leave_rejected_deals_out(sessionmaker):
    await seed(sessionmaker)
    async with sessionmaker() as s:
        summary = await build_summary(s, D, NOW, ZoneInfo("America/Bogota"), lead_sla_hours=24)
        report = await program_report(s, D, tz=BOGOTA)
    assert summary.by_type == {"renovacion": (2, 3_000_000)}
    assert summary.mtd_by_kam == [("Ana", 3_000_000)]
    assert summary.mtd_by_type == [("Renovación", 3_000_000)]
    assert (report.current.deals, report.current.value) == (2, 3_000_000)
