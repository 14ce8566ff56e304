"""Reconciliation against HubSpot (the loopback fake through the real hubspot-api-client)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import openpyxl
import pytest
from sqlalchemy import select

from bot.hubspot.gateway import HubSpotGateway
from bot.services.export_job import perform_export
from db.models import Client, Deal, Member, OutboxMessage
from tests.fakes.hubspot_fake import HubSpotFake

D = date(2026, 11, 22)
NOW = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
TOKEN = "hs-token"


@pytest.fixture
async def hubspot():
    fake = HubSpotFake(token=TOKEN, limits=True)
    await fake.start()
    yield fake
    await fake.stop()


def gateway(fake: HubSpotFake) -> HubSpotGateway:
    return HubSpotGateway(TOKEN, base_url=fake.base_url, timeout=2, backoff_base=0.05, backoff_max=0.3)


def hubspot_deals(hs: HubSpotFake) -> dict[str, str]:
    """HubSpot's side: one deal per reconciliation case (also used by test_export_files)."""
    prop = "fecha_de_anticipo"
    ids = {
        "match": hs.add_deal(dealname="Espiga web", amount="5000000", hubspot_owner_id="501", **{prop: D}),
        "amount": hs.add_deal(dealname="Ñandú ads", amount="4000000", hubspot_owner_id="501", **{prop: D}),
        "owner": hs.add_deal(dealname="Owner", amount="1000000", hubspot_owner_id="777", **{prop: D}),
        "date": hs.add_deal(dealname="Fecha", amount="2000000", hubspot_owner_id="501", **{prop: D - timedelta(days=2)}),
        "archived": hs.add_deal(dealname="Archivado", amount="3000000", hubspot_owner_id="501", **{prop: D}),
        "forgotten": hs.add_deal(dealname="Olvidado S.A.S.", amount="9000000", hubspot_owner_id="501", **{prop: D}),
        "stranger": hs.add_deal(dealname="De otro", amount="100", hubspot_owner_id="999", **{prop: D}),
    }
    hs.archive("deals", ids["archived"])
    return ids


async def seed(sessionmaker, hs: HubSpotFake) -> dict[str, str]:
    ids = hubspot_deals(hs)
    async with sessionmaker() as s:
        ana = Member(discord_id=11, name="Ana", hubspot_owner_id="501")
        c = Client(name="Cliente", name_key="cliente")
        s.add_all([ana, c])
        await s.flush()

        def deal(key: str | None, value: int, hid: str | None) -> Deal:
            return Deal(member_id=ana.id, client_id=c.id, deal_type="renovacion", service="web", total_value=value,
                        advance_amount=value // 2, advance_date=D, commission_estimate=value * 6 // 100,
                        hubspot_deal_id=hid, proof_path="/p.pdf")

        s.add_all([
            deal("match", 5_000_000, ids["match"]),
            deal("amount", 4_500_000, ids["amount"]),
            deal("owner", 1_000_000, ids["owner"]),
            deal("date", 2_000_000, ids["date"]),
            deal("archived", 3_000_000, ids["archived"]),
            deal("missing", 1_500_000, "123456789"),
        ])
        await s.commit()
    return ids


async def test_every_reconciliation_category(sessionmaker, settings, hubspot):
    ids = await seed(sessionmaker, hubspot)
    out = await perform_export(sessionmaker, settings, d=D, now=NOW, trigger="schedule", gateway=gateway(hubspot))
    assert out.status == "hecha", out.error
    f = out.result.findings
    assert f["coincide"] == 1
    assert f["diferencia_valor"] == 1
    assert f["diferencia_responsable"] == 1
    assert f["diferencia_fecha"] == 1
    assert f["archivado_en_hubspot"] == 1
    assert f["no_en_hubspot"] == 1
    assert f["no_registrado"] == 2  # the forgotten one and the stranger's
    # one search page (6 on the day) + a lookup for each registered deal not listed that day: the one
    # found takes one request, the archived and the missing ones two (normal, then archived)
    assert out.result.hubspot_calls == 1 + 1 + 2 + 2 == hubspot.count()

    wb = openpyxl.load_workbook(out.result.files["xlsx"])
    rows = [[c.value for c in r] for r in wb["hallazgos"].iter_rows(min_row=2)]
    amount = next(r for r in rows if r[0] == "Valor distinto en HubSpot")
    assert amount[2] == ids["amount"] and amount[6] == 4_500_000 and amount[7] == 4_000_000
    unregistered = [r for r in rows if r[0] == "En HubSpot pero nunca registrado"]
    assert {r[2] for r in unregistered} == {ids["forgotten"], ids["stranger"]}

    async with sessionmaker() as s:
        dms = list((await s.execute(select(OutboxMessage).where(OutboxMessage.target == "dm"))).scalars())
    assert len(dms) == 1 and dms[0].target_id == 11  # Ana owns the forgotten deal; the stranger maps to nobody
    content = dms[0].payload["content"]
    assert "un negocio tuyo" in content and "¿Olvidaste registrarlo?" in content and "Olvidado S.A.S." in content


