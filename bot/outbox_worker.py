"""Delivers the outbox to Discord. Safe to run at any time and concurrently with itself:
rows are claimed one by one and each send carries a nonce Discord uses to drop duplicates."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import discord
from sqlalchemy import update

from bot.background import LoopWorker
from bot.services import outbox as ob
from db.models import OutboxMessage

log = logging.getLogger(__name__)
NO_MENTIONS = discord.AllowedMentions.none()


class OutboxWorker(LoopWorker):
    def __init__(self, bot: discord.Client) -> None:
        super().__init__()
        self.bot = bot
        self._lock = asyncio.Lock()

    def kick(self) -> None:
        """Deliver soon (call after committing an enqueue)."""
        self._wake.set()

    def start(self, interval: float = 30.0) -> None:
        self._start(self._loop(interval), "outbox")

    async def _loop(self, interval: float) -> None:
        await self.bot.wait_until_ready()
        while not self._stopping:
            try:
                await self.flush()
            except Exception:  # noqa: BLE001 - the loop must survive anything
                log.exception("Outbox delivery failed")
            if self._stopping:
                break
            await self._nap(interval)

    async def flush(self) -> int:
        """Send everything due now; returns how many were delivered."""
        async with self._lock:
            sent = 0
            bot = self.bot
            async with bot.sessionmaker() as session:  # type: ignore[attr-defined]
                rows = await ob.due(session, bot.clock.now())  # type: ignore[attr-defined]
            for row in rows:
                if await self._deliver(row):
                    sent += 1
            return sent

    async def _target(self, row: OutboxMessage) -> discord.abc.Messageable | None:
        bot = self.bot
        if row.target == "dm":
            user = bot.get_user(row.target_id) or await bot.fetch_user(row.target_id)
            return user
        if row.target_id == ob.SALES_CHANNEL:
            return bot.sales_channel()  # type: ignore[attr-defined]
        ch = bot.get_channel(row.target_id)
        return ch if isinstance(ch, discord.abc.Messageable) else None

    async def _deliver(self, row: OutboxMessage) -> bool:
        bot = self.bot
        now = bot.clock.now()  # type: ignore[attr-defined]
        error: str | None = None
        message_id: int | None = None
        permanent = False
        try:
            target = await self._target(row)
            if target is None:
                raise LookupError("target channel not found")
            files = [
                discord.File(Path(f["path"]), filename=f["filename"])
                for f in row.payload.get("files", [])
                if Path(f["path"]).exists()
            ]
            msg = await target.send(
                content=row.payload.get("content"),
                embeds=[discord.Embed.from_dict(e) for e in row.payload.get("embeds", [])],
                files=files,
                allowed_mentions=NO_MENTIONS,
                nonce=f"ob{row.id}",
            )
            message_id = msg.id
        except discord.Forbidden as exc:  # closed DMs or missing permission: retrying won't help
            error, permanent = f"{type(exc).__name__}: {exc}", True
        except (discord.HTTPException, LookupError, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        async with bot.sessionmaker() as session:  # type: ignore[attr-defined]
            if error is None:
                values = {"status": "enviado", "sent_at": now, "message_id": message_id, "attempts": row.attempts + 1}
            else:
                attempts = row.attempts + 1
                failed = permanent or attempts >= ob.MAX_ATTEMPTS
                values = {
                    "status": "fallido" if failed else "pendiente",
                    "attempts": attempts,
                    "last_error": error[:2000],
                    "next_attempt_at": now + ob.backoff(attempts),
                }
                log.warning("Outbox %s (%s) not delivered: %s", row.id, row.dedupe_key, error)
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id, OutboxMessage.status == "pendiente")
                .values(**values)
            )
            await session.commit()
        return error is None
