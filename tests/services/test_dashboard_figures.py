"""The admins' dashboard and ``/admin reporte`` sum in the database (bot.services.statements.program_report,
bot.services.panel.funnel_by_month / sla_breaches): on a random program their figures are exactly what
a plain walk over every row in Python gives, KAMs sharing a name, month edges in TIMEZONE and all."""

from __future__ import annotations

import random
import statistics
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.domain.dates import BOGOTA, previous_month
from bot.domain.sales import SALE_STATUSES
from bot.services import panel, statements
from db.models import Approval, Client, Deal, Lead, Member

MEXICO = ZoneInfo("America/Mexico_City")
TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
TYPES = ("renovacion", "cross_sale", "up_sale")
DEAL_STATES = ("pendiente", "aprobado", "rechazado", "anulado")
LEAD_STATES = ("nuevo", "bueno", "malo", "vendido")


async def seed(sessionmaker, rng: random.Random) -> None:
    async with sessionmaker() as s:
        # two KAMs share a name: the report adds them up on one row, as it always did
        names = ["Ana", "Ana", "Bruno", "Carla", "Diego", "Elena"]
        members = [Member(discord_id=100 + i, name=n) for i, n in enumerate(names)]
        client = Client(name="Cliente", name_key="cliente")
        s.add_all([*members, client])
        await s.flush()
        start = date(2026, 9, 25)
        for i in range(400):
            total = rng.randrange(1_000_000, 9_000_000, 1000)
            s.add(Deal(member_id=rng.choice(members).id, client_id=client.id, deal_type=rng.choice(TYPES),
                       service="web", total_value=total, advance_amount=total // 2,
                       advance_date=start + timedelta(days=rng.randrange(0, 65)),
                       commission_estimate=total * 6 // 100, status=rng.choice(DEAL_STATES)))
        # leads every few hours from May on, with some right on the Bogotá / Mexico City month edges
        instants = [datetime(2026, 5, 20, tzinfo=UTC) + timedelta(hours=rng.randrange(0, 4700)) for _ in range(150)]
        for month in range(6, 12):
            for tz in (BOGOTA, MEXICO):
                edge = datetime(2026, month, 1, tzinfo=tz).astimezone(UTC)
                instants += [edge - timedelta(microseconds=1), edge, edge + timedelta(seconds=1)]
        for i, created in enumerate(instants):
            status = rng.choice(LEAD_STATES)
            qualified = created + timedelta(minutes=rng.randrange(1, 5000)) if status != "nuevo" and rng.random() < 0.8 else None
            s.add(Lead(referrer_id=rng.choice(members).id, referrer_cedula="1", contact_name=f"C{i}", company=f"E{i}",
                       company_key=f"e{i}", service="web", status=status, created_at=created, qualified_at=qualified))
        for i in range(60):
            s.add(Approval(kind=rng.choice(("auditoria", "coo", "atribucion", "proforma")),
                           status=rng.choice(("pendiente", "pendiente", "aprobada")),
                           created_at=NOW - timedelta(hours=rng.randrange(0, 200))))
        await s.commit()


def expected_period(deals, names, start: date, end: date):
    deals_n = value = commissions = 0
    by_type: dict[str, list[int]] = {}
    by_kam: dict[str, list[int]] = {}
    for d in deals:
        if d.status in SALE_STATUSES and start <= d.advance_date <= end:
            deals_n += 1
            value += d.total_value
            commissions += d.commission_estimate
            for bucket, key in ((by_type, d.deal_type), (by_kam, names[d.member_id])):
                row = bucket.setdefault(key, [0, 0, 0])
                row[0] += 1
                row[1] += d.total_value
                row[2] += d.commission_estimate
    return deals_n, value, commissions, by_type, by_kam


@pytest.mark.parametrize("tz", [BOGOTA, MEXICO], ids=["bogota", "mexico"])
async def test_program_report_and_dashboard_match_a_walk_over_every_row(sessionmaker, tz):
    await seed(sessionmaker, random.Random(23))
    async with sessionmaker() as s:
        report = await statements.program_report(s, TODAY, tz=tz)
        months = await panel.funnel_by_month(s, TODAY, tz=tz)
        sla = await panel.sla_breaches(s, NOW, lead_sla_hours=24, approval_hours=48, limit=5)
        deals = list((await s.execute(select(Deal))).scalars())
        leads = list((await s.execute(select(Lead).order_by(Lead.created_at, Lead.id))).scalars())
        approvals = list((await s.execute(select(Approval))).scalars())
        names = dict((await s.execute(select(Member.id, Member.name))).all())

    cur = expected_period(deals, names, date(2026, 11, 1), TODAY)
    prev = expected_period(deals, names, date(2026, 10, 1), date(2026, 10, 23))
    for got, want in ((report.current, cur), (report.previous, prev)):
        assert (got.deals, got.value, got.commissions, got.by_type, got.by_kam) == want
        assert got.deals > 0 and "Ana" in got.by_kam

    # the funnel of the leads referred this month (TIMEZONE's month), referrers in order of first referral
    mine = [x for x in leads if date(2026, 11, 1) <= x.created_at.astimezone(tz).date() <= TODAY]
    by_referrer: dict[str, list[int]] = {}
    for x in sorted(mine, key=lambda x: (x.created_at, names[x.referrer_id])):
        row = by_referrer.setdefault(names[x.referrer_id], [0, 0, 0])
        row[0] += 1
        row[1] += x.status in ("bueno", "vendido")
        row[2] += x.status == "vendido"
    f = report.funnel
    assert f.referred == len(mine) > 0
    assert f.good == sum(x.status in ("bueno", "vendido") for x in mine)
    assert f.sold == sum(x.status == "vendido" for x in mine)
    assert f.bad == sum(x.status == "malo" for x in mine)
    assert list(f.by_referrer.items()) == list(by_referrer.items())
    hours = [(x.qualified_at - x.created_at).total_seconds() / 3600 for x in mine if x.qualified_at is not None]
    assert sorted(f.hours_to_qualify) == sorted(hours) and f.median_hours == statistics.median(hours)

    # six calendar months in TIMEZONE, the edges' leads in the right one
    want_months = []
    y, m = TODAY.year, TODAY.month
    for _ in range(6):
        want_months.append((y, m))
        y, m = previous_month(y, m)
    want_months.reverse()
    assert [(fm.year, fm.month) for fm in months] == want_months
    for fm in months:
        of_month = [x for x in leads if (x.created_at.astimezone(tz).year, x.created_at.astimezone(tz).month) == (fm.year, fm.month)]
        assert (fm.referred, fm.good, fm.sold, fm.bad) == (
            len(of_month), sum(x.status in ("bueno", "vendido") for x in of_month),
            sum(x.status == "vendido" for x in of_month), sum(x.status == "malo" for x in of_month))
    assert sum(fm.referred for fm in months) > 0

    late = [x for x in leads if x.status == "nuevo" and x.created_at <= NOW - timedelta(hours=24)]
    assert sla.leads_total == len(late) and [lead.id for lead, _ in sla.leads] == [x.id for x in late[:5]]
    assert [name for _, name in sla.leads] == [names[x.referrer_id] for x in late[:5]]
    waiting: dict[str, list[datetime]] = {}
    for a in approvals:
        if a.status == "pendiente" and a.created_at <= NOW - timedelta(hours=48):
            waiting.setdefault(a.kind, []).append(a.created_at)
    assert sla.approvals == [(k, len(v), min(v)) for k, v in sorted(waiting.items())]


async def test_funnel_and_report_of_an_empty_program(sessionmaker):
    async with sessionmaker() as s:
        report = await statements.program_report(s, TODAY, tz=BOGOTA)
        months = await panel.funnel_by_month(s, TODAY, tz=BOGOTA)
        assert await panel.funnel_by_month(s, TODAY, months=0, tz=BOGOTA) == []
    assert (report.current.deals, report.current.by_kam, report.previous.by_type) == (0, {}, {})
    assert (report.funnel.referred, report.funnel.by_referrer, report.funnel.median_hours) == (0, {}, None)
    assert len(months) == 6 and all(fm.referred == 0 for fm in months)
