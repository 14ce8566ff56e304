"""/registrar-negocio and the deals extension (its cog, /mis-negocios included).

The rules live in :mod:`bot.services.deals`; this module is the Discord side of registering: options,
the acknowledge-first flow and the confirmations a crash prevented. The card is
:mod:`bot.cards.deal`, its clicks :mod:`bot.exts.deals.approvals`, the pages :mod:`bot.exts.deals.my_deals`.
"""

from __future__ import annotations

import asyncio
import functools
import io
import logging
from datetime import datetime, timedelta
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands
from sqlalchemy.exc import IntegrityError

from bot.app import VentasOpsBot
from bot.autocomplete import client_choices
from bot.background import BackgroundTasks
from bot.blocking import run_blocking
from bot.cards.deal import DealButton, after_decision, commission_line, post_card, refresh_card
from bot.domain.dates import format_date, parse_month, today_bogota
from bot.domain.enums import ApprovalKind, Service
from bot.domain.errors import DomainError
from bot.domain.money import format_cop
from bot.domain.text import md
from bot.errors import UserCheckFailure, UserError
from bot.exts.deals.approvals import RejectModal, handle_click
from bot.exts.deals.my_deals import MyDealsButton, my_deals_empty, my_deals_page
from bot.guards import actor_of, require_role
from bot.interactions import reply_channel, send_ephemeral
from bot.logging_setup import log_failure
from bot.notify import repost_missing_cards, retire_duplicate_cards
from bot.services import deals as svc
from bot.services import directory, proofs, referrals
from bot.services import outbox as ob
from bot.services.deal_list import my_deals_xlsx
from bot.texts import deals as T
from bot.ui import on_click

log = logging.getLogger(__name__)

HS_SOURCE = "verificacion-negocios"  # this cog's work in the HubSpot queue
TYPE_CHOICES = [app_commands.Choice(name=label, value=value) for value, label in T.TYPE_LABELS.items()]


def _service_choices() -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=s.label[:100], value=s.value) for s in Service][:25]


# --- confirmations a crash prevented -----------------------------------------------------------
TOKEN_LIFETIME = timedelta(minutes=14)  # Discord's interaction tokens last 15 minutes; one kept as margin


def registered_text(bot: VentasOpsBot, v: svc.DealView) -> str:
    """The "Negocio #N registrado" answer rebuilt from the stored deal, for a KAM who never got it."""
    d = v.deal
    kinds = {a.kind for a in v.approvals}
    conditions = [T.CONDITION_AUDIT]
    if ApprovalKind.COO in kinds:
        conditions.append(T.CONDITION_COO)
    if ApprovalKind.ATRIBUCION in kinds:
        conditions.append(T.CONDITION_ATTRIBUTION)
    lines = [
        T.REGISTERED.format(
            deal_id=d.id, type=T.TYPE_LABELS.get(d.deal_type, d.deal_type), service=Service.label_of(d.service),
            client=md(v.client.name), total=format_cop(d.total_value),
            commission_line=commission_line(d.commission_rate, d.total_value, d.commission_estimate),
            conditions=" y ".join(conditions),
        ),
    ]
    if d.is_late:
        lines.append(T.LATE_NOTE)
    lines.append(T.REGISTERED_AFTER_RESTART)
    return "\n\n".join(lines)


async def edit_original_answer(bot: VentasOpsBot, token: str, content: str) -> bool:
    """Edit an interaction's original answer from its token alone (what the interaction webhook allows
    for 15 minutes), e.g. after a restart lost the ``Interaction`` object. False when there is no
    interaction webhook to edit through (no application id: the bot is not logged in)."""
    if bot.application_id is None:
        return False
    webhook = discord.Webhook.partial(bot.application_id, token, client=bot)
    # "@original" is Discord's id for an interaction's first answer; discord.py types message_id as int
    await webhook.edit_message("@original", content=content,  # type: ignore[call-overload]
                               allowed_mentions=discord.AllowedMentions.none())
    return True


