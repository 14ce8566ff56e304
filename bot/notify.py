"""Sending to people and to the sales channel, always with mentions disabled."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

import aiohttp
import discord
from discord.ext import commands

from bot.domain.cards import CardKey, button_target
from bot.logging_setup import log_failure
from bot.texts import general as T

log = logging.getLogger(__name__)
NO_MENTIONS = discord.AllowedMentions.none()
HISTORY_LIMIT = 200  # messages of the channel read back when a re-post looks for a card already there


async def dm(bot: discord.Client, user_id: int, content: str | None = None, **kwargs: Any) -> bool:
    """DM a user; False when their DMs are closed or the user is unknown."""
    kwargs.setdefault("allowed_mentions", NO_MENTIONS)
    try:
        user = bot.get_user(user_id) or await bot.fetch_user(user_id)
        await user.send(content, **kwargs)
        return True
    except (discord.Forbidden, discord.NotFound):
        log.info("Could not DM user %s", user_id)
        return False
    except discord.HTTPException as exc:
        log.warning("DM to %s failed: %s", user_id, exc)
        return False


# the channels whose messages discord.py addresses by id (not a forum, a category or a group DM)
_MESSAGE_CHANNELS = (discord.TextChannel, discord.VoiceChannel, discord.StageChannel, discord.Thread, discord.DMChannel,
                     discord.PartialMessageable)


def card_message(channel: object, message_id: int) -> discord.PartialMessage | None:
    """Message ``message_id`` of ``channel`` (a card to edit or reply to), or None when the channel is of
    a kind that has no messages of its own."""
    return channel.get_partial_message(message_id) if isinstance(channel, _MESSAGE_CHANNELS) else None


async def post(channel: discord.abc.Messageable, content: str | None = None, **kwargs: Any) -> discord.Message:
    kwargs.setdefault("allowed_mentions", NO_MENTIONS)
    return await channel.send(content, **kwargs)


def custom_ids(message: discord.Message) -> Iterator[str]:
    """The custom ids of a message's buttons (and other components), rows included."""
    stack: list[Any] = list(message.components)
    while stack:
        item = stack.pop()
        custom_id = getattr(item, "custom_id", None)
        if custom_id:
            yield custom_id
        stack.extend(getattr(item, "children", None) or ())


class RecentCards:
    """The bot's own messages with buttons in a channel's recent history: read once per channel and
    re-post pass (only when a card is missing), so that a card a crash left unrecorded is adopted
    instead of posted again."""

    def __init__(self, limit: int = HISTORY_LIMIT) -> None:
        self.limit = limit
        self._by_channel: dict[int, list[discord.Message]] = {}

    async def find(self, bot: Any, channel: discord.abc.Messageable, key: CardKey) -> list[discord.Message]:
        """The messages carrying ``key``'s buttons, newest first."""
        return [m for m in await self._read(bot, channel) if key.owns_any(custom_ids(m))]

    async def by_object(self, bot: Any, channel: discord.abc.Messageable, prefix: str) -> dict[int, list[discord.Message]]:
        """The messages with ``prefix:<action>:<id>`` buttons grouped by id, newest first."""
        out: dict[int, list[discord.Message]] = {}
        for m in await self._read(bot, channel):
            targets = {button_target(c) for c in custom_ids(m)}
            for object_id in {t[1] for t in targets if t is not None and t[0] == prefix}:
                out.setdefault(object_id, []).append(m)
        return out

    async def _read(self, bot: Any, channel: discord.abc.Messageable) -> list[discord.Message]:
        channel_id = getattr(channel, "id", 0)
        if channel_id not in self._by_channel:
            mine: list[discord.Message] = []
            try:
                async for m in channel.history(limit=self.limit):
                    if bot.user is not None and m.author.id == bot.user.id and m.components:
                        mine.append(m)
            except (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError) as exc:
                # without the history the nonce still protects a re-post inside Discord's window (and a
                # lost connection is one line: discord.py reconnects on its own)
                log.warning("Could not read the recent history of %s: %s: %s", channel_id, type(exc).__name__, exc)
            self._by_channel[channel_id] = mine
        return self._by_channel[channel_id]


async def mark_replaced(stale: discord.Message, live: discord.Message) -> None:
    """A duplicate card: say where the live one is, drop its stale state and its buttons."""
    try:
        await stale.edit(content=T.CARD_REPLACED.format(link=live.jump_url), embeds=[], view=None,
                         allowed_mentions=NO_MENTIONS)
    except discord.HTTPException as exc:
        log.warning("Could not mark the duplicate card %s as replaced: %s", stale.id, exc)


async def _adopt(
    bot: Any, channel: discord.abc.Messageable, key: CardKey, recent: RecentCards, kwargs: dict[str, Any]
) -> discord.Message | None:
    """The card already in the channel (the newest, brought up to date), its duplicates marked as
    replaced; None when there is none."""
    found = await recent.find(bot, channel, key)
    while found:
        live, stale = found[0], found[1:]
        try:
            await live.edit(content=kwargs.get("content"), embed=kwargs.get("embed"), view=kwargs.get("view"),
                            allowed_mentions=NO_MENTIONS)
        except discord.NotFound:
            found = stale  # deleted meanwhile: the next one, or a new post
            continue
        except discord.HTTPException as exc:
            log.warning("Adopted card %s of %s left as it was: %s", live.id, key.nonce, exc)
        for m in stale:
            await mark_replaced(m, live)
        log.info("Adopted the card already posted for %s (message %s, %s duplicates)", key.nonce, live.id, len(stale))
        return live
    return None


