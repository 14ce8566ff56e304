"""The Discord fake answers the way Discord does where the bot could trip: late and double
callbacks, bodies that break Discord's spec or limits (JSON and multipart), rate limits and server
errors."""

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

    @app_commands.command(name="formulario")
    async def formulario(self, interaction: discord.Interaction) -> None:
        modal = discord.ui.Modal(title="Solicitud #1 hecha", custom_id="probe:1")
        modal.add_item(discord.ui.Label(text="PDF de la proforma (opcional si pegaste un link)",
                                        component=discord.ui.FileUpload(custom_id="pdf", required=False)))
        modal.stop()
        try:
            await interaction.response.send_modal(modal)
        except discord.HTTPException as exc:
            self.errors.append(exc)
            await interaction.response.send_message("sin formulario")

    @app_commands.command(name="archivo")
    async def archivo(self, interaction: discord.Interaction) -> None:
        import io

        await interaction.response.defer(thinking=True)
        try:
            await interaction.followup.send("x" * 2001, file=discord.File(io.BytesIO(b"hola"), "a.txt"))
        except discord.HTTPException as exc:
            self.errors.append(exc)
        await interaction.followup.send("y", file=discord.File(io.BytesIO(b"hola"), "a.txt"))

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

            # a modal label over 45 characters: refused like Discord, the field named in the errors
            h = await fake.slash(user, "formulario")
            assert (await h.wait_final())["content"] == "sin formulario"
            err = probe.errors[-1]
            assert err.status == 400 and err.code == 50035
            assert "data.components.0.label" in str(err) and "45 or fewer" in str(err)
            assert h.rec.modal is None
            # a multipart upload: its payload_json is checked too
            h = await fake.slash(user, "archivo")
            await fake.wait_for(lambda: len(h.followups) == 1)
            assert probe.errors[-1].code == 50035 and "content" in str(probe.errors[-1])
            assert h.followups[0]["content"] == "y" and h.followups[0]["attachments"][0]["filename"] == "a.txt"
            # "largo", "formulario", "archivo": each refusal kept for the harness to report
            assert [(r.method, r.path.split("/")[1]) for r in fake.spec_refusals] == [
                ("POST", "interactions"), ("POST", "interactions"), ("POST", "webhooks")]

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
