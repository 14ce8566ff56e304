"""Background work a cog starts after answering (HubSpot checks, card edits), tracked so it can be
cancelled on unload and awaited in tests."""

from __future__ import annotations

import asyncio
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
