"""The access request card (HubSpot user): embed, buttons (``acc:<action>:<id>``, answered by
:mod:`bot.exts.requests.hubspot_access`), post and refresh through :func:`bot.notify.send_card`."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, ClassVar

import discord

from bot.app import VentasOpsBot
from bot.domain.cards import CardKey
from bot.domain.dates import format_datetime
from bot.domain.enums import ApprovalStatus
from bot.domain.text import md
from bot.notify import RecentCards, send_card
from bot.services import access as svc
from bot.texts import access as T
from bot.ui import ActionButton
from db.models import AccessRequest

log = logging.getLogger(__name__)


NO_MENTIONS = discord.AllowedMentions.none()



def provisioning(bot: VentasOpsBot) -> Any:
    """The HubSpot gateway when approved requests should get a HubSpot user, else None."""
    return bot.hubspot if bot.settings.hubspot_provision_users else None



def when_label(bot: VentasOpsBot, dt: datetime | None) -> str:
    return format_datetime(dt, bot.settings.tz)



async def card_channel(bot: VentasOpsBot, channel_id: int | None) -> Any:
    if not channel_id:
        return None
    ch = bot.get_channel(channel_id)
    if ch is None:
        try:
            ch = await bot.fetch_channel(channel_id)
        except discord.HTTPException:
            return None
    return ch



def access_embed(
    bot: VentasOpsBot, req: Any, approval: Any, role: tuple[bool, str | None] | None
) -> discord.Embed:
    s = bot.settings
    colour = {ApprovalStatus.APROBADA: discord.Colour.green(), ApprovalStatus.RECHAZADA: discord.Colour.red()}.get(
        req.status, discord.Colour.gold()
    )
    e = discord.Embed(
        title=T.ACCESS_CARD_TITLE.format(request_id=req.id),
        description=T.ACCESS_CARD_DESC.format(name=md(req.name), channel=s.sales_channel),
        colour=colour,
    )
    e.add_field(name=T.FIELD_REQUESTER, value=f"<@{req.discord_id}> ({md(req.name)})"[:1024], inline=True)
    e.add_field(name=T.FIELD_SENSE, value=md(req.sense_email), inline=True)
    e.add_field(name=T.FIELD_GMAIL, value=md(req.gmail), inline=True)
    status = T.ACCESS_STATUS.get(req.status, req.status)
    if approval is not None and req.status != ApprovalStatus.PENDIENTE:
        status = status.format(who=md(approval.decided_by_name), when=when_label(bot, approval.decided_at))
    e.add_field(name=T.FIELD_STATUS, value=status, inline=False)
    if req.status == ApprovalStatus.RECHAZADA and approval is not None and approval.reason:
        e.add_field(name=T.FIELD_REASON, value=md(approval.reason)[:1024], inline=False)
    if req.status != ApprovalStatus.RECHAZADA:
        if req.status == ApprovalStatus.PENDIENTE:
            role_line = T.ROLE_PENDING
        elif role is None or role[0]:
            role_line = T.ROLE_OK.format(role=s.role_kam)
        else:
            role_line = T.ROLE_FAILED.format(role=s.role_kam, error=role[1])
        e.add_field(name=T.FIELD_ROLE, value=role_line[:1024], inline=True)
        if provisioning(bot) is None:
            hs = T.HS_DISABLED
        elif req.status == ApprovalStatus.PENDIENTE:
            hs = T.HS_WAITING
        elif req.hubspot_user_id:
            hs = T.HS_OK.format(user_id=req.hubspot_user_id)
        elif req.provisioning_error:
            hs = T.HS_ERROR.format(error=req.provisioning_error)
        else:
            hs = T.HS_IN_PROGRESS
        e.add_field(name=T.FIELD_HUBSPOT, value=hs[:1024], inline=True)
    e.set_footer(text=T.CARD_FOOTER.format(when=when_label(bot, req.created_at), role=s.role_hubspot_approver))
    return e



def access_view(bot: VentasOpsBot, req: Any, role: tuple[bool, str | None] | None) -> discord.ui.View | None:
    view = discord.ui.View(timeout=None)
    if req.status == ApprovalStatus.PENDIENTE:
        view.add_item(AccessButton("ok", req.id))
        view.add_item(AccessButton("no", req.id))
    elif req.status == ApprovalStatus.APROBADA:
        role_failed = role is not None and not role[0]
        if role_failed or svc.needs_provisioning(req, provisioning(bot) is not None):
            view.add_item(AccessButton("retry", req.id))
    return view if view.children else None



async def load_access(bot: VentasOpsBot, request_id: int) -> tuple[Any, Any]:
    async with bot.sessionmaker() as session:
        req = await session.get(AccessRequest, request_id)
        approval = await svc.approval_of(session, request_id)
    return req, approval



async def refresh_access_card(
    bot: VentasOpsBot, request_id: int, role: tuple[bool, str | None] | None = None
) -> None:
    req, approval = await load_access(bot, request_id)
    if req is None or approval is None or not approval.card_message_id:
        return
    channel = await card_channel(bot, approval.card_channel_id)
    if channel is None:
        return
    try:
        await channel.get_partial_message(approval.card_message_id).edit(
            embed=access_embed(bot, req, approval, role), view=access_view(bot, req, role),
            allowed_mentions=NO_MENTIONS,
        )
    except discord.HTTPException as exc:
        log.warning("Could not edit the card of access request %s: %s", request_id, exc)



async def post_access_card(bot: VentasOpsBot, request_id: int, recent: RecentCards | None = None) -> bool:
    req, approval = await load_access(bot, request_id)
    channel = bot.sales_channel()
    if req is None or approval is None or channel is None:
        return False
    return await send_card(bot, channel, CardKey("access", AccessButton.PREFIX, request_id),
                           lambda s, c, m: svc.set_card(s, request_id, c, m), recent=recent,
                           embed=access_embed(bot, req, approval, None), view=access_view(bot, req, None))



class AccessButton(ActionButton, template=r"acc:(?P<action>ok|no|retry):(?P<id>\d+)"):
    PREFIX = "acc"
    LABELS: ClassVar[dict[str, tuple[str, discord.ButtonStyle]]] = {
        "ok": (T.BTN_APPROVE, discord.ButtonStyle.success),
        "no": (T.BTN_REJECT, discord.ButtonStyle.danger),
        "retry": (T.BTN_RETRY, discord.ButtonStyle.primary),
    }
