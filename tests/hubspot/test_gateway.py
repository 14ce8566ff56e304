"""HubSpotGateway through the real hubspot-api-client against the loopback fake."""
from __future__ import annotations

import asyncio
import logging
import math
import time
from datetime import date

import pytest

from bot.hubspot.gateway import (
    HubSpotCompany,
    HubSpotDeal,
    HubSpotError,
    HubSpotGateway,
    HubSpotNotFound,
    HubSpotOwner,
    HubSpotSeatLimit,
    HubSpotUnavailable,
    midnight_utc_ms,
    parse_amount,
    parse_hubspot_date,
)
from tests.fakes.hubspot_fake import HubSpotFake

TOKEN = "pat-na1-test-0000"
D = date(2025, 3, 14)
SEARCH = r"/crm/v3/objects/deals/search$"


@pytest.fixture
async def fake():
    f = HubSpotFake(token=TOKEN, limits=False)
    await f.start()
    yield f
    await f.stop()


@pytest.fixture
def make_gw(fake):
    made: list[HubSpotGateway] = []

    def factory(**kw) -> HubSpotGateway:
        kw.setdefault("timeout", 2.0)
        kw.setdefault("backoff_base", 0.02)
        gw = HubSpotGateway(access_token=kw.pop("token", TOKEN), base_url=fake.base_url, **kw)
        made.append(gw)
        return gw

    yield factory
    for gw in made:
        gw.close()


@pytest.fixture
def gw(make_gw) -> HubSpotGateway:
    return make_gw()


# ------------------------------------------------------------------------------------ helpers
def test_parsers():
    assert midnight_utc_ms(date(2025, 1, 2)) == 1735776000000
    assert parse_hubspot_date("1735776000000") == date(2025, 1, 2)
    assert parse_hubspot_date("2025-01-02") == date(2025, 1, 2)
    assert parse_hubspot_date("2025-01-02T23:59:00Z") == date(2025, 1, 2)
    assert parse_hubspot_date("") is None and parse_hubspot_date(None) is None and parse_hubspot_date("x") is None
    assert parse_amount("1500000.5") == 1500001 and parse_amount("12") == 12
    assert parse_amount("") is None and parse_amount(None) is None and parse_amount("abc") is None


# ------------------------------------------------------------------------------------ deals
async def test_get_deal(fake, gw):
    owner = fake.add_owner("kam@sense.digital", "Kam", "Uno")
    did = fake.add_deal({"dealname": "Web Acme", "amount": "2500000.40", "hubspot_owner_id": owner,
                         "fecha_de_anticipo": D, "dealstage": "closedwon", "extra": "x"})
    h = await gw.get_deal(did, properties=["extra"])
    assert isinstance(h, HubSpotDeal)
    assert (h.id, h.name, h.amount, h.owner_id, h.advance_date, h.archived, h.stage) == (
        did, "Web Acme", 2500000, owner, D, False, "closedwon")
    assert h.properties["extra"] == "x" and h.properties["hs_object_id"] == did
    with pytest.raises(Exception):
        h.amount = 1  # type: ignore[misc]  # frozen


async def test_get_deal_archived_missing(fake, gw):
    did = fake.add_deal({"dealname": "Viejo", "amount": "10"})
    fake.archive("deals", did)
    h = await gw.get_deal(did)
    assert h is not None and h.archived and h.name == "Viejo"
    assert await gw.get_deal("987654321") is None
    assert await gw.get_deal("no-es-un-id") is None


async def test_custom_advance_property(fake, make_gw):
    gw = make_gw(advance_date_property="fecha_pago")
    did = fake.add_deal({"dealname": "X", "fecha_pago": D})
    assert (await gw.get_deal(did)).advance_date == D
    pages = [p async for p in gw.search_deals_by_advance_date(D)]
    assert [h.id for p in pages for h in p] == [did]


async def test_search_keyset_past_10000(fake, make_gw):
    """10,450 deals on the day among 12,000: every id exactly once, ceil(10450/200) searches."""
    other = date(2025, 3, 13)
    expected: list[str] = []
    for i in range(11):  # interleave days so the ids of the day are not contiguous
        expected += fake.bulk_add_deals(950, d=D)
        fake.bulk_add_deals(141, d=other)
    expected += fake.bulk_add_deals(0, d=D)
    assert len(expected) == 10_450
    fake.add_deal({"dealname": "sin fecha"})
    gw = make_gw(search_rate=10_000)  # rate limits are tested below; here only the paging
    seen: list[str] = []
    sizes = []
    async for page in gw.search_deals_by_advance_date(D):
        sizes.append(len(page))
        assert all(h.advance_date == D for h in page)
        seen += [h.id for h in page]
    assert len(seen) == len(set(seen)) == 10_450
    assert set(seen) == set(expected)
    n_search = fake.count("POST", SEARCH)
    assert n_search == math.ceil(10_450 / 200) == len(sizes)
    assert fake.status_counts[400] == 0
    bodies = [c.json for c in fake.calls if c.path.endswith("/search")]
    assert all(b["limit"] == 200 and str(b.get("after", "0")) == "0" for b in bodies)
    assert bodies[1]["filterGroups"][0]["filters"][1] == {
        "propertyName": "hs_object_id", "operator": "GT", "value": seen[199]}


