"""/solicitar-usuario-hubspot and /solicitar-proforma: request cards for the HubSpot approvers.

The rules live in :mod:`bot.services.access` and :mod:`bot.services.billing`; this module is the
Discord side: commands, cards (embed + persistent ``DynamicItem`` buttons that re-read their state
from the database on every click, so they work after a restart), the reason/link modals, the KAM
role grant, HubSpot provisioning after a defer, and the DMs.

Requester notifications: every step of an access request is DM'd through the outbox, queued by
:mod:`bot.services.access` in the transaction of the change it reports (a crash after the commit
loses nothing). A requester with closed DMs cannot be reached by an ephemeral message (that needs an
interaction of theirs), so the outbox worker posts a *short* notice in the sales channel that
mentions them, and only them (no reason or link in it). Approved requesters can read the channel
(they just got the KAM role). Billing requests' DMs go the same way (:mod:`bot.services.billing`).

PDFs: a modal cannot take files, so "Hecho" asks for a link; a PDF proforma is shared as a link
to the file (Drive or similar).
"""

from __future__ import annotations

import functools
import logging
from datetime import datetime, timedelta

import discord
from discord import app_commands
from discord.ext import commands

from bot import permissions
from bot.app import VentasOpsBot
from bot.cards.access import AccessButton, load_access, post_access_card, provisioning, refresh_access_card
from bot.cards.billing import BillingButton, post_billing_card
from bot.domain.enums import ApprovalKind, ApprovalStatus
from bot.domain.money import format_cop
from bot.domain.text import md
from bot.errors import UserError
from bot.exts.requests.billing import BillingReasonModal, DoneModal, handle_billing_click
from bot.exts.requests.common import ReasonModal, access_notices, already_text, ensure_role, hs_steps
from bot.exts.requests.reminders import approvals_job
from bot.guards import actor_of, require_role
from bot.interactions import ANYWHERE, reply_channel, send_ephemeral
from bot.notify import dm, repost_missing_cards, retire_duplicate_cards
from bot.services import access as svc
from bot.services import billing as bsvc
from bot.texts import access as T
from bot.ui import on_click

log = logging.getLogger(__name__)
KIND_CHOICES = [app_commands.Choice(name=label, value=value) for value, label in T.KIND_LABELS.items()]


# --- the KAM role ------------------------------------------------------------------------------


# --- access clicks -----------------------------------------------------------------------------


async def handle_access_click(interaction: discord.Interaction[VentasOpsBot], action: str, request_id: int) -> None:
    bot = interaction.client
    await require_role(interaction, bot.settings.role_hubspot_approver, action=f"acc:{action}")
    req, approval = await load_access(bot, request_id)
    if req is None or approval is None:
        raise UserError(T.REQUEST_GONE.format(request_id=request_id))
    if action == "retry":
        await interaction.response.defer(ephemeral=True, thinking=True)
        await retry_access(interaction, request_id)
        return
    if approval.status != ApprovalStatus.PENDIENTE:
        await send_ephemeral(interaction, already_text(bot, approval))
        return
    if action == "no":
        await AccessReasonModal(request_id).open(interaction)
        return
    await interaction.response.defer(ephemeral=True, thinking=True)
    await approve_access(interaction, request_id)


async def approve_access(interaction: discord.Interaction[VentasOpsBot], request_id: int) -> None:
    bot = interaction.client
    actor = actor_of(interaction.user)
    notices = access_notices(bot)
    async with bot.sessionmaker() as session:
        # the approval DM is queued with the decision (due after a grace, see svc.APPROVAL_DM_GRACE)
        decision = await svc.decide_access(session, request_id, True, actor=actor, now=bot.clock.now(),
                                           notices=notices)
        await session.commit()
    if not decision.decided:
        await send_ephemeral(interaction, already_text(bot, decision.approval))
        return
    req = decision.request
    s = bot.settings
    role = await ensure_role(bot, req.discord_id, req.id)
    await refresh_access_card(bot, request_id, role)
    # HubSpot under the request's claim; the DM completed with both outcomes and due now
    outcome = await svc.complete_approval(bot.sessionmaker, provisioning(bot), req.id, actor=actor,
                                          now=bot.clock.now, notices=notices, role=role)
    await refresh_access_card(bot, request_id, role)
    bot.outbox.kick()
    steps = [T.APPROVED_STEPS_ROLE_OK.format(role=s.role_kam) if role[0]
             else T.APPROVED_STEPS_ROLE_FAIL.format(role=s.role_kam, error=role[1])]
    steps.extend(hs_steps(outcome))
    await send_ephemeral(interaction, T.APPROVED_ACK.format(request_id=req.id, name=md(req.name), steps=" ".join(steps)))


