"""Blocking work that is not HubSpot's: proof storage, XLSX files, charts, import parsing, backups.

It runs in its own thread pool, apart from the event loop's default executor (which asyncio also
uses for DNS look-ups) and from the HubSpot gateway's pool (:mod:`bot.hubspot.gateway`): a HubSpot
that answers slowly or hangs occupies HubSpot's threads only, so storing a proof or building an
XLSX never waits behind it. Use :func:`run_blocking` instead of ``asyncio.to_thread``.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

# the stdlib's default for I/O-bound pools: CPU-bound work (XLSX, charts) gains nothing from more
MAX_WORKERS = min(32, (os.cpu_count() or 1) + 4)
THREAD_PREFIX = "ventas-blocking"

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix=THREAD_PREFIX)
        return _pool


async def run_blocking(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """``asyncio.to_thread`` on the non-HubSpot pool (context variables included, like to_thread)."""
    loop = asyncio.get_running_loop()
    ctx = contextvars.copy_context()
    call = functools.partial(ctx.run, fn, *args, **kwargs)
    return await loop.run_in_executor(_executor(), call)


def shutdown(*, wait: bool = False) -> None:
    """Stop the pool (at process exit); work already queued still runs. A later
    :func:`run_blocking` starts a new pool, so a restarted bot in the same process keeps working."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=wait)
