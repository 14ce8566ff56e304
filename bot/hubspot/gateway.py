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
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import re
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, TypeVar

import urllib3
from tenacity import AsyncRetrying, RetryCallState, RetryError, retry_if_exception_type
from urllib3.util.retry import Retry

log = logging.getLogger(__name__)

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


# --------------------------------------------------------------------------------------- errors
class HubSpotError(Exception):
    """HubSpot answered with an error the caller should see (bad input, permissions, …)."""

    def __init__(
        self, message: str, *, status: int | None = None, category: str | None = None,
        correlation_id: str | None = None, body: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.category = category
        self.correlation_id = correlation_id
        self.body = body


class HubSpotUnavailable(HubSpotError):
    """HubSpot could not be reached or kept failing (timeouts, 5xx, 429) after every retry."""


class HubSpotNotFound(HubSpotError):
    """The object does not exist (404)."""


class HubSpotSeatLimit(HubSpotError):
    """User provisioning refused: the account has no free seat (message is HubSpot's)."""


# --------------------------------------------------------------------------------------- results
@dataclass(frozen=True, slots=True)
class HubSpotDeal:
    id: str
    name: str | None
    amount: int | None  # integer COP (rounded half up), None when empty or not a number
    owner_id: str | None
    advance_date: date | None
    archived: bool
    stage: str | None
    properties: Mapping[str, str | None] = field(default_factory=dict, compare=False, hash=False, repr=False)


@dataclass(frozen=True, slots=True)
class HubSpotOwner:
    id: str
    email: str | None
    first_name: str | None
    last_name: str | None
    user_id: str | None = None

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or (self.email or self.id)


@dataclass(frozen=True, slots=True)
class HubSpotCompany:
    id: str
    name: str | None
    domain: str | None
    owner_id: str | None
    services: tuple[str, ...]  # the services property split on ';' (multi-checkbox values)
    properties: Mapping[str, str | None] = field(default_factory=dict, compare=False, hash=False, repr=False)


# --------------------------------------------------------------------------------------- helpers
def midnight_utc_ms(d: date) -> int:
    """HubSpot stores ``date`` properties as epoch milliseconds at midnight UTC."""
    return int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp() * 1000)


def parse_hubspot_date(value: Any) -> date | None:
    """Epoch ms (``"1735776000000"``), ``YYYY-MM-DD`` or an ISO datetime → date (UTC); else None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    s = str(value).strip()
    if not s:
        return None
    if re.fullmatch(r"-?\d+(\.\d+)?", s):
        try:
            return datetime.fromtimestamp(float(s) / 1000, UTC).date()
        except (OverflowError, OSError, ValueError):
            return None
    try:
        if len(s) == 10:
            return date.fromisoformat(s)
        dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
        return dt.astimezone(UTC).date() if dt.tzinfo else dt.date()
    except ValueError:
        return None


def parse_amount(value: Any) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        return int(Decimal(str(value).strip().replace(",", "")).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except (InvalidOperation, ValueError):
        return None


def _props(obj: Any) -> dict[str, str | None]:
    return dict(getattr(obj, "properties", None) or {})


class SlidingWindowLimiter:
    """At most ``max_calls`` requests in any ``period`` (+``margin``) seconds, as HubSpot counts them.

    Slots are reserved synchronously (atomic on the event loop: no lock, usable from any loop), so
    concurrent callers queue up in order. A slot's time is its start and, once the request is
    over, its end (:meth:`done`): HubSpot counts a request when it *arrives*, which is somewhere
    between the two, so measuring the window from the end of the k-th request keeps the (k+max)-th
    out of HubSpot's window whatever the network delays."""

    def __init__(self, max_calls: int, period: float, margin: float = 0.05) -> None:
        self.max_calls = max_calls
        self.period = period + margin
        self._slots: deque[list[float]] = deque(maxlen=max_calls)

    def reserve(self) -> tuple[list[float], float]:
        """Reserve the next slot; returns it and the seconds to wait before using it."""
        now = time.monotonic()
        at = now if len(self._slots) < self.max_calls else max(now, self._slots[0][0] + self.period)
        slot = [at]
        self._slots.append(slot)
        return slot, at - now

    async def acquire(self) -> list[float]:
        slot, delay = self.reserve()
        if delay > 0:
            await asyncio.sleep(delay)
        return slot

    @staticmethod
    def done(slot: list[float]) -> None:
        slot[0] = max(slot[0], time.monotonic())


def _api_exception_types() -> tuple[type[BaseException], ...]:
    from hubspot.crm.associations.v4 import exceptions as assoc_exc
    from hubspot.crm.companies import exceptions as companies_exc
    from hubspot.crm.contacts import exceptions as contacts_exc
    from hubspot.crm.deals import exceptions as deals_exc
    from hubspot.crm.owners import exceptions as owners_exc
    from hubspot.crm.pipelines import exceptions as pipelines_exc
    from hubspot.settings.users import exceptions as users_exc

    return tuple(m.ApiException for m in (
        deals_exc, contacts_exc, companies_exc, owners_exc, assoc_exc, pipelines_exc, users_exc,
    ))


_TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    urllib3.exceptions.HTTPError,  # ReadTimeoutError, ConnectTimeoutError, ProtocolError, MaxRetryError, …
    TimeoutError,
    ConnectionError,
)


def _error_body(exc: Any) -> Any:
    raw = getattr(exc, "body", None)
    if raw is None:
        return None
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    try:
        return json.loads(raw)
    except (TypeError, ValueError):
        return raw


def _header(exc: Any, name: str) -> str | None:
    headers = getattr(exc, "headers", None)
    if not headers:
        return None
    try:
        value = headers.get(name)
        return None if value is None else str(value)
    except AttributeError:  # pragma: no cover - plain mapping
        return dict(headers).get(name)


def _retry_after(exc: Any) -> float | None:
    raw = _header(exc, "Retry-After")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        try:
            from email.utils import parsedate_to_datetime

            return max(0.0, (parsedate_to_datetime(raw) - datetime.now(UTC)).total_seconds())
        except (TypeError, ValueError):
            return None


# --------------------------------------------------------------------------------------- counting
@dataclass
class RequestCount:
    """HTTP requests made (every attempt, retries included) inside one :meth:`HubSpotGateway.counting`."""

    value: int = 0


_request_count: ContextVar[RequestCount | None] = ContextVar("hubspot_request_count", default=None)


class _Transient(Exception):
    """A failed attempt worth retrying after ``wait`` seconds (``final``: not even that)."""

    def __init__(self, last: str, wait: float, final: bool = False) -> None:
        super().__init__(last)
        self.last, self.wait, self.final = last, wait, final


@dataclass
class _CallState:
    """One :meth:`HubSpotGateway._call` across its attempts."""

    attempt: int = 0
    timeouts: int = 0
    started: float | None = None


