"""/referir-lead, the lead card with the profiler's buttons, /mis-referidos and the periodic
referrals tick (SLA escalation + HubSpot sync).

The rules live in :mod:`bot.services.referrals`; this module is the Discord side.

First referral: the cédula is stored only after the person confirms it with the ephemeral
"Sí, es mi cédula" button (a ``DynamicItem``; the pending referral is kept in memory for 15 minutes,
so after a restart the person simply runs the command again). Later referrals must repeat the same
cédula.

Buttons on the card are ``DynamicItem``s (``lead:<action>:<id>``): they keep working after a
restart because every click re-reads the lead from the database.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import VentasOpsBot
from bot.background import BackgroundTasks
from bot.cards.lead import LeadButton, dotted, post_card, refresh_card
from bot.domain.dates import format_datetime
from bot.domain.enums import LeadStatus, Service
from bot.domain.money import format_cop
from bot.domain.text import md, truncate
from bot.errors import UserCheckFailure, UserError
from bot.exts.referrals.qualify import BadReasonModal, handle_click
from bot.guards import actor_of, require_role
from bot.interactions import reply_channel, send_ephemeral
from bot.notify import repost_missing_cards, retire_duplicate_cards
from bot.services import directory
from bot.services import referrals as svc
from bot.services import referrals_hubspot as hsvc
from bot.texts import referrals as T
from bot.ui import ActionButton, on_click
from db.models import Lead

log = logging.getLogger(__name__)

CONFIRM_TTL = 15 * 60
HS_SOURCE = "contactos-referidos"  # this cog's work in the HubSpot queue


def _service_choices() -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=s.label[:100], value=s.value) for s in Service][:25]


# --- first-time cédula confirmation -----------------------------------------------------------
@dataclass(slots=True)
class PendingReferral:
    user_id: int
    inp: svc.ReferralInput
    expires: float


class CedulaConfirm(ActionButton, template=r"refced:(?P<action>si|no):(?P<id>[0-9a-f]{16})"):
    PREFIX = "refced"
    LABELS: ClassVar[dict[str, tuple[str, discord.ButtonStyle]]] = {
        "si": (T.BTN_CONFIRM_YES, discord.ButtonStyle.success),
        "no": (T.BTN_CONFIRM_NO, discord.ButtonStyle.secondary),
    }
    ID_TYPE = str

    async def handle(self, interaction: discord.Interaction[VentasOpsBot]) -> None:
        cog = interaction.client.get_cog("Referrals")
        if not isinstance(cog, Referrals):
            raise UserError(T.CONFIRM_EXPIRED)
        await cog.confirm(interaction, self.action, self.target_id)


def confirm_view(token: str) -> discord.ui.View:
    view = discord.ui.View(timeout=CONFIRM_TTL)
    view.add_item(CedulaConfirm("si", token))
    view.add_item(CedulaConfirm("no", token))
    return view


# --- HubSpot and the periodic tick -------------------------------------------------------------
async def sync_closed_won(bot: VentasOpsBot) -> list[int]:
    """Mark Vendido the open leads whose HubSpot contact is a customer or has a closed-won deal."""
    s = bot.settings
    sold = await hsvc.sync_closed_won(bot.sessionmaker, bot.hubspot, now=bot.clock.now, good=s.lead_reward_good,
                                      sold=s.lead_reward_sold)
    for lead_id in sold:
        await refresh_card(bot, lead_id)
    return sold


async def run_referrals_tick(bot: VentasOpsBot) -> dict[str, list[int]]:
    """The periodic referrals job (idempotent; run it every few minutes): escalate leads past the
    SLA, post cards a crash left unposted, deliver the resulting posts and DMs, then wake the
    HubSpot queue (leads still missing in HubSpot) and mark Vendido the leads HubSpot shows as won."""

    s = bot.settings
    now = bot.clock.now()
    out: dict[str, list[int]] = {"escalated": [], "cards": [], "sold": []}
    async with bot.sessionmaker() as session:
        escalated = await svc.process_sla(session, now, tz=s.tz, sla_hours=s.lead_sla_hours, profiler_role=s.role_profiler)
        await session.commit()
    out["escalated"] = [lead.id for lead in escalated]
    for lead_id in out["escalated"]:
        await refresh_card(bot, lead_id)
    out["cards"] = await repost_missing_cards(
        bot, "lead", lambda session: svc.leads_without_card(session, now - timedelta(minutes=2)), post_card)
    try:
        await bot.outbox.flush()
    except Exception:
        log.exception("Outbox flush after the referrals tick failed")
    if bot.hubspot is not None:
        # after the flush: a slow HubSpot must not hold up the escalations' posts and DMs. Leads
        # still missing in HubSpot are the HubSpot queue's (it derives them from the database).
        bot.hubspot_queue.kick()
        out["sold"] = await sync_closed_won(bot)
        if out["sold"]:
            bot.outbox.kick()
    return out


# --- the cog ------------------------------------------------------------------------------------
class Referrals(BackgroundTasks, commands.Cog):
    def __init__(self, bot: VentasOpsBot) -> None:
        self.bot = bot
        self.pending: dict[str, PendingReferral] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._cards_checked = False
        self._started_at = bot.clock.now()  # leads created up to the start (leads_without_card: <=)

    async def cog_load(self) -> None:
        if self.bot.hubspot is not None:
            self.bot.hubspot_queue.register(HS_SOURCE, self._leads_to_push, self._push)

    async def cog_unload(self) -> None:
        self.bot.hubspot_queue.unregister(HS_SOURCE)
        self.cancel_background()

    async def _leads_to_push(self, after_id: int, limit: int) -> list[int]:
        async with self.bot.sessionmaker() as session:
            return await hsvc.leads_to_push(session, after_id, limit)

    async def _push(self, lead_id: int) -> None:
        """Create or find the lead's HubSpot contact and company (run by the HubSpot queue, one lead at
        a time: HubSpot errors reach it, and it retries). The card edit runs apart from the queue."""
        bot, changed = self.bot, False
        try:
            changed |= await hsvc.push_contact(bot.sessionmaker, bot.hubspot, lead_id, now=bot.clock.now)
            changed |= await hsvc.push_company(bot.sessionmaker, bot.hubspot, lead_id, now=bot.clock.now)
        finally:
            if changed:
                self.spawn(refresh_card(bot, lead_id))

    async def push_pending(self) -> list[int]:
        """Push the leads still missing in HubSpot now (oldest first, stops at an outage)."""
        done = (await self.bot.hubspot_queue.run_pass([HS_SOURCE])).get(HS_SOURCE, [])
        await BackgroundTasks.wait_idle(self)  # the card edits
        return done

    async def wait_idle(self) -> None:
        """The HubSpot work known so far was tried and its card edits are done (tests)."""
        await self.bot.hubspot_queue.wait_idle()
        await super().wait_idle()

    # /referir-lead -----------------------------------------------------------------------------
    @app_commands.command(name="referir-lead", description=T.CMD_REFER)
    @app_commands.describe(
        cedula=T.OPT_CEDULA, contacto=T.OPT_CONTACT, empresa=T.OPT_COMPANY, servicio=T.OPT_SERVICE,
        correo=T.OPT_EMAIL, telefono=T.OPT_PHONE, notas=T.OPT_NOTES,
    )
    @app_commands.choices(servicio=_service_choices())
    async def referir_lead(
        self,
        interaction: discord.Interaction[VentasOpsBot],
        cedula: app_commands.Range[str, 1, 30],
        contacto: app_commands.Range[str, 1, 200],
        empresa: app_commands.Range[str, 1, 200],
        servicio: app_commands.Choice[str],
        correo: app_commands.Range[str, 1, 254] | None = None,
        telefono: app_commands.Range[str, 1, 30] | None = None,
        notas: app_commands.Range[str, 1, 1000] | None = None,
    ) -> None:
        bot = self.bot
        try:
            await require_role(interaction, bot.settings.role_kam, action="referir-lead")
        except UserCheckFailure:
            raise UserError(T.NOT_KAM.format(role=bot.settings.role_kam)) from None
        inp = svc.validate_input(cedula=cedula, contacto=contacto, empresa=empresa, correo=correo,
                                 telefono=telefono, servicio=servicio.value, notas=notas)
        await interaction.response.defer(ephemeral=True, thinking=True)
        actor = actor_of(interaction.user)
        # no lock: of two referrals of the same lead at once, the leads' unique indexes let one in and
        # create_lead gives the other the duplicate answer (also across processes)
        async with bot.sessionmaker() as session:
            member = await directory.ensure_member(session, interaction.user.id, actor.name, actor)
            needs_confirmation = await svc.check_cedula(session, member, inp.cedula)
            await svc.check_referral(session, inp, tz=bot.settings.tz)  # refuse before asking anything
            if needs_confirmation:
                await session.commit()
            else:
                lead = await svc.create_lead(session, member, inp, actor=actor, now=bot.clock.now(), tz=bot.settings.tz)
                await session.commit()
        if needs_confirmation:
            self._expire()
            token = secrets.token_hex(8)
            self.pending[token] = PendingReferral(interaction.user.id, inp, time.monotonic() + CONFIRM_TTL)
            await interaction.followup.send(T.CONFIRM_CEDULA.format(cedula=dotted(inp.cedula)), view=confirm_view(token),
                                            ephemeral=True, allowed_mentions=discord.AllowedMentions.none())
            return
        text = await self._after_created(lead.id, reply_channel(interaction))
        await send_ephemeral(interaction, text)

    def _expire(self) -> None:
        now = time.monotonic()
        for token in [t for t, p in self.pending.items() if p.expires < now]:
            self.pending.pop(token, None)

    async def confirm(self, interaction: discord.Interaction[VentasOpsBot], action: str, token: str) -> None:
        bot = self.bot
        self._expire()
        entry = self.pending.get(token)
        if entry is None:
            raise UserError(T.CONFIRM_EXPIRED)
        if entry.user_id != interaction.user.id:
            raise UserError(T.CONFIRM_NOT_YOURS)
        self.pending.pop(token, None)
        if action == "no":
            await interaction.response.edit_message(content=T.CONFIRM_CANCELLED, view=None)
            return
        await interaction.response.defer()
        actor = actor_of(interaction.user)
        async with bot.sessionmaker() as session:
            member = await directory.ensure_member(session, interaction.user.id, actor.name, actor)
            await svc.store_cedula(session, member, entry.inp.cedula, actor)
            lead = await svc.create_lead(session, member, entry.inp, actor=actor, now=bot.clock.now(),
                                         tz=bot.settings.tz)
            await session.commit()
        text = await self._after_created(lead.id, reply_channel(interaction))
        try:
            await interaction.edit_original_response(content=text, view=None,
                                                     allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException:
            await send_ephemeral(interaction, text)

    async def _after_created(self, lead_id: int, fallback: discord.abc.Messageable | None) -> str:
        bot, s = self.bot, self.bot.settings
        async with bot.sessionmaker() as session:
            lead = await session.get(Lead, lead_id)
            assert lead is not None
        text = T.REFERRED.format(
            lead_id=lead.id, company=md(lead.company), service=Service.label_of(lead.service), hours=s.lead_sla_hours,
            bad=format_cop(0), good=format_cop(s.lead_reward_good), sold=format_cop(s.lead_reward_sold),
        )
        if not await post_card(bot, lead_id, fallback=fallback):
            text += "\n" + T.CARD_POST_FAILED
        if bot.hubspot is not None:
            bot.hubspot_queue.kick()  # the contact is created by the HubSpot queue, at HubSpot's pace
        return text

    # /mis-referidos -------------------------------------------------------------------------
    @app_commands.command(name="mis-referidos", description=T.CMD_MY_REFERRALS)
    async def mis_referidos(self, interaction: discord.Interaction[VentasOpsBot]) -> None:
        async with self.bot.sessionmaker() as session:
            member = await directory.get_member(session, interaction.user.id)
            mine = await svc.referrals_of(session, member.id) if member else None
        if mine is None or mine.total == 0:
            await send_ephemeral(interaction, T.MY_EMPTY)
            return
        lines = [
            T.MY_LINE.format(lead_id=lead.id, company=truncate(md(lead.company), 60), service=Service.label_of(lead.service),
                             status=T.STATUS_LABELS.get(lead.status, lead.status), reward=format_cop(reward),
                             when=format_datetime(lead.created_at, self.bot.settings.tz))
            for lead, reward in mine.leads
        ]
        if mine.total > len(mine.leads):
            lines.append(T.MY_MORE.format(n=mine.total - len(mine.leads)))
        body = "\n".join(lines)
        if len(body) > 3800:
            body = body[:3800].rsplit("\n", 1)[0] + "\n…"
        embed = discord.Embed(title=T.MY_TITLE, description=body, colour=discord.Colour.blurple())
        c = mine.counts
        embed.add_field(name=T.MY_TOTALS_NAME, value=T.MY_TOTALS.format(
            total=mine.total, nuevo=c[LeadStatus.NUEVO], bueno=c[LeadStatus.BUENO], vendido=c[LeadStatus.VENDIDO], malo=c[LeadStatus.MALO],
            earned=format_cop(mine.earned)), inline=False)
        await send_ephemeral(interaction, None, embed=embed)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Post the cards a crash left unposted (lead committed, card not yet sent). Once per process."""
        if self._cards_checked:
            return
        self._cards_checked = True
        # only leads that existed when this process started (see Deals.on_ready)
        await repost_missing_cards(self.bot, "lead", lambda s: svc.leads_without_card(s, self._started_at),
                                   post_card)
        await retire_duplicate_cards(self.bot, "lead", LeadButton.PREFIX, svc.recorded_cards)


async def setup(bot: VentasOpsBot) -> None:
    on_click(LeadButton, handle_click)
    bot.add_dynamic_items(LeadButton, CedulaConfirm)
    bot.modals.add(BadReasonModal)
    await bot.add_cog(Referrals(bot))
    bot.job_bodies["referidos"] = run_referrals_tick


async def teardown(bot: VentasOpsBot) -> None:
    bot.remove_dynamic_items(LeadButton, CedulaConfirm)
    on_click(LeadButton, None)
    bot.modals.remove(BadReasonModal)
    bot.job_bodies.pop("referidos", None)
