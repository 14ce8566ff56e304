"""The transport under the gateway: rate limiters, request counting and the retrying call in the
gateway's own thread pool."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

import urllib3
from tenacity import AsyncRetrying, RetryCallState, RetryError, retry_if_exception_type

from bot.hubspot.errors import (
    _TRANSIENT_ERRORS,
    HubSpotError,
    HubSpotNotFound,
    HubSpotUnavailable,
    _error_body,
    _retry_after,
)

log = logging.getLogger(__name__)

T = TypeVar("T")


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
    """One :meth:`Transport._call` across its attempts."""

    attempt: int = 0
    timeouts: int = 0
    started: float | None = None


class Transport:
    """How a call reaches HubSpot: the gateway's own bounded thread pool, the rate limiters, the retries
    (429 with ``Retry-After``, 5xx, timeouts, connection errors; bounded attempts and a deadline) and the
    typed errors. A base of :class:`bot.hubspot.gateway.HubSpotGateway`, whose ``__init__`` sets the
    pool, the limiters and the retry settings these methods use."""

    # set by HubSpotGateway.__init__
    timeout: float
    deadline: float
    max_attempts: int
    max_timeout_attempts: int
    backoff_base: float
    backoff_max: float
    max_retry_after: float
    search_limiter: SlidingWindowLimiter
    general_limiter: SlidingWindowLimiter
    calls: int
    _closed: bool
    _executor: ThreadPoolExecutor
    _slots: asyncio.Semaphore
    _api_errors: tuple[type[BaseException], ...]
    # the SDK's API objects, built once (each ``…_api`` property access builds a new client and pool)
    _deals_basic: Any
    _deals_search: Any
    _deals_batch: Any
    _contacts_basic: Any
    _contacts_search: Any
    _companies_basic: Any
    _companies_search: Any
    _owners: Any
    _assoc: Any
    _users: Any

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