async def confirm_unanswered(bot: VentasOpsBot, created_before: datetime) -> int:
    """Tell each KAM whose registration was stored but never answered (the process stopped between
    the commit and "registrado"): the original answer is edited while its token is valid, else a DM
    goes through the outbox. Once: the deal is marked confirmed (with an audit row) in the same
    transaction as the DM, or right after the edit (an edit repeated by a crash in between shows the
    same text). Returns how many were confirmed."""
    try:
        async with bot.sessionmaker() as session:
            pending = await svc.unconfirmed_deals(session, created_before)
        done = queued = 0
        for u in pending:
            async with bot.sessionmaker() as session:
                v = await svc.load_view(session, u.deal_id)
            if v is None:
                continue
            text = registered_text(bot, v)
            edited = False
            if u.interaction_token and bot.clock.now() - u.created_at < TOKEN_LIFETIME:
                try:
                    edited = await edit_original_answer(bot, u.interaction_token, text)
                except discord.HTTPException as exc:
                    log.info("Original answer of deal %s not editable (%s); confirming by DM", u.deal_id, exc)
            now = bot.clock.now()
            async with bot.sessionmaker() as session:
                if await svc.confirm_late(session, u.deal_id, how="respuesta" if edited else "md", now=now):
                    done += 1
                    if not edited:
                        await ob.enqueue(session, f"negocio-confirmacion:{u.deal_id}", user_id=u.discord_id,
                                         content=text, now=now)
                        queued += 1
                await session.commit()
        if queued:
            bot.outbox.kick()
        return done
    except Exception:  # noqa: BLE001 - start-up and the periodic job must go on
        log_failure(log, bot, "Confirming unanswered registrations failed")
        return 0


