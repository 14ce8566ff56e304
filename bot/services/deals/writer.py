"""Registrations written together: the one writer of a burst takes every registration waiting.

The database takes one writer at a time (SQLite's lock; the bot queues for it instead of sleeping in
SQLite's busy handler), and each statement of a write is a trip to the database's thread and back
through an event loop busy with the rest of the burst. Written one by one, 50 registrations made 300
such trips in a row, and the last KAM waited for all of them. Here a registration that finds the
write taken joins the next batch, and the batch is written as one transaction with one INSERT per
table (:func:`bot.services.deals.register_all`): the same rows, committed before anyone is answered.

A batch that fails (say, a delivery of the same interaction written meanwhile: ``IntegrityError``) is
written again one registration at a time, so only the culprit sees the error.

The rules were read before a registration joined the queue, so the one rule another registration can
break meanwhile, one registration per HubSpot deal, is read again in the writing transaction
(:func:`bot.services.deals.inserts.recheck_hubspot`): a double submission is refused with the rule,
another KAM's registration of the same HubSpot deal is disputed, and two of them in one batch make the
batch be written one by one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, tzinfo
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.deals.inserts import ToWrite, register_all
from bot.services.deals.registration import Registration


class RegistrationWriter:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], *, now: Callable[[], datetime], rate: Decimal,
                 hubspot_enabled: bool, admin_role: str, tz: tzinfo) -> None:
        self._sessionmaker = sessionmaker
        self._now = now
        self._rate = rate
        self._hubspot_enabled = hubspot_enabled
        self._admin_role = admin_role
        self._tz = tz
        self._lock = asyncio.Lock()
        self._waiting: list[tuple[ToWrite, asyncio.Future[Registration]]] = []
        self.batches: list[int] = []  # the size of each batch written (tests, the bench)

    async def write(self, item: ToWrite) -> Registration:
        """Write ``item`` (committed when this returns), together with whatever else is waiting."""
        done: asyncio.Future[Registration] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, done))
        async with self._lock:
            if not done.done():  # nobody took it along: write it, and everyone waiting behind it
                batch, self._waiting = self._waiting, []
                try:
                    await self._write(batch)
                finally:
                    for _item, other in batch:  # cancelled mid-write: nobody waits forever
                        if not other.done():
                            other.cancel()
        return await done

    async def _write(self, batch: list[tuple[ToWrite, asyncio.Future[Registration]]]) -> None:
        self.batches.append(len(batch))
        try:
            written = await self._commit([item for item, _done in batch])
        except Exception as exc:  # noqa: BLE001 - handed to its registration, or retried one by one
            if len(batch) == 1:
                batch[0][1].set_exception(exc)
                return
            for item, done in batch:
                try:
                    done.set_result((await self._commit([item]))[0])
                except Exception as one:  # noqa: BLE001 - this registration's own error, raised to it
                    done.set_exception(one)
            return
        for (_item, done), reg in zip(batch, written, strict=True):
            done.set_result(reg)

    async def _commit(self, items: list[ToWrite]) -> list[Registration]:
        async with self._sessionmaker() as session:
            out = await register_all(session, items, now=self._now(), tz=self._tz, rate=self._rate, recheck=True,
                                     hubspot_enabled=self._hubspot_enabled, admin_role=self._admin_role)
            await session.commit()
            return out
