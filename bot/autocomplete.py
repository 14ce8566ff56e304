"""Autocomplete shared by every extension: the ``cliente`` option (a KAM's own clients, or every
client for admins)."""

from __future__ import annotations

import asyncio
import logging

import discord
from discord import app_commands

from bot import permissions
from bot.app import VentasOpsBot
from bot.services import directory

log = logging.getLogger(__name__)

AUTOCOMPLETE_SECONDS = 2.0  # Discord drops an autocomplete answer after 3 s



async def client_choices(
    interaction: discord.Interaction[VentasOpsBot], current: str, *, own_only: bool = True
) -> list[app_commands.Choice[str]]:
    """Clients matching what the user typed (accent- and case-insensitive, ñ kept): only the caller's
    own current clients when ``own_only``, else every client (admins only). Values are client ids.
    Empty on timeout rather than late: Discord ignores an answer after its deadline."""
    bot = interaction.client
    if not own_only and not permissions.has_role(interaction.user, bot.settings.role_admin):
        return []

    async def search() -> list[directory.ClientChoice]:
        async with bot.sessionmaker() as session:
            member_id = None
            if own_only:
                member = await directory.get_member(session, interaction.user.id)
                if member is None:
                    return []
                member_id = member.id
            return await directory.autocomplete_clients(session, current, member_id=member_id)

    try:
        found = await asyncio.wait_for(search(), AUTOCOMPLETE_SECONDS)
    except TimeoutError:
        log.warning("Client autocomplete timed out for user %s", interaction.user.id)
        return []
    return [app_commands.Choice(name=c.name[:100], value=str(c.id)) for c in found]
