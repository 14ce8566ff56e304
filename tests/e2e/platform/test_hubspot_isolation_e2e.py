"""A slow or hanging HubSpot holds up only the work that needs HubSpot: registrations are confirmed
(and statements answered) while every HubSpot call hangs, and the deals are verified afterwards,
oldest first, once HubSpot answers again. Order is asserted, not milliseconds."""

from __future__ import annotations

import asyncio
import time
from zoneinfo import ZoneInfo

from sqlalchemy import select

from db.models import AuditLog
from tests.e2e.deals.test_deals_e2e import PNG, card_of, deals, options, register, setup_people
from tests.fakes.discord_fake import message_text

DEAL_GET = "/crm/v3/objects/deals/"


def deal_gets(h, since: float = 0.0) -> list[str]:
    """HubSpot deal ids asked for (GET by id), in arrival order, from ``since`` (monotonic) on."""
    return [c.path.rsplit("/", 1)[-1] for c in h.hubspot.calls
            if c.method == "GET" and c.path.startswith(DEAL_GET) and c.time >= since]


async def test_registrations_confirmed_while_hubspot_hangs_then_verified_in_order(harness_factory):
    h = await harness_factory(hubspot=True)
    ids = await setup_people(h, owner_id="501")
    today = h.clock.now().astimezone(ZoneInfo("America/Bogota")).date().isoformat()
    hids = [h.hubspot.add_deal(dealname=f"Espiga {i}", amount="12000000", hubspot_owner_id="501",
                               fecha_de_anticipo=today) for i in range(3)]
    queue = h.bot.hubspot_queue
    queue.backoff_min, queue.backoff_max = 0.2, 0.5  # retry soon after HubSpot is back (seconds, not minutes)
    queue.concurrency = 1  # one at a time, so the order HubSpot sees is the queue's order
    events: list[str] = []

    # every HubSpot call hangs (accepted, never answered) from here on
    h.hubspot.outage, h.hubspot.outage_mode = True, "hang"
    for hid, service in zip(hids, ("social_ads", "google_ads", "community_manager"), strict=True):
        _, text = await register(h, ids["ana"], options(ids["client"], servicio=service, **{"negocio-hubspot": hid}))
        assert "registrado" in text
        events.append(f"confirmed {hid}")
    first, second, third = await deals(h)
    # the verification was tried — and is hanging — while the KAM already read the confirmation
    await h.fake.wait_for(lambda: deal_gets(h), timeout=10)
    card = await card_of(h, first.id)
    assert "HubSpot: verificando…" in message_text(h.fake.messages_by_id[int(card["id"])])
    # work that does not need HubSpot is not held up: the statement and its XLSX arrive meanwhile
    statement = await h.fake.slash(ids["ana"], "mis-comisiones")
    final = await statement.wait_final(15)
    assert final["attachments"] and final["attachments"][0]["filename"].endswith(".xlsx")
    assert h.hubspot.outage
    events.append("statement")
    assert [d.hubspot_check for d in await deals(h)] == ["pendiente"] * 3

    # HubSpot answers again: the queue verifies the burst, oldest first, and edits the cards
    back = time.monotonic()  # the fake stamps its calls with time.monotonic()
    h.hubspot.outage = False
    events.append("hubspot back")

    def verified() -> bool:
        return all("HubSpot coincide" in message_text(m) for m in (
            h.fake.messages_by_id[int(c["id"])] for c in cards))

    cards = [await card_of(h, d.id) for d in (first, second, third)]
    await h.fake.wait_for(verified, timeout=30)
    events.append("verified")
    assert [d.hubspot_check for d in await deals(h)] == ["ok"] * 3
    after = deal_gets(h, since=back)
    assert list(dict.fromkeys(after)) == hids  # oldest first (the probe), then the rest, in order
    assert events == [*(f"confirmed {hid}" for hid in hids), "statement", "hubspot back", "verified"]
    async with h.sessionmaker() as s:
        rows = list((await s.execute(select(AuditLog.action, AuditLog.entity_id)
                                     .where(AuditLog.entity_type == "deal").order_by(AuditLog.id))).all())
    registered = [int(e) for a, e in rows if a == "negocio.registrar"]
    checked = [i for i, (a, _) in enumerate(rows) if a == "negocio.verificar_hubspot"]
    assert registered == [first.id, second.id, third.id]
    assert [int(rows[i][1]) for i in checked] == registered  # verified in the order registered
    assert min(checked) > max(i for i, (a, _) in enumerate(rows) if a == "negocio.registrar")


async def test_verification_pending_at_a_restart_is_done_by_the_next_process(harness_factory):
    """The queue lives in the database: a deal registered while HubSpot hung is verified after a
    restart without anybody registering anything again."""
    h = await harness_factory(hubspot=True)
    ids = await setup_people(h, owner_id="501")
    today = h.clock.now().astimezone(ZoneInfo("America/Bogota")).date().isoformat()
    hid = h.hubspot.add_deal(dealname="Espiga", amount="12000000", hubspot_owner_id="501", fecha_de_anticipo=today)
    h.hubspot.outage, h.hubspot.outage_mode = True, "hang"
    _, text = await register(h, ids["ana"], options(ids["client"], **{"negocio-hubspot": hid}))
    assert "registrado" in text
    await h.fake.wait_for(lambda: deal_gets(h), timeout=10)
    await h.restart()
    h.bot.hubspot_queue.backoff_min = h.bot.hubspot_queue.backoff_max = 0.2
    h.hubspot.outage = False
    for _ in range(300):  # the new process's queue finds the deal in the database and verifies it
        [deal] = await deals(h)
        if deal.hubspot_check == "ok":
            break
        await asyncio.sleep(0.1)
    assert deal.hubspot_check == "ok"
    assert h.hubspot.count("GET", rf"{DEAL_GET}{hid}$") >= 2  # tried (hanging) before, answered after


async def test_a_burst_of_registrations_is_answered_before_its_first_card(harness):
    """Every KAM of a burst reads "registrado" before the first card of that burst is posted (the
    cards share the sales channel's rate limit and the event loop with the answers); then every card
    follows. Order is asserted through the fake's own timestamps, not durations."""
    h = harness
    ids = await setup_people(h)
    handles = await asyncio.gather(*(
        h.fake.slash(ids["ana"], "registrar-negocio", options(ids["client"]),
                     attachments={"comprobante": ("comprobante.png", PNG, "image/png")})
        for _ in range(6)
    ))
    finals = [await handle.wait_final(30) for handle in handles]
    assert all("registrado" in (m.get("content") or "") for m in finals)
    stored = await deals(h)
    assert len(stored) == 6
    cards = [await card_of(h, d.id) for d in stored]
    answered = max(m.get("edited_timestamp") or m["timestamp"] for m in finals)
    first_card = min(c["timestamp"] for c in cards)
    assert answered <= first_card