async def reject_access(interaction: discord.Interaction[VentasOpsBot], request_id: int, reason: str) -> None:
    bot = interaction.client
    await require_role(interaction, bot.settings.role_hubspot_approver, action="acc:no")
    actor = actor_of(interaction.user)
    async with bot.sessionmaker() as session:
        # the requester's DM (with the reason) is queued with the decision
        decision = await svc.decide_access(session, request_id, False, actor=actor, now=bot.clock.now(),
                                           reason=reason, notices=access_notices(bot))
        await session.commit()
    if not decision.decided:
        await send_ephemeral(interaction, already_text(bot, decision.approval))
        return
    req = decision.request
    await send_ephemeral(interaction, T.REJECTED_ACK.format(request_id=req.id, name=md(req.name)))
    await refresh_access_card(bot, request_id)
    bot.outbox.kick()  # the card shows the decision before the requester hears of it


async def retry_access(interaction: discord.Interaction[VentasOpsBot], request_id: int) -> None:
    bot = interaction.client
    req, _ = await load_access(bot, request_id)
    if req is None or req.status != ApprovalStatus.APROBADA:
        await send_ephemeral(interaction, T.RETRY_NOT_APPROVED.format(request_id=request_id))
        return
    s = bot.settings
    role = await ensure_role(bot, req.discord_id, req.id)
    # under the request's claim: a second click or the retry job at the same time does nothing
    outcome = await svc.provision_request(bot.sessionmaker, provisioning(bot), req.id,
                                          actor=actor_of(interaction.user), now=bot.clock.now,
                                          notices=access_notices(bot))
    await refresh_access_card(bot, request_id, role)
    bot.outbox.kick()
    steps = [T.APPROVED_STEPS_ROLE_OK.format(role=s.role_kam) if role[0]
             else T.APPROVED_STEPS_ROLE_FAIL.format(role=s.role_kam, error=role[1])]
    steps.extend(hs_steps(outcome))
    await send_ephemeral(interaction, T.RETRY_DONE.format(request_id=req.id, steps=" ".join(steps)))


# --- modals (persistent: routed by custom_id, see bot.modals) -----------------------------------


class AccessReasonModal(ReasonModal, template=r"acc-reason:(?P<id>\d+)"):
    PREFIX = "acc-reason"

    async def apply(self, interaction: discord.Interaction[VentasOpsBot], reason: str) -> None:
        await reject_access(interaction, self.request_id, reason)


MODALS = (AccessReasonModal, BillingReasonModal, DoneModal)


# --- the cog -----------------------------------------------------------------------------------


