"""/panel: a private one-time link to the web panel (bot/web). The link is ``WEB_BASE_URL/entrar#TOKEN``:
the token is in the fragment, which browsers never send to a server, so no access log can hold it."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import VentasOpsBot
from bot.domain.dates import format_date
from bot.guards import actor_of
from bot.interactions import ANYWHERE, send_ephemeral
from bot.services import web_login
from bot.texts import web as T


class Panel(commands.Cog):
    def __init__(self, bot: VentasOpsBot) -> None:
        self.bot = bot

    @app_commands.command(name="panel", description=T.CMD_PANEL, extras={ANYWHERE: True})
    @app_commands.guild_only()
    async def panel(self, interaction: discord.Interaction[VentasOpsBot]) -> None:
        bot = self.bot
        base = bot.settings.web_base_url
        if not base:
            await send_ephemeral(interaction, T.PANEL_OFF)
            return
        async with bot.sessionmaker() as session:
            link = await web_login.issue(session, actor_of(interaction.user), now=bot.clock.now())
            await session.commit()
        local = link.expires_at.astimezone(bot.settings.tz)
        until = f"{local.hour:02d}:{local.minute:02d} del {format_date(local.date())}"
        await send_ephemeral(interaction, T.PANEL_LINK.format(url=f"{base}/entrar#{link.token}", until=until))


async def setup(bot: VentasOpsBot) -> None:
    await bot.add_cog(Panel(bot))
