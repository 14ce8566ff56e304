"""The billing request card (proforma / invoice): embed, buttons (``bill:<action>:<id>``, answered by
:mod:`bot.exts.requests.billing`), post and refresh through :func:`bot.notify.send_card`."""

from __future__ import annotations

import logging
from typing import ClassVar

import discord

from bot.app import VentasOpsBot
from bot.cards.access import NO_MENTIONS, card_channel, when_label
from bot.domain.cards import CardKey
from bot.domain.enums import BillingStatus
from bot.domain.money import format_cop
from bot.domain.text import md
from bot.notify import RecentCards, send_card
from bot.services import billing as bsvc
from bot.services.billing import billing_filename
from bot.texts import access as T
from bot.ui import ActionButton

log = logging.getLogger(__name__)


def billing_embed(bot: VentasOpsBot, v: bsvc.BillingView) -> discord.Embed:
    r, a = v.request, v.approval
    kind = T.KIND_LABELS.get(r.kind, r.kind)
    colours: dict[str, discord.Colour] = {BillingStatus.HECHA: discord.Colour.green(),
                                          BillingStatus.RECHAZADA: discord.Colour.red()}
    colour = colours.get(r.status, discord.Colour.gold())
    e = discord.Embed(
        title=T.BILLING_CARD_TITLE.format(request_id=r.id, kind=kind, deal_id=r.deal_id)[:256],
        description=T.BILLING_CARD_DESC.format(name=md(v.member.name), kind_lower=kind.lower(), client=md(v.client.name)),
        colour=colour,
    )
    e.add_field(name=T.FIELD_REQUESTER, value=f"<@{v.member.discord_id}> ({md(v.member.name)})"[:1024], inline=True)
    e.add_field(name=T.FIELD_DEAL, value=f"#{v.deal.id} · {md(v.client.name)}"[:1024], inline=True)
    e.add_field(name=T.FIELD_AMOUNT, value=format_cop(r.amount), inline=True)
    if r.notes:
        e.add_field(name=T.FIELD_NOTES, value=md(r.notes)[:1024], inline=False)
    status = T.BILLING_STATUS.get(r.status, r.status)
    if a is not None and r.status != BillingStatus.PENDIENTE:
        status = status.format(who=md(a.decided_by_name), when=when_label(bot, a.decided_at))
    e.add_field(name=T.FIELD_STATUS, value=status, inline=False)
    if r.status == BillingStatus.HECHA and (r.result_url or r.result_path):
        lines = [r.result_url] if r.result_url else []
        if r.result_path:
            lines.append(T.DONE_FILE_LINE.format(filename=billing_filename(r)))
        e.add_field(name=T.FIELD_RESULT, value="\n".join(lines)[:1024], inline=False)
    if r.status == BillingStatus.RECHAZADA and a is not None and a.reason:
        e.add_field(name=T.FIELD_REASON, value=md(a.reason)[:1024], inline=False)
    e.set_footer(text=T.CARD_FOOTER.format(when=when_label(bot, r.created_at), role=bot.settings.role_hubspot_approver))
    return e



def billing_view(v: bsvc.BillingView) -> discord.ui.View | None:
    if v.request.status != BillingStatus.PENDIENTE:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(BillingButton("done", v.request.id))
    view.add_item(BillingButton("no", v.request.id))
    return view



async def load_billing(bot: VentasOpsBot, request_id: int) -> bsvc.BillingView | None:
    async with bot.sessionmaker() as session:
        return await bsvc.load_view(session, request_id)



async def refresh_billing_card(bot: VentasOpsBot, request_id: int) -> None:
    v = await load_billing(bot, request_id)
    if v is None or v.approval is None or not v.approval.card_message_id:
        return
    channel = await card_channel(bot, v.approval.card_channel_id)
    if channel is None:
        return
    try:
        await channel.get_partial_message(v.approval.card_message_id).edit(
            embed=billing_embed(bot, v), view=billing_view(v), allowed_mentions=NO_MENTIONS
        )
    except discord.HTTPException as exc:
        log.warning("Could not edit the card of billing request %s: %s", request_id, exc)



async def post_billing_card(
    bot: VentasOpsBot, request_id: int, fallback: discord.abc.Messageable | None = None, recent: RecentCards | None = None
) -> bool:
    v = await load_billing(bot, request_id)
    channel = bot.sales_channel() or fallback
    if v is None or channel is None:
        return False
    return await send_card(bot, channel, CardKey("billing", BillingButton.PREFIX, request_id),
                           lambda s, c, m: bsvc.set_card(s, request_id, c, m), recent=recent,
                           embed=billing_embed(bot, v), view=billing_view(v))



class BillingButton(ActionButton, template=r"bill:(?P<action>done|no):(?P<id>\d+)"):
    PREFIX = "bill"
    LABELS: ClassVar[dict[str, tuple[str, discord.ButtonStyle]]] = {
        "done": (T.BTN_DONE, discord.ButtonStyle.success),
        "no": (T.BTN_REJECT, discord.ButtonStyle.danger),
    }
