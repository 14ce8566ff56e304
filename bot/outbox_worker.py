"""Delivers the outbox to Discord. Safe to run at any time and concurrently with itself:
rows are claimed one by one and each send carries a nonce Discord uses to drop duplicates.

What cannot be delivered is never dropped: a refusal retrying cannot fix (a missing permission,
closed DMs) or a failure that outlasts ``MAX_ATTEMPTS`` holds the item («retenido») with a Spanish
reason naming the cause, and the admins get one DM about it."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import discord
from sqlalchemy import update

from bot import permissions
from bot.background import LoopWorker
from bot.domain.enums import OutboxStatus, OutboxTarget
from bot.domain.text import md
from bot.services import outbox as ob
from bot.texts import outbox as OT
from db.audit import Actor, record
from db.engine import rowcount
from db.models import OutboxMessage

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.clock import Clock
    from bot.config import Settings


class OutboxBot(Protocol):
    """What the worker uses of the bot (bot.app.VentasOpsBot, which starts it; a protocol, not an import,
    so the worker sits below the bot)."""

    settings: Settings
    sessionmaker: async_sessionmaker[AsyncSession]
    clock: Clock

    @property
    def guild(self) -> discord.Guild | None: ...
    def sales_channel(self) -> discord.TextChannel | None: ...
    def get_channel(
        self, id: int, /
    ) -> discord.abc.GuildChannel | discord.Thread | discord.abc.PrivateChannel | None: ...
    def get_user(self, id: int, /) -> discord.User | None: ...
    async def fetch_user(self, user_id: int, /) -> discord.User: ...
    async def wait_until_ready(self) -> None: ...

log = logging.getLogger(__name__)
NO_MENTIONS = discord.AllowedMentions.none()


def held_lines(groups: list[tuple[str, int]]) -> str:
    """One line per cause: «• 3 mensajes: el bot no puede escribir en #… ». The reasons are built by
    the worker from names Discord gave (channel, user), already made inert."""
    return "\n".join(
        OT.NOTICE_LINE.format(count=n, what=OT.ONE_MESSAGE if n == 1 else OT.MANY_MESSAGES, reason=reason)
        for reason, n in groups
    )


def allowed_mentions(row: OutboxMessage) -> discord.AllowedMentions:
    """Nobody can be pinged, except the one user a message names in ``mention_users`` (the channel
    notice for someone whose DMs are closed)."""
    users = [discord.Object(id=int(u)) for u in (row.payload or {}).get("mention_users") or []]
    if not users:
        return NO_MENTIONS
    return discord.AllowedMentions(everyone=False, roles=False, replied_user=False, users=users)


class OutboxWorker(LoopWorker):
    def __init__(self, bot: OutboxBot) -> None:
        super().__init__()
        self.bot = bot
        self._lock = asyncio.Lock()
        self._again = False  # a delivery queued something due now (a closed-DMs notice)

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
            except Exception:
                log.exception("Outbox delivery failed")
            if self._stopping:
                break
            await self._nap(interval)

    async def flush(self) -> int:
        """Send everything due now; returns how many were delivered."""
        async with self._lock:
            sent = 0
            bot = self.bot
            for _ in range(2):  # a second pass for the channel notices of DMs refused just now
                self._again = False
                async with bot.sessionmaker() as session:
                    rows = await ob.due(session, bot.clock.now())
                for row in rows:
                    if await self._deliver(row):
                        sent += 1
                if not self._again:
                    break
            else:
                self.kick()  # the second pass refused a DM too: its notice goes in the next round, not in 30 s
            await self._notify_held()
            return sent

    async def resend_held(self, actor: Actor) -> tuple[int, list[OutboxMessage]]:
        """``/admin reenviar``: every held item back in the queue and delivered now. Returns how many
        were released and the ones still held afterwards (with their reasons)."""
        bot = self.bot
        async with bot.sessionmaker() as session:
            ids = await ob.release_held(session, actor, bot.clock.now())
            await session.commit()
        if not ids:
            return 0, []
        for _ in range(len(ids) // 20 + 2):  # flush() takes 20 at a time
            if not await self.flush():
                break
        async with bot.sessionmaker() as session:
            still = [r for r in await ob.held(session) if r.id in set(ids)]
        return len(ids), still

    async def _target(self, row: OutboxMessage) -> discord.abc.Messageable | None:
        bot = self.bot
        if row.target == OutboxTarget.DM:
            user = bot.get_user(row.target_id) or await bot.fetch_user(row.target_id)
            return user
        if row.target_id == ob.SALES_CHANNEL:
            return bot.sales_channel()
        ch = bot.get_channel(row.target_id)
        return ch if isinstance(ch, discord.abc.Messageable) else None

    async def _reply(self, row: OutboxMessage) -> tuple[discord.abc.Messageable | None, discord.MessageReference | None]:
        """A reply to a card: the card's channel and the reference to it, read now (a card not posted,
        or in a channel gone, gives (None, None): the post goes to the row's own channel, as a plain post)."""
        if not (row.payload or {}).get("reply_to"):
            return None, None
        async with self.bot.sessionmaker() as session:
            where = await ob.reply_target(session, row)
        channel = self.bot.get_channel(where[0]) if where is not None else None
        if where is None or not isinstance(channel, discord.abc.Messageable):
            return None, None
        # a deleted card does not block the reply: Discord posts it without the reference
        return channel, discord.MessageReference(message_id=where[1], channel_id=where[0], fail_if_not_exists=False)

    def _channel_label(self, row: OutboxMessage) -> str:
        if row.target_id == ob.SALES_CHANNEL:
            return "#" + self.bot.settings.sales_channel.lstrip("#")
        ch = self.bot.get_channel(row.target_id)
        return f"#{ch.name}" if ch is not None and hasattr(ch, "name") else str(row.target_id)

    def _user_label(self, user_id: int) -> str:
        user = self.bot.get_user(user_id)
        return user.display_name if user is not None else str(user_id)

    def _refusal_reason(self, row: OutboxMessage, target: discord.abc.Messageable | None,
                        exc: discord.HTTPException) -> str | None:
        """Why Discord refused, in Spanish, when retrying cannot help by itself (a missing permission,
        closed DMs, an unknown user); None for failures worth retrying with backoff."""
        detail = f"{exc.code}: {exc.text}" if exc.text else str(exc.code or exc.status)
        if row.target == OutboxTarget.DM:
            user = md(self._user_label(row.target_id))
            if exc.code == 50007:
                return OT.REASON_DM_CLOSED.format(user=user)
            if isinstance(exc, discord.NotFound):
                return OT.REASON_UNKNOWN_USER.format(user=user)
            return OT.REASON_FORBIDDEN_DM.format(user=user, detail=detail) if isinstance(exc, discord.Forbidden) else None
        if not isinstance(exc, discord.Forbidden):
            return None
        if isinstance(target, discord.abc.GuildChannel):
            needed = ["view_channel", "send_messages"]
            if row.payload.get("embeds"):
                needed.append("embed_links")
            if row.payload.get("files"):
                needed.append("attach_files")
            perms = target.permissions_for(target.guild.me)
            # without View Channel / Send Messages Discord (and discord.py) deny the rest too: name the root
            missing = [f"«{OT.PERMISSIONS[p]}»" for p in needed if not getattr(perms, p)][:1 if not perms.send_messages else None]
            if missing:
                return OT.REASON_MISSING_PERMS.format(channel=target.name, perms=OT.AND.join(missing))
            return OT.REASON_FORBIDDEN_CHANNEL.format(channel=target.name, detail=detail)
        return OT.REASON_FORBIDDEN_CHANNEL.format(channel=self._channel_label(row).lstrip("#"), detail=detail)

    async def _deliver(self, row: OutboxMessage) -> bool:
        bot = self.bot
        now = bot.clock.now()
        error: str | None = None
        hold_reason: str | None = None
        message_id: int | None = None
        target: discord.abc.Messageable | None = None
        dms_closed = False
        try:
            target, reference = await self._reply(row)
            if target is None:
                target = await self._target(row)
            if target is None:
                raise LookupError("target channel not found")
            files = [
                discord.File(Path(f["path"]), filename=f["filename"])
                for f in row.payload.get("files", [])
                if Path(f["path"]).exists()
            ]
            reply: dict[str, Any] = {"reference": reference} if reference is not None else {}
            msg = await target.send(
                content=row.payload.get("content"),
                embeds=[discord.Embed.from_dict(e) for e in row.payload.get("embeds", [])],
                files=files,
                allowed_mentions=allowed_mentions(row),
                nonce=f"ob{row.id}",
                **reply,
            )
            message_id = msg.id
        except discord.HTTPException as exc:
            error = f"{type(exc).__name__}: {exc}"
            hold_reason = self._refusal_reason(row, target, exc)
            dms_closed = row.target == OutboxTarget.DM and exc.code == 50007
        except LookupError as exc:
            error = f"{type(exc).__name__}: {exc}"
            if row.attempts + 1 >= ob.MAX_ATTEMPTS or row.status == OutboxStatus.RETENIDO:
                hold_reason = OT.REASON_NO_CHANNEL.format(channel=self._channel_label(row))
        except OSError as exc:
            error = f"{type(exc).__name__}: {exc}"
        async with bot.sessionmaker() as session:
            if error is None:
                values: dict[str, Any] = {
                    "status": OutboxStatus.ENVIADO, "sent_at": now, "message_id": message_id, "attempts": row.attempts + 1,
                }
            else:
                if hold_reason is None and row.attempts + 1 >= ob.MAX_ATTEMPTS:
                    hold_reason = OT.REASON_GAVE_UP.format(attempts=row.attempts + 1, detail=error[:300])
                values = ob.failure_values(row, now, error, hold_reason)
                log.warning("Outbox %s (%s) not delivered (%s): %s", row.id, row.dedupe_key, values["status"], error)
            result = await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id, OutboxMessage.status == row.status)
                .values(**values)
            )
            # audited: every hold, and the delivery of what was held (a plain delivery is the outbox's routine)
            changed = values["status"] != row.status and (values["status"] == OutboxStatus.RETENIDO or row.held_at is not None)
            if rowcount(result) and changed:
                record(session, Actor.system("outbox"), f"outbox.{values['status']}", "outbox", row.id,
                       before={"status": row.status}, after={"status": values["status"],
                                                               "reason": values.get("held_reason")})
            # closed DMs: the DM is held (retried hourly, the admins told) and, when it carries one,
            # its channel notice is queued with that status — once, whatever the retries
            fallback = await ob.enqueue_fallback(session, row, now) if rowcount(result) and dms_closed else None
            await session.commit()
        if fallback is not None and fallback.status == OutboxStatus.PENDIENTE:
            self._again = True  # flush() delivers the notice in this same call
        return error is None

    async def _notify_held(self) -> None:
        """One DM to each admin naming what was newly held and why (a cause already reported and
        still held is not reported again). Without an admin in the server the items wait unreported;
        ``/admin estado`` lists them anyway."""
        bot = self.bot
        guild = bot.guild
        role = permissions.find_role(guild, bot.settings.role_admin) if guild else None
        admins = [m for m in role.members if not m.bot] if role is not None else []
        if not admins:
            return
        now = bot.clock.now()
        async with bot.sessionmaker() as session:
            fresh = await ob.take_unnoticed(session, now)
            if fresh:
                content = OT.NOTICE.format(lines=held_lines(fresh))[:1990]
                stamp = now.strftime("%Y%m%d%H%M%S%f")
                for admin in admins:
                    await ob.enqueue(session, f"{ob.NOTICE_KEY}{stamp}:{admin.id}", content=content,
                                     user_id=admin.id, now=now)
            await session.commit()
        if fresh:
            log.warning("Outbox items held: %s", "; ".join(f"{n} × {r}" for r, n in fresh))
            self.kick()
