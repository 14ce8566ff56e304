"""Work that must wait for HubSpot — deal verification, lead contacts — done by one background
worker at HubSpot's pace, never by the interaction that caused it.

The queue is not kept in memory: each *source* derives it from the database (deals whose check is
``pendiente``, leads without a HubSpot contact), so a restart loses nothing and memory does not
grow with a burst. A pass walks every source oldest first (keyset paging on the id, ``batch`` ids
at a time) with at most ``concurrency`` items in flight, so a burst of registrations during a
HubSpot slowdown is verified later, in order, with bounded tasks and threads.

When HubSpot is unavailable (:class:`HubSpotUnavailable` from an item) the pass stops, the worker
waits with exponential back-off (a kick does not shorten it) and the next pass probes with one item
before going wide again. Any other error skips that item until ``retry_failed_after`` seconds.
Registering code commits first and then calls :meth:`HubSpotQueue.kick`; the worker starts once the
kicks have been quiet for ``quiet`` seconds, so a burst is confirmed before it is verified.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from bot.background import LoopWorker
from bot.hubspot.gateway import HubSpotUnavailable

log = logging.getLogger(__name__)

Pending = Callable[[int, int], Awaitable[list[int]]]  # (after_id, limit) -> the next ids, ascending
Run = Callable[[int], Awaitable[Any]]  # one item; raises HubSpotUnavailable during an outage


@dataclass(frozen=True, slots=True)
class Source:
    name: str
    pending: Pending
    run: Run


class HubSpotQueue(LoopWorker):
    def __init__(
        self,
        *,
        concurrency: int = 4,
        batch: int = 50,
        idle_interval: float = 600.0,
        backoff_min: float = 2.0,
        backoff_max: float = 120.0,
        retry_failed_after: float = 600.0,
        quiet: float = 0.5,
        quiet_max: float = 5.0,
        yield_to: Callable[[], Awaitable[Any]] | None = None,
    ) -> None:
        self.concurrency = max(1, concurrency)
        self.batch = max(1, batch)
        self.idle_interval = idle_interval
        self.backoff_min = backoff_min
        self.backoff_max = backoff_max
        super().__init__()
        self.retry_failed_after = retry_failed_after
        self.quiet = quiet
        self.quiet_max = quiet_max
        self._last_kick = 0.0
        self.yield_to = yield_to  # awaited before each item: answers people wait for go first
        self.healthy = True  # False after an outage until an item succeeds again
        self.outages = 0  # consecutive passes stopped by an outage
        self._sources: dict[str, Source] = {}
        self._failed: dict[tuple[str, int], float] = {}  # (source, id) -> monotonic time to retry
        self._lock = asyncio.Lock()  # one pass at a time (worker or a caller of run_pass)
        self._kick = asyncio.Event()  # new work (``_wake`` also ends the sleep for a stop or a recovery)
        self._running = False

    # ------------------------------------------------------------------ set-up
    def register(self, name: str, pending: Pending, run: Run) -> None:
        self._sources[name] = Source(name, pending, run)

    def unregister(self, name: str) -> None:
        self._sources.pop(name, None)

    def kick(self) -> None:
        """Something new is waiting (call after committing it)."""
        self._last_kick = time.monotonic()
        self._kick.set()
        self._wake.set()

    def start(self, ready: Callable[[], Awaitable[Any]] | None = None) -> None:
        self._start(self._loop(ready), "hubspot-queue")

    # ------------------------------------------------------------------ the worker
    async def _loop(self, ready: Callable[[], Awaitable[Any]] | None) -> None:
        if ready is not None:
            await ready()
        while not self._stopping:
            await self._quiet()
            self._kick.clear()
            try:
                await self.run_pass()
            except Exception:
                log.exception("HubSpot queue pass failed")
            if self._stopping:
                break
            await self._sleep(self.idle_interval if self.healthy else self._backoff())

    async def _quiet(self) -> None:
        """Let a burst finish arriving (no kick for ``quiet`` seconds, ``quiet_max`` at most) before
        its HubSpot work competes with the burst's own interactions for the CPU and the database."""
        started = time.monotonic()
        while not self._stopping:
            left = min(self._last_kick + self.quiet, started + self.quiet_max) - time.monotonic()
            if left <= 0:
                return
            await asyncio.sleep(left)

    def _backoff(self) -> float:
        return float(min(self.backoff_max, self.backoff_min * 2 ** max(0, self.outages - 1)))

    async def _sleep(self, seconds: float) -> None:
        """Until ``seconds`` pass, or a kick while HubSpot is healthy (an outage waits its back-off)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not self._stopping:
            if self.healthy and self._kick.is_set():
                return
            left = deadline - loop.time()
            if left <= 0:
                return
            await self._nap(left)

    # ------------------------------------------------------------------ a pass
    async def run_pass(self, only: Iterable[str] | None = None) -> dict[str, list[int]]:
        """Work through every source now (oldest first); returns the ids done per source. Stops at
        the first outage. Waits for a pass already running (the worker's) to end first."""
        names = set(only) if only is not None else None
        done: dict[str, list[int]] = {}
        async with self._lock:
            self._running = True
            try:
                for source in list(self._sources.values()):
                    if names is not None and source.name not in names:
                        continue
                    if not await self._drain(source, done.setdefault(source.name, [])):
                        self.outages += 1
                        break
            finally:
                self._running = False
        return done

    async def _drain(self, source: Source, done: list[int]) -> bool:
        """Every pending item of one source; False when HubSpot turned out to be unavailable."""
        after = 0
        while True:
            ids = await source.pending(after, self.batch)
            if not ids:
                return True
            after = ids[-1]
            now = time.monotonic()
            ids = [i for i in ids if self._failed.get((source.name, i), 0.0) <= now]
            if not self.healthy and ids:
                # probe with the oldest item before going wide again
                if not await self._one(source, ids[0], done):
                    return False
                ids = ids[1:]
            if ids and not await self._many(source, ids, done):
                return False

    async def _many(self, source: Source, ids: list[int], done: list[int]) -> bool:
        slots = asyncio.Semaphore(self.concurrency)  # FIFO: items start in id order
        outage = asyncio.Event()

        async def one(item: int) -> bool:
            async with slots:
                if outage.is_set():
                    return False
                ok = await self._one(source, item, done)
                if not ok:
                    outage.set()
                return ok

        results = await asyncio.gather(*(one(i) for i in ids))
        return all(results)

    async def _one(self, source: Source, item: int, done: list[int]) -> bool:
        if self.yield_to is not None:
            await self.yield_to()
        try:
            await source.run(item)
        except HubSpotUnavailable as exc:
            if self.healthy:
                log.warning("HubSpot unavailable (%s %s); its work waits: %s", source.name, item, exc)
            self.healthy = False
            return False
        except Exception:
            log.exception("HubSpot work %s %s failed; retried later", source.name, item)
            self._failed[(source.name, item)] = time.monotonic() + self.retry_failed_after
            return True
        self._failed.pop((source.name, item), None)
        if not self.healthy:
            log.info("HubSpot answers again")
        self.healthy = True
        self.outages = 0
        self._wake.set()
        done.append(item)
        return True

    # ------------------------------------------------------------------ tests
    @property
    def busy(self) -> bool:
        """A pass is running, or a kick is waiting for one (while HubSpot is healthy)."""
        waiting = self._kick.is_set() and self.healthy and self._task is not None and not self._task.done()
        return self._running or waiting

    async def wait_idle(self, timeout: float = 60.0) -> None:
        """Wait until the work known so far was tried (tests)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        await asyncio.sleep(0)
        while self.busy:
            if loop.time() > deadline:
                raise TimeoutError("the HubSpot queue is still busy")
            await asyncio.sleep(0.02)