async def test_search_empty_day(fake, gw):
    fake.bulk_add_deals(5, d=D)
    assert [p async for p in gw.search_deals_by_advance_date(date(2020, 1, 1))] == []
    assert fake.count("POST", SEARCH) == 1


async def test_search_exact_multiple_of_page(fake, gw):
    ids = fake.bulk_add_deals(400, d=D)
    seen: list[str] = []
    async for p in gw.search_deals_by_advance_date(D):
        seen += [h.id for h in p]
    assert seen == ids
    assert fake.count("POST", SEARCH) == 2  # the last full page carries no paging.next


async def test_rate_limiter_holds_5_per_second_with_fake_limits_on(fake, gw):
    fake.limits = True
    fake.bulk_add_deals(1_500, d=D)  # 8 pages
    fake.bulk_add_deals(700, d=date(2025, 3, 15))  # 4 pages, searched concurrently
    t0 = time.monotonic()

    async def drain(d: date) -> int:
        return sum([len(p) async for p in gw.search_deals_by_advance_date(d)])

    a, b = await asyncio.gather(drain(D), drain(date(2025, 3, 15)))
    elapsed = time.monotonic() - t0
    assert (a, b) == (1_500, 700)
    assert fake.status_counts[429] == 0 and fake.rate_limited == 0
    assert fake.max_in_window("POST", SEARCH, 1.0) <= 5
    assert fake.count("POST", SEARCH) == 12
    assert elapsed >= 2.0  # 12 searches cannot fit in less than ~2 s at 5/s


async def test_real_429_from_fake_is_retried(fake, make_gw):
    """Without the client-side limiter the fake answers 429 + Retry-After; the gateway waits and succeeds."""
    fake.limits = True
    fake.bulk_add_deals(1_400, d=D)  # 7 pages
    gw = make_gw(search_rate=1_000)
    total = sum([len(p) async for p in gw.search_deals_by_advance_date(D)])
    assert total == 1_400
    assert fake.rate_limited >= 1
    assert fake.count("POST", SEARCH) == 7 + fake.rate_limited


async def test_429_with_retry_after_is_honoured(fake, gw):
    did = fake.add_deal({"dealname": "X"})
    fake.fail_next("GET", rf"/deals/{did}$", 429, times=2, retry_after=0.3)
    t0 = time.monotonic()
    h = await gw.get_deal(did)
    assert h is not None and h.name == "X"
    assert time.monotonic() - t0 >= 0.55
    assert fake.count("GET", rf"/deals/{did}$") == 3


async def test_429_on_search_is_retried(fake, gw):
    fake.bulk_add_deals(3, d=D)
    fake.fail_next("POST", SEARCH, 429, times=1, retry_after=0.2)
    assert sum([len(p) async for p in gw.search_deals_by_advance_date(D)]) == 3
    assert fake.count("POST", SEARCH) == 2


async def test_500s_are_retried(fake, gw):
    did = fake.add_deal({"dealname": "X"})
    fake.fail_next("GET", rf"/deals/{did}$", 500, times=2)
    fake.fail_next("POST", SEARCH, 502, times=1)
    assert (await gw.get_deal(did)).name == "X"
    fake.bulk_add_deals(2, d=D)
    assert sum([len(p) async for p in gw.search_deals_by_advance_date(D)]) == 2


async def test_persistent_500_gives_unavailable(fake, make_gw):
    gw = make_gw(max_attempts=4)
    fake.fail_next("*", r"/deals/", 500, times=100)
    with pytest.raises(HubSpotUnavailable):
        await gw.get_deal("123")
    assert fake.count("GET", r"/deals/123$") == 4


async def test_timeout_ends_in_unavailable_quickly(fake, make_gw):
    fake.latency = 1.5
    gw = make_gw(timeout=0.25)
    t0 = time.monotonic()
    with pytest.raises(HubSpotUnavailable):
        await gw.get_deal("123")
    assert time.monotonic() - t0 < 1.5  # 2 attempts × 0.25 s + back-off
    assert fake.count("GET") == 2