async def test_a_429_storm_and_500s_are_survived(sessionmaker, settings, hubspot):
    await seed(sessionmaker, hubspot)
    hubspot.fail_next("POST", r"/search", 429, times=3, retry_after=0.2)
    hubspot.fail_next("GET", r"/crm/v3/objects/deals/", 500, times=2)
    out = await perform_export(sessionmaker, settings, d=D, now=NOW, trigger="schedule", gateway=gateway(hubspot))
    assert out.status == "hecha", out.error
    assert out.result.findings["coincide"] == 1 and out.result.findings["no_registrado"] == 2
    assert hubspot.status_counts.get(429, 0) >= 3
    assert out.result.hubspot_calls == hubspot.count()  # the refused attempts were requests too


async def test_hubspot_down_marks_the_deals_and_still_exports(sessionmaker, settings, hubspot):
    await seed(sessionmaker, hubspot)
    hubspot.outage = True
    gw = HubSpotGateway(TOKEN, base_url=hubspot.base_url, timeout=0.3, max_attempts=2, backoff_base=0.01,
                        backoff_max=0.02, deadline=2)
    out = await perform_export(sessionmaker, settings, d=D, now=NOW, trigger="schedule", gateway=gw)
    assert out.status == "hecha"
    assert out.result.findings["hubspot_no_disponible"] == 6 and "coincide" not in out.result.findings


@pytest.mark.parametrize("missing", ["amount", "hubspot_owner_id"])
async def test_card_and_export_agree_on_an_empty_hubspot_value(sessionmaker, settings, hubspot, missing):
    """One reconciliation rule: a HubSpot deal with no amount (or no owner) is a difference on the
    deal's card and in the export alike (the export used to call it "coincide")."""
    from bot.domain.enums import HubSpotCheck
    from bot.services.deals import verify_deal

    props = {"dealname": "Vacío", "amount": "5000000", "hubspot_owner_id": "501", "fecha_de_anticipo": D}
    del props[missing]
    hid = hubspot.add_deal(**props)
    async with sessionmaker() as s:
        ana = Member(discord_id=11, name="Ana", hubspot_owner_id="501")
        c = Client(name="Cliente", name_key="cliente")
        s.add_all([ana, c])
        await s.flush()
        deal = Deal(member_id=ana.id, client_id=c.id, deal_type="renovacion", service="web", total_value=5_000_000,
                    advance_amount=2_500_000, advance_date=D, commission_estimate=300_000, hubspot_deal_id=hid,
                    proof_path="/p.pdf", hubspot_check="pendiente")
        s.add(deal)
        await s.commit()
        deal_id = deal.id
    gw = gateway(hubspot)
    card = await verify_deal(sessionmaker, gw, deal_id, now=lambda: NOW)
    out = await perform_export(sessionmaker, settings, d=D, now=NOW, trigger="schedule", gateway=gw)
    assert out.status == "hecha", out.error
    category = "diferencia_valor" if missing == "amount" else "diferencia_responsable"
    assert card == HubSpotCheck.DIFERENCIAS
    assert out.result.findings[category] == 1 and "coincide" not in out.result.findings
    wb = openpyxl.load_workbook(out.result.files["xlsx"])
    rows = [[c.value for c in r] for r in wb["hallazgos"].iter_rows(min_row=2)]
    assert any("vacío" in str(r) for r in rows)
