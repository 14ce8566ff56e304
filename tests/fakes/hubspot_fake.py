"""A loopback fake of the parts of HubSpot's API that ventas-ops uses.

Stateful and in memory; shapes follow the official OpenAPI specs (``/work/shared/hubspot-openapi``),
so the real ``hubspot-api-client`` deserialises every answer. HubSpot's limits are answered the way
HubSpot answers them (429 + JSON body + ``Retry-After``; 400 for ``limit`` > 200, batches > 100,
search paging past 10,000; 401 for a wrong token). Every request body is checked against those specs
(:mod:`tests.fakes.hubspot_spec`) and refused with HubSpot's 400 ``VALIDATION_ERROR``; the refusals
are kept in :attr:`HubSpotFake.spec_refusals` (the e2e harness fails a test that caused any).

In-process::

    fake = HubSpotFake(token="test-token", limits=True)
    await fake.start()          # fake.base_url == "http://127.0.0.1:PORT"
    fake.add_deal({"dealname": "X", "fecha_de_anticipo": date(2025, 1, 2)})
    ...
    await fake.stop()

Standalone::

    python -m tests.fakes.hubspot_fake --port 8765 --seed-deals 200000 --date 2025-01-02

Fault injection: :meth:`HubSpotFake.fail_next`, :attr:`latency`, :attr:`outage` (+ :attr:`outage_mode`
``"503"`` or ``"hang"``). Assertions: :attr:`calls`, :attr:`route_counts`, :attr:`status_counts`,
:attr:`rate_limited`, :meth:`count`, :meth:`max_in_window`.
"""
from __future__ import annotations

import argparse
import asyncio
import bisect
import itertools
import json
import re
import time
import uuid
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from aiohttp import web

from tests.fakes import hubspot_spec

SEARCH_PAGE_CAP = 10_000
MAX_SEARCH_LIMIT = 200
MAX_BATCH = 100

TYPE_ALIASES = {
    "deals": "deals", "deal": "deals", "0-3": "deals",
    "contacts": "contacts", "contact": "contacts", "0-1": "contacts",
    "companies": "companies", "company": "companies", "0-2": "companies",
}
# (from, to) -> default association type id (HUBSPOT_DEFINED)
ASSOC_TYPE_IDS = {
    ("contacts", "companies"): 279, ("companies", "contacts"): 280,
    ("deals", "contacts"): 3, ("contacts", "deals"): 4,
    ("deals", "companies"): 341, ("companies", "deals"): 342,
}
DEFAULT_PROPERTIES = {
    "deals": ("dealname", "amount", "dealstage", "pipeline", "closedate"),
    "contacts": ("email", "firstname", "lastname"),
    "companies": ("name", "domain"),
}
VIRTUAL = ("hs_object_id", "createdate", "hs_lastmodifieddate")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _now_ms() -> int:
    return int(time.time() * 1000)


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def midnight_ms(d: date) -> int:
    return int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp() * 1000)


