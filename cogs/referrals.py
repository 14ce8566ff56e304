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
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.background import BackgroundTasks
from bot.app import VentasOpsBot, send_ephemeral
from bot.domain.cards import CardKey
from bot.domain.dates import format_datetime
from bot.domain.enums import LeadStatus, Service
from bot.domain.money import format_cop
from bot.domain.text import md, truncate
from bot.domain.validation import clean_user_text, mask_cedula
from bot.errors import UserCheckFailure, UserError
from bot.guards import actor_of, require_role
from bot.notify import RecentCards, repost_missing_cards, retire_duplicate_cards, send_card
from bot.services import directory
from bot.services import referrals as svc
from bot.texts import referrals as T
from bot.ui import ActionButton, PersistentModal
from db.audit import Actor
from db.models import Lead, Member

log = logging.getLogger(__name__)

CONFIRM_TTL = 15 * 60
HS_SOURCE = "contactos-referidos"  # this cog's work in the HubSpot queue


def _service_choices() -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=s.label[:100], value=s.value) for s in Service][:25]


def _dotted(cedula: str) -> str:
    return f"{int(cedula):,}".replace(",", ".")


# --- card ---------------------------------------------------------------------------------------
def card_embed(bot: VentasOpsBot, lead: Lead, referrer: Member | None, reward: int) -> discord.Embed:
    s = bot.settings
    colour = {
        LeadStatus.BUENO: discord.Colour.green(), LeadStatus.VENDIDO: discord.Colour.gold(), LeadStatus.MALO: discord.Colour.red(),
    }.get(lead.status, discord.Colour.blurple())
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
        from datetime import timedelta

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

    async def handle(self, interaction: discord.Interaction) -> None:
        await handle_click(interaction, self.action, self.target_id)


def card_view(lead: Lead) -> discord.ui.View | None:
    actions = {LeadStatus.NUEVO: ("bueno", "malo", "vendido"), LeadStatus.BUENO: ("vendido",)}.get(lead.status, ())
    if not actions:
        return None
    view = discord.ui.View(timeout=None)
    for a in actions:
        view.add_item(LeadButton(a, lead.id))
    return view


async def _load_card(bot: VentasOpsBot, lead_id: int) -> tuple[Lead, Member | None, int] | None:
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
    loaded = await _load_card(bot, lead_id)
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
    loaded = await _load_card(bot, lead_id)
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
        msg = channel.get_partial_message(lead.card_message_id)  # type: ignore[union-attr]
        await msg.edit(embed=card_embed(bot, lead, referrer, reward), view=card_view(lead),
                       allowed_mentions=discord.AllowedMentions.none())
    except discord.HTTPException as exc:
        log.warning("Could not edit the card of lead %s: %s", lead_id, exc)