async def send_card(
    bot: Any, channel: discord.abc.Messageable, key: CardKey, record_card: Callable[[Any, int, int], Awaitable[None]],
    *, recent: RecentCards | None = None, **kwargs: Any,
) -> bool:
    """Post a card and store where it is (``record_card(session, channel_id, message_id)``, committed).

    The post carries the card's nonce, so a retried request or a re-post inside Discord's window
    gets back the message already created. ``recent`` (re-posts of cards a crash or a refusal left
    unrecorded): the card is first looked for in the channel's recent history and adopted."""
    msg = await _adopt(bot, channel, key, recent, kwargs) if recent is not None else None
    if msg is None:
        try:
            msg = await post(channel, nonce=key.nonce, **kwargs)
        except discord.HTTPException as exc:
            log.warning("Could not post the card %s in %s: %s", key.nonce, getattr(channel, "id", channel), exc)
            return False
    async with bot.sessionmaker() as session:
        await record_card(session, msg.channel.id, msg.id)
        await session.commit()
    return True


async def repost_missing_cards(
    bot: Any, what: str, find: Callable[[Any], Awaitable[list[int]]], post_one: Callable[..., Awaitable[Any]]
) -> list[int]:
    """Post the cards a crash or a Discord refusal left unposted or unrecorded (row committed, card
    id not stored); returns the ids whose card is now recorded.

    ``find`` returns a page of ids; pages are read until none is left (a card that cannot be posted
    is tried once per pass, so a failing one cannot loop forever). ``post_one(bot, id, recent=...)``
    adopts a card already in the channel's recent history instead of posting a second one."""
    tried: set[int] = set()
    done: list[int] = []
    recent = RecentCards()
    try:
        while True:
            async with bot.sessionmaker() as session:
                ids = [i for i in await find(session) if i not in tried]
            if not ids:
                return done
            for row_id in ids:
                tried.add(row_id)
                if await post_one(bot, row_id, recent=recent):
                    done.append(row_id)
    except Exception:  # noqa: BLE001 - start-up must go on; the next pass retries
        log_failure(log, bot, "Posting missing %s cards failed", what)
        return done


async def retire_duplicate_cards(
    bot: Any, what: str, prefix: str, recorded: Callable[[Any, list[int]], Awaitable[dict[int, int | None]]]
) -> int:
    """At start-up: a card with a stored message id that has other copies in the channel's recent
    history (left by a crash before cards had nonces) keeps the stored one; the others are marked as
    replaced. ``recorded(session, ids)`` gives the stored message ids. Returns how many were marked."""
    channel = bot.sales_channel()
    if channel is None:
        return 0
    marked = 0
    try:
        groups = {i: ms for i, ms in (await RecentCards().by_object(bot, channel, prefix)).items() if len(ms) > 1}
        if not groups:
            return 0
        async with bot.sessionmaker() as session:
            stored = await recorded(session, list(groups))
        for object_id, messages in groups.items():
            live = next((m for m in messages if m.id == stored.get(object_id)), None)
            if live is None:
                continue  # not recorded (the re-post pass adopts one) or out of the history read
            for m in messages:
                if m is not live:
                    await mark_replaced(m, live)
                    marked += 1
        if marked:
            log.info("Marked %s duplicate %s cards as replaced", marked, what)
    except Exception:  # noqa: BLE001 - cosmetic: clicks re-read the database
        log_failure(log, bot, "Retiring duplicate %s cards failed", what)
    return marked


async def check_cards(
    bot: Any, what: str, prefix: str, find: Callable[[Any], Awaitable[list[int]]], post_one: Callable[..., Awaitable[Any]],
    recorded: Callable[[Any, list[int]], Awaitable[dict[int, int | None]]],
) -> None:
    """The start-up pass of one kind of card: post what a crash or a refusal left unposted
    (:func:`repost_missing_cards`), then retire the duplicates a crash left (:func:`retire_duplicate_cards`)."""
    await repost_missing_cards(bot, what, find, post_one)
    await retire_duplicate_cards(bot, what, prefix, recorded)


@dataclass(frozen=True, slots=True)
class CardPasses:
    """The start-up and periodic passes of one kind of card whose rows can say which lack their card
    (``without_card(session, older_than)``): one definition for the cogs that own such cards."""

    what: str
    prefix: str
    without_card: Callable[[Any, datetime], Awaitable[list[int]]]
    post_one: Callable[..., Awaitable[Any]]
    recorded: Callable[[Any, list[int]], Awaitable[dict[int, int | None]]]

    async def at_start(self, bot: Any) -> None:
        """Post what a crash or a refusal left unposted, retire duplicates (:func:`check_cards`)."""
        before = bot.clock.now()
        await check_cards(bot, self.what, self.prefix, lambda s: self.without_card(s, before), self.post_one,
                          self.recorded)

    async def repost(self, bot: Any, created_before: datetime | None = None) -> None:
        """Post the missing cards created before ``created_before`` (now by default)."""
        before = created_before or bot.clock.now()
        await repost_missing_cards(bot, self.what, lambda s: self.without_card(s, before), self.post_one)


class CardsCog(commands.Cog):
    """A cog that owns one kind of card (``CARDS``): it posts what a crash or a refusal left unposted
    once per process, at the first ``on_ready``, and on the periodic cards job (``repost_cards``)."""

    CARDS: ClassVar[CardPasses]

    def __init__(self, bot: Any) -> None:
        self.bot = bot
        self._cards_checked = False

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Post the cards a crash or a refusal left unposted, retire duplicates. Once per process."""
        if not self._cards_checked:
            self._cards_checked = True
            await self.CARDS.at_start(self.bot)

    async def repost_cards(self, created_before: datetime | None = None) -> None:
        """Post the missing cards (the periodic cards job calls this too)."""
        await self.CARDS.repost(self.bot, created_before)
