"""/admin negocio anular: an admin cancels a deal (clawback when it had earned a commission)."""

from __future__ import annotations

import discord

from bot.app import VentasOpsBot
from bot.cards.deal import refresh_card
from bot.domain.money import format_cop
from bot.domain.validation import clean_user_text
from bot.guards import actor_of
from bot.interactions import send_ephemeral
from bot.services import deals as svc
from bot.texts import deals as T


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
    bot.outbox.kick()  # the KAM's DM, queued with the cancellation (services.deals.queue_cancellation_dm)
    await refresh_card(bot, deal_id)