# --------------------------------------------------------------------------------------- gateway
class HubSpotGateway:
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
        from hubspot import HubSpot

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

    # ----------------------------------------------------------------- plumbing
    def close(self) -> None:
        """Stop the thread pool (calls not started are cancelled; a running one ends at its
        ``_request_timeout``) and drop the connection pools. Later calls raise HubSpotUnavailable."""
        self._closed = True
        self._executor.shutdown(wait=False, cancel_futures=True)
        for api in (self._deals_basic, self._deals_search, self._deals_batch, self._contacts_basic,
                    self._contacts_search, self._companies_basic, self._companies_search, self._owners,
                    self._assoc, self._users):
            try:
                api.api_client.rest_client.pool_manager.clear()
            except Exception:  # noqa: BLE001 - best effort
                pass

    async def aclose(self) -> None:
        self.close()

    @staticmethod
    @contextlib.contextmanager
    def counting() -> Iterator[RequestCount]:
        """Count the requests made by this task and the tasks it starts inside the block (a context
        variable: other users of the shared gateway running meanwhile are not counted)."""
        count = RequestCount()
        token = _request_count.set(count)
        try:
            yield count
        finally:
            _request_count.reset(token)

    async def _take_thread(self) -> None:
        """Wait (on the event loop, in order) until a HubSpot thread is free and reserve it."""
        if self._closed:
            raise HubSpotUnavailable("HubSpot gateway closed")
        await self._slots.acquire()

    def _submit(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> asyncio.Future[T]:
        """Run ``fn`` on the thread reserved by :meth:`_take_thread`; the reservation ends when the
        thread is done, even if the caller gave up waiting (a hung request keeps its thread)."""
        loop = asyncio.get_running_loop()

        def release(_: Future[Any]) -> None:
            with contextlib.suppress(RuntimeError):  # the loop is already closed at shutdown
                loop.call_soon_threadsafe(self._slots.release)

        try:
            fut = self._executor.submit(fn, *args, **kwargs)
        except RuntimeError as exc:  # the pool was shut down (the bot is stopping)
            raise HubSpotUnavailable("HubSpot gateway closed") from exc
        fut.add_done_callback(release)
        return asyncio.wrap_future(fut)

    def _backoff(self, attempt: int) -> float:
        return float(min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1)) * (0.75 + random.random() * 0.5))

    def _to_error(self, exc: Any, route: str) -> HubSpotError:
        status = getattr(exc, "status", None)
        body = _error_body(exc)
        message = body.get("message") if isinstance(body, dict) else None
        category = body.get("category") if isinstance(body, dict) else None
        corr = body.get("correlationId") if isinstance(body, dict) else None
        message = message or getattr(exc, "reason", None) or f"HTTP {status}"
        cls: type[HubSpotError] = HubSpotNotFound if status == 404 else HubSpotError
        return cls(f"{message}", status=status, category=category, correlation_id=corr, body=body)

    async def _call(self, route: str, fn: Callable[..., T], *args: Any, search: bool = False, **kwargs: Any) -> T:
        """Run one SDK call with retries (tenacity). ``route`` is for logs and errors only.

        Retried: 429 (after its Retry-After, or the backoff; a Retry-After over ``max_retry_after``
        gives up at once), 5xx, connection errors and timeouts (at most ``max_timeout_attempts``),
        up to ``max_attempts`` attempts and never past ``deadline`` seconds from the first thread.
        Any other HTTP error is raised as it is. Every attempt is one HTTP request counted in
        ``calls`` and in :meth:`counting`."""
        state = _CallState()

        def stop(rs: RetryCallState) -> bool:
            failure = rs.outcome.exception() if rs.outcome is not None else None
            if not isinstance(failure, _Transient) or failure.final or rs.attempt_number >= self.max_attempts:
                return True
            started = state.started if state.started is not None else time.monotonic()
            return time.monotonic() - started + failure.wait + self.timeout > self.deadline

        def wait(rs: RetryCallState) -> float:
            failure = rs.outcome.exception() if rs.outcome is not None else None
            return failure.wait if isinstance(failure, _Transient) else 0.0

        retrying = AsyncRetrying(stop=stop, wait=wait, retry=retry_if_exception_type(_Transient), sleep=asyncio.sleep)
        try:
            return await retrying(self._attempt, state, route, fn, args, kwargs, search)
        except RetryError as exc:
            failure = exc.last_attempt.exception()
            last = failure.last if isinstance(failure, _Transient) else ""
            raise HubSpotUnavailable(f"HubSpot no responde: {last}") from None

    async def _attempt(self, state: _CallState, route: str, fn: Callable[..., T], args: tuple[Any, ...],
                       kwargs: dict[str, Any], search: bool) -> T:
        """One HTTP request: a thread first, then the rate slots (a call waiting for a thread holds
        no rate slot). A failure worth retrying raises :class:`_Transient`."""
        state.attempt += 1
        attempt = state.attempt
        await self._take_thread()
        try:
            search_slot = await self.search_limiter.acquire() if search else None
            general_slot = await self.general_limiter.acquire()
            pending = self._submit(fn, *args, _request_timeout=self.timeout, **kwargs)
        except BaseException:
            self._slots.release()
            raise
        t0 = time.monotonic()
        if state.started is None:  # the deadline counts from the first thread, not the queue
            state.started = t0
        self.calls += 1
        if (count := _request_count.get()) is not None:
            count.value += 1
        try:
            try:
                result = await asyncio.wait_for(pending, self.timeout * 1.5 + 1.0)
            finally:
                if search_slot is not None:
                    self.search_limiter.done(search_slot)
                self.general_limiter.done(general_slot)
        except self._api_errors as exc:
            status = getattr(exc, "status", 0) or 0
            ms = (time.monotonic() - t0) * 1000
            log.debug("HubSpot %s -> %s in %.0f ms (attempt %d)", route, status, ms, attempt)
            if status == 429:
                ra = _retry_after(exc)
                wait = ra if ra is not None else self._backoff(attempt)
                if wait > self.max_retry_after:
                    raise HubSpotUnavailable(
                        f"HubSpot rate limit: Retry-After {wait:.0f}s on {route}", status=429,
                        body=_error_body(exc)) from exc
                raise _Transient(f"429 rate limited ({route})", wait) from exc
            if status >= 500 or status == 0:
                last = f"HTTP {status} on {route}" if status else f"{getattr(exc, 'reason', exc)} on {route}"
                raise _Transient(last, self._backoff(attempt)) from exc
            raise self._to_error(exc, route) from exc
        except _TRANSIENT_ERRORS as exc:  # TimeoutError included (asyncio.wait_for raises it too)
            ms = (time.monotonic() - t0) * 1000
            log.debug("HubSpot %s -> %s in %.0f ms (attempt %d)", route, type(exc).__name__, ms, attempt)
            # (urllib3's NewConnectionError subclasses ConnectTimeoutError: a refusal is not a timeout)
            is_timeout = isinstance(exc, (asyncio.TimeoutError, TimeoutError, urllib3.exceptions.TimeoutError)) \
                and not isinstance(exc, urllib3.exceptions.NewConnectionError)
            last = f"{'timeout' if is_timeout else type(exc).__name__} on {route}"
            if is_timeout:
                state.timeouts += 1
            raise _Transient(last, self._backoff(attempt), final=state.timeouts >= self.max_timeout_attempts) from exc
        log.debug("HubSpot %s -> ok in %.0f ms (attempt %d)", route, (time.monotonic() - t0) * 1000, attempt)
        return result

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
        from hubspot.crm.deals import Filter, FilterGroup, PublicObjectSearchRequest

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
        from hubspot.crm.contacts import Filter, FilterGroup, PublicObjectSearchRequest

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
        from hubspot.crm.contacts import SimplePublicObjectInputForCreate

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
        from hubspot.crm.companies import SimplePublicObjectInputForCreate

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


def _is_seat_error(exc: HubSpotError) -> bool:
    if exc.status not in (400, 402, 403, 409):
        return False
    text = exc.message or ""
    if isinstance(exc.body, dict):
        text += " " + str(exc.body.get("subCategory") or "") + " " + json.dumps(exc.body.get("errors") or [])
    return "seat" in text.lower()
