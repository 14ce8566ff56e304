"""The referred lead card: embed, buttons (``lead:<action>:<id>``, answered by
:mod:`bot.exts.referrals.qualify`), post and refresh through :func:`bot.notify.send_card`."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import discord

from bot.app import VentasOpsBot
from bot.domain.cards import CardKey
from bot.domain.dates import format_datetime
from bot.domain.enums import LeadStatus, Service
from bot.domain.money import format_cop
from bot.domain.text import md, truncate
from bot.domain.validation import mask_cedula
from bot.notify import RecentCards, card_message, send_card
from bot.services import referrals as svc
from bot.texts import referrals as T
from bot.ui import ActionButton
from db.models import Lead, Member

log = logging.getLogger(__name__)


def dotted(cedula: str) -> str:
    return f"{int(cedula):,}".replace(",", ".")



def card_embed(bot: VentasOpsBot, lead: Lead, referrer: Member | None, reward: int) -> discord.Embed:
    s = bot.settings
    colours: dict[str, discord.Colour] = {
        LeadStatus.BUENO: discord.Colour.green(), LeadStatus.VENDIDO: discord.Colour.gold(), LeadStatus.MALO: discord.Colour.red(),
    }
    colour = colours.get(lead.status, discord.Colour.blurple())
    e = discord.Embed(title=truncate(T.CARD_TITLE.format(lead_id=lead.id, company=lead.company), 256), colour=colour)
    e.add_field(name=T.FIELD_CONTACT, value=truncate(md(lead.contact_name), 1024), inline=True)
    e.add_field(name=T.FIELD_COMPANY, value=truncate(md(lead.company), 1024), inline=True)
    e.add_field(name=T.FIELD_SERVICE, value=Service.label_of(lead.service), inline=True)
    e.add_field(name=T.FIELD_EMAIL, value=md(lead.email) if lead.email else T.NOT_SET, inline=True)
    e.add_field(name=T.FIELD_PHONE, value=lead.phone or T.NOT_SET, inline=True)
    name = md(referrer.name) if referrer else T.NOT_SET
    e.add_field(name=T.FIELD_REFERRER,
                value=T.REFERRER_LINE.format(name=name, masked=mask_cedula(lead.referrer_cedula)), inline=True)
    label = T.STATUS_LABELS.get(lead.status, lead.status)
    if lead.status != LeadStatus.NUEVO and lead.qualified_at is not None:
        when = format_datetime(lead.qualified_at, bot.settings.tz)
        if lead.qualified_by_discord_id:
            status = T.STATUS_BY.format(status=label, who=f"<@{lead.qualified_by_discord_id}>", when=when)
        else:
            status = T.STATUS_BY_SYSTEM.format(status=label, when=when)
        if lead.status_reason:
            status += T.STATUS_REASON.format(reason=md(lead.status_reason))
    else:
        status = label + (T.SLA_LATE if lead.sla_escalated_at else "")
    e.add_field(name=T.FIELD_STATUS, value=truncate(status, 1024), inline=True)
    e.add_field(name=T.FIELD_REWARD, value=format_cop(reward), inline=True)
    if lead.status == LeadStatus.NUEVO:
        e.add_field(name=T.FIELD_DEADLINE,
                    value=format_datetime(lead.created_at + timedelta(hours=s.lead_sla_hours), bot.settings.tz), inline=True)
    if lead.hubspot_contact_id:
        e.add_field(name=T.FIELD_HUBSPOT, value=T.HUBSPOT_CONTACT.format(contact_id=lead.hubspot_contact_id), inline=True)
    elif bot.hubspot is not None:
        e.add_field(name=T.FIELD_HUBSPOT, value=T.HUBSPOT_PENDING, inline=True)
    if lead.notes:
        e.add_field(name=T.FIELD_NOTES, value=truncate(md(lead.notes), 1024), inline=False)
    e.set_footer(text=T.CARD_FOOTER.format(when=format_datetime(lead.created_at, bot.settings.tz)))
    return e



ACTIONS: dict[str, tuple[str, discord.ButtonStyle]] = {
    "bueno": (T.BTN_GOOD, discord.ButtonStyle.success),
    "malo": (T.BTN_BAD, discord.ButtonStyle.danger),
    "vendido": (T.BTN_SOLD, discord.ButtonStyle.primary),
}


class LeadButton(ActionButton, template=r"lead:(?P<action>bueno|malo|vendido):(?P<id>\d+)"):
    """A persistent qualification button; the lead's state is re-read from the database."""

    PREFIX = "lead"
    LABELS = ACTIONS




def card_view(lead: Lead) -> discord.ui.View | None:
    next_steps: dict[str, tuple[str, ...]] = {LeadStatus.NUEVO: ("bueno", "malo", "vendido"), LeadStatus.BUENO: ("vendido",)}
    actions = next_steps.get(lead.status, ())
    if not actions:
        return None
    view = discord.ui.View(timeout=None)
    for a in actions:
        view.add_item(LeadButton(a, lead.id))
    return view



async def load_card(bot: VentasOpsBot, lead_id: int) -> tuple[Lead, Member | None, int] | None:
    async with bot.sessionmaker() as session:
        lead = await session.get(Lead, lead_id)
        if lead is None:
            return None
        referrer = await session.get(Member, lead.referrer_id)
        reward = await svc.ledger_total(session, lead_id)
    return lead, referrer, reward



async def post_card(
    bot: VentasOpsBot, lead_id: int, fallback: discord.abc.Messageable | None = None, recent: RecentCards | None = None
) -> bool:
    loaded = await load_card(bot, lead_id)
    if loaded is None:
        return False
    lead, referrer, reward = loaded
    channel = bot.sales_channel() or fallback
    if channel is None:
        return False
    kwargs: dict[str, Any] = {"embed": card_embed(bot, lead, referrer, reward)}
    view = card_view(lead)
    if view is not None:
        kwargs["view"] = view
    content = T.CARD_CONTENT.format(role=svc.role_label(bot.settings.role_profiler), hours=bot.settings.lead_sla_hours)
    return await send_card(bot, channel, CardKey("lead", LeadButton.PREFIX, lead_id),
                           lambda s, c, m: svc.set_card(s, lead_id, c, m), recent=recent, content=content, **kwargs)



async def refresh_card(bot: VentasOpsBot, lead_id: int) -> None:
    """Edit the lead's card in place from the database state."""
    loaded = await load_card(bot, lead_id)
    if loaded is None:
        return
    lead, referrer, reward = loaded
    if not lead.card_channel_id or not lead.card_message_id:
        return
    channel = bot.get_channel(lead.card_channel_id)
    if channel is None:
        try:
            channel = await bot.fetch_channel(lead.card_channel_id)
        except discord.HTTPException:
            log.warning("Card channel %s of lead %s not found", lead.card_channel_id, lead_id)
            return
    try:
        msg = card_message(channel, lead.card_message_id)
        if msg is None:
            log.warning("Card channel %s of lead %s has no messages", lead.card_channel_id, lead_id)
            return
        await msg.edit(embed=card_embed(bot, lead, referrer, reward), view=card_view(lead),
                       allowed_mentions=discord.AllowedMentions.none())
    except discord.HTTPException as exc:
        log.warning("Could not edit the card of lead %s: %s", lead_id, exc)
