"""The one door to HubSpot.

The bot's services call :class:`HubSpotGateway`; it wraps the official (synchronous)
``hubspot-api-client`` and

* runs every call off the event loop in its **own** bounded thread pool (``max_concurrency``
  threads, at most that many requests in flight), never in the event loop's default executor or
  the pool of other blocking work (:mod:`bot.blocking`): a slow or hanging HubSpot can only hold
  up work that waits for HubSpot. Calls beyond the bound wait their turn on the event loop (a
  semaphore), so the per-call timeout counts from the moment a thread takes the call;
* retries on its own (bounded attempts and a total deadline): 429 honouring ``Retry-After``,
  5xx / timeouts / connection errors with exponential back-off; the client's urllib3 retries are
  switched off so that a timeout is not silently repeated;
* keeps the search endpoints under HubSpot's 5 requests/second (a sliding-window limiter shared by
  every search of this gateway, retries included) and all calls under 190 per 10 s;
* returns small frozen dataclasses, never SDK objects, and typed errors
  (:class:`HubSpotUnavailable`, :class:`HubSpotNotFound`, :class:`HubSpotSeatLimit`,
  :class:`HubSpotError`);
* logs method, route and duration at DEBUG, never the token.

The SDK's generated packages (``hubspot.crm.deals`` and the like, about half a second each) are imported
inside the methods that build their request objects (``# lazy: see module docstring``): importing this
module, as every service that names a HubSpot error does, costs none of them.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any, TypeVar

from hubspot import HubSpot
from urllib3.util.retry import Retry

from bot.hubspot.errors import (
    HubSpotError,
    HubSpotNotFound,
    HubSpotSeatLimit,
    HubSpotUnavailable,
    _api_exception_types,
    _is_seat_error,
)
from bot.hubspot.models import (
    HubSpotCompany,
    HubSpotDeal,
    HubSpotOwner,
    _props,
    midnight_utc_ms,
    parse_amount,
    parse_hubspot_date,
)
from bot.hubspot.transport import RequestCount, SlidingWindowLimiter, Transport

log = logging.getLogger(__name__)

# the gateway's public API, errors and results included (``from bot.hubspot.gateway import ...``)
__all__ = [
    "HubSpotCompany", "HubSpotDeal", "HubSpotError", "HubSpotGateway", "HubSpotNotFound", "HubSpotOwner",
    "HubSpotSeatLimit", "HubSpotUnavailable", "RequestCount", "SlidingWindowLimiter", "midnight_utc_ms",
    "parse_amount", "parse_hubspot_date",
]

T = TypeVar("T")

HUBSPOT_API = "https://api.hubapi.com"
SEARCH_LIMIT = 200  # HubSpot's maximum page size for the search endpoints
LIST_LIMIT = 100  # maximum page size for the list (GET) endpoints
BATCH_LIMIT = 100

# Requests in flight at once. HubSpot counts requests (190 per 10 s for a private app, 5 searches
# per second), not connections: 8 threads at ~0.2 s per answer already exceed that pace, and the
# limiters above keep the rate; more threads would only hold more hung sockets during an outage.
DEFAULT_MAX_CONCURRENCY = 8

DEFAULT_DEAL_PROPERTIES = ("dealname", "amount", "hubspot_owner_id", "dealstage", "pipeline", "closedate")


# --------------------------------------------------------------------------------------- gateway
class HubSpotGateway(Transport):
    """Async facade over ``hubspot.HubSpot``. Build it once and share it."""

    def __init__(
        self,
        access_token: str,
        base_url: str | None = None,
        timeout: float = 10.0,
        advance_date_property: str = "fecha_de_anticipo",
        services_property: str | None = "servicios",
        *,
        search_rate: int = 5,
        general_rate_per_10s: int = 180,
        max_attempts: int = 5,
        max_timeout_attempts: int = 2,
        deadline: float | None = None,
        backoff_base: float = 0.5,
        backoff_max: float = 8.0,
        max_retry_after: float = 15.0,
        contact_source_property: str | None = "fuente_referido",
        contact_referrer_property: str | None = "referido_por",
        send_welcome_email: bool = True,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
    ) -> None:
        if not access_token:
            raise ValueError("access_token is required")
        self.base_url = (base_url or HUBSPOT_API).rstrip("/")
        self.timeout = float(timeout)
        self.advance_date_property = advance_date_property
        self.services_property = services_property
        self.max_attempts = max(1, max_attempts)
        self.max_timeout_attempts = max(1, max_timeout_attempts)
        self.deadline = deadline if deadline is not None else max(30.0, 3 * self.timeout + 5)
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_retry_after = max_retry_after
        self.contact_source_property = contact_source_property
        self.contact_referrer_property = contact_referrer_property
        self.send_welcome_email = send_welcome_email
        self.search_limiter = SlidingWindowLimiter(search_rate, 1.0)
        self.general_limiter = SlidingWindowLimiter(general_rate_per_10s, 10.0)
        self.calls = 0  # HTTP attempts made (for benchmarks / summaries)
        self.max_concurrency = max(1, int(max_concurrency))
        self._executor = ThreadPoolExecutor(max_workers=self.max_concurrency, thread_name_prefix="hubspot")
        # taken before a call is handed to the pool and given back when its thread is free again
        # (not when the caller stops waiting), so the pool never has a queue of its own
        self._slots = asyncio.Semaphore(self.max_concurrency)
        self._closed = False

        # urllib3 retries off: every failure reaches our own loop (POST included).
        client = HubSpot(access_token=access_token, host=self.base_url, retry=Retry(total=False))
        self._client = client
        # each `…_api` property access builds a new ApiClient + pool: build them once
        crm = client.crm
        self._deals_basic = crm.deals.basic_api
        self._deals_search = crm.deals.search_api
        self._deals_batch = crm.deals.batch_api
        self._contacts_basic = crm.contacts.basic_api
        self._contacts_search = crm.contacts.search_api
        self._companies_basic = crm.companies.basic_api
        self._companies_search = crm.companies.search_api
        self._owners = crm.owners.owners_api
        self._assoc = crm.associations.v4.basic_api
        self._users = client.settings.users.users_api
        self._api_errors = _api_exception_types()

    # ----------------------------------------------------------------- deals
    def _deal(self, obj: Any, archived: bool | None = None) -> HubSpotDeal:
        p = _props(obj)
        owner = p.get("hubspot_owner_id")
        return HubSpotDeal(
            id=str(obj.id),
            name=p.get("dealname"),
            amount=parse_amount(p.get("amount")),
            owner_id=str(owner) if owner not in (None, "") else None,
            advance_date=parse_hubspot_date(p.get(self.advance_date_property)),
            archived=bool(archived if archived is not None else getattr(obj, "archived", False)),
            stage=p.get("dealstage"),
            properties=p,
        )

    def _deal_properties(self, extra: Iterable[str] | None) -> list[str]:
        props = list(DEFAULT_DEAL_PROPERTIES) + [self.advance_date_property]
        for p in extra or ():
            if p not in props:
                props.append(p)
        return props

    async def get_deal(self, deal_id: str | int, properties: Iterable[str] | None = None) -> HubSpotDeal | None:
        """The deal, or an ``archived=True`` deal when it was archived, or None when it never existed."""
        deal_id = str(deal_id).strip()
        if not deal_id.isdigit():
            return None
        props = self._deal_properties(properties)
        try:
            obj = await self._call("GET /crm/v3/objects/deals/{id}", self._deals_basic.get_by_id, deal_id,
                                   properties=props)
            return self._deal(obj, archived=False)
        except HubSpotNotFound:
            pass
        try:
            obj = await self._call("GET /crm/v3/objects/deals/{id}?archived=true", self._deals_basic.get_by_id,
                                   deal_id, properties=props, archived=True)
            return self._deal(obj, archived=True)
        except HubSpotNotFound:
            return None

    async def search_deals_by_advance_date(
        self, d: date, properties: Iterable[str] | None = None, *, page_size: int = SEARCH_LIMIT,
    ) -> AsyncIterator[list[HubSpotDeal]]:
        """Every deal whose advance-date property equals ``d``, page by page (≤ 200 per page).

        Keyset paging on ``hs_object_id`` (``GT last id``, sorted ascending, ``after`` never used), so
        HubSpot's 10,000-result cap on a single query does not apply; searches are held under
        5 per second by :attr:`search_limiter`."""
        from hubspot.crm.deals import Filter, FilterGroup, PublicObjectSearchRequest  # lazy: see module docstring

        page_size = max(1, min(SEARCH_LIMIT, page_size))
        props = self._deal_properties(properties)
        day = str(midnight_utc_ms(d))
        last_id = 0
        while True:
            req = PublicObjectSearchRequest(
                filter_groups=[FilterGroup(filters=[
                    Filter(property_name=self.advance_date_property, operator="EQ", value=day),
                    Filter(property_name="hs_object_id", operator="GT", value=str(last_id)),
                ])],
                sorts=[{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
                properties=props,
                limit=page_size,
                after="0",
            )
            page = await self._call("POST /crm/v3/objects/deals/search", self._deals_search.do_search,
                                    public_object_search_request=req, search=True)
            results = list(page.results or [])
            if not results:
                return
            deals = [self._deal(r, archived=False) for r in results]
            ids = [int(x.id) for x in deals]
            if ids[-1] <= last_id or ids != sorted(ids):
                raise HubSpotError("HubSpot devolvió una página de búsqueda sin orden por hs_object_id")
            last_id = ids[-1]
            yield deals
            has_next = page.paging is not None and page.paging.next is not None
            if len(results) < page_size or not has_next:
                return

    # ----------------------------------------------------------------- companies / owners
    def _company(self, obj: Any) -> HubSpotCompany:
        p = _props(obj)
        raw = p.get(self.services_property) if self.services_property else None
        services = tuple(s.strip() for s in (raw or "").split(";") if s.strip())
        owner = p.get("hubspot_owner_id")
        return HubSpotCompany(
            id=str(obj.id), name=p.get("name"), domain=p.get("domain"),
            owner_id=str(owner) if owner not in (None, "") else None, services=services, properties=p,
        )

    async def list_companies(self, properties: Iterable[str] | None = None) -> AsyncIterator[HubSpotCompany]:
        """Every (non-archived) company, fetched 100 per call and yielded one by one."""
        props = ["name", "domain", "hubspot_owner_id"]
        if self.services_property:
            props.append(self.services_property)
        for p in properties or ():
            if p not in props:
                props.append(p)
        after: str | None = None
        while True:
            kwargs: dict[str, Any] = {"limit": LIST_LIMIT, "properties": props}
            if after:
                kwargs["after"] = after
            page = await self._call("GET /crm/v3/objects/companies", self._companies_basic.get_page, **kwargs)
            for obj in page.results or []:
                yield self._company(obj)
            nxt = page.paging.next if page.paging is not None else None
            if nxt is None or not nxt.after or nxt.after == after:
                return
            after = nxt.after

    async def list_owners(self) -> list[HubSpotOwner]:
        owners: list[HubSpotOwner] = []
        after: str | None = None
        while True:
            kwargs: dict[str, Any] = {"limit": LIST_LIMIT, "archived": False}
            if after:
                kwargs["after"] = after
            page = await self._call("GET /crm/v3/owners", self._owners.get_page, **kwargs)
            for o in page.results or []:
                uid = getattr(o, "user_id", None)
                owners.append(HubSpotOwner(
                    id=str(o.id), email=o.email, first_name=o.first_name or None, last_name=o.last_name or None,
                    user_id=str(uid) if uid is not None else None,
                ))
            nxt = page.paging.next if page.paging is not None else None
            if nxt is None or not nxt.after or nxt.after == after:
                return owners
            after = nxt.after

    # ----------------------------------------------------------------- contacts (referrals)
    async def _search_one(self, search_api: Any, route: str, prop: str, value: str,
                          properties: list[str]) -> Any | None:
        from hubspot.crm.contacts import Filter, FilterGroup, PublicObjectSearchRequest  # lazy: see module docstring

        req = PublicObjectSearchRequest(
            filter_groups=[FilterGroup(filters=[Filter(property_name=prop, operator="EQ", value=value)])],
            sorts=[{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
            properties=properties, limit=1, after="0",
        )
        page = await self._call(route, search_api.do_search, public_object_search_request=req, search=True)
        results = page.results or []
        return results[0] if results else None

    async def find_contact_by_email(self, email: str) -> str | None:
        found = await self._search_one(self._contacts_search, "POST /crm/v3/objects/contacts/search", "email",
                                       email.strip().lower(), ["email"])
        return str(found.id) if found is not None else None

    async def find_or_create_contact(
        self,
        email: str | None,
        phone: str | None = None,
        firstname: str | None = None,
        company: str | None = None,
        lead_source: str | None = "Referido Operaciones",
        referrer: str | None = None,
        *,
        lastname: str | None = None,
    ) -> tuple[str, bool]:
        """(contact id, created). Searches by e-mail first (and trusts HubSpot's 409 "already exists")."""
        from hubspot.crm.contacts import SimplePublicObjectInputForCreate  # lazy: see module docstring

        email_n = (email or "").strip().lower() or None
        if email_n:
            existing = await self.find_contact_by_email(email_n)
            if existing is not None:
                return existing, False
        props: dict[str, str] = {}
        for k, v in (("email", email_n), ("phone", phone), ("firstname", firstname), ("lastname", lastname),
                     ("company", company)):
            if v:
                props[k] = str(v).strip()
        if lead_source and self.contact_source_property:
            props[self.contact_source_property] = lead_source
        if referrer and self.contact_referrer_property:
            props[self.contact_referrer_property] = referrer
        try:
            obj = await self._call("POST /crm/v3/objects/contacts", self._contacts_basic.create,
                                   SimplePublicObjectInputForCreate(properties=props, associations=[]))
        except HubSpotError as exc:
            m = re.search(r"Existing ID:\s*(\d+)", exc.message or "")
            if exc.status == 409 and m:
                return m.group(1), False
            raise
        return str(obj.id), True

    async def find_or_create_company(self, name: str) -> str:
        from hubspot.crm.companies import SimplePublicObjectInputForCreate  # lazy: see module docstring

        name = " ".join((name or "").split())
        if not name:
            raise ValueError("company name is required")
        found = await self._search_one(self._companies_search, "POST /crm/v3/objects/companies/search", "name",
                                       name, ["name"])
        if found is not None:
            return str(found.id)
        obj = await self._call("POST /crm/v3/objects/companies", self._companies_basic.create,
                               SimplePublicObjectInputForCreate(properties={"name": name}, associations=[]))
        return str(obj.id)

    async def associate(self, from_type: str, from_id: str | int, to_type: str, to_id: str | int) -> None:
        """Default (unlabelled) association, e.g. ``associate("contacts", c, "companies", co)``."""
        await self._call(
            f"PUT /crm/v4/objects/{from_type}/{{id}}/associations/default/{to_type}/{{id}}",
            self._assoc.create_default, from_type, str(from_id), to_type, str(to_id),
        )

    async def associated_ids(self, from_type: str, from_id: str | int, to_type: str) -> list[str]:
        ids: list[str] = []
        after: str | None = None
        while True:
            kwargs: dict[str, Any] = {"limit": 500}
            if after:
                kwargs["after"] = after
            page = await self._call(f"GET /crm/v4/objects/{from_type}/{{id}}/associations/{to_type}",
                                    self._assoc.get_page, from_type, str(from_id), to_type, **kwargs)
            ids.extend(str(r.to_object_id) for r in page.results or [])
            nxt = page.paging.next if page.paging is not None else None
            if nxt is None or not nxt.after or nxt.after == after:
                return ids
            after = nxt.after

    async def contact_is_customer_or_won(self, contact_id: str | int) -> bool:
        """True when the contact's lifecycle stage is ``customer`` or one of its deals is closed won.
        Raises :class:`HubSpotNotFound` for an unknown contact."""
        # lazy: see module docstring
        from hubspot.crm.deals import BatchReadInputSimplePublicObjectId, SimplePublicObjectId

        obj = await self._call("GET /crm/v3/objects/contacts/{id}", self._contacts_basic.get_by_id,
                               str(contact_id), properties=["lifecyclestage"])
        if (_props(obj).get("lifecyclestage") or "").lower() == "customer":
            return True
        deal_ids = await self.associated_ids("contacts", contact_id, "deals")
        for i in range(0, len(deal_ids), BATCH_LIMIT):
            chunk = deal_ids[i:i + BATCH_LIMIT]
            req = BatchReadInputSimplePublicObjectId(
                inputs=[SimplePublicObjectId(id=x) for x in chunk],
                properties=["dealstage", "hs_is_closed_won"], properties_with_history=[],
            )
            res = await self._call("POST /crm/v3/objects/deals/batch/read", self._deals_batch.read, req)
            for r in res.results or []:
                p = _props(r)
                if (p.get("dealstage") or "").lower() == "closedwon" or (p.get("hs_is_closed_won") or "") == "true":
                    return True
        return False

    # ----------------------------------------------------------------- users (settings v3)
    async def find_user_by_email(self, email: str) -> str | None:
        try:
            u = await self._call("GET /settings/v3/users/{email}?idProperty=EMAIL", self._users.get_by_id,
                                 email, id_property="EMAIL")
        except HubSpotNotFound:
            return None
        return str(u.id)

    async def provision_user(
        self, email: str, first_name: str | None = None, last_name: str | None = None,
    ) -> tuple[str, bool]:
        """(HubSpot user id, created). An existing user with that e-mail is linked, not duplicated.
        Seat limit → :class:`HubSpotSeatLimit`; other API errors → :class:`HubSpotError`."""
        email = (email or "").strip()
        if "@" not in email:
            raise HubSpotError(f"Correo inválido: {email!r}")
        existing = await self.find_user_by_email(email)
        if existing is not None:
            return existing, False
        # The SDK's UserProvisionRequest model lacks firstName/lastName; the API accepts them.
        body: dict[str, Any] = {"email": email, "sendWelcomeEmail": self.send_welcome_email}
        if first_name:
            body["firstName"] = first_name
        if last_name:
            body["lastName"] = last_name
        try:
            u = await self._call("POST /settings/v3/users", self._users.create, body)
        except HubSpotUnavailable:
            raise
        except HubSpotError as exc:
            if exc.status == 409:
                again = await self.find_user_by_email(email)
                if again is not None:
                    return again, False
            if _is_seat_error(exc):
                raise HubSpotSeatLimit(exc.message, status=exc.status, category=exc.category,
                                       correlation_id=exc.correlation_id, body=exc.body) from exc
            raise
        return str(u.id), True


