"""/intencion-renovacion, /intencion-renovacion-liberar, the clicks on the coordinator's card and the
periodic renewals tick (reminders and expiry).

The rules live in :mod:`bot.services.renewals`, the card (embed, buttons, post, refresh, re-post) in
:mod:`bot.cards.renewal`; this module is the rest of the Discord side.

- The KAM declares with ``/intencion-renovacion cliente fecha-entrega`` (own clients only); the answer
  shows the deadline and the business days left. A card for the coordination role
  (``ROLE_RENEWALS``) is posted in the sales channel.
- Card buttons are ``DynamicItem``s (``renov:<ext|lib|acc>:<id>``) so they keep working after a
  restart; each click re-reads the intent from the database and the service decides once with a
  conditional UPDATE. Extender opens a modal for the new date; Liberar ends the window now;
  "Aceptar nueva intención" (shown once a window expired or was released) lets the KAM declare again.
- The KAM releases early with ``/intencion-renovacion-liberar cliente``.
- :func:`run_renewals_tick` (every minute, and once at start-up) marks reminders and expiries in
  the database together with their outbox messages, then delivers them and refreshes the cards.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re

import discord
from discord import app_commands
from discord.ext import commands
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import VentasOpsBot
from bot.autocomplete import client_choices
from bot.cards.renewal import REPOST_GRACE, RenewalButton, load_card, post_card, refresh_card, repost_cards
from bot.domain.dates import format_date, format_date_long, parse_user_date, today_bogota
from bot.domain.enums import RenewalStatus
from bot.domain.text import md
from bot.errors import UserCheckFailure, UserError
from bot.guards import actor_of, require_role
from bot.interactions import reply_channel, send_ephemeral
from bot.logging_setup import log_failure
from bot.notify import retire_duplicate_cards
from bot.services import directory
from bot.services import renewals as svc
from bot.services.directory import client_key
from bot.texts import renewals as T
from bot.ui import PersistentModal, on_click
from db.models import Client, Member

log = logging.getLogger(__name__)

JOB_NAME = "renovaciones"  # the scheduler job this extension provides (every minute)
# One tick at a time per bot object: the every-minute job and the start-up catch-up may overlap, and two
# overlapping ticks in one process would deliver, refresh and re-post twice. An in-process lock is enough
# here: bot.lease keeps a single active bot per database, and the tick's state changes are conditional
# UPDATEs (process_due), so even two processes could not mark a reminder or an expiry twice. Keyed by
# bot because tests run several bots in one process.
_TICK_LOCKS: dict[int, asyncio.Lock] = {}


# --- clicks -------------------------------------------------------------------------------------
class ExtendModal(PersistentModal, template=r"renov-date:(?P<id>\d+)"):
    """A new deadline; persistent (bot.modals): the extension re-reads the window."""

    def __init__(self, intent_id: int, current: str | None = None) -> None:
        super().__init__(title=T.MODAL_TITLE.format(intent_id=intent_id), custom_id=f"renov-date:{intent_id}")
        self.intent_id = intent_id
        self.new_date: discord.ui.TextInput[ExtendModal] = discord.ui.TextInput(
            label=T.MODAL_DATE_LABEL, placeholder=T.MODAL_DATE_PLACEHOLDER, min_length=1, max_length=30,
            required=True, custom_id="date", default=current,
        )
        self.add_item(self.new_date)

    @classmethod
    def from_match(cls, match: re.Match[str]) -> ExtendModal:
        return cls(int(match["id"]))

    async def submit(self, interaction: discord.Interaction[VentasOpsBot]) -> None:
        bot = interaction.client
        await require_role(interaction, bot.settings.role_renewals, action="renovacion:ext")
        new = parse_user_date(str(self.new_date.value or ""), today_bogota(bot.clock.now(), tz=bot.settings.tz), field="fecha")
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with bot.sessionmaker() as session:
            change = await svc.extend(session, self.intent_id, new, actor=actor_of(interaction.user),
                                      now=bot.clock.now())
            await session.commit()
        await send_ephemeral(interaction, T.EXTENDED_ACK.format(
            intent_id=self.intent_id, client=md(change.client.name), deadline_long=format_date_long(new)))
        await _after_change(bot, self.intent_id)


async def _after_change(bot: VentasOpsBot, intent_id: int) -> None:
    bot.outbox.kick()
    await refresh_card(bot, intent_id)


async def handle_click(interaction: discord.Interaction[VentasOpsBot], action: str, intent_id: int) -> None:
    bot = interaction.client
    try:
        await require_role(interaction, bot.settings.role_renewals, action=f"renovacion:{action}")
    except UserCheckFailure:
        raise UserError(T.NOT_COORDINATOR.format(role=bot.settings.role_renewals)) from None
    loaded = await load_card(bot, intent_id)
    if loaded is None:
        raise UserError(T.INTENT_GONE.format(intent_id=intent_id))
    intent = loaded[0]
    if action == "ext":
        if intent.status != RenewalStatus.ABIERTA:
            await refresh_card(bot, intent_id)
            raise svc.already_decided(intent)
        await ExtendModal(intent_id, format_date(intent.deadline)).open(interaction)
        return
    await interaction.response.defer(ephemeral=True, thinking=True)
    actor = actor_of(interaction.user)
    try:
        async with bot.sessionmaker() as session:
            if action == "lib":
                change = await svc.release(session, intent_id, actor=actor, now=bot.clock.now(), by_kam=False,
                                           coordinator_role=bot.settings.role_renewals)
                text = T.RELEASED_ACK.format(intent_id=intent_id, client=md(change.client.name))
            else:
                change = await svc.accept_new(session, intent_id, actor=actor, now=bot.clock.now())
                text = T.ACCEPTED_ACK.format(kam=md(change.member.name), client=md(change.client.name))
            await session.commit()
    except svc.RenewalRefused:
        await refresh_card(bot, intent_id)  # a stale card: show what really happened
        raise
    await send_ephemeral(interaction, text)
    await _after_change(bot, intent_id)


# --- the periodic tick ------------------------------------------------------------------------------
async def run_renewals_tick(bot: VentasOpsBot) -> list[svc.Event]:
    """Reminders and expiries due now (idempotent; run it every minute and at start-up): marks them in
    the database with their outbox messages, delivers the outbox, refreshes the cards of expired
    windows and posts the cards a crash left unposted. Returns what it did."""

    async with _TICK_LOCKS.setdefault(id(bot), asyncio.Lock()):
        now = bot.clock.now()
        async with bot.sessionmaker() as session:
            events = await svc.process_due(session, now, tz=bot.settings.tz, coordinator_role=bot.settings.role_renewals)
            await session.commit()
        if events:
            log.info("Renewals tick: %s", ", ".join(f"{e.kind}#{e.intent_id}" for e in events))
        try:
            await bot.outbox.flush()
        except Exception:
            log.exception("Outbox flush after the renewals tick failed")
        for e in events:
            if e.kind == "vencida":
                await refresh_card(bot, e.intent_id)
        await repost_cards(bot, created_before=now - REPOST_GRACE)
        return events


# --- the cog --------------------------------------------------------------------------------------
class Renewals(commands.Cog):
    def __init__(self, bot: VentasOpsBot) -> None:
        self.bot = bot
        self._started = False

    async def _require_kam(self, interaction: discord.Interaction[VentasOpsBot], action: str) -> None:
        try:
            await require_role(interaction, self.bot.settings.role_kam, action=action)
        except UserCheckFailure:
            raise UserError(T.NOT_KAM.format(role=self.bot.settings.role_kam)) from None

    async def _resolve(self, session: AsyncSession, interaction: discord.Interaction[VentasOpsBot], cliente: str) -> tuple[Member, Client]:
        actor = actor_of(interaction.user)
        member = await directory.ensure_member(session, interaction.user.id, actor.name, actor)
        if not (cliente or "").strip():
            raise UserError(T.CLIENT_MISSING)
        client = await directory.find_client(session, cliente)
        if client is None:
            raise UserError(T.CLIENT_UNKNOWN.format(value=md(cliente.strip()[:100])))
        return member, client

    # /intencion-renovacion ---------------------------------------------------------------------------
    @app_commands.command(name="intencion-renovacion", description=T.CMD_DECLARE)
    @app_commands.rename(fecha_entrega="fecha-entrega")
    @app_commands.describe(cliente=T.OPT_CLIENT, fecha_entrega=T.OPT_DELIVERY)
    async def intencion_renovacion(
        self,
        interaction: discord.Interaction[VentasOpsBot],
        cliente: app_commands.Range[str, 1, 200],
        fecha_entrega: app_commands.Range[str, 1, 30],
    ) -> None:
        bot, s = self.bot, self.bot.settings
        await self._require_kam(interaction, "intencion-renovacion")
        now = bot.clock.now()
        today = today_bogota(now, tz=s.tz)
        delivery = parse_user_date(fecha_entrega, today, field="fecha-entrega")
        await interaction.response.defer(ephemeral=True, thinking=True)
        actor = actor_of(interaction.user)
        # no lock: of two declarations of the same window at once (two sessions or two processes), the
        # partial unique index uq_renewal_intents_one_open lets one in and declare() refuses the other
        async with bot.sessionmaker() as session:
            member, client = await self._resolve(session, interaction, cliente)
            intent = await svc.declare(session, member=member, client=client, delivery=delivery, now=now,
                                       window_days=s.renewal_window_business_days, actor=actor,
                                       tz=s.tz, coordinator_role=s.role_renewals)
            await session.commit()
        text = T.DECLARED.format(
            intent_id=intent.id, client=md(client.name), delivery=format_date(delivery),
            deadline_long=format_date_long(intent.deadline), left=svc.days_left_text(today, intent),
        )
        if not await post_card(bot, intent.id, fallback=reply_channel(interaction)):
            text += "\n" + T.CARD_POST_FAILED
        await send_ephemeral(interaction, text)

    @intencion_renovacion.autocomplete("cliente")
    async def _declare_autocomplete(self, interaction: discord.Interaction[VentasOpsBot], current: str) -> list[app_commands.Choice[str]]:
        return await client_choices(interaction, current)

    # /intencion-renovacion-liberar ----------------------------------------------------------------------
    @app_commands.command(name="intencion-renovacion-liberar", description=T.CMD_RELEASE)
    @app_commands.describe(cliente=T.OPT_RELEASE_CLIENT)
    async def intencion_renovacion_liberar(
        self, interaction: discord.Interaction[VentasOpsBot], cliente: app_commands.Range[str, 1, 200]
    ) -> None:
        bot, s = self.bot, self.bot.settings
        await self._require_kam(interaction, "intencion-renovacion-liberar")
        await interaction.response.defer(ephemeral=True, thinking=True)
        actor = actor_of(interaction.user)
        async with bot.sessionmaker() as session:
            member, client = await self._resolve(session, interaction, cliente)
            change = await svc.release_for_client(session, member, client, actor=actor, now=bot.clock.now(),
                                                  coordinator_role=s.role_renewals)
            await session.commit()
        await send_ephemeral(interaction, T.RELEASED_ACK.format(intent_id=change.intent.id, client=md(client.name)))
        await _after_change(bot, change.intent.id)

    @intencion_renovacion_liberar.autocomplete("cliente")
    async def _release_autocomplete(self, interaction: discord.Interaction[VentasOpsBot], current: str) -> list[app_commands.Choice[str]]:
        async with self.bot.sessionmaker() as session:
            member = await directory.get_member(session, interaction.user.id)
            if member is None:
                return []
            rows = await svc.open_intents_of(session, member.id)
        key = client_key(current or "")
        return [
            app_commands.Choice(name=f"{c.name} (vence {format_date(i.deadline)})"[:100], value=str(c.id))
            for i, c in rows if key in c.name_key
        ][:25]

    # start-up ------------------------------------------------------------------------------------------
    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Once per process: the cards an expiry left unedited and the duplicates a crash left. The tick
        itself (reminders and expiries missed while the bot was down) is the scheduler's «renovaciones»
        job, which the start-up catch-up runs once."""
        if self._started or not getattr(self.bot, "_run_jobs", True):
            return
        self._started = True
        try:
            async with self.bot.sessionmaker() as session:
                stale = await svc.blocked_cards(session)
            for intent_id in stale:  # an expiry committed just before a crash left its card unedited
                await refresh_card(self.bot, intent_id)
            await retire_duplicate_cards(self.bot, "renewal", RenewalButton.PREFIX, svc.recorded_cards)
        except Exception:  # noqa: BLE001 - start-up must go on
            log_failure(log, self.bot, "Start-up renewal cards check failed")


async def setup(bot: VentasOpsBot) -> None:
    on_click(RenewalButton, handle_click)
    bot.add_dynamic_items(RenewalButton)
    bot.modals.add(ExtendModal)
    await bot.add_cog(Renewals(bot))
    bot.job_bodies[JOB_NAME] = run_renewals_tick
    bot.card_reposts["renewal"] = functools.partial(repost_cards, bot)


async def teardown(bot: VentasOpsBot) -> None:
    bot.remove_dynamic_items(RenewalButton)
    on_click(RenewalButton, None)
    bot.modals.remove(ExtendModal)
    bot.job_bodies.pop(JOB_NAME, None)
    bot.card_reposts.pop("renewal", None)
    _TICK_LOCKS.pop(id(bot), None)