def to_prop(value: Any) -> str | None:
    """Property values are strings; dates become midnight-UTC epoch ms."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return str(int(value.timestamp() * 1000))
    if isinstance(value, date):
        return str(midnight_ms(value))
    return str(value)


class Call(NamedTuple):
    method: str
    path: str
    time: float  # time.monotonic() at arrival
    json: Any


@dataclass(slots=True)
class _Obj:
    id: int
    props: dict[str, str]
    created: int
    updated: int
    archived: bool = False
    archived_at: int | None = None

    def get(self, name: str) -> str | None:
        if name == "hs_object_id":
            return str(self.id)
        if name == "createdate":
            return _iso(self.created)
        if name == "hs_lastmodifieddate":
            return _iso(self.updated)
        return self.props.get(name)


@dataclass
class _Fault:
    method: str
    pattern: re.Pattern[str]
    status: int
    times: int
    retry_after: float | None
    body: Any


@dataclass
class _Store:
    objects: dict[int, _Obj] = field(default_factory=dict)
    live_ids: list[int] = field(default_factory=list)  # sorted, not archived
    index: dict[str, dict[str, list[int]]] = field(default_factory=dict)  # prop -> value -> sorted ids


class HubSpotError400(Exception):
    pass


def _err(status: int, message: str, category: str, **extra: Any) -> web.Response:
    body = {"status": "error", "message": message, "correlationId": str(uuid.uuid4()), "category": category}
    body.update(extra)
    return web.json_response(body, status=status)


def _to_num(s: Any) -> float | None:
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def _norm_filter_value(v: Any) -> Any:
    if isinstance(v, str) and _ISO_DATE.match(v):
        try:
            return str(midnight_ms(date.fromisoformat(v)))
        except ValueError:
            return v
    return v


def _cmp(a: str, b: Any) -> int:
    na, nb = _to_num(a), _to_num(b)
    if na is not None and nb is not None:
        return (na > nb) - (na < nb)
    sa, sb = str(a).lower(), str(b).lower()
    return (sa > sb) - (sa < sb)


def _match(obj: _Obj, f: dict[str, Any]) -> bool:
    op = f.get("operator", "EQ")
    v = obj.get(f.get("propertyName", ""))
    if op == "HAS_PROPERTY":
        return v not in (None, "")
    if op == "NOT_HAS_PROPERTY":
        return v in (None, "")
    if op == "IN" or op == "NOT_IN":
        vals = [_norm_filter_value(x) for x in (f.get("values") or [])]
        hit = v is not None and any(_cmp(v, x) == 0 for x in vals)
        return hit if op == "IN" else not hit
    if op == "NEQ":
        return v is None or _cmp(v, _norm_filter_value(f.get("value"))) != 0
    if v in (None, ""):
        return False
    if op == "BETWEEN":
        return _cmp(v, _norm_filter_value(f.get("value"))) >= 0 and _cmp(v, _norm_filter_value(f.get("highValue"))) <= 0
    if op == "CONTAINS_TOKEN":
        return str(f.get("value", "")).strip("*").lower() in v.lower()
    c = _cmp(v, _norm_filter_value(f.get("value")))
    return {"EQ": c == 0, "GT": c > 0, "GTE": c >= 0, "LT": c < 0, "LTE": c <= 0}.get(op, False)


TOKEN_SCOPES = (
    "crm.objects.deals.read", "crm.objects.deals.write", "crm.objects.contacts.read", "crm.objects.contacts.write",
    "crm.objects.companies.read", "crm.objects.companies.write", "crm.objects.owners.read", "settings.users.read",
    "settings.users.write",
)


class HubSpotFake:
    """See the module docstring."""

    def __init__(
        self,
        token: str = "test-token",
        *,
        limits: bool = True,
        search_per_second: int = 5,
        general_per_10s: int = 190,
        seat_limit: int | None = None,
        indexed_properties: Iterable[str] = ("fecha_de_anticipo",),
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.token = token
        self.limits = limits
        self.search_per_second = search_per_second
        self.general_per_10s = general_per_10s
        self.seat_limit = seat_limit
        self.host, self.port = host, port
        self.latency: float = 0.0
        self.outage: bool = False
        self.outage_mode: str = "503"  # or "hang"
        self.calls: list[Call] = []
        self.record_bodies: bool = True
        self.route_counts: Counter[tuple[str, str]] = Counter()
        self.status_counts: Counter[int] = Counter()
        self.rate_limited: int = 0
        self.spec_refusals: list[tuple[str, str, Any, list[str]]] = []  # bodies refused as HubSpot would
        self._faults: list[_Fault] = []
        self._search_window: dict[str, deque[float]] = {}
        self._general_window: dict[str, deque[float]] = {}
        self._ids = itertools.count(1001)
        self._indexed = set(indexed_properties)
        self._stores: dict[str, _Store] = {t: _Store() for t in ("deals", "contacts", "companies")}
        for t in self._stores.values():
            t.index = {p: {} for p in self._indexed}
        self.owners: dict[str, dict[str, Any]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        # the private app's scopes, as POST /oauth/v2/private-apps/get/access-token-info reports them
        self.scopes: list[str] = list(TOKEN_SCOPES)
        self.associations: dict[tuple[str, str, str], dict[str, int]] = {}  # (from, fromId, to) -> {toId: typeId}
        self._stop_event: asyncio.Event | None = None
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # ------------------------------------------------------------------ lifecycle
    def make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware], client_max_size=32 * 1024 * 1024)
        r = app.router
        o = "/crm/v3/objects/{otype}"
        r.add_post(o + "/search", self._search, name="search")
        r.add_post(o + "/batch/read", self._batch_read, name="batch_read")
        r.add_post(o + "/batch/create", self._batch_create, name="batch_create")
        r.add_post(o + "/batch/update", self._batch_update, name="batch_update")
        r.add_post(o, self._create, name="create")
        r.add_get(o, self._list, name="list")
        r.add_get(o + "/{oid}", self._get, name="get")
        r.add_patch(o + "/{oid}", self._update, name="update")
        r.add_delete(o + "/{oid}", self._archive, name="archive")
        for p in ("/crm/v3/owners", "/crm/v3/owners/"):
            r.add_get(p, self._owners, name="owners" if p.endswith("s") else None)
        r.add_get("/crm/v3/owners/{owner_id}", self._owner, name="owner")
        r.add_get("/crm/v3/pipelines/{otype}", self._pipelines, name="pipelines")
        r.add_put(
            "/crm/v4/objects/{ftype}/{fid}/associations/default/{ttype}/{tid}", self._assoc_put, name="assoc_put"
        )
        r.add_get("/crm/v4/objects/{ftype}/{fid}/associations/{ttype}", self._assoc_get, name="assoc_get")
        for p in ("/settings/v3/users", "/settings/v3/users/"):
            r.add_get(p, self._users_list, name="users_list" if p.endswith("s") else None)
            r.add_post(p, self._users_create, name="users_create" if p.endswith("s") else None)
        r.add_get("/settings/v3/users/{user_id}", self._user_get, name="user_get")
        r.add_post("/oauth/v2/private-apps/get/access-token-info", self._token_info, name="token_info")
        return app

    async def start(self) -> str:
        hubspot_spec.spec()  # compiled once per process, before the first request can time out on it
        self._stop_event = asyncio.Event()
        self._runner = web.AppRunner(self.make_app(), access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        sock = site._server.sockets[0]  # type: ignore[union-attr]
        self.port = sock.getsockname()[1]
        self.base_url = f"http://{self.host}:{self.port}"
        return self.base_url

    async def stop(self) -> None:
        if self._stop_event is not None:
            self._stop_event.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> HubSpotFake:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ fault injection / counters
    def fail_next(
        self, method: str, path_regex: str, status: int, times: int = 1,
        retry_after: float | None = None, body: Any = None,
    ) -> None:
        """The next ``times`` requests whose method matches (``"*"`` = any) and whose path matches
        ``path_regex`` (``re.search``) are answered with ``status`` (HubSpot-style body unless given)."""
        self._faults.append(_Fault(method.upper(), re.compile(path_regex), status, times, retry_after, body))

    def clear_faults(self) -> None:
        self._faults.clear()

    def reset_counters(self) -> None:
        self.calls.clear()
        self.route_counts.clear()
        self.status_counts.clear()
        self.rate_limited = 0

    def count(self, method: str | None = None, path_regex: str | None = None) -> int:
        rx = re.compile(path_regex) if path_regex else None
        return sum(
            1 for c in self.calls
            if (method is None or c.method == method.upper()) and (rx is None or rx.search(c.path))
        )

    def max_in_window(self, method: str | None, path_regex: str, window: float = 1.0) -> int:
        """Most requests matching (method, path) that arrived within any ``window`` seconds."""
        rx = re.compile(path_regex)
        ts = sorted(c.time for c in self.calls if (method is None or c.method == method.upper()) and rx.search(c.path))
        best, lo = 0, 0
        for hi, t in enumerate(ts):
            while t - ts[lo] >= window:
                lo += 1
            best = max(best, hi - lo + 1)
        return best

    # ------------------------------------------------------------------ seeding (no HTTP)
    def _insert(self, otype: str, props: dict[str, Any], created: int | None = None) -> str:
        store = self._stores[otype]
        oid = next(self._ids)
        now = created if created is not None else _now_ms()
        clean = {k: v for k, v in ((k, to_prop(v)) for k, v in props.items()) if v is not None and k not in VIRTUAL}
        obj = _Obj(oid, clean, now, now)
        store.objects[oid] = obj
        store.live_ids.append(oid)  # ids increase
        for p in self._indexed:
            v = clean.get(p)
            if v is not None:
                store.index[p].setdefault(v, []).append(oid)
        return str(oid)

    def add_deal(self, properties: dict[str, Any] | None = None, **kw: Any) -> str:
        return self._insert("deals", {**(properties or {}), **kw})

    def add_contact(self, properties: dict[str, Any] | None = None, **kw: Any) -> str:
        return self._insert("contacts", {**(properties or {}), **kw})

    def add_company(self, properties: dict[str, Any] | None = None, **kw: Any) -> str:
        return self._insert("companies", {**(properties or {}), **kw})

    def bulk_add_deals(
        self, n: int, date_prop: str = "fecha_de_anticipo", d: date | None = None,
        *, amount: int = 1_000_000, owner_id: str | None = None, stage: str = "closedwon",
    ) -> list[str]:
        """Seed ``n`` deals on the advance date ``d`` quickly (shared strings; ~200k in a second or two)."""
        if date_prop not in self._indexed:
            self._indexed.add(date_prop)
            for otype, st in self._stores.items():
                st.index[date_prop] = {}
                for obj in st.objects.values():
                    v = obj.props.get(date_prop)
                    if v is not None and not obj.archived:
                        st.index[date_prop].setdefault(v, []).append(obj.id)
        store = self._stores["deals"]
        dval = to_prop(d) if d is not None else None
        amt, now = str(amount), _now_ms()
        bucket = store.index[date_prop].setdefault(dval, []) if dval is not None else None
        out: list[str] = []
        for _ in range(n):
            oid = next(self._ids)
            props = {"dealname": f"Negocio {oid}", "amount": amt, "dealstage": stage, "pipeline": "default"}
            if dval is not None:
                props[date_prop] = dval
            if owner_id is not None:
                props["hubspot_owner_id"] = owner_id
            store.objects[oid] = _Obj(oid, props, now, now)
            store.live_ids.append(oid)
            if bucket is not None:
                bucket.append(oid)
            out.append(str(oid))
        return out

    def add_owner(self, email: str, first: str = "", last: str = "", *, user_id: int | None = None) -> str:
        oid = str(next(self._ids))
        now = _iso(_now_ms())
        self.owners[oid] = {
            "id": oid, "email": email, "firstName": first, "lastName": last, "type": "PERSON",
            "userId": user_id or int(oid) * 10, "userIdIncludingInactive": user_id or int(oid) * 10,
            "createdAt": now, "updatedAt": now, "archived": False, "teams": [],
        }
        return oid

    def add_user(self, email: str, first: str | None = None, last: str | None = None) -> str:
        uid = str(next(self._ids))
        self.users[uid] = {
            "id": uid, "email": email, "firstName": first, "lastName": last, "roleIds": [],
            "superAdmin": False, "sendWelcomeEmail": False, "secondaryTeamIds": [],
        }
        return uid

    def add_association(self, ftype: str, fid: str, ttype: str, tid: str) -> None:
        ftype, ttype = TYPE_ALIASES[ftype], TYPE_ALIASES[ttype]
        self.associations.setdefault((ftype, str(fid), ttype), {})[str(tid)] = ASSOC_TYPE_IDS.get((ftype, ttype), 1)
        self.associations.setdefault((ttype, str(tid), ftype), {})[str(fid)] = ASSOC_TYPE_IDS.get((ttype, ftype), 1)

    def archive(self, otype: str, oid: str) -> None:
        self._archive_obj(TYPE_ALIASES[otype], int(oid))

    def get_object(self, otype: str, oid: str) -> dict[str, Any] | None:
        t = TYPE_ALIASES[otype]
        obj = self._stores[t].objects.get(int(oid))
        return None if obj is None else self._render(obj, None, t)

    def object_properties(self, otype: str, oid: str) -> dict[str, str]:
        """Every stored property of an object (archived included), plus the virtual ones."""
        obj = self._stores[TYPE_ALIASES[otype]].objects[int(oid)]
        return {**obj.props, **{n: obj.get(n) for n in VIRTUAL}}

    # ------------------------------------------------------------------ store internals
    def _archive_obj(self, otype: str, oid: int) -> bool:
        store = self._stores[otype]
        obj = store.objects.get(oid)
        if obj is None or obj.archived:
            return False
        obj.archived, obj.archived_at = True, _now_ms()
        i = bisect.bisect_left(store.live_ids, oid)
        if i < len(store.live_ids) and store.live_ids[i] == oid:
            store.live_ids.pop(i)
        for p, idx in store.index.items():
            v = obj.props.get(p)
            if v is not None and v in idx:
                lst = idx[v]
                j = bisect.bisect_left(lst, oid)
                if j < len(lst) and lst[j] == oid:
                    lst.pop(j)
        return True

    def _set_props(self, otype: str, obj: _Obj, props: dict[str, Any]) -> None:
        store = self._stores[otype]
        for k, raw in props.items():
            if k in VIRTUAL:
                continue
            v = to_prop(raw)
            if v == "":
                v = None
            old = obj.props.get(k)
            if old == v:
                continue
            if k in store.index and not obj.archived:
                if old is not None:
                    lst = store.index[k].get(old, [])
                    j = bisect.bisect_left(lst, obj.id)
                    if j < len(lst) and lst[j] == obj.id:
                        lst.pop(j)
                if v is not None:
                    bisect.insort(store.index[k].setdefault(v, []), obj.id)
            if v is None:
                obj.props.pop(k, None)
            else:
                obj.props[k] = v
        obj.updated = _now_ms()

    def _render(self, obj: _Obj, props: list[str] | None, otype: str = "deals") -> dict[str, Any]:
        names = props if props else list(DEFAULT_PROPERTIES.get(otype, ()))
        out: dict[str, Any] = {}
        for n in names:
            out[n] = obj.get(n)
        if not props:
            out = {k: v for k, v in out.items() if v is not None}
        for n in VIRTUAL:
            out[n] = obj.get(n)
        body = {
            "id": str(obj.id), "properties": out, "createdAt": _iso(obj.created), "updatedAt": _iso(obj.updated),
            "archived": obj.archived,
        }
        if obj.archived and obj.archived_at:
            body["archivedAt"] = _iso(obj.archived_at)
        return body

    # ------------------------------------------------------------------ middleware
    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        now = time.monotonic()
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode("utf-8", "replace")
        self.calls.append(Call(request.method, request.path, now, body if self.record_bodies else None))
        info = request.match_info
        res = info.route.resource
        route = info.route.name or (res.canonical if res is not None else request.path)
        self.route_counts[(request.method, str(route))] += 1
        resp = await self._pre(request, now)
        if resp is None:
            resp = self._spec_refusal(request, body)
        if resp is None:
            try:
                resp = await handler(request)
            except HubSpotError400 as e:
                resp = _err(400, str(e), "VALIDATION_ERROR")
        self.status_counts[resp.status] += 1
        return resp

    # ------------------------------------------------------------------ spec validation
    def _spec_refusal(self, request: web.Request, body: Any) -> web.Response | None:
        """A 400 as HubSpot's when the body breaks HubSpot's OpenAPI spec (:mod:`tests.fakes.hubspot_spec`,
        which lists where the fake is laxer than the spec); None when it is fine."""
        if request.method not in ("POST", "PUT", "PATCH"):
            return None
        found = hubspot_spec.problems(request.method, request.path, body if body is not None else {})
        if not found:
            return None
        self.spec_refusals.append((request.method, request.path, body, [hubspot_spec.describe(p) for p in found]))
        return _err(400, category="VALIDATION_ERROR", **hubspot_spec.error_body(found))

    async def _sleep(self, seconds: float) -> None:
        assert self._stop_event is not None
        try:
            await asyncio.wait_for(self._stop_event.wait(), seconds)
        except TimeoutError:
            pass

    async def _pre(self, request: web.Request, now: float) -> web.StreamResponse | None:
        if self.latency:
            await self._sleep(self.latency)
        if self.outage:
            if self.outage_mode == "hang":
                await self._sleep(3600)
            return web.Response(status=503, text="<html><body>503 Service Unavailable</body></html>",
                                content_type="text/html")
        auth = request.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else None
        if token != self.token:
            return _err(
                401,
                "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can "
                "find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
                "INVALID_AUTHENTICATION",
            )
        for f in self._faults:
            if f.times > 0 and (f.method in ("*", request.method)) and f.pattern.search(request.path):
                f.times -= 1
                if f.times <= 0:
                    self._faults.remove(f)
                return self._fault_response(f)
        if self.limits:
            is_search = request.method == "POST" and request.path.endswith("/search")
            general = self._general_window.setdefault(token, deque())
            while general and now - general[0] >= 10.0:
                general.popleft()
            if len(general) >= self.general_per_10s:
                self.rate_limited += 1
                return self._rate_limit("TEN_SECONDLY_ROLLING", 10.0 - (now - general[0]))
            if is_search:
                win = self._search_window.setdefault(token, deque())
                while win and now - win[0] >= 1.0:
                    win.popleft()
                if len(win) >= self.search_per_second:
                    self.rate_limited += 1
                    return self._rate_limit("SECONDLY", 1.0 - (now - win[0]))
                win.append(now)
            general.append(now)
        return None

    def _rate_limit(self, policy: str, wait: float) -> web.Response:
        body = {
            "status": "error",
            "message": f"You have reached your {policy.lower()} limit.",
            "errorType": "RATE_LIMIT",
            "correlationId": str(uuid.uuid4()),
            "policyName": policy,
            "groupName": "publicapi:search" if policy == "SECONDLY" else "publicapi",
        }
        resp = web.json_response(body, status=429)
        resp.headers["Retry-After"] = str(max(1, int(wait + 0.999)))
        return resp

    def _fault_response(self, f: _Fault) -> web.Response:
        if f.body is not None:
            resp = web.json_response(f.body, status=f.status)
        elif f.status == 429:
            resp = self._rate_limit("SECONDLY", 1.0)
        else:
            cat = {400: "VALIDATION_ERROR", 401: "INVALID_AUTHENTICATION", 403: "MISSING_SCOPES",
                   404: "OBJECT_NOT_FOUND", 409: "CONFLICT"}.get(f.status, "INTERNAL_ERROR")
            resp = _err(f.status, "internal error" if f.status >= 500 else "injected error", cat)
        if f.retry_after is not None:
            resp.headers["Retry-After"] = str(f.retry_after)
        return resp

    # ------------------------------------------------------------------ helpers
    def _otype(self, request: web.Request) -> str:
        t = TYPE_ALIASES.get(request.match_info["otype"])
        if t is None:
            raise web.HTTPNotFound(text=json.dumps({"status": "error", "message": "Unknown object type",
                                                    "category": "OBJECT_NOT_FOUND",
                                                    "correlationId": str(uuid.uuid4())}),
                                   content_type="application/json")
        return t

    @staticmethod
    def _props_param(request: web.Request) -> list[str] | None:
        vals = request.query.getall("properties", [])
        out = [p.strip() for v in vals for p in v.split(",") if p.strip()]
        return out or None

    @staticmethod
    def _batch_inputs(body: Any) -> list[Any]:
        if not isinstance(body, dict) or not isinstance(body.get("inputs"), list):
            raise HubSpotError400("Invalid input JSON: inputs is required")
        inputs = body["inputs"]
        if len(inputs) > MAX_BATCH:
            raise HubSpotError400(f"Batch input cannot exceed {MAX_BATCH} inputs, got {len(inputs)}.")
        return inputs

    @staticmethod
    def _now_pair() -> dict[str, str]:
        now = _iso(_now_ms())
        return {"startedAt": now, "completedAt": now, "requestedAt": now}

    def _not_found(self, what: str, oid: Any) -> web.Response:
        return _err(404, f"resource not found: {what} {oid}", "OBJECT_NOT_FOUND")

    # ------------------------------------------------------------------ CRM objects
    async def _create(self, request: web.Request) -> web.Response:
        otype = self._otype(request)
        body = await request.json()
        props = (body or {}).get("properties") or {}
        dup = self._duplicate(otype, props)
        if dup is not None:
            return dup
        oid = self._insert(otype, props)
        for a in (body or {}).get("associations") or []:
            to_id = str((a.get("to") or {}).get("id"))
            types = a.get("types") or []
            tt = {"279": "companies", "3": "contacts", "4": "deals", "341": "companies", "5": "companies",
                  "1": "companies", "280": "contacts", "342": "deals"}
            if types:
                ttype = tt.get(str(types[0].get("associationTypeId")))
                if ttype:
                    self.add_association(otype, oid, ttype, to_id)
        obj = self._stores[otype].objects[int(oid)]
        return web.json_response(self._render(obj, list(props.keys()), otype), status=201)

    def _duplicate(self, otype: str, props: dict[str, Any]) -> web.Response | None:
        if otype != "contacts" or not props.get("email"):
            return None
        email = str(props["email"]).lower()
        for obj in self._stores["contacts"].objects.values():
            if not obj.archived and (obj.props.get("email") or "").lower() == email:
                return _err(409, f"Contact already exists. Existing ID: {obj.id}", "CONFLICT")
        return None

    async def _get(self, request: web.Request) -> web.Response:
        otype = self._otype(request)
        raw = request.match_info["oid"]
        archived = request.query.get("archived", "false").lower() == "true"
        id_prop = request.query.get("idProperty")
        obj: _Obj | None = None
        if id_prop and id_prop != "hs_object_id":
            for o in self._stores[otype].objects.values():
                if o.props.get(id_prop) == raw and o.archived == archived:
                    obj = o
                    break
        elif raw.isdigit():
            obj = self._stores[otype].objects.get(int(raw))
        if obj is None or obj.archived != archived:
            return self._not_found(otype, raw)
        return web.json_response(self._render(obj, self._props_param(request), otype))

    async def _update(self, request: web.Request) -> web.Response:
        otype = self._otype(request)
        raw = request.match_info["oid"]
        obj = self._stores[otype].objects.get(int(raw)) if raw.isdigit() else None
        if obj is None or obj.archived:
            return self._not_found(otype, raw)
        body = await request.json()
        props = (body or {}).get("properties") or {}
        self._set_props(otype, obj, props)
        return web.json_response(self._render(obj, list(props.keys()), otype))

    async def _archive(self, request: web.Request) -> web.Response:
        otype = self._otype(request)
        raw = request.match_info["oid"]
        if raw.isdigit():
            self._archive_obj(otype, int(raw))
        return web.Response(status=204)

    async def _list(self, request: web.Request) -> web.Response:
        otype = self._otype(request)
        try:
            limit = int(request.query.get("limit", "10"))
            after = int(request.query.get("after", "0") or 0)
        except ValueError:
            raise HubSpotError400("Invalid limit or after") from None
        if limit > 100:
            raise HubSpotError400("limit must be less than or equal to 100")
        archived = request.query.get("archived", "false").lower() == "true"
        store = self._stores[otype]
        props = self._props_param(request)
        if archived:
            ids = sorted(o.id for o in store.objects.values() if o.archived and o.id > after)
            start = 0
        else:
            ids = store.live_ids
            start = bisect.bisect_right(ids, after)
        chunk = ids[start:start + limit]
        body: dict[str, Any] = {"results": [self._render(store.objects[i], props, otype) for i in chunk]}
        if start + limit < len(ids) and chunk:
            nxt = str(chunk[-1])
            body["paging"] = {"next": {"after": nxt, "link": f"{self.base_url}{request.path}?after={nxt}"}}
        return web.json_response(body)

    async def _search(self, request: web.Request) -> web.Response:
        otype = self._otype(request)
        body = await request.json()
        if not isinstance(body, dict):
            raise HubSpotError400("Invalid input JSON")
        limit = body.get("limit", 10)
        if limit is None:
            limit = 10
        if not isinstance(limit, int) or limit < 0:
            raise HubSpotError400("limit must be a non-negative integer")
        if limit > MAX_SEARCH_LIMIT:
            return _err(400, f"Invalid input JSON on line 1: limit: must be less than or equal to {MAX_SEARCH_LIMIT}",
                        "VALIDATION_ERROR")
        try:
            offset = int(body.get("after") or 0)
        except (TypeError, ValueError):
            raise HubSpotError400("after must be an integer offset") from None
        if offset >= SEARCH_PAGE_CAP or offset + limit > SEARCH_PAGE_CAP:
            # HubSpot: the search endpoints return at most 10,000 results per query
            return _err(400, "There was a problem with the request.", "VALIDATION_ERROR",
                        subCategory="PublicObjectSearchRequest.PAGING_LIMIT_EXCEEDED",
                        context={"after": [str(offset)]},
                        errors=[{"message": f"Paging beyond {SEARCH_PAGE_CAP} results is not supported."}])
        groups = body.get("filterGroups") or []
        if len(groups) > 5 or any(len(g.get("filters") or []) > 6 for g in groups) \
                or sum(len(g.get("filters") or []) for g in groups) > 18:
            raise HubSpotError400("Too many filters: at most 5 filterGroups, 6 filters per group, 18 in total")
        sorts = body.get("sorts") or []
        sort_prop, desc = "hs_object_id", False
        if sorts:
            s = sorts[0]
            if isinstance(s, str):
                desc, sort_prop = s.startswith("-"), s.lstrip("-")
            else:
                sort_prop = s.get("propertyName", "hs_object_id")
                desc = str(s.get("direction", "ASCENDING")).upper().startswith("DESC")
        props = body.get("properties") or None
        store = self._stores[otype]
        query = (body.get("query") or "").strip().lower()

        fast = self._fast_search(store, groups, sort_prop, desc, query)
        if fast is not None:
            ids, total = fast
            page_ids = ids[offset:offset + limit]
        else:
            matches = [o for o in (store.objects[i] for i in store.live_ids) if self._matches(o, groups, query, otype)]
            if sort_prop != "hs_object_id" or desc:
                def key(o: _Obj) -> tuple[int, float, str]:
                    v = o.get(sort_prop)
                    n = _to_num(v)
                    return (v is None, n if n is not None else 0.0, (v or "").lower())
                matches.sort(key=key, reverse=desc)
            total = len(matches)
            page_ids = [o.id for o in matches[offset:offset + limit]]
        results = [self._render(store.objects[i], props, otype) for i in page_ids]
        resp: dict[str, Any] = {"total": total, "results": results}
        end = offset + len(results)
        if results and end < min(total, SEARCH_PAGE_CAP):
            resp["paging"] = {"next": {"after": str(end)}}
        return web.json_response(resp)

    def _fast_search(
        self, store: _Store, groups: list[dict[str, Any]], sort_prop: str, desc: bool, query: str
    ) -> tuple[Any, int] | None:
        """One group: EQ on an indexed property + hs_object_id bounds, sorted by id ASC → O(page)."""
        if query or len(groups) != 1 or sort_prop != "hs_object_id" or desc:
            return None
        filters = groups[0].get("filters") or []
        eq = [f for f in filters if f.get("operator") == "EQ" and f.get("propertyName") in store.index]
        rest = [f for f in filters if f not in eq[:1]]
        if not eq or any(f.get("propertyName") != "hs_object_id" or f.get("operator") not in ("GT", "GTE", "LT", "LTE")
                         for f in rest):
            return None
        lst = store.index[eq[0]["propertyName"]].get(str(_norm_filter_value(eq[0].get("value"))), [])
        lo, hi = 0, len(lst)
        for f in rest:
            n = _to_num(f.get("value"))
            if n is None:
                return None
            op = f["operator"]
            if op == "GT":
                lo = max(lo, bisect.bisect_right(lst, n))
            elif op == "GTE":
                lo = max(lo, bisect.bisect_left(lst, n))
            elif op == "LT":
                hi = min(hi, bisect.bisect_left(lst, n))
            else:
                hi = min(hi, bisect.bisect_right(lst, n))
        hi = max(hi, lo)

        class _View:
            def __getitem__(self, s: slice) -> list[int]:
                a = lo + (s.start or 0)
                b = min(hi, lo + (s.stop if s.stop is not None else hi - lo))
                return lst[a:b] if a < b else []

        return _View(), hi - lo

    def _matches(self, obj: _Obj, groups: list[dict[str, Any]], query: str, otype: str) -> bool:
        if query:
            hay = " ".join((obj.props.get(p) or "") for p in DEFAULT_PROPERTIES.get(otype, ())).lower()
            if query not in hay:
                return False
        if not groups:
            return True
        return any(all(_match(obj, f) for f in (g.get("filters") or [])) for g in groups)

    async def _batch_read(self, request: web.Request) -> web.Response:
        otype = self._otype(request)
        body = await request.json()
        inputs = self._batch_inputs(body)
        props = body.get("properties") or None
        archived = request.query.get("archived", "false").lower() == "true"
        store = self._stores[otype]
        results, errors = [], []
        for inp in inputs:
            raw = str((inp or {}).get("id", ""))
            obj = store.objects.get(int(raw)) if raw.isdigit() else None
            if obj is None or obj.archived != archived:
                errors.append(raw)
                continue
            results.append(self._render(obj, props, otype))
        out: dict[str, Any] = {"status": "COMPLETE", "results": results, **self._now_pair()}
        if errors:
            out["numErrors"] = len(errors)
            out["errors"] = [{"status": "error", "category": "OBJECT_NOT_FOUND",
                              "message": "Could not get some " + otype + " objects, they may be deleted or not exist.",
                              "context": {"ids": errors}}]
            return web.json_response(out, status=207)
        return web.json_response(out)

    async def _batch_create(self, request: web.Request) -> web.Response:
        otype = self._otype(request)
        body = await request.json()
        inputs = self._batch_inputs(body)
        store = self._stores[otype]
        results = []
        for inp in inputs:
            props = (inp or {}).get("properties") or {}
            oid = self._insert(otype, props)
            results.append(self._render(store.objects[int(oid)], list(props.keys()), otype))
        return web.json_response({"status": "COMPLETE", "results": results, **self._now_pair()}, status=201)

    async def _batch_update(self, request: web.Request) -> web.Response:
        otype = self._otype(request)
        body = await request.json()
        inputs = self._batch_inputs(body)
        store = self._stores[otype]
        results, missing = [], []
        for inp in inputs:
            raw = str((inp or {}).get("id", ""))
            obj = store.objects.get(int(raw)) if raw.isdigit() else None
            if obj is None or obj.archived:
                missing.append(raw)
                continue
            props = inp.get("properties") or {}
            self._set_props(otype, obj, props)
            results.append(self._render(obj, list(props.keys()), otype))
        out: dict[str, Any] = {"status": "COMPLETE", "results": results, **self._now_pair()}
        if missing:
            out["numErrors"] = len(missing)
            out["errors"] = [{"status": "error", "category": "OBJECT_NOT_FOUND", "message": "not found",
                              "context": {"ids": missing}}]
            return web.json_response(out, status=207)
        return web.json_response(out)

    # ------------------------------------------------------------------ owners / pipelines
    async def _token_info(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body.get("tokenKey") != self.token:
            return _err(404, "No private app found for this token", "NOT_FOUND")
        return web.json_response({"userId": 1, "hubId": 12345, "appId": 678, "scopes": self.scopes})

    async def _owners(self, request: web.Request) -> web.Response:
        limit = int(request.query.get("limit", "100"))
        if limit > 500:
            raise HubSpotError400("limit must be less than or equal to 500")
        after = int(request.query.get("after", "0") or 0)
        email = request.query.get("email")
        owners = [o for o in self.owners.values() if email is None or o["email"].lower() == email.lower()]
        owners.sort(key=lambda o: int(o["id"]))
        owners = [o for o in owners if int(o["id"]) > after]
        chunk = owners[:limit]
        body: dict[str, Any] = {"results": chunk}
        if len(owners) > limit:
            body["paging"] = {"next": {"after": chunk[-1]["id"]}}
        return web.json_response(body)

    async def _owner(self, request: web.Request) -> web.Response:
        o = self.owners.get(request.match_info["owner_id"])
        if o is None:
            return self._not_found("owner", request.match_info["owner_id"])
        return web.json_response(o)

    async def _pipelines(self, request: web.Request) -> web.Response:
        now = _iso(_now_ms())
        stages = [("appointmentscheduled", "Cita agendada", "0.2", "false"),
                  ("contractsent", "Contrato enviado", "0.9", "false"),
                  ("closedwon", "Cerrado ganado", "1.0", "true"),
                  ("closedlost", "Cerrado perdido", "0.0", "true")]
        return web.json_response({"results": [{
            "id": "default", "label": "Sales Pipeline", "displayOrder": 0, "archived": False,
            "createdAt": now, "updatedAt": now,
            "stages": [{"id": sid, "label": lab, "displayOrder": i, "archived": False, "createdAt": now,
                        "updatedAt": now, "metadata": {"probability": p, "isClosed": c}}
                       for i, (sid, lab, p, c) in enumerate(stages)],
        }]})

    # ------------------------------------------------------------------ associations v4
    async def _assoc_put(self, request: web.Request) -> web.Response:
        m = request.match_info
        ftype, ttype = TYPE_ALIASES.get(m["ftype"]), TYPE_ALIASES.get(m["ttype"])
        if ftype is None or ttype is None:
            raise HubSpotError400("Unknown object type")
        for t, i in ((ftype, m["fid"]), (ttype, m["tid"])):
            obj = self._stores[t].objects.get(int(i)) if i.isdigit() else None
            if obj is None or obj.archived:
                raise HubSpotError400(f"{t} {i} is not valid")
        self.add_association(ftype, m["fid"], ttype, m["tid"])
        type_id = ASSOC_TYPE_IDS.get((ftype, ttype), 1)
        return web.json_response({"status": "COMPLETE", **self._now_pair(), "results": [{
            "from": {"id": m["fid"]}, "to": {"id": m["tid"]},
            "associationSpec": {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id},
        }]})

    async def _assoc_get(self, request: web.Request) -> web.Response:
        m = request.match_info
        ftype, ttype = TYPE_ALIASES.get(m["ftype"]), TYPE_ALIASES.get(m["ttype"])
        if ftype is None or ttype is None:
            raise HubSpotError400("Unknown object type")
        limit = int(request.query.get("limit", "500"))
        after = int(request.query.get("after", "0") or 0)
        links = sorted(self.associations.get((ftype, m["fid"], ttype), {}).items(), key=lambda kv: int(kv[0]))
        links = [kv for kv in links if int(kv[0]) > after]
        chunk = links[:limit]
        body: dict[str, Any] = {"results": [
            {"toObjectId": int(tid), "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": type_id,
                                                           "label": None}]}
            for tid, type_id in chunk
        ]}
        if len(links) > limit:
            body["paging"] = {"next": {"after": chunk[-1][0]}}
        return web.json_response(body)

    # ------------------------------------------------------------------ settings users v3
    def _user_by_email(self, email: str) -> dict[str, Any] | None:
        e = email.strip().lower()
        return next((u for u in self.users.values() if u["email"].lower() == e), None)

    async def _users_list(self, request: web.Request) -> web.Response:
        limit = int(request.query.get("limit", "100"))
        after = int(request.query.get("after", "0") or 0)
        users = sorted((u for u in self.users.values() if int(u["id"]) > after), key=lambda u: int(u["id"]))
        chunk = users[:limit]
        body: dict[str, Any] = {"results": chunk}
        if len(users) > limit:
            body["paging"] = {"next": {"after": chunk[-1]["id"]}}
        return web.json_response(body)

    async def _users_create(self, request: web.Request) -> web.Response:
        body = await request.json()
        email = str((body or {}).get("email") or "").strip()
        if "@" not in email:
            raise HubSpotError400("Invalid email address")
        if self._user_by_email(email) is not None:
            return _err(409, f"A user with email {email} already exists in this account", "CONFLICT")
        if self.seat_limit is not None and len(self.users) >= self.seat_limit:
            return _err(
                400,
                "Unable to add user: this account has no available seats. Remove a user or buy more seats.",
                "VALIDATION_ERROR", subCategory="UserProvisioningError.SEAT_LIMIT_REACHED",
            )
        uid = self.add_user(email, body.get("firstName"), body.get("lastName"))
        u = self.users[uid]
        u["sendWelcomeEmail"] = bool(body.get("sendWelcomeEmail", False))
        if body.get("roleId"):
            u["roleId"] = body["roleId"]
        return web.json_response(u, status=201)

    async def _user_get(self, request: web.Request) -> web.Response:
        raw = request.match_info["user_id"]
        if request.query.get("idProperty", "USER_ID").upper() == "EMAIL":
            u = self._user_by_email(raw)
        else:
            u = self.users.get(raw)
        if u is None:
            return self._not_found("user", raw)
        return web.json_response(u)


# ---------------------------------------------------------------------- standalone
async def _serve(args: argparse.Namespace) -> None:
    fake = HubSpotFake(token=args.token, limits=not args.no_limits, seat_limit=args.seat_limit, port=args.port)
    if args.seed_deals:
        d = date.fromisoformat(args.date) if args.date else None
        t0 = time.perf_counter()
        fake.bulk_add_deals(args.seed_deals, args.date_property, d)
        print(f"seeded {args.seed_deals} deals in {time.perf_counter() - t0:.1f}s", flush=True)
    url = await fake.start()
    print(f"HubSpot fake listening on {url} (token {args.token!r})", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await fake.stop()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="Loopback fake of HubSpot's API")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--token", default="test-token")
    p.add_argument("--seed-deals", type=int, default=0)
    p.add_argument("--date", help="advance date of the seeded deals, YYYY-MM-DD")
    p.add_argument("--date-property", default="fecha_de_anticipo")
    p.add_argument("--seat-limit", type=int, default=None)
    p.add_argument("--no-limits", action="store_true", help="disable the rate limits")
    args = p.parse_args(argv)
    try:
        asyncio.run(_serve(args))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
