"""Sending to people and to the sales channel, always with mentions disabled."""

from __future__ import annotations

import logging
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
