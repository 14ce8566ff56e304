"""Background work: tasks a cog starts after answering (card edits), tracked so they can be
cancelled on unload and awaited in tests; and long-running worker loops (outbox, HubSpot queue)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any


class BackgroundTasks:
    _tasks: set[asyncio.Task[Any]]

    def _ensure(self) -> set[asyncio.Task[Any]]:
        if not hasattr(self, "_tasks"):
            self._tasks = set()
        return self._tasks

    def spawn(self, coro: Any) -> asyncio.Task[Any]:
        tasks = self._ensure()
        task = asyncio.create_task(coro)
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        return task

    async def wait_idle(self) -> None:
        """Wait for the background work started so far (tests)."""
        tasks = self._ensure()
        while tasks:
            await asyncio.gather(*list(tasks), return_exceptions=True)

    def cancel_background(self) -> None:
        for t in list(self._ensure()):
            t.cancel()


class Foreground:
    """Answers a user is waiting for go first. An interaction counts itself in with :meth:`serving`
    while it works towards its answer (the "registrado" of /registrar-negocio); follow-up work that
    nobody is staring at (the deal card, marking the answer seen) calls :meth:`wait_quiet` first, so
    a burst of registrations is answered before the first card of that burst is drawn and posted.
    The wait is bounded (``max_wait`` seconds): a steady stream of interactions delays the follow-up
    work, it never starves it."""

    def __init__(self, max_wait: float = 10.0, follow_ups: int = 4) -> None:
        self.max_wait = max_wait
        self._serving = 0
        self._quiet = asyncio.Event()
        self._quiet.set()
        self._follow_ups = asyncio.Semaphore(max(1, follow_ups))

    @asynccontextmanager
    async def follow_up(self) -> AsyncIterator[None]:
        """For follow-up work (a card post, a card redraw): once no answer is being served, at most
        ``follow_ups`` at a time, so the work a burst leaves behind does not take the loop from the
        next burst's answers all at once."""
        await self.wait_quiet()
        async with self._follow_ups:
            yield

    @property
    def serving_now(self) -> int:
        return self._serving

    @contextmanager
    def serving(self) -> Iterator[None]:
        self._serving += 1
        self._quiet.clear()
        try:
            yield
        finally:
            self._serving -= 1
            if self._serving == 0:
                self._quiet.set()

    async def wait_quiet(self) -> None:
        """Return once no interaction is being served, or after ``max_wait`` seconds."""
        if self._quiet.is_set():
            return
        try:
            await asyncio.wait_for(self._quiet.wait(), self.max_wait)
        except TimeoutError:
            pass


class LoopWorker:
    """One long-running loop task that stops promptly. Subclasses loop ``while not self._stopping``
    and sleep on ``self._wake``. The flag (not only the cancel) ends the loop: on Python 3.11 a
    cancel that lands just as the event fires can be swallowed by the wait, and the bot would never exit."""

    def __init__(self) -> None:
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def _start(self, loop: Coroutine[Any, Any, None], name: str) -> None:
        if self._task is not None:
            loop.close()
            return
        self._stopping = False
        self._task = asyncio.create_task(loop, name=name)

    async def _nap(self, seconds: float) -> None:
        """Sleep ``seconds``, or less when ``_wake`` is set meanwhile — or was set during the last round:
        a kick that came while the loop worked (a commit made during a flush) is not lost."""
        try:
            async with asyncio.timeout(seconds):
                await self._wake.wait()
        except TimeoutError:
            pass
        self._wake.clear()

    async def stop(self) -> None:
        if self._task is not None:
            self._stopping = True
            self._wake.set()
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