async def test_outage_503_and_hang(fake, make_gw):
    gw = make_gw(timeout=0.25, max_attempts=3)
    fake.outage = True
    with pytest.raises(HubSpotUnavailable):
        await gw.get_deal("1")
    assert fake.count("GET") == 3 and fake.status_counts[503] == 3
    fake.outage_mode = "hang"
    t0 = time.monotonic()
    with pytest.raises(HubSpotUnavailable):
        async for _ in gw.search_deals_by_advance_date(D):
            pass
    assert time.monotonic() - t0 < 1.5


async def test_bad_token_is_an_error_not_retried(fake, make_gw):
    gw = make_gw(token="wrong")
    with pytest.raises(HubSpotError) as ei:
        await gw.get_deal("1")
    assert not isinstance(ei.value, HubSpotUnavailable)
    assert ei.value.status == 401 and "Authentication" in ei.value.message
    assert fake.count("GET") == 1


async def test_api_objects_built_once(fake, gw, monkeypatch):
    from hubspot.discovery.discovery_base import DiscoveryBase

    built = []
    orig = DiscoveryBase._configure_api_client
    monkeypatch.setattr(DiscoveryBase, "_configure_api_client",
                        lambda self, *a: built.append(a) or orig(self, *a))
    fake.bulk_add_deals(3, d=D)
    for _ in range(3):
        await gw.get_deal("1")
        [p async for p in gw.search_deals_by_advance_date(D)]
        await gw.list_owners()
        await gw.provision_user("a@b.co")
    assert built == []


async def test_logs_route_and_duration_never_the_token(fake, gw, caplog):
    caplog.set_level(logging.DEBUG)
    fake.bulk_add_deals(3, d=D)
    [p async for p in gw.search_deals_by_advance_date(D)]
    await gw.get_deal("1")
    text = caplog.text
    assert "POST /crm/v3/objects/deals/search -> ok in" in text
    assert "GET /crm/v3/objects/deals/{id}" in text
    assert TOKEN not in text


# ------------------------------------------------------------------------------------ directory
async def test_list_companies_and_owners(fake, make_gw):
    gw = make_gw(services_property="servicios")
    for i in range(230):
        fake.add_company({"name": f"Cliente {i}", "domain": f"c{i}.co", "servicios": "web;social_ads"})
    seen = [c async for c in gw.list_companies()]
    assert len(seen) == 230 and len({c.id for c in seen}) == 230
    assert isinstance(seen[0], HubSpotCompany) and seen[0].services == ("web", "social_ads")
    assert seen[5].name == "Cliente 5" and seen[5].domain == "c5.co"
    for i in range(130):
        fake.add_owner(f"o{i}@sense.digital", f"N{i}", f"A{i}")
    owners = await gw.list_owners()
    assert len(owners) == 130 and isinstance(owners[0], HubSpotOwner)
    assert owners[1].email == "o1@sense.digital" and owners[1].name == "N1 A1"


# ------------------------------------------------------------------------------------ referrals
async def test_find_or_create_contact(fake, gw):
    cid, created = await gw.find_or_create_contact("Lead@Acme.co", "3001234567", "Laura", "Acme",
                                                    referrer="1234")
    assert created
    stored = fake.object_properties("contacts", cid)
    assert stored["email"] == "lead@acme.co" and stored["phone"] == "3001234567"
    assert stored["firstname"] == "Laura" and stored["company"] == "Acme"
    assert stored["fuente_referido"] == "Referido Operaciones" and stored["referido_por"] == "1234"
    assert await gw.find_or_create_contact("lead@acme.co") == (cid, False)
    # HubSpot's search is eventually consistent: the create then says 409 "Existing ID"
    fake.fail_next("POST", r"/contacts/search$", 200, body={"total": 0, "results": []})
    assert await gw.find_or_create_contact("lead@acme.co") == (cid, False)


async def test_company_association_and_customer_checks(fake, gw):
    co = await gw.find_or_create_company("  Acme   SAS ")
    assert await gw.find_or_create_company("Acme SAS") == co
    cid, _ = await gw.find_or_create_contact("a@acme.co")
    await gw.associate("contacts", cid, "companies", co)
    assert await gw.associated_ids("contacts", cid, "companies") == [co]
    assert await gw.associated_ids("companies", co, "contacts") == [cid]
    assert await gw.contact_is_customer_or_won(cid) is False
    lost = fake.add_deal({"dealstage": "closedlost"})
    await gw.associate("deals", lost, "contacts", cid)
    assert await gw.contact_is_customer_or_won(cid) is False
    won = fake.add_deal({"dealstage": "closedwon"})
    await gw.associate("contacts", cid, "deals", won)
    assert await gw.contact_is_customer_or_won(cid) is True
    cust = fake.add_contact({"email": "c@x.co", "lifecyclestage": "customer"})
    assert await gw.contact_is_customer_or_won(cust) is True
    with pytest.raises(HubSpotNotFound):
        await gw.contact_is_customer_or_won("999999")
    with pytest.raises(HubSpotError) as ei:  # association to a missing object: HubSpot's 400
        await gw.associate("contacts", cid, "companies", "999999")
    assert ei.value.status == 400


