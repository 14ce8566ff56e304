"""The coordinator's renewal-intent card: embed, buttons (``renov:<ext|lib|acc>:<id>``, answered by
:mod:`bot.exts.renewals.intents`), post, refresh and re-post through :func:`bot.notify.send_card`."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, tzinfo
from typing import Any

import discord

from bot.app import VentasOpsBot
from bot.domain.cards import CardKey
from bot.domain.dates import format_date, format_date_long, format_datetime
from bot.domain.enums import RenewalStatus
from bot.domain.text import md, truncate
from bot.notify import RecentCards, repost_missing_cards, send_card
from bot.services import renewals as svc
from bot.texts import renewals as T
from bot.ui import ActionButton
from db.models import Client, Member, RenewalIntent

log = logging.getLogger(__name__)

REPOST_GRACE = timedelta(minutes=2)  # a fresh intent's own card post may still be on its way


def card_embed(intent: RenewalIntent, client: Client, member: Member, tz: tzinfo) -> discord.Embed:
    colours: dict[str, discord.Colour] = {
        RenewalStatus.ABIERTA: discord.Colour.blurple(), RenewalStatus.CERRADA: discord.Colour.green(),
        RenewalStatus.LIBERADA: discord.Colour.light_grey(), RenewalStatus.VENCIDA: discord.Colour.red(),
    }
    colour = colours.get(intent.status, discord.Colour.blurple())
    e = discord.Embed(title=truncate(T.CARD_TITLE.format(intent_id=intent.id, client=client.name), 256), colour=colour)
    e.add_field(name=T.FIELD_KAM, value=f"<@{member.discord_id}> ({truncate(md(member.name), 200)})", inline=True)
    e.add_field(name=T.FIELD_CLIENT, value=truncate(md(client.name), 1024), inline=True)
    e.add_field(name=T.FIELD_DELIVERY, value=format_date(intent.delivery_date), inline=True)
    e.add_field(name=T.FIELD_DEADLINE, value=format_date_long(intent.deadline), inline=True)
    status = T.STATUS_LABELS.get(intent.status, intent.status)
    if intent.blocked:
        status += T.BLOCKED_NOTE
    elif intent.status in svc.ENDED:
        status += T.UNBLOCKED_NOTE
    e.add_field(name=T.FIELD_STATUS, value=status, inline=False)
    if intent.closed_by_deal_id:
        e.add_field(name=T.FIELD_DEAL, value=f"#{intent.closed_by_deal_id}", inline=True)
    e.set_footer(text=T.CARD_FOOTER.format(when=format_datetime(intent.created_at, tz)))
    return e


ACTIONS: dict[str, tuple[str, discord.ButtonStyle]] = {
    "ext": (T.BTN_EXTEND, discord.ButtonStyle.primary),
    "lib": (T.BTN_RELEASE, discord.ButtonStyle.danger),
    "acc": (T.BTN_ACCEPT, discord.ButtonStyle.success),
}


class RenewalButton(ActionButton, template=r"renov:(?P<action>ext|lib|acc):(?P<id>\d+)"):
    """A persistent coordinator button; the intent is re-read from the database on every click."""

    PREFIX = "renov"
    LABELS = ACTIONS


def card_view(intent: RenewalIntent) -> discord.ui.View | None:
    if intent.status == RenewalStatus.ABIERTA:
        actions: tuple[str, ...] = ("ext", "lib")
    elif intent.blocked:
        actions = ("acc",)
    else:
        return None
    view = discord.ui.View(timeout=None)
    for a in actions:
        view.add_item(RenewalButton(a, intent.id))
    return view


async def load_card(bot: VentasOpsBot, intent_id: int) -> tuple[RenewalIntent, Client, Member] | None:
    async with bot.sessionmaker() as session:
        return await svc.load_card(session, intent_id)


async def post_card(
    bot: VentasOpsBot, intent_id: int, fallback: discord.abc.Messageable | None = None, recent: RecentCards | None = None
) -> bool:
    """Post the coordinator's card in the sales channel and remember it. False when it failed."""
    loaded = await load_card(bot, intent_id)
    if loaded is None:
        return False
    intent, client, member = loaded
    channel = bot.sales_channel() or fallback
    if channel is None:
        return False
    kwargs: dict[str, Any] = {"embed": card_embed(intent, client, member, bot.settings.tz)}
    view = card_view(intent)
    if view is not None:
        kwargs["view"] = view
    content = T.CARD_CONTENT.format(role=svc.role_label(bot.settings.role_renewals))
    return await send_card(bot, channel, CardKey("renewal", RenewalButton.PREFIX, intent_id),
                           lambda s, c, m: svc.set_card(s, intent_id, c, m), recent=recent, content=content, **kwargs)


async def refresh_card(bot: VentasOpsBot, intent_id: int) -> None:
    """Re-render the card from the database (never raises)."""
    try:
        loaded = await load_card(bot, intent_id)
        if loaded is None:
            return
        intent, client, member = loaded
        if not intent.card_channel_id or not intent.card_message_id:
            return
        channel = bot.get_channel(intent.card_channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            return
        message = channel.get_partial_message(intent.card_message_id)
        await message.edit(embed=card_embed(intent, client, member, bot.settings.tz), view=card_view(intent))
    except Exception as exc:  # noqa: BLE001 - a stale card is only cosmetic: clicks re-read the database
        log.warning("Renewal card %s not refreshed: %s", intent_id, exc)


async def repost_cards(bot: VentasOpsBot, created_before: datetime | None = None) -> list[int]:
    """Post the cards a crash or a Discord refusal left unposted (the renewals tick and the «tarjetas»
    job through ``bot.card_reposts``); intents newer than ``created_before`` (default: two minutes
    ago) are left to their own post."""
    cutoff = created_before or bot.clock.now() - REPOST_GRACE
    return await repost_missing_cards(bot, "renewal", lambda session: svc.intents_without_card(session, cutoff),
                                      post_card)
