"""Sending to people and to the sales channel, always with mentions disabled."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord

log = logging.getLogger(__name__)
NO_MENTIONS = discord.AllowedMentions.none()


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


async def post(channel: discord.abc.Messageable, content: str | None = None, **kwargs: Any) -> discord.Message:
    kwargs.setdefault("allowed_mentions", NO_MENTIONS)
    return await channel.send(content, **kwargs)


async def post_card(
    bot: Any, channel: discord.abc.Messageable, record_card: Callable[[Any, int, int], Awaitable[None]], **kwargs: Any
) -> bool:
    """Post a card and store where it is (``record_card(session, channel_id, message_id)``, committed)."""
    try:
        msg = await post(channel, **kwargs)
    except discord.HTTPException as exc:
        log.warning("Could not post a card in %s: %s", getattr(channel, "id", channel), exc)
        return False
    async with bot.sessionmaker() as session:
        await record_card(session, msg.channel.id, msg.id)
        await session.commit()
    return True


async def repost_missing_cards(
    bot: Any, what: str, find: Callable[[Any], Awaitable[list[int]]], post_one: Callable[[Any, int], Awaitable[Any]]
) -> None:
    """At start-up: post the cards a crash left unposted (row committed, card not yet sent).

    ``find`` returns a page of ids; pages are read until none is left (a card that cannot be posted
    is tried once per start, so a failing one cannot loop forever)."""
    tried: set[int] = set()
    try:
        while True:
            async with bot.sessionmaker() as session:
                ids = [i for i in await find(session) if i not in tried]
            if not ids:
                return
            for row_id in ids:
                tried.add(row_id)
                await post_one(bot, row_id)
    except Exception:  # noqa: BLE001 - start-up must go on
        log.exception("Posting missing %s cards failed", what)
