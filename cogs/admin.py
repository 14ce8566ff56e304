"""/admin …: administration, for ROLE_ADMIN only (checked for every subcommand).

The one ``admin`` group of the command tree lives here; each area adds its subgroup in its own
section below and keeps its logic in ``bot/services``.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import VentasOpsBot
from bot.guards import require_role
from bot.texts import admin as T


class Admin(commands.GroupCog, group_name="admin", group_description="Administración de ventas-ops"):
    def __init__(self, bot: VentasOpsBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.type is discord.InteractionType.autocomplete:
            return True
        name = interaction.command.qualified_name if interaction.command else "admin"
        await require_role(interaction, self.bot.settings.role_admin, action=name)
        return True

    # --- configuration ----------------------------------------------------------------------
    @app_commands.command(name="config", description="Muestra la configuración (secretos ocultos)")
    async def config(self, interaction: discord.Interaction) -> None:
        masked = self.bot.settings.masked()
        width = max(len(k) for k in masked)
        body = "\n".join(f"{k.ljust(width)}  {v}" for k, v in masked.items())
        await interaction.response.send_message(
            T.CONFIG_HEADER + f"\n```\n{body[:1800]}\n```", ephemeral=True
        )


async def setup(bot: VentasOpsBot) -> None:
    await bot.add_cog(Admin(bot))