# --- the cog ---------------------------------------------------------------------------------
class Deals(BackgroundTasks, commands.Cog):
    def __init__(self, bot: VentasOpsBot) -> None:
        self.bot = bot
        self._tasks: set[asyncio.Task[Any]] = set()
        self._cards_checked = False
        self._started = bot.clock.now()  # registrations from before are a previous process's
        self._started_at = bot.clock.now() + timedelta(microseconds=1)  # rows created up to the start
        s = bot.settings
        # one writer at a time, each taking every registration waiting (the rules are read before, apart)
        self.writer = svc.RegistrationWriter(bot.sessionmaker, now=bot.clock.now, rate=s.commission_rate,
                                             hubspot_enabled=bot.hubspot is not None, admin_role=s.role_admin,
                                             tz=s.tz)

    async def cog_load(self) -> None:
        if self.bot.hubspot is not None:
            self.bot.hubspot_queue.register(HS_SOURCE, self._pending_verifications, self._verify)

    async def cog_unload(self) -> None:
        self.bot.hubspot_queue.unregister(HS_SOURCE)
        self.cancel_background()

    async def wait_idle(self) -> None:
        """The HubSpot work known so far was tried and its card edits are done (tests)."""
        await self.bot.hubspot_queue.wait_idle()
        await super().wait_idle()

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Post the cards a crash left unposted (deal committed, card not yet sent). Once per process."""
        if self._cards_checked:
            return
        self._cards_checked = True
        # only what existed when this process started: interactions are answered before on_ready
        # fires, and a card being posted right now by one of them (e.g. just after a standby took
        # over) must not be posted twice
        await self.repost_cards(created_before=self._started_at)
        await retire_duplicate_cards(self.bot, "deal", DealButton.PREFIX, svc.recorded_cards)

    async def repost_cards(self, created_before: datetime | None = None) -> None:
        """Post missing cards: at start-up all of them; from the periodic job (``created_before``)
        only those old enough that their own post cannot still be on its way."""
        await repost_missing_cards(self.bot, "deal", lambda s: svc.deals_without_card(s, created_before=created_before),
                                   post_card)
        await confirm_unanswered(self.bot, created_before or self._started)

    # /registrar-negocio ------------------------------------------------------------------
    @app_commands.command(name="registrar-negocio", description=T.CMD_REGISTER)
    @app_commands.rename(
        valor_total="valor-total", fecha_anticipo="fecha-anticipo", negocio_hubspot="negocio-hubspot"
    )
    @app_commands.describe(
        cliente=T.OPT_CLIENT,
        tipo=T.OPT_TYPE,
        servicio=T.OPT_SERVICE,
        valor_total=T.OPT_TOTAL,
        anticipo=T.OPT_ADVANCE,
        comprobante=T.OPT_PROOF,
        fecha_anticipo=T.OPT_ADVANCE_DATE,
        negocio_hubspot=T.OPT_HUBSPOT,
    )
    @app_commands.choices(tipo=TYPE_CHOICES, servicio=_service_choices())
    async def registrar_negocio(
        self,
        interaction: discord.Interaction[VentasOpsBot],
        cliente: app_commands.Range[str, 1, 200],
        tipo: app_commands.Choice[str],
        servicio: app_commands.Choice[str],
        valor_total: app_commands.Range[str, 1, 40],
        anticipo: app_commands.Range[str, 1, 40],
        comprobante: discord.Attachment,
        fecha_anticipo: app_commands.Range[str, 1, 40] | None = None,
        negocio_hubspot: app_commands.Range[str, 1, 300] | None = None,
    ) -> None:
        # a burst of registrations is answered first; its cards follow (bot.foreground)
        with self.bot.foreground.serving():
            reg = await self._register_and_answer(
                interaction, cliente, tipo.value, servicio.value, valor_total, anticipo, comprobante, fecha_anticipo,
                negocio_hubspot,
            )
        if reg is None or reg.checked is None:
            return
        bot = self.bot
        await bot.foreground.wait_quiet()
        deal = reg.deal
        async with bot.sessionmaker() as session:  # the KAM saw it: no confirmation after a restart
            await svc.mark_confirmed(session, deal.id, bot.clock.now())
            await session.commit()
        async with bot.foreground.follow_up():
            posted = await post_card(bot, deal.id, fallback=reply_channel(interaction))
        if not posted:
            await send_ephemeral(interaction, T.CARD_POST_FAILED)

    async def _register_and_answer(
        self, interaction: discord.Interaction[VentasOpsBot], cliente: str, tipo: str, servicio: str, valor_total: str,
        anticipo: str, comprobante: discord.Attachment, fecha_anticipo: str | None, negocio_hubspot: str | None,
    ) -> svc.Registration | None:
        """Everything up to the KAM's "registrado" (sent here): the registration made, or None when
        this interaction had registered it already (told so here)."""
        bot = self.bot
        s = bot.settings
        try:
            await require_role(interaction, s.role_kam, action="registrar-negocio")
        except UserCheckFailure:
            raise UserError(T.NOT_KAM) from None
        req = svc.RegistrationRequest(
            discord_id=interaction.user.id,
            client=cliente,
            deal_type=tipo,
            service=servicio,
            total=valor_total,
            advance=anticipo,
            advance_date=fecha_anticipo,
            hubspot=negocio_hubspot,
            interaction_id=interaction.id,
            interaction_token=interaction.token,
        )
        # 1. checks that need no I/O, then acknowledge at once: under load the database can take
        #    longer than Discord's 3 s, and a refusal is just as private as a follow-up
        meta = proofs.check_meta(comprobante.filename, comprobante.content_type, comprobante.size, s.proof_max_bytes)
        await interaction.response.defer(ephemeral=True, thinking=True)

        # 2. the proof's bytes, before any session (no database connection waits on Discord)
        try:
            data = await comprobante.read()
        except (discord.HTTPException, discord.NotFound) as exc:
            log.warning("Proof download failed for interaction %s: %s", interaction.id, exc)
            raise UserError(T.PROOF_DOWNLOAD_FAILED) from None

        # 3. every rule (once), then the proof stored, then deal + approvals + ledger + audit written and
        #    committed together with the other registrations waiting for the database (bot.services.deals.writer)
        actor = actor_of(interaction.user)
        reg: svc.Registration | None = None
        try:
            async with bot.sessionmaker() as session:
                try:
                    checked = await svc.check_registration(
                        session, req, now=bot.clock.now(), hubspot_required=bot.hubspot is not None, tz=s.tz,
                        export_time=s.export_time, rate=s.commission_rate, window_days=s.renewal_window_business_days,
                    )
                except DomainError:
                    # refused now, but perhaps because this very interaction registered it already
                    # (looked up on this path only: it costs every registration a statement otherwise)
                    existing = await svc.find_by_interaction(session, interaction.id)
                    if existing is None:
                        raise
                    reg = svc.Registration(existing, None, created=False)
                else:  # a client referred by someone else, now sold by this KAM: the admins are told
                    lead = await referrals.referring_lead(session, checked.client.name, checked.member.id)
            if reg is None:
                stored = await run_blocking(proofs.store, s.data_dir, data, meta, s.proof_max_bytes)
                reg = await self.writer.write(svc.ToWrite(req, checked, stored, actor, referral_lead=lead))
                if reg.referral_flagged or checked.disputed:  # the admins' flag, the other KAMs' DMs
                    bot.outbox.kick()
        except IntegrityError:  # the same interaction, registered meanwhile by a concurrent delivery
            async with bot.sessionmaker() as session:
                existing = await svc.find_by_interaction(session, interaction.id)
            if existing is None:
                raise
            reg = svc.Registration(existing, None, created=False)

        deal = reg.deal
        if reg.created and bot.hubspot is not None and deal.hubspot_deal_id:
            bot.hubspot_queue.kick()  # verified by the queue, at HubSpot's pace; the card says "verificando…"
        if not reg.created:
            await send_ephemeral(interaction, T.REGISTERED_AGAIN.format(deal_id=deal.id))
            return None
        c = reg.checked
        assert c is not None
        conditions = [T.CONDITION_AUDIT]
        if any(a.kind == ApprovalKind.COO for a in reg.approvals):
            conditions.append(T.CONDITION_COO)
        if c.disputed:
            conditions.append(T.CONDITION_ATTRIBUTION)
        lines = [
            T.REGISTERED.format(
                deal_id=deal.id,
                type=T.TYPE_LABELS[c.deal_type.value],
                service=c.service.label,
                client=md(c.client.name),
                total=format_cop(c.total),
                commission_line=commission_line(deal.commission_rate, c.total, c.commission),
                conditions=" y ".join(conditions),
            )
        ]
        if c.is_late and c.export_date is not None:
            lines.append(
                T.LATE_WARNING.format(
                    time=s.export_time.strftime("%H:%M"),
                    export_date=format_date(c.export_date),
                    advance_date=format_date(c.advance_date),
                )
            )
        if c.disputed:
            lines.append(T.DISPUTE_WARNING.format(hubspot_id=c.hubspot_deal_id, other_id=c.disputed[0].id))
        # the KAM reads the confirmation first: the card post shares the sales channel's rate limit
        # with every other card, and a burst of registrations must not wait behind it
        await send_ephemeral(interaction, "\n\n".join(lines))
        return reg

    @registrar_negocio.autocomplete("cliente")
    async def _cliente_autocomplete(
        self, interaction: discord.Interaction[VentasOpsBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await client_choices(interaction, current)

    # HubSpot (run by the bot's HubSpot queue) ------------------------------------------------
    async def _pending_verifications(self, after_id: int, limit: int) -> list[int]:
        async with self.bot.sessionmaker() as session:
            return await svc.pending_verifications(session, after_id, limit)

    async def _verify(self, deal_id: int) -> None:
        """Verify one deal; the card edit runs apart, so Discord's rate limits never slow HubSpot's queue."""
        if await svc.verify_deal(self.bot.sessionmaker, self.bot.hubspot, deal_id, now=self.bot.clock.now) is not None:
            self.spawn(self._refresh_card(deal_id))

    async def _refresh_card(self, deal_id: int) -> None:
        """A card redraw is follow-up work: after the answers being served, a few at a time."""
        async with self.bot.foreground.follow_up():
            await refresh_card(self.bot, deal_id)

    async def retry_verifications(self) -> list[int]:
        """Verify the pending deals now (oldest first, stops at an outage); returns those verified."""
        done = (await self.bot.hubspot_queue.run_pass([HS_SOURCE])).get(HS_SOURCE, [])
        await BackgroundTasks.wait_idle(self)  # the card edits
        return done

    # /mis-negocios -------------------------------------------------------------------------
    @app_commands.command(name="mis-negocios", description=T.CMD_MY_DEALS)
    @app_commands.describe(estado=T.OPT_MY_STATUS, mes=T.OPT_MY_MONTH)
    @app_commands.choices(estado=[app_commands.Choice(name=label, value=value)
                                  for value, label in T.STATUS_CHOICES.items()])
    async def mis_negocios(
        self, interaction: discord.Interaction[VentasOpsBot], estado: app_commands.Choice[str] | None = None,
        mes: app_commands.Range[str, 1, 40] | None = None,
    ) -> None:
        bot = self.bot
        month = parse_month(mes, today_bogota(bot.clock.now(), tz=bot.settings.tz), field="mes") if mes else None
        status = estado.value if estado else None
        await interaction.response.defer(ephemeral=True, thinking=True)
        shown = await my_deals_page(bot, interaction.user.id, 0, status, month)
        if shown is None:
            await send_ephemeral(interaction, my_deals_empty(status, month))
            return
        embed, view = shown
        async with bot.sessionmaker() as session:  # the file has every matching deal, not just the page
            member = await directory.get_member(session, interaction.user.id)
            assert member is not None  # my_deals_page found it
            views, _total = await svc.deals_of(session, member.id, None, status=status, month=month)
        data = await run_blocking(my_deals_xlsx, views, bot.settings.tz)
        await interaction.followup.send(
            embed=embed, view=view, ephemeral=True, allowed_mentions=discord.AllowedMentions.none(),
            file=discord.File(io.BytesIO(data), filename=T.MY_DEALS_FILENAME),
        )




async def setup(bot: VentasOpsBot) -> None:
    on_click(DealButton, handle_click)
    bot.add_dynamic_items(DealButton, MyDealsButton)
    bot.modals.add(RejectModal)
    cog = Deals(bot)
    await bot.add_cog(cog)
    bot.card_reposts["deal"] = cog.repost_cards
    bot.after_decision = functools.partial(after_decision, bot)  # the web panel's decisions take this step too


async def teardown(bot: VentasOpsBot) -> None:
    bot.remove_dynamic_items(DealButton, MyDealsButton)
    bot.modals.remove(RejectModal)
    on_click(DealButton, None)
    bot.after_decision = None
    bot.card_reposts.pop("deal", None)
