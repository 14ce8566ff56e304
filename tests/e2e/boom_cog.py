"""A test-only extension: a command that fails unexpectedly and one that answers slowly."""

from __future__ import annotations

import asyncio

import discord
from discord import app_commands
from discord.ext import commands


class Boom(commands.Cog):
    @app_commands.command(name="explotar", description="(pruebas) falla a propósito")
    async def explotar(self, interaction: discord.Interaction) -> None:
        raise RuntimeError("boom: secret internal detail")

    @app_commands.command(name="explotar-tarde", description="(pruebas) falla después de diferir")
    async def explotar_tarde(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await asyncio.sleep(0.05)
        raise KeyError("late boom")


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Boom())
