"""/admin negocio anular: an admin cancels a deal (clawback when it had earned a commission)."""

from __future__ import annotations

import logging

import discord

from bot.app import VentasOpsBot
from bot.cards.deal import refresh_card
from bot.domain.money import format_cop
from bot.domain.text import md
from bot.domain.validation import clean_user_text
from bot.guards import actor_of
from bot.interactions import send_ephemeral
from bot.notify import dm
from bot.services import deals as svc
from bot.texts import deals as T

log = logging.getLogger(__name__)


async def admin_cancel(interaction: discord.Interaction[VentasOpsBot], deal_id: int, reason: str) -> None:
    bot = interaction.client
    reason = clean_user_text(reason or "")
    async with bot.sessionmaker() as session:
        result = await svc.cancel_deal(
            session, deal_id, reason, actor=actor_of(interaction.user), now=bot.clock.now()
        )
        await session.commit()
    clawback = T.CANCEL_CLAWBACK.format(amount=format_cop(result.clawback)) if result.clawback else ""
    await send_ephemeral(interaction, T.CANCEL_DONE.format(deal_id=deal_id, clawback=clawback))
    await refresh_card(bot, deal_id)
    async with bot.sessionmaker() as session:
        v = await svc.load_view(session, deal_id)
    if v is not None:
        await dm(
            bot,
            v.member.discord_id,
            T.DM_CANCELLED.format(
                deal_id=deal_id,
                client=md(v.client.name),
                reason=md(reason),
                clawback=T.DM_CLAWBACK.format(amount=format_cop(result.clawback)) if result.clawback else "",
            ),
        )