# --- qualification clicks ----------------------------------------------------------------------
class BadReasonModal(PersistentModal, template=r"lead-reason:(?P<id>\d+)"):
    """Why a lead is bad; persistent (bot.modals): the qualification re-reads the lead."""

    def __init__(self, lead_id: int) -> None:
        super().__init__(title=T.MODAL_TITLE.format(lead_id=lead_id), custom_id=f"lead-reason:{lead_id}")
        self.lead_id = lead_id
        self.reason: discord.ui.TextInput[BadReasonModal] = discord.ui.TextInput(
            label=T.MODAL_REASON_LABEL, style=discord.TextStyle.paragraph, placeholder=T.MODAL_REASON_PLACEHOLDER,
            min_length=3, max_length=500, required=True, custom_id="reason",
        )
        self.add_item(self.reason)

    @classmethod
    def from_match(cls, match: re.Match[str]) -> BadReasonModal:
        return cls(int(match["id"]))

    async def on_submit(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        bot: VentasOpsBot = interaction.client  # type: ignore[assignment]
        await require_role(interaction, bot.settings.role_profiler, action="lead:malo")
        reason = clean_user_text(str(self.reason.value or ""), "motivo", 500)
        if len(reason) < 3:
            raise UserError(T.REASON_REQUIRED)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await apply_qualification(interaction, self.lead_id, LeadStatus.MALO, reason)


def _already_text(lead: Lead) -> str:
    who = f"<@{lead.qualified_by_discord_id}>" if lead.qualified_by_discord_id else T.WHO_SYSTEM
    when = format_datetime(lead.qualified_at) if lead.qualified_at else T.NOT_SET
    return T.ALREADY.format(lead_id=lead.id, status=T.STATUS_WORD.get(lead.status, lead.status), who=who, when=when)


def _refusal(lead: Lead, target: str) -> str | None:
    """Why the lead cannot go to ``target`` now, or None when it can."""
    if lead.status in svc.ALLOWED_FROM[target]:
        return None
    if lead.status == target or lead.status in (LeadStatus.MALO, LeadStatus.VENDIDO):
        return _already_text(lead)
    return T.NOT_ALLOWED.format(lead_id=lead.id, status=T.STATUS_WORD.get(lead.status, lead.status),
                                target=T.STATUS_WORD[target])


async def handle_click(interaction: discord.Interaction, action: str, lead_id: int) -> None:
    bot: VentasOpsBot = interaction.client  # type: ignore[assignment]
    await require_role(interaction, bot.settings.role_profiler, action=f"lead:{action}")
    async with bot.sessionmaker() as session:
        lead = await session.get(Lead, lead_id)
    if lead is None:
        raise UserError(T.LEAD_GONE.format(lead_id=lead_id))
    refusal = _refusal(lead, action)
    if refusal is not None:
        await send_ephemeral(interaction, refusal)
        return
    if action == LeadStatus.MALO:
        await BadReasonModal(lead_id).open(interaction)
        return
    await interaction.response.defer(ephemeral=True, thinking=True)
    await apply_qualification(interaction, lead_id, action, None)


async def apply_qualification(interaction: discord.Interaction, lead_id: int, target: str, reason: str | None) -> None:
    bot: VentasOpsBot = interaction.client  # type: ignore[assignment]
    s = bot.settings
    async with bot.sessionmaker() as session:
        q = await svc.qualify(session, lead_id, target, actor=actor_of(interaction.user), now=bot.clock.now(),
                              good=s.lead_reward_good, sold=s.lead_reward_sold, reason=reason)
        await session.commit()
    if q.lead is None:
        raise UserError(T.LEAD_GONE.format(lead_id=lead_id))
    if not q.changed:
        await send_ephemeral(interaction, _refusal(q.lead, target) or _already_text(q.lead))
        return
    await send_ephemeral(interaction, T.QUALIFIED_ACK.format(lead_id=lead_id, status=T.STATUS_WORD[target],
                                                             reward=format_cop(q.reward)))
    bot.outbox.kick()
    await refresh_card(bot, lead_id)


# --- first-time cédula confirmation -----------------------------------------------------------
@dataclass(slots=True)
class PendingReferral:
    user_id: int
    inp: svc.ReferralInput
    expires: float


class CedulaConfirm(ActionButton, template=r"refced:(?P<action>si|no):(?P<id>[0-9a-f]{16})"):
    PREFIX = "refced"
    LABELS = {"si": (T.BTN_CONFIRM_YES, discord.ButtonStyle.success),
              "no": (T.BTN_CONFIRM_NO, discord.ButtonStyle.secondary)}
    ID_TYPE = str

    async def handle(self, interaction: discord.Interaction) -> None:
        cog = interaction.client.get_cog("Referrals")  # type: ignore[attr-defined]
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
    from bot.hubspot.gateway import HubSpotError, HubSpotNotFound, HubSpotUnavailable

    s = bot.settings
    sold: list[int] = []
    async with bot.sessionmaker() as session:
        candidates = await svc.open_leads_in_hubspot(session)
    for lead_id, contact_id in candidates:
        try:
            won = await bot.hubspot.contact_is_customer_or_won(contact_id)
        except HubSpotUnavailable as exc:
            log.warning("HubSpot unavailable during the lead sync: %s", exc)
            break
        except (HubSpotNotFound, HubSpotError) as exc:
            log.warning("Lead %s: HubSpot contact %s not checked: %s", lead_id, contact_id, exc)
            continue
        if not won:
            continue
        async with bot.sessionmaker() as session:
            q = await svc.qualify(session, lead_id, LeadStatus.VENDIDO, actor=Actor.system("hubspot"), now=bot.clock.now(),
                                  good=s.lead_reward_good, sold=s.lead_reward_sold, source="hubspot")
            await session.commit()
        if q.changed:
            sold.append(lead_id)
            await refresh_card(bot, lead_id)
    return sold


async def run_referrals_tick(bot: VentasOpsBot) -> dict[str, list[int]]:
    """The periodic referrals job (idempotent; run it every few minutes): escalate leads past the
    SLA, post cards a crash left unposted, deliver the resulting posts and DMs, then wake the
    HubSpot queue (leads still missing in HubSpot) and mark Vendido the leads HubSpot shows as won."""
    from datetime import timedelta

    s = bot.settings
    now = bot.clock.now()
    out: dict[str, list[int]] = {"escalated": [], "cards": [], "sold": []}
    async with bot.sessionmaker() as session:
        escalated = await svc.process_sla(session, now, sla_hours=s.lead_sla_hours, profiler_role=s.role_profiler)
        await session.commit()
    out["escalated"] = [lead.id for lead in escalated]
    for lead_id in out["escalated"]:
        await refresh_card(bot, lead_id)
    out["cards"] = await repost_missing_cards(
        bot, "lead", lambda session: svc.leads_without_card(session, now - timedelta(minutes=2)), post_card)
    try:
        await bot.outbox.flush()
    except Exception:  # noqa: BLE001 - the worker retries
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
            return await svc.leads_to_push(session, after_id, limit)

    async def _push(self, lead_id: int) -> None:
        """Create or find the lead's HubSpot contact and company (run by the HubSpot queue, one lead at
        a time: HubSpot errors reach it, and it retries). The card edit runs apart from the queue."""
        bot, changed = self.bot, False
        try:
            changed |= await svc.push_contact(bot.sessionmaker, bot.hubspot, lead_id, now=bot.clock.now)
            changed |= await svc.push_company(bot.sessionmaker, bot.hubspot, lead_id, now=bot.clock.now)
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
        interaction: discord.Interaction,
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
            await svc.check_referral(session, inp)  # refuse before asking anything
            if needs_confirmation:
                await session.commit()
            else:
                lead = await svc.create_lead(session, member, inp, actor=actor, now=bot.clock.now())
                await session.commit()
        if needs_confirmation:
            self._expire()
            token = secrets.token_hex(8)
            self.pending[token] = PendingReferral(interaction.user.id, inp, time.monotonic() + CONFIRM_TTL)
            await interaction.followup.send(T.CONFIRM_CEDULA.format(cedula=_dotted(inp.cedula)), view=confirm_view(token),
                                            ephemeral=True, allowed_mentions=discord.AllowedMentions.none())
            return
        text = await self._after_created(lead.id, interaction.channel)
        await send_ephemeral(interaction, text)

    def _expire(self) -> None:
        now = time.monotonic()
        for token in [t for t, p in self.pending.items() if p.expires < now]:
            self.pending.pop(token, None)

    async def confirm(self, interaction: discord.Interaction, action: str, token: str) -> None:
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
            lead = await svc.create_lead(session, member, entry.inp, actor=actor, now=bot.clock.now())
            await session.commit()
        text = await self._after_created(lead.id, interaction.channel)
        try:
            await interaction.edit_original_response(content=text, view=None,
                                                     allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException:
            await send_ephemeral(interaction, text)

    async def _after_created(self, lead_id: int, fallback: Any) -> str:
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
    async def mis_referidos(self, interaction: discord.Interaction) -> None:
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
        await send_ephemeral(interaction, None, embed=embed)  # type: ignore[arg-type]

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
    bot.add_dynamic_items(LeadButton, CedulaConfirm)
    bot.modals.add(BadReasonModal)
    await bot.add_cog(Referrals(bot))


async def teardown(bot: VentasOpsBot) -> None:
    bot.remove_dynamic_items(LeadButton, CedulaConfirm)
    bot.modals.remove(BadReasonModal)
