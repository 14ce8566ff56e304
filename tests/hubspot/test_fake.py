"""The HubSpot fake answers like HubSpot: shapes, limits, errors, fault injection."""
from __future__ import annotations

import asyncio
import json as json_mod
import os
import random
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import aiohttp
import pytest

from tests.fakes.hubspot_fake import HubSpotFake, midnight_ms

TOKEN = "tok-fake"
H = {"Authorization": f"Bearer {TOKEN}"}
D = date(2025, 3, 14)
DMS = str(midnight_ms(D))


@pytest.fixture
async def fake():
    f = HubSpotFake(token=TOKEN, limits=False)
    await f.start()
    yield f
    await f.stop()


@pytest.fixture
async def http(fake):
    async with aiohttp.ClientSession(base_url=fake.base_url, headers=H) as s:
        yield s


async def req(http, method, path, json=None, **kw):
    async with http.request(method, path, json=json, **kw) as r:
        text = await r.text()
        try:
            body = json_mod.loads(text) if text else None
        except ValueError:
            body = text
        return r.status, body, r.headers


def search_body(*filters, limit=200, after="0", sorts=None, properties=None, groups=None):
    return {"filterGroups": groups if groups is not None else [{"filters": list(filters)}],
            "sorts": sorts or [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
            "properties": properties or ["dealname", "amount"], "limit": limit, "after": after}


async def test_auth(fake, http):
    async with aiohttp.ClientSession(base_url=fake.base_url) as anon:
        st, body, _ = await req(anon, "GET", "/crm/v3/objects/deals")
    assert st == 401 and body["category"] == "INVALID_AUTHENTICATION" and body["status"] == "error"
    st, _, _ = await req(http, "GET", "/crm/v3/objects/deals", headers={"Authorization": "Bearer nope"})
    assert st == 401


async def test_crud_and_archive(fake, http):
    st, a, _ = await req(http, "POST", "/crm/v3/objects/deals",
                         {"properties": {"dealname": "A", "amount": "10", "fecha_de_anticipo": DMS}})
    assert st == 201 and a["id"].isdigit() and a["archived"] is False
    assert {"createdAt", "updatedAt", "properties"} <= a.keys()
    assert a["properties"]["hs_object_id"] == a["id"] and a["properties"]["createdate"].endswith("Z")
    st, b, _ = await req(http, "POST", "/crm/v3/objects/0-3", {"properties": {"dealname": "B"}})
    assert int(b["id"]) > int(a["id"])
    st, g, _ = await req(http, "GET", f"/crm/v3/objects/deals/{a['id']}?properties=dealname,fecha_de_anticipo,nada")
    assert g["properties"]["dealname"] == "A" and g["properties"]["fecha_de_anticipo"] == DMS
    assert g["properties"]["nada"] is None
    st, u, _ = await req(http, "PATCH", f"/crm/v3/objects/deals/{a['id']}", {"properties": {"amount": "20"}})
    assert st == 200 and u["properties"]["amount"] == "20"
    st, _, _ = await req(http, "DELETE", f"/crm/v3/objects/deals/{a['id']}")
    assert st == 204
    st, e, _ = await req(http, "GET", f"/crm/v3/objects/deals/{a['id']}")
    assert st == 404 and e["category"] == "OBJECT_NOT_FOUND"
    st, g, _ = await req(http, "GET", f"/crm/v3/objects/deals/{a['id']}?archived=true")
    assert st == 200 and g["archived"] is True and "archivedAt" in g
    st, s, _ = await req(http, "POST", "/crm/v3/objects/deals/search",
                         search_body({"propertyName": "fecha_de_anticipo", "operator": "EQ", "value": DMS}))
    assert s["total"] == 0  # archived objects are not searchable
    st, page, _ = await req(http, "GET", "/crm/v3/objects/deals?limit=1")
    assert [r["id"] for r in page["results"]] == [b["id"]] and "paging" not in page


async def test_list_paging(fake, http):
    ids = fake.bulk_add_deals(25)
    got, after = [], None
    while True:
        st, page, _ = await req(http, "GET", "/crm/v3/objects/deals", params={"limit": 10, **({"after": after} if after else {})})
        got += [r["id"] for r in page["results"]]
        if "paging" not in page:
            break
        after = page["paging"]["next"]["after"]
    assert got == ids
    st, _, _ = await req(http, "GET", "/crm/v3/objects/deals?limit=101")
    assert st == 400


async def test_search_operators(fake, http):
    a = fake.add_deal({"dealname": "Alfa", "amount": "100", "fecha_de_anticipo": D, "dealstage": "closedwon"})
    b = fake.add_deal({"dealname": "Beta", "amount": "250", "fecha_de_anticipo": date(2025, 3, 15)})
    c = fake.add_deal({"dealname": "Gama", "amount": "99"})

    async def ids(*filters, groups=None, **kw):
        st, body, _ = await req(http, "POST", "/crm/v3/objects/deals/search", search_body(*filters, groups=groups, **kw))
        assert st == 200, body
        return [r["id"] for r in body["results"]], body["total"]

    def f(p, op, v=None, **kw):
        return {"propertyName": p, "operator": op, **({"value": v} if v is not None else {}), **kw}

    assert await ids(f("amount", "GT", "99")) == ([a, b], 2)  # numeric, not lexicographic
    assert (await ids(f("amount", "GTE", "99")))[0] == [a, b, c]
    assert (await ids(f("amount", "LT", "100")))[0] == [c]
    assert (await ids(f("amount", "LTE", "100")))[0] == [a, c]
    assert (await ids(f("amount", "BETWEEN", "100", highValue="250")))[0] == [a, b]
    assert (await ids(f("dealname", "IN", values=["alfa", "Gama"])))[0] == [a, c]
    assert (await ids(f("dealname", "NEQ", "Alfa")))[0] == [b, c]
    assert (await ids(f("fecha_de_anticipo", "HAS_PROPERTY")))[0] == [a, b]
    assert (await ids(f("fecha_de_anticipo", "EQ", "2025-03-14")))[0] == [a]  # ISO date accepted
    assert (await ids(f("fecha_de_anticipo", "EQ", DMS), f("hs_object_id", "GT", a)))[0] == []
    assert (await ids(f("hs_object_id", "GT", str(int(a) - 1)), f("hs_object_id", "LT", c)))[0] == [a, b]
    assert (await ids(groups=[{"filters": [f("dealname", "EQ", "Beta")]},
                              {"filters": [f("dealstage", "EQ", "closedwon")]}]))[0] == [a, b]
    assert (await ids(sorts=[{"propertyName": "amount", "direction": "DESCENDING"}]))[0] == [b, a, c]
    assert (await ids(sorts=["-hs_object_id"]))[0] == [c, b, a]
    got, total = await ids(limit=2)
    assert got == [a, b] and total == 3
    st, body, _ = await req(http, "POST", "/crm/v3/objects/deals/search", search_body(limit=2))
    assert body["paging"]["next"]["after"] == "2"
    st, body, _ = await req(http, "POST", "/crm/v3/objects/deals/search", search_body(limit=2, after="2"))
    assert [r["id"] for r in body["results"]] == [c] and "paging" not in body


async def test_search_limit_and_10000_cap(fake, http):
    fake.bulk_add_deals(10_100, d=D)
    eq = {"propertyName": "fecha_de_anticipo", "operator": "EQ", "value": DMS}
    st, body, _ = await req(http, "POST", "/crm/v3/objects/deals/search", search_body(eq, limit=201))
    assert st == 400 and body["category"] == "VALIDATION_ERROR" and "200" in body["message"]
    st, body, _ = await req(http, "POST", "/crm/v3/objects/deals/search", search_body(eq, after="9800"))
    assert st == 200 and body["total"] == 10_100 and len(body["results"]) == 200
    assert "paging" not in body  # HubSpot stops offering pages at 10,000
    for after in ("9900", "10000"):
        st, body, _ = await req(http, "POST", "/crm/v3/objects/deals/search", search_body(eq, after=after))
        assert st == 400 and body["status"] == "error" and body["category"] == "VALIDATION_ERROR"
        assert "correlationId" in body


async def test_batches(fake, http):
    ids = fake.bulk_add_deals(3)
    big = {"inputs": [{"id": i} for i in ids] * 34, "properties": ["dealname"]}
    for path in ("read", "update", "create"):
        st, body, _ = await req(http, "POST", f"/crm/v3/objects/deals/batch/{path}", big)
        assert st == 400 and "100" in body["message"] and body["category"] == "VALIDATION_ERROR"
    st, body, _ = await req(http, "POST", "/crm/v3/objects/deals/batch/read",
                            {"inputs": [{"id": ids[0]}, {"id": "1"}], "properties": ["dealname"]})
    assert st == 207 and [r["id"] for r in body["results"]] == [ids[0]] and body["numErrors"] == 1
    st, body, _ = await req(http, "POST", "/crm/v3/objects/deals/batch/update",
                            {"inputs": [{"id": ids[1], "properties": {"amount": "5"}}]})
    assert st == 200 and body["status"] == "COMPLETE" and fake.object_properties("deals", ids[1])["amount"] == "5"
    st, body, _ = await req(http, "POST", "/crm/v3/objects/contacts/batch/create",
                            {"inputs": [{"properties": {"email": f"{i}@x.co"}} for i in range(3)]})
    assert st == 201 and len(body["results"]) == 3


async def test_rate_limits(fake, http):
    fake.limits = True
    codes = []
    for _ in range(6):
        st, body, headers = await req(http, "POST", "/crm/v3/objects/deals/search", search_body())
        codes.append(st)
    assert codes == [200] * 5 + [429]
    assert body["errorType"] == "RATE_LIMIT" and body["policyName"] == "SECONDLY"
    assert body["message"] == "You have reached your secondly limit." and body["status"] == "error"
    assert int(headers["Retry-After"]) >= 1 and fake.rate_limited == 1
    fake.general_per_10s = 6
    st, body, headers = await req(http, "GET", "/crm/v3/objects/deals")
    st2, body2, headers2 = await req(http, "GET", "/crm/v3/objects/deals")
    assert (st, st2) == (200, 429)  # 5 searches + 1 GET fill the window of 6; the refused search did not count
    assert body2["policyName"] == "TEN_SECONDLY_ROLLING" and "Retry-After" in headers2


async def test_fault_injection_and_counters(fake, http):
    did = fake.add_deal({"dealname": "X"})
    fake.fail_next("GET", rf"/deals/{did}$", 500, times=2)
    fake.fail_next("POST", r"/search$", 429, retry_after=0.5)
    assert (await req(http, "GET", f"/crm/v3/objects/deals/{did}"))[0] == 500
    assert (await req(http, "PATCH", f"/crm/v3/objects/deals/{did}", {"properties": {}}))[0] == 200  # method filter
    assert (await req(http, "GET", f"/crm/v3/objects/deals/{did}"))[0] == 500
    assert (await req(http, "GET", f"/crm/v3/objects/deals/{did}"))[0] == 200
    st, body, headers = await req(http, "POST", "/crm/v3/objects/deals/search", search_body())
    assert st == 429 and headers["Retry-After"] == "0.5" and body["errorType"] == "RATE_LIMIT"
    assert fake.count("GET", rf"/deals/{did}$") == 3
    assert fake.route_counts[("GET", "get")] == 3 and fake.route_counts[("POST", "search")] == 1
    assert fake.calls[-1].json["limit"] == 200
    fake.latency = 0.2
    t0 = time.monotonic()
    await req(http, "GET", "/crm/v3/owners")
    assert time.monotonic() - t0 >= 0.2
    fake.latency = 0
    fake.outage = True
    assert (await req(http, "GET", "/crm/v3/owners"))[0] == 503
    fake.outage_mode = "hang"
    with pytest.raises(asyncio.TimeoutError):
        await req(http, "GET", "/crm/v3/owners", timeout=aiohttp.ClientTimeout(total=0.2))


async def test_owners_pipelines_associations(fake, http):
    owners = [fake.add_owner(f"o{i}@s.co", "N", str(i)) for i in range(5)]
    st, page, _ = await req(http, "GET", "/crm/v3/owners/?limit=3")
    assert [o["id"] for o in page["results"]] == owners[:3] and page["paging"]["next"]["after"] == owners[2]
    assert {"type", "createdAt", "updatedAt", "archived", "email"} <= page["results"][0].keys()
    st, o, _ = await req(http, "GET", f"/crm/v3/owners/{owners[4]}")
    assert o["email"] == "o4@s.co"
    assert (await req(http, "GET", "/crm/v3/owners/1"))[0] == 404
    st, p, _ = await req(http, "GET", "/crm/v3/pipelines/deals")
    assert "closedwon" in [s["id"] for s in p["results"][0]["stages"]]
    d, c = fake.add_deal({"dealname": "x"}), fake.add_contact({"email": "a@b.co"})
    st, body, _ = await req(http, "PUT", f"/crm/v4/objects/deals/{d}/associations/default/contacts/{c}")
    assert st == 200 and body["results"][0]["associationSpec"]["associationTypeId"] == 3
    st, body, _ = await req(http, "GET", f"/crm/v4/objects/contacts/{c}/associations/deals")
    assert body["results"][0]["toObjectId"] == int(d)


async def test_users(fake, http):
    fake.seat_limit = 2
    st, u, _ = await req(http, "POST", "/settings/v3/users/", {"email": "a@s.co", "firstName": "A", "sendWelcomeEmail": False})
    assert st == 201 and {"id", "email", "roleIds", "superAdmin"} <= u.keys()
    st, body, _ = await req(http, "POST", "/settings/v3/users", {"email": "A@s.co"})
    assert st == 409 and body["category"] == "CONFLICT"
    assert (await req(http, "POST", "/settings/v3/users", {"email": "b@s.co"}))[0] == 201
    st, body, _ = await req(http, "POST", "/settings/v3/users", {"email": "c@s.co"})
    assert st == 400 and "seats" in body["message"]
    st, g, _ = await req(http, "GET", "/settings/v3/users/a@s.co?idProperty=EMAIL")
    assert g["id"] == u["id"]
    assert (await req(http, "GET", f"/settings/v3/users/{u['id']}"))[1]["email"] == "a@s.co"
    assert (await req(http, "GET", "/settings/v3/users/zz@s.co?idProperty=EMAIL"))[0] == 404
    st, lst, _ = await req(http, "GET", "/settings/v3/users?limit=1")
    assert len(lst["results"]) == 1 and "paging" in lst


async def test_fast_search_matches_scan(fake, http):
    """The indexed path (EQ date + hs_object_id bounds) gives what a full scan gives, after updates/archives."""
    rnd = random.Random(7)
    days = [date(2025, 1, d) for d in (1, 2, 3)]
    ids = []
    for _ in range(300):
        ids.append(fake.add_deal({"dealname": "x", "fecha_de_anticipo": rnd.choice(days), "amount": "1"}))
    for i in rnd.sample(ids, 40):
        fake.archive("deals", i)
    for i in rnd.sample(ids, 40):
        await req(http, "PATCH", f"/crm/v3/objects/deals/{i}", {"properties": {"fecha_de_anticipo": str(midnight_ms(rnd.choice(days)))}})
    for d in days:
        for lo in (0, int(ids[50]), int(ids[200])):
            fast_f = [{"propertyName": "fecha_de_anticipo", "operator": "EQ", "value": str(midnight_ms(d))},
                      {"propertyName": "hs_object_id", "operator": "GT", "value": str(lo)}]
            slow_f = fast_f + [{"propertyName": "amount", "operator": "EQ", "value": "1"}]  # forces the scan
            a = (await req(http, "POST", "/crm/v3/objects/deals/search", search_body(*fast_f, limit=200)))[1]
            b = (await req(http, "POST", "/crm/v3/objects/deals/search", search_body(*slow_f, limit=200)))[1]
            assert [r["id"] for r in a["results"]] == [r["id"] for r in b["results"]]
            assert a["total"] == b["total"]


async def test_200k_seed_and_search_pages_by_id_cursor(fake, http):
    """200,000 deals (the export bench's size) seed and page by ``hs_object_id GT last`` anywhere in the range.
    How fast that is belongs to ``bench/export.py``, not to a timed assertion here."""
    ids = fake.bulk_add_deals(200_000, d=D)
    assert len(ids) == 200_000
    for last in (ids[0], ids[100_000], ids[-300]):
        st, body, _ = await req(http, "POST", "/crm/v3/objects/deals/search", search_body(
            {"propertyName": "fecha_de_anticipo", "operator": "EQ", "value": DMS},
            {"propertyName": "hs_object_id", "operator": "GT", "value": last}))
        assert st == 200 and body["results"][0]["id"] == str(int(last) + 1)


def test_standalone():
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.hubspot_fake", "--port", "0", "--token", "t",
         "--seed-deals", "1000", "--date", "2025-03-14"],
        cwd=root, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(root)},
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline(), proc.stdout.readline()]
        assert "seeded 1000" in lines[0] and "listening on http://127.0.0.1:" in lines[1]
        url = lines[1].split("listening on ")[1].split()[0]

        async def probe():
            async with aiohttp.ClientSession(headers={"Authorization": "Bearer t"}) as s:
                async with s.post(url + "/crm/v3/objects/deals/search", json=search_body(
                        {"propertyName": "fecha_de_anticipo", "operator": "EQ", "value": DMS})) as r:
                    return (await r.json())["total"]

        assert asyncio.run(probe()) == 1000
    finally:
        proc.terminate()
        proc.wait(timeout=5)


async def test_bodies_are_checked_against_hubspots_spec(fake, http):
    """Refused like HubSpot (400 VALIDATION_ERROR naming the field); the documented relaxations pass."""
    bad = search_body({"propertyName": "dealname", "operator": "EQUALS", "value": "X"})
    st, body, _ = await req(http, "POST", "/crm/v3/objects/deals/search", bad)
    assert st == 400 and body["category"] == "VALIDATION_ERROR"
    assert body["errors"][0]["context"]["field"] == ["filterGroups.0.filters.0.operator"]
    st, body, _ = await req(http, "PATCH", "/crm/v3/objects/deals/1", {"properties": "no es un objeto"})
    assert st == 400 and "properties" in body["message"]
    assert len(fake.spec_refusals) == 2
    # the object form of sorts and a first page without "after" (what the SDK sends) are accepted
    fake.add_deal({"dealname": "X"})
    st, body, _ = await req(http, "POST", "/crm/v3/objects/deals/search", {
        "filterGroups": [], "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
        "properties": ["dealname"], "limit": 10})
    assert st == 200 and body["total"] == 1 and len(fake.spec_refusals) == 2
