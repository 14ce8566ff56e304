"""/pedir-apoyo and its card («Acepto» with a date/time modal, «No puedo»). The rules live in
:mod:`bot.services.support`; this is the Discord side.

Buttons are ``DynamicItem``s (``apoyo:<action>:<id>``) and the accept modal is a
:class:`bot.ui.PersistentModal` (``apoyo-ok:<id>``, routed by :mod:`bot.modals`): both keep working
after a restart. Cards are posted with a stable nonce (``support-card-<id>``) and adopted from the
channel's history like every other card (:func:`bot.notify.send_card`).
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import datetime, tzinfo
from typing import Any, ClassVar

import discord
from discord import app_commands

from bot.app import VentasOpsBot
from bot.domain.cards import CardKey
from bot.domain.dates import format_date, format_datetime, parse_user_date, parse_user_datetime, today_bogota
from bot.domain.enums import SupportStatus
from bot.domain.faq_search import asks_sales_to_sell
from bot.domain.text import md, truncate
from bot.domain.validation import clean_user_text
from bot.errors import UserCheckFailure, UserError
from bot.faq_render import sell_for_me_embed
from bot.guards import actor_of, require_role
from bot.interactions import reply_channel, send_ephemeral
from bot.notify import CardPasses, CardsCog, RecentCards, card_message, send_card
from bot.services import directory
from bot.services import support as svc
from bot.services.referrals import role_label
from bot.texts import questions as T
from bot.ui import ActionButton, PersistentModal
from db.models import Client, Member, SupportRequest

log = logging.getLogger(__name__)
KIND_CHOICES = [app_commands.Choice(name=label, value=key) for key, label in T.KIND_LABELS.items()]
AUTOCOMPLETE_SECONDS = 2.0
TARGET_CHOICES = [app_commands.Choice(name=label, value=key) for key, label in T.TARGET_LABELS.items()]


# --- the card -----------------------------------------------------------------------------------
def card_embed(req: SupportRequest, member: Member, client: Client, tz: tzinfo) -> discord.Embed:
    colours: dict[str, discord.Colour] = {SupportStatus.ACEPTADA: discord.Colour.green(),
                                          SupportStatus.RECHAZADA: discord.Colour.red()}
    colour = colours.get(req.status, discord.Colour.gold())
    kind = T.KIND_LABELS.get(req.kind, req.kind)
    e = discord.Embed(title=truncate(T.SUPPORT_CARD_TITLE.format(rid=req.id, kind=kind, client=client.name), 256),
                      colour=colour)
    e.add_field(name=T.FIELD_KAM, value=f"<@{member.discord_id}>", inline=True)
    e.add_field(name=T.FIELD_CLIENT, value=truncate(md(client.name), 1024), inline=True)
    e.add_field(name=T.FIELD_KIND, value=kind, inline=True)
    if req.wanted_date:
        e.add_field(name=T.FIELD_WANTED, value=format_date(req.wanted_date), inline=True)
    if req.detail:
        e.add_field(name=T.FIELD_DETAIL, value=truncate(md(req.detail), 1024), inline=False)
    who = f"<@{req.helper_discord_id}>" if req.helper_discord_id else md(req.helper_name or "")
    if req.status == SupportStatus.ACEPTADA:
        status = T.SUPPORT_ACCEPTED.format(who=who, meeting=format_datetime(req.meeting_at, tz) if req.meeting_at else "—")
        if req.note:
            status += T.SUPPORT_NOTE.format(note=truncate(md(req.note), 500))
    elif req.status == SupportStatus.RECHAZADA:
        status = T.SUPPORT_DECLINED.format(who=who, when=format_datetime(req.decided_at, tz) if req.decided_at else "—")
    else:
        status = T.SUPPORT_PENDING
    e.add_field(name=T.FIELD_SUPPORT_STATUS, value=status, inline=False)
    return e


class SupportButton(ActionButton, template=r"apoyo:(?P<action>acepto|nopuedo):(?P<id>\d+)"):
    PREFIX = "apoyo"
    LABELS: ClassVar[dict[str, tuple[str, discord.ButtonStyle]]] = {
        "acepto": (T.BTN_ACCEPT, discord.ButtonStyle.success),
        "nopuedo": (T.BTN_DECLINE, discord.ButtonStyle.secondary),
    }

    async def handle(self, interaction: discord.Interaction[VentasOpsBot]) -> None:
        await (on_accept_click if self.action == "acepto" else on_decline_click)(interaction, self.target_id)


def card_view(req: SupportRequest) -> discord.ui.View | None:
    if req.status != SupportStatus.PENDIENTE:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(SupportButton("acepto", req.id))
    view.add_item(SupportButton("nopuedo", req.id))
    return view


async def _load(bot: VentasOpsBot, rid: int) -> tuple[SupportRequest, Member, Client]:
    async with bot.sessionmaker() as session:
        loaded = await svc.get(session, rid)
    if loaded is None:
        raise UserError(T.SUPPORT_GONE.format(rid=rid))
    return loaded


async def post_card(bot: VentasOpsBot, rid: int, fallback: discord.abc.Messageable | None = None,
                    recent: RecentCards | None = None) -> bool:
    """Post the request's card (stable nonce; with ``recent``, adopted from the channel's history when a
    crash left it unrecorded): True when it is posted."""
    req, member, client = await _load(bot, rid)
    channel = bot.sales_channel() or fallback
    if channel is None:
        return False
    if req.card_message_id:
        return True
    kwargs: dict[str, Any] = {"embed": card_embed(req, member, client, bot.settings.tz)}
    if (view := card_view(req)) is not None:
        kwargs["view"] = view
    content = T.SUPPORT_CARD_CONTENT.format(role=role_label(svc.target_role(bot.settings, req.target)))
    return await send_card(bot, channel, CardKey("support", SupportButton.PREFIX, rid),
                           lambda s, c, m: svc.set_card(s, rid, c, m), recent=recent, content=content, **kwargs)


async def refresh_card(bot: VentasOpsBot, rid: int) -> None:
    req, member, client = await _load(bot, rid)
    if not req.card_channel_id or not req.card_message_id:
        return
    channel = bot.get_channel(req.card_channel_id)
    try:
        if channel is None:
            channel = await bot.fetch_channel(req.card_channel_id)
        msg = card_message(channel, req.card_message_id)
        if msg is None:
            log.warning("Card channel %s of support request %s has no messages", req.card_channel_id, rid)
            return
        await msg.edit(embed=card_embed(req, member, client, bot.settings.tz), view=card_view(req),
                       allowed_mentions=discord.AllowedMentions.none())
    except discord.HTTPException as exc:
        log.warning("Could not edit the card of support request %s: %s", rid, exc)


# --- clicks -------------------------------------------------------------------------------------------
async def _require_helper(interaction: discord.Interaction[VentasOpsBot], req: SupportRequest) -> None:
    role = svc.target_role(interaction.client.settings, req.target)
    await require_role(interaction, role, action=f"apoyo:{req.id}")


def _already(req: SupportRequest) -> str:
    who = md(req.helper_name or "")
    return T.SUPPORT_ALREADY.format(rid=req.id, who=who, status=T.STATUS_WORDS.get(req.status, req.status))


class AcceptModal(PersistentModal, template=r"apoyo-ok:(?P<id>\d+)"):
    """«Acepto»: the meeting's date and time and an optional note (re-reads the request on submit: a
    second helper is told who decided first, and nothing changes)."""

    def __init__(self, rid: int) -> None:
        super().__init__(title=T.ACCEPT_MODAL_TITLE.format(rid=rid)[:45], custom_id=f"apoyo-ok:{rid}")
        self.rid = rid
        self.when: discord.ui.TextInput[AcceptModal] = discord.ui.TextInput(
            label=T.ACCEPT_WHEN_LABEL, placeholder=T.ACCEPT_WHEN_PLACEHOLDER, max_length=40, required=True,
            custom_id="cuando")
        self.note: discord.ui.TextInput[AcceptModal] = discord.ui.TextInput(
            label=T.ACCEPT_NOTE_LABEL, style=discord.TextStyle.paragraph, max_length=500, required=False,
            custom_id="nota")
        self.add_item(self.when)
        self.add_item(self.note)

    @classmethod
    def from_match(cls, match: re.Match[str]) -> AcceptModal:
        return cls(int(match["id"]))

    async def submit(self, interaction: discord.Interaction[VentasOpsBot]) -> None:
        await on_accept_submit(interaction, self.rid, str(self.when.value or ""), str(self.note.value or ""))


async def on_accept_click(interaction: discord.Interaction[VentasOpsBot], rid: int) -> None:
    req, _member, _client = await _load(interaction.client, rid)
    await _require_helper(interaction, req)
    if req.status != SupportStatus.PENDIENTE:
        raise UserError(_already(req))
    await AcceptModal(rid).open(interaction)


async def on_accept_submit(interaction: discord.Interaction[VentasOpsBot], rid: int, when: str, note_text: str) -> None:
    bot = interaction.client
    req, _member, _client = await _load(bot, rid)
    await _require_helper(interaction, req)  # again: roles may have changed since the click
    meeting = parse_user_datetime(when, bot.clock.now(), bot.settings.tz)
    note = clean_user_text(note_text, "nota", 500)
    await _decide(interaction, rid, accept=True, meeting_at=meeting, note=note or None)


async def on_decline_click(interaction: discord.Interaction[VentasOpsBot], rid: int) -> None:
    req, _member, _client = await _load(interaction.client, rid)
    await _require_helper(interaction, req)
    await _decide(interaction, rid, accept=False)


async def _decide(interaction: discord.Interaction[VentasOpsBot], rid: int, *, accept: bool, meeting_at: datetime | None = None,
                  note: str | None = None) -> None:
    bot = interaction.client
    await interaction.response.defer(ephemeral=True, thinking=True)
    async with bot.sessionmaker() as session:
        req, changed = await svc.decide(session, rid, accept=accept, actor=actor_of(interaction.user),
                                        now=bot.clock.now(), tz=bot.settings.tz, meeting_at=meeting_at, note=note)
        await session.commit()
    assert req is not None
    if not changed:
        await send_ephemeral(interaction, _already(req))
        return
    ack = T.ACCEPT_ACK.format(rid=rid, meeting=format_datetime(meeting_at, bot.settings.tz)) if accept and meeting_at else \
        T.DECLINE_ACK.format(rid=rid)
    await send_ephemeral(interaction, ack)
    bot.outbox.kick()
    await refresh_card(bot, rid)


# --- the cog --------------------------------------------------------------------------------------
class Support(CardsCog):
    CARDS = CardPasses("support", SupportButton.PREFIX, svc.without_card, post_card, svc.recorded_cards)

    @app_commands.command(name="pedir-apoyo", description=T.CMD_SUPPORT)
    @app_commands.describe(cliente=T.OPT_CLIENT, tipo=T.OPT_KIND, a=T.OPT_TO, fecha=T.OPT_DATE, detalle=T.OPT_DETAIL)
    @app_commands.choices(tipo=KIND_CHOICES, a=TARGET_CHOICES)
    async def pedir_apoyo(
        self,
        interaction: discord.Interaction[VentasOpsBot],
        cliente: app_commands.Range[str, 1, 200],
        tipo: app_commands.Choice[str],
        a: app_commands.Choice[str] | None = None,
        fecha: app_commands.Range[str, 1, 40] | None = None,
        detalle: app_commands.Range[str, 1, 1000] | None = None,
    ) -> None:
        bot = self.bot
        try:
            await require_role(interaction, bot.settings.role_kam, action="pedir-apoyo")
        except UserCheckFailure:
            raise UserError(T.SUPPORT_NOT_KAM.format(role=bot.settings.role_kam)) from None
        detail = clean_user_text(detalle, "detalle", T.DETAIL_MAX)
        if asks_sales_to_sell(detail):
            await send_ephemeral(interaction, None, embed=sell_for_me_embed(bot.settings))
            return
        today = today_bogota(bot.clock.now(), tz=bot.settings.tz)
        wanted = parse_user_date(fecha, today) if fecha else None
        if wanted is not None and wanted < today:
            raise UserError(T.SUPPORT_PAST_DATE.format(date=format_date(wanted)))
        target = a.value if a else "cco"
        await interaction.response.defer(ephemeral=True, thinking=True)
        actor = actor_of(interaction.user)
        async with bot.sessionmaker() as session:
            client = await directory.find_client(session, cliente)
            if client is None:
                raise UserError(T.SUPPORT_UNKNOWN_CLIENT.format(client=md(truncate(cliente, 80))))
            member = await directory.ensure_member(session, interaction.user.id, actor.name, actor)
            req = await svc.create(session, member, client, kind=tipo.value, target=target, wanted_date=wanted,
                                   detail=detail, actor=actor, now=bot.clock.now())
            await session.commit()
            rid, client_name = req.id, client.name
        text = T.SUPPORT_SENT.format(kind=T.KIND_LABELS[tipo.value].lower(), role=role_label(svc.target_role(
            bot.settings, target)), client=md(client_name), rid=rid)
        if not await post_card(bot, rid, fallback=reply_channel(interaction)):
            text += "\n" + T.SUPPORT_POST_FAILED.format(rid=rid)
        await send_ephemeral(interaction, text)

    @pedir_apoyo.autocomplete("cliente")
    async def _cliente_autocomplete(self, interaction: discord.Interaction[VentasOpsBot], current: str) -> list[app_commands.Choice[str]]:
        """The caller's own current clients; empty rather than late (Discord drops answers after 3 s)."""
        async def search() -> list[directory.ClientChoice]:
            async with self.bot.sessionmaker() as session:
                member = await directory.get_member(session, interaction.user.id)
                return await directory.autocomplete_clients(session, current, member_id=member.id) if member else []

        try:
            found = await asyncio.wait_for(search(), AUTOCOMPLETE_SECONDS)
        except TimeoutError:
            return []
        return [app_commands.Choice(name=c.name[:100], value=str(c.id)) for c in found]


async def setup(bot: VentasOpsBot) -> None:
    bot.add_dynamic_items(SupportButton)
    bot.modals.add(AcceptModal)
    cog = Support(bot)
    await bot.add_cog(cog)
    bot.card_reposts["support"] = cog.repost_cards


async def teardown(bot: VentasOpsBot) -> None:
    bot.remove_dynamic_items(SupportButton)
    bot.modals.remove(AcceptModal)
    bot.card_reposts.pop("support", None)
