"""/ayuda: the program's rules, rendered from the settings."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import VentasOpsBot
from bot.config import Settings
from bot.domain.commission import commission, rate_label
from bot.domain.money import format_cop
from bot.domain.text import md
from bot.faq_render import hits_embed
from bot.interactions import ANYWHERE, send_ephemeral
from bot.services import questions as qsvc
from bot.texts import general as T
from bot.texts import questions as QT

EXAMPLE_VALUE = 10_000_000


def _link(url: str) -> str:
    return T.LINK_SUFFIX.format(link=url) if url else ""


def ayuda_embed(settings: Settings) -> discord.Embed:
    s = settings
    embed = discord.Embed(title=T.AYUDA_TITLE, description=T.AYUDA_INTRO, colour=discord.Colour.blurple())
    embed.add_field(name=T.FIELD_WHO, value=T.AYUDA_WHO, inline=False)
    embed.add_field(name=T.FIELD_TYPES, value=T.AYUDA_TYPES.format(coo=T.COO_NAME), inline=False)
    embed.add_field(
        name=T.FIELD_COMMISSION,
        value=T.AYUDA_COMMISSION.format(
            rate=rate_label(s.commission_rate),
            example_value=format_cop(EXAMPLE_VALUE),
            example_commission=format_cop(commission(EXAMPLE_VALUE, s.commission_rate)),
        ),
        inline=False,
    )
    embed.add_field(
        name=T.FIELD_RENEWALS,
        value=T.AYUDA_RENEWALS.format(coordinator=T.COORDINATOR_NAME, days=s.renewal_window_business_days),
        inline=False,
    )
    embed.add_field(
        name=T.FIELD_REFERRALS,
        value=T.AYUDA_REFERRALS.format(
            bad=format_cop(0), good=format_cop(s.lead_reward_good), sold=format_cop(s.lead_reward_sold)
        ),
        inline=False,
    )
    embed.add_field(name=T.FIELD_EXPORT, value=T.AYUDA_EXPORT.format(time=s.export_time.strftime("%H:%M")), inline=False)
    embed.add_field(
        name=T.FIELD_STEPS,
        value=T.AYUDA_STEPS.format(
            approvers=T.APPROVER_NAMES,
            quotation=_link(s.link_quotation),
            contract=_link(s.link_contract),
            policy=_link(s.link_payment_policy),
            guide=_link(s.link_hubspot_guide),
        ),
        inline=False,
    )
    embed.add_field(
        name=T.FIELD_SUPPORT,
        value=T.AYUDA_SUPPORT.format(cco=T.CCO_NAME, landing=s.link_referral_landing or "—"),
        inline=False,
    )
    embed.add_field(name=T.FIELD_COMMANDS, value=T.AYUDA_COMMANDS, inline=False)
    return embed


class General(commands.Cog):
    def __init__(self, bot: VentasOpsBot) -> None:
        self.bot = bot

    @app_commands.command(name="ayuda", description="Reglas del programa, comisiones, pasos y enlaces", extras={ANYWHERE: True})
    @app_commands.describe(tema=QT.OPT_AYUDA_TOPIC)
    async def ayuda(self, interaction: discord.Interaction[VentasOpsBot], tema: app_commands.Range[str, 1, 200] | None = None) -> None:
        if not tema or not tema.strip():
            await interaction.response.send_message(embed=ayuda_embed(self.bot.settings), ephemeral=True)
            return
        async with self.bot.sessionmaker() as session:
            hits = await qsvc.search(session, tema)
        shown = md(" ".join(tema.split())[:80])
        if not hits:
            await send_ephemeral(interaction, QT.AYUDA_TOPIC_NONE.format(query=shown))
            return
        await send_ephemeral(interaction, None, embed=hits_embed(QT.AYUDA_TOPIC_TITLE.format(query=shown), hits))


async def setup(bot: VentasOpsBot) -> None:
    await bot.add_cog(General(bot))
