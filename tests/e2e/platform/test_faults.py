"""Fault matrix through the real bot: Discord 429/500 on callbacks and posts, a dropped gateway;
HubSpot 429 storms, 500s, timeouts and a 10-minute outage. In every case: nothing acknowledged is
lost or stored twice, the user reads Spanish, and retries are bounded."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.scheduler import cards_job
from db.models import Deal
from tests.e2e.deals.test_deals_e2e import card_of, deals, options, register, setup_people
from tests.fakes.discord_fake import message_text

CALLBACK = r"/interactions/\d+/[^/]+/callback"


async def count_deals(h) -> int:
    async with h.sessionmaker() as s:
        return (await s.execute(select(func.count()).select_from(Deal))).scalar_one()


async def test_callback_429_is_retried_and_the_deal_stored_once(harness):
    ids = await setup_people(harness)
    harness.fake.fail_next("POST", CALLBACK, 429, times=1, retry_after=0.2)
    handle, text = await register(harness, ids["ana"], options(ids["client"]))
    assert "registrado" in text and handle.latency < 3.0
    assert await count_deals(harness) == 1


async def test_callback_500_is_retried_within_the_deadline(harness):
    ids = await setup_people(harness)
    harness.fake.fail_next("POST", CALLBACK, 500, times=1)
    handle, text = await register(harness, ids["ana"], options(ids["client"]))
    assert "registrado" in text and handle.latency < 3.0 and not handle.rec.refused
    assert await count_deals(harness) == 1


async def test_card_post_refused_by_discord_is_posted_later_once(harness):
    ids = await setup_people(harness)
    channel = harness.fake.channel_id("dudas-ventas-ops")
    # Discord refuses the card post (503: discord.py does not retry it): the deal is stored and
    # acknowledged anyway; the next post meets a 429 first (retried by discord.py after retry_after)
    harness.fake.fail_next("POST", rf"/channels/{channel}/messages", 503, times=1)
    harness.fake.fail_next("POST", rf"/channels/{channel}/messages", 429, times=1, retry_after=0.1)
    handle, text = await register(harness, ids["ana"], options(ids["client"]))
    assert "registrado" in text
    [deal] = await deals(harness)
    await harness.bot.get_cog("Deals").wait_idle()
    await asyncio.sleep(0.3)
    assert deal.card_message_id is None and not any(
        (e.get("title") or "").startswith(f"Negocio #{deal.id} ") for m in harness.fake.channel_messages() for e in m["embeds"])
    # the periodic job leaves fresh rows alone (their own post may be on its way) …
    await cards_job(harness.bot)
    assert (await deals(harness))[0].card_message_id is None
    # … and posts the card once the row is old enough
    harness.clock.advance(minutes=3)
    await cards_job(harness.bot)
    await cards_job(harness.bot)
    card = await card_of(harness, deal.id)
    assert "Pago verificado" in str(card["components"])
    titles = [e.get("title") for m in harness.fake.channel_messages() for e in m["embeds"]]
    assert sum(1 for t in titles if t and t.startswith(f"Negocio #{deal.id} ")) == 1
    [deal] = await deals(harness)
    assert deal.card_message_id == int(card["id"])


async def test_dropped_gateway_mid_burst_loses_nothing(harness):
    ids = await setup_people(harness, services=("web",))
    first = [register(harness, ids["ana"], options(ids["client"], servicio=s))
             for s in ("social_ads", "google_ads", "community_manager")]
    results = await asyncio.gather(*first, harness.fake.drop_gateway())
    texts = [t for _, t in results[:3]]
    await harness.fake.wait_for(lambda: harness.fake.resumes >= 1 or harness.fake.identifies >= 2, timeout=15)
    _, after = await register(harness, ids["ana"], options(ids["client"], tipo="up_sale", servicio="web"))
    assert "registrado" in after
    acknowledged = sum("registrado" in t for t in texts)
    assert await count_deals(harness) == acknowledged + 1


async def test_hubspot_429_storm_and_500s_bounded_then_verified(harness_factory):
    h = await harness_factory(hubspot=True)
    ids = await setup_people(h, owner_id="501")
    hid = h.hubspot.add_deal(dealname="Espiga", amount="12000000", hubspot_owner_id="501", fecha_de_anticipo=h.today().isoformat())
    h.hubspot.fail_next("GET", r"/crm/v3/objects/deals/", 429, times=1000, retry_after=0.05)
    before = len(h.hubspot.calls)
    handle, text = await register(h, ids["ana"], options(ids["client"], **{"negocio-hubspot": hid}))
    assert "registrado" in text and handle.latency < 3.0
    cog = h.bot.get_cog("Deals")
    await cog.wait_idle()
    storm_calls = len(h.hubspot.calls) - before
    assert 1 <= storm_calls <= 10, storm_calls  # bounded retries, then «pendiente»
    [deal] = await deals(h)
    assert deal.hubspot_check == "pendiente"
    h.hubspot.clear_faults()
    h.hubspot.fail_next("GET", r"/crm/v3/objects/deals/", 500, times=1)  # one more 500: retried inside the call
    await cog.retry_verifications()
    [deal] = await deals(h)
    assert deal.hubspot_check == "ok"
    card = h.fake.messages_by_id[int((await card_of(h, deal.id))["id"])]
    assert "pendiente" not in message_text(card).lower().split("hubspot")[-1][:40]


async def test_hubspot_timeouts_answer_in_time_in_spanish(harness_factory):
    h = await harness_factory(hubspot=True)
    ids = await setup_people(h, owner_id="501")
    h.hubspot.outage = True
    h.hubspot.outage_mode = "hang"  # HubSpot accepts the connection and never answers
    handle, text = await register(h, ids["ana"], options(ids["client"], **{"negocio-hubspot": "777"}))
    assert handle.latency < 3.0 and "registrado" in text
    await h.bot.get_cog("Deals").wait_idle()
    [deal] = await deals(h)
    assert deal.hubspot_check == "pendiente"


async def test_hubspot_ten_minute_outage_then_everything_verified(harness_factory):
    h = await harness_factory(hubspot=True)
    ids = await setup_people(h, owner_id="501")
    hids = [h.hubspot.add_deal(dealname=f"E{i}", amount="12000000", hubspot_owner_id="501",
                               fecha_de_anticipo=h.today().isoformat()) for i in range(3)]
    h.hubspot.outage = True
    h.bot.hubspot.backoff_base = 0.01  # the same bounded retries (max_attempts), without seconds of sleep
    # the test drives the HubSpot queue's retries itself (one per simulated minute): its own
    # back-off after the first failure outlasts the test
    h.bot.hubspot_queue.backoff_min = h.bot.hubspot_queue.backoff_max = 3600
    cog = h.bot.get_cog("Deals")
    for hid, svc in zip(hids, ("social_ads", "google_ads", "community_manager"), strict=True):
        handle, text = await register(h, ids["ana"], options(ids["client"], servicio=svc, **{"negocio-hubspot": hid}))
        assert "registrado" in text and handle.latency < 3.0
    await cog.wait_idle()
    # ten minutes of outage: the queue retries (every tick), nothing is lost, nothing is verified yet
    before = h.bot.hubspot.calls
    for _ in range(10):
        h.clock.advance(minutes=1)
        await cog.retry_verifications()
    assert [d.hubspot_check for d in await deals(h)] == ["pendiente"] * 3
    # bounded: each tick probes with the oldest deal and stops there, after max_attempts tries
    assert h.bot.hubspot.calls - before <= 10 * h.bot.hubspot.max_attempts
    h.hubspot.outage = False
    h.clock.advance(minutes=1)
    await cog.retry_verifications()
    assert [d.hubspot_check for d in await deals(h)] == ["ok"] * 3
    assert await count_deals(h) == 3