class Access(commands.Cog):
    def __init__(self, bot: VentasOpsBot) -> None:
        self.bot = bot
        self._cards_checked = False
        self._started_at = bot.clock.now() + timedelta(microseconds=1)  # rows created up to the start

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Post the cards a crash left unposted (request committed, card not yet sent). Once per process."""
        if self._cards_checked:
            return
        self._cards_checked = True
        # only what existed when this process started: interactions are answered before on_ready
        # fires, and a card being posted right now by one of them (e.g. just after a standby took
        # over) must not be posted twice
        await self.repost_cards(created_before=self._started_at)
        await retire_duplicate_cards(self.bot, "access", AccessButton.PREFIX, svc.recorded_cards)
        await retire_duplicate_cards(self.bot, "billing", BillingButton.PREFIX,
                                     lambda s, ids: svc.recorded_cards(s, ids, ApprovalKind.PROFORMA))

    async def repost_cards(self, created_before: datetime | None = None) -> None:
        """Post missing request cards (see ``Deals.repost_cards``)."""
        for what, kind, post_one in (("access", ApprovalKind.USUARIO_HUBSPOT, post_access_card),
                                     ("billing", ApprovalKind.PROFORMA, post_billing_card)):
            await repost_missing_cards(
                self.bot, what, functools.partial(svc.requests_without_card, kind=kind, created_before=created_before),
                post_one)

    @app_commands.command(name="solicitar-usuario-hubspot", description=T.CMD_ACCESS, extras={ANYWHERE: True})
    @app_commands.guild_only()
    @app_commands.rename(correo_sense="correo-sense")
    @app_commands.describe(correo_sense=T.OPT_SENSE_EMAIL, gmail=T.OPT_GMAIL)
    async def solicitar_usuario(
        self,
        interaction: discord.Interaction[VentasOpsBot],
        correo_sense: app_commands.Range[str, 3, 254],
        gmail: app_commands.Range[str, 3, 254],
    ) -> None:
        bot = self.bot
        s = bot.settings
        name = getattr(interaction.user, "display_name", None) or interaction.user.name
        async with bot.sessionmaker() as session:
            ticket = await svc.create_access_request(
                session,
                discord_id=interaction.user.id,
                name=name,
                sense_email=correo_sense,
                gmail=gmail,
                domain=s.sense_email_domain,
                is_kam=permissions.has_role(interaction.user, s.role_kam),
                actor=actor_of(interaction.user),
                now=bot.clock.now(),
                tz=s.tz,
            )
            await session.commit()
            req = ticket.request
            text = T.ACCESS_RECEIVED.format(
                name=md(name), request_id=req.id, channel=s.sales_channel,
                sense_email=md(req.sense_email), gmail=md(req.gmail),
            )
            request_id = req.id
        await send_ephemeral(interaction, text)
        await post_access_card(bot, request_id)
        receipt = T.DM_ACCESS_RECEIVED.format(request_id=request_id, channel=s.sales_channel)
        if not await dm(bot, interaction.user.id, receipt):
            # the only moment an ephemeral notice can reach them: say so now, while they look
            await send_ephemeral(interaction, T.DMS_CLOSED_WARNING.format(channel=s.sales_channel))

    @app_commands.command(name="solicitar-proforma", description=T.CMD_BILLING)
    @app_commands.guild_only()
    @app_commands.describe(negocio=T.OPT_DEAL, tipo=T.OPT_KIND, valor=T.OPT_AMOUNT, notas=T.OPT_NOTES)
    @app_commands.choices(tipo=KIND_CHOICES)
    async def solicitar_proforma(
        self,
        interaction: discord.Interaction[VentasOpsBot],
        negocio: app_commands.Range[str, 1, 100],
        tipo: app_commands.Choice[str],
        valor: app_commands.Range[str, 1, 40],
        notas: app_commands.Range[str, 1, 1000] | None = None,
    ) -> None:
        bot = self.bot
        async with bot.sessionmaker() as session:
            t = await bsvc.create_billing_request(
                session, discord_id=interaction.user.id, deal_ref=negocio, kind=tipo.value, amount=valor,
                notes=notas, actor=actor_of(interaction.user), now=bot.clock.now(), tz=bot.settings.tz,
            )
            await session.commit()
            text = T.BILLING_RECEIVED.format(
                request_id=t.request.id, kind=T.KIND_LABELS[t.request.kind], amount=format_cop(t.request.amount),
                deal_id=t.deal.id, client=md(t.client.name),
            )
            request_id = t.request.id
        await send_ephemeral(interaction, text)
        await post_billing_card(bot, request_id, fallback=reply_channel(interaction))

    @solicitar_proforma.autocomplete("negocio")
    async def _negocio_autocomplete(
        self, interaction: discord.Interaction[VentasOpsBot], current: str
    ) -> list[app_commands.Choice[str]]:
        async with self.bot.sessionmaker() as session:
            choices = await bsvc.deal_choices(session, interaction.user.id, current)
        return [app_commands.Choice(name=c.label, value=str(c.id)) for c in choices]


async def setup(bot: VentasOpsBot) -> None:
    on_click(AccessButton, handle_access_click)
    on_click(BillingButton, handle_billing_click)
    bot.add_dynamic_items(AccessButton, BillingButton)
    bot.modals.add(*MODALS)
    cog = Access(bot)
    await bot.add_cog(cog)
    bot.card_reposts["access"] = cog.repost_cards
    bot.job_bodies["aprobaciones"] = approvals_job


async def teardown(bot: VentasOpsBot) -> None:
    bot.remove_dynamic_items(AccessButton, BillingButton)
    bot.modals.remove(*MODALS)
    on_click(AccessButton, None)
    on_click(BillingButton, None)
    bot.card_reposts.pop("access", None)
    bot.job_bodies.pop("aprobaciones", None)
