"""The Discord fake answers the way Discord does where the bot could trip: late and double
callbacks, oversized content, rate limits and server errors."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from tests.fakes.discord_fake import DiscordFake, running_bot


class Probe(commands.Cog):
    def __init__(self) -> None:
        self.errors: list[BaseException] = []

    @app_commands.command(name="lento")
    async def lento(self, interaction: discord.Interaction) -> None:
        import asyncio

        await asyncio.sleep(0.4)
        try:
            await interaction.response.send_message("tarde")
        except discord.HTTPException as exc:
            self.errors.append(exc)

    @app_commands.command(name="doble")
    async def doble(self, interaction: discord.Interaction) -> None:
        import aiohttp

        await interaction.response.send_message("uno")
        url = f"{discord.http.Route.BASE}/interactions/{interaction.id}/{interaction.token}/callback"
        async with aiohttp.ClientSession() as session:
            async with session.post(url, json={"type": 4, "data": {"content": "dos"}}) as r:
                self.second = (r.status, (await r.json())["code"], r.headers["Content-Type"])

    @app_commands.command(name="largo")
    async def largo(self, interaction: discord.Interaction) -> None:
        try:
            await interaction.response.send_message("x" * 2001)
        except discord.HTTPException as exc:
            self.errors.append(exc)
            await interaction.response.send_message("demasiado largo")

    @app_commands.command(name="publicar")
    async def publicar(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.channel.send("publicado")  # type: ignore[union-attr]
        await interaction.followup.send("listo")


async def make_bot(fake: DiscordFake) -> tuple[commands.Bot, Probe]:
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.default(), guild_ready_timeout=0.05)
    probe = Probe()

    async def setup_hook() -> None:
        await bot.add_cog(probe)
        guild = discord.Object(fake.guild_id)
        bot.tree.copy_global_to(guild=guild)
        await bot.tree.sync(guild=guild)

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    return bot, probe


async def test_refusals_like_discord():
    fake = DiscordFake(interaction_timeout=0.2)  # Discord's 3 s, shortened for the test
    await fake.start()
    try:
        bot, probe = await make_bot(fake)
        async with running_bot(bot, fake):
            user = await fake.add_member("Ana", ["KAM"])

            h = await fake.slash(user, "lento")
            await fake.wait_for(lambda: probe.errors)
            assert probe.errors[-1].code == 10062 and h.rec.response_type is None

            h = await fake.slash(user, "doble")
            await fake.wait_for(lambda: getattr(probe, "second", None))
            assert probe.second == (400, 40060, "application/json")
            assert (await h.wait_final())["content"] == "uno"

            h = await fake.slash(user, "largo")
            assert (await h.wait_final())["content"] == "demasiado largo"
            assert probe.errors[-1].code == 50035

            channel = fake.channel_id("dudas-ventas-ops")
            fake.fail_next("POST", rf"/channels/{channel}/messages", 429, times=2, retry_after=0.1)
            fake.interaction_timeout = 3.0
            h = await fake.slash(user, "publicar")
            assert (await h.wait_final(10))["content"] == "listo"
            posted = [m for m in fake.channel_messages() if m["content"] == "publicado"]
            assert len(posted) == 1  # retried after the 429s, delivered once
            statuses = [s for (m, p, _t, s) in fake.request_log if m == "POST" and p.endswith(f"{channel}/messages")]
            assert statuses == [429, 429, 200]
            assert fake.unhandled == []
    finally:
        await fake.stop()