# ------------------------------------------------------------------------------------ users
async def test_provision_user(fake, gw):
    fake.seat_limit = 2
    uid, created = await gw.provision_user("nueva@sense.digital", "Nueva", "Persona")
    assert created and fake.users[uid]["firstName"] == "Nueva" and fake.users[uid]["lastName"] == "Persona"
    # existing → linked, not duplicated
    other = fake.add_user("ya@sense.digital")
    assert await gw.provision_user("YA@sense.digital") == (other, False)
    assert await gw.provision_user("nueva@sense.digital") == (uid, False)
    assert len(fake.users) == 2
    # seat limit
    with pytest.raises(HubSpotSeatLimit) as ei:
        await gw.provision_user("tercera@sense.digital")
    assert "no available seats" in ei.value.message and ei.value.status == 400
    assert len(fake.users) == 2


async def test_provision_user_conflict_links(fake, gw):
    uid = fake.add_user("carrera@sense.digital")
    fake.fail_next("GET", r"/settings/v3/users/", 404, times=1)  # lookup misses it (race)
    assert await gw.provision_user("carrera@sense.digital") == (uid, False)
    assert fake.count("POST", r"/settings/v3/users") == 1  # the 409 led to a second lookup


async def test_provision_user_other_errors(fake, gw):
    fake.fail_next("POST", r"/settings/v3/users", 403, times=1,
                   body={"status": "error", "message": "This app hasn't been granted all required scopes",
                         "category": "MISSING_SCOPES", "correlationId": "x"})
    with pytest.raises(HubSpotError) as ei:
        await gw.provision_user("x@sense.digital")
    assert type(ei.value) is HubSpotError and "scopes" in ei.value.message
    fake.outage = True
    with pytest.raises(HubSpotUnavailable):
        await gw.provision_user("y@sense.digital")


async def test_connection_refused_is_unavailable():
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    gw = HubSpotGateway(TOKEN, base_url=f"http://127.0.0.1:{port}", timeout=0.5, backoff_base=0.01, max_attempts=3)
    t0 = time.monotonic()
    with pytest.raises(HubSpotUnavailable) as ei:
        await gw.get_deal("1")
    assert time.monotonic() - t0 < 2 and "on GET" in str(ei.value)
    assert gw.calls == 3
    gw.close()


# ------------------------------------------------------------------------------------ own threads
async def test_a_hanging_hubspot_fills_only_its_own_bounded_pool(fake, make_gw):
    """Six calls into a HubSpot that never answers: two requests in flight (the pool's size), the
    other calls wait on the event loop without a thread, and non-HubSpot blocking work runs at once."""
    import threading

    from bot.blocking import run_blocking

    fake.outage, fake.outage_mode = True, "hang"
    gw = make_gw(timeout=1.0, max_concurrency=2, max_attempts=1, max_timeout_attempts=1)
    calls = [asyncio.create_task(gw.get_deal(str(900 + i))) for i in range(6)]
    await asyncio.sleep(0.3)
    assert len(fake.calls) == 2  # only two requests reached HubSpot
    assert len(gw._executor._threads) == 2  # noqa: SLF001 - the pool's size is the point
    assert (await run_blocking(lambda: threading.current_thread().name)).startswith("ventas-blocking")
    assert await asyncio.to_thread(lambda: 7) == 7  # the loop's default executor is free too
    assert not any(c.done() for c in calls)  # … while every HubSpot call is still waiting
    results = await asyncio.gather(*calls, return_exceptions=True)
    assert all(isinstance(r, HubSpotUnavailable) for r in results)
    assert len(fake.calls) == 6  # each waited for a thread, none was dropped
    # the per-call timeout counts from the thread, not from the wait for one: no call timed out early
    assert gw.calls == 6


async def test_closed_gateway_refuses_new_calls(fake, make_gw):
    gw = make_gw()
    gw.close()
    with pytest.raises(HubSpotUnavailable):
        await gw.get_deal("900")
    assert fake.calls == []
