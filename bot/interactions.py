"""Answering an interaction: privately, and with a Spanish text for every refusal or failure.

Shared by every extension and by :mod:`bot.ui`; it imports nothing of the bot itself, so the
extensions and the persistent buttons can use it without importing the application."""

from __future__ import annotations

import logging
import secrets
from typing import Any

import discord
from discord import app_commands

from bot.domain import errors as domain_errors
from bot.errors import UserCheckFailure, UserError
from bot.texts import general as T

log = logging.getLogger(__name__)

ANYWHERE = "anywhere"  # app command extras flag: usable outside the sales channel


def new_reference() -> str:
    return secrets.token_hex(4).upper()


async def send_ephemeral(interaction: discord.Interaction, content: str | None, **kwargs: Any) -> None:
    """Answer privately whether or not the interaction was already acknowledged (``content`` None: only
    what ``kwargs`` carries, e.g. an embed)."""
    kwargs.setdefault("allowed_mentions", discord.AllowedMentions.none())
    if content is not None:
        kwargs["content"] = content
    if interaction.response.is_done():
        await interaction.followup.send(ephemeral=True, **kwargs)
    else:
        await interaction.response.send_message(ephemeral=True, **kwargs)


def reply_channel(interaction: discord.Interaction) -> discord.abc.Messageable | None:
    """The channel the interaction came from when messages can be posted there (a card's fallback when
    the sales channel is not found), else None (a forum or a category has no messages of its own)."""
    channel = interaction.channel
    return channel if isinstance(channel, discord.abc.Messageable) else None


def _user_message(error: BaseException) -> str | None:
    """The Spanish text of a refusal, or None for an unexpected error."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, (UserError, UserCheckFailure)):
        return error.message
    if isinstance(error, domain_errors.DomainError):
        return str(error)
    if isinstance(error, app_commands.NoPrivateMessage):
        return T.GUILD_ONLY
    if isinstance(error, app_commands.CommandOnCooldown):
        return T.COOLDOWN.format(seconds=round(error.retry_after, 1))
    return None


async def report_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Answer the user in Spanish; log unexpected errors with a reference id."""
    text = _user_message(error)
    if text is None:
        ref = new_reference()
        original = getattr(error, "original", error)
        log.error(
            "Unexpected error ref=%s command=%s user=%s",
            ref,
            getattr(interaction.command, "qualified_name", None) or interaction.data,
            interaction.user.id if interaction.user else None,
            exc_info=(type(original), original, original.__traceback__),
        )
        text = T.UNEXPECTED_ERROR.format(ref=ref)
    try:
        await send_ephemeral(interaction, text)
    except discord.HTTPException:
        log.warning("Could not deliver the error reply for interaction %s", interaction.id)
