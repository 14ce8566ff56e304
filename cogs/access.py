"""/solicitar-usuario-hubspot and /solicitar-proforma: request cards for the HubSpot approvers.

The rules live in :mod:`bot.services.access` and :mod:`bot.services.billing`; this module is the
Discord side: commands, cards (embed + persistent ``DynamicItem`` buttons that re-read their state
from the database on every click, so they work after a restart), the reason/link modals, the KAM
role grant, HubSpot provisioning after a defer, and the DMs.

Requester notifications: every step is DM'd. A requester with closed DMs cannot be reached by an
ephemeral message (that needs an interaction of theirs), so the bot posts a *short* notice in the
sales channel naming them by display name (no mention, no reason or link in it) and tells the
approver who clicked that the DM failed. Approved requesters can read the channel (they just got
the KAM role); for a rejection the approver is asked to tell the person directly.

PDFs: a modal cannot take files, so "Hecho" asks for a link; a PDF proforma is shared as a link
to the file (Drive or similar).
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import Any, ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot import permissions
from bot.app import ANYWHERE, VentasOpsBot, send_ephemeral
from bot.blocking import run_blocking
from bot.domain.cards import CardKey
from bot.domain.dates import format_datetime
from bot.domain.enums import ApprovalKind, ApprovalStatus, BillingStatus
from bot.domain.text import md
from bot.errors import UserError
from bot.guards import actor_of, require_role
from bot.notify import RecentCards, dm, post, repost_missing_cards, retire_duplicate_cards, send_card
from bot.services import access as svc
from bot.services import billing as bsvc
from bot.ui import ActionButton, PersistentModal
from bot.texts import access as T
from db.audit import Actor

log = logging.getLogger(__name__)
NO_MENTIONS = discord.AllowedMentions.none()
KIND_CHOICES = [app_commands.Choice(name=label, value=value) for value, label in T.KIND_LABELS.items()]

# request ids whose HubSpot provisioning runs in this process (a tick must not run it twice)
_IN_FLIGHT: set[int] = set()


def provisioning(bot: VentasOpsBot) -> Any:
    """The HubSpot gateway when approved requests should get a HubSpot user, else None."""
    return bot.hubspot if bot.settings.hubspot_provision_users else None


def _when(bot: VentasOpsBot, dt: datetime | None) -> str:
    return format_datetime(dt, bot.settings.tz)


async def _channel(bot: VentasOpsBot, channel_id: int | None) -> Any:
    if not channel_id:
        return None
    ch = bot.get_channel(channel_id)
    if ch is None:
        try:
            ch = await bot.fetch_channel(channel_id)
        except discord.HTTPException:
            return None
    return ch


async def tell(
    bot: VentasOpsBot, user_id: int, name: str, text: str, notice: str, file: discord.File | None = None
) -> bool:
    """DM the requester; when their DMs are closed, a short notice in the channel (no mention)."""
    if await dm(bot, user_id, text, **({"file": file} if file is not None else {})):
        return True
    channel = bot.sales_channel()
    if channel is not None:
        try:
            await post(channel, T.CHANNEL_NOTICE.format(name=md(name), text=notice))
        except discord.HTTPException as exc:
            log.warning("Could not post the DM fallback notice for %s: %s", user_id, exc)
    return False


# --- the KAM role ------------------------------------------------------------------------------
async def ensure_role(bot: VentasOpsBot, discord_id: int, request_id: int) -> tuple[bool, str | None]:
    """Grant the KAM role unless the member has it. (ok, Spanish error)."""
    guild = bot.guild
    if guild is None:
        return False, T.ROLE_NO_MEMBER
    role = permissions.find_role(guild, bot.settings.role_kam)
    if role is None:
        return False, T.ROLE_NOT_FOUND
    member = guild.get_member(discord_id)
    if member is None:
        try:
            member = await guild.fetch_member(discord_id)
        except discord.HTTPException:
            return False, T.ROLE_NO_MEMBER
    if any(r.id == role.id for r in member.roles):
        return True, None
    try:
        await member.add_roles(role, reason=f"ventas-ops: solicitud de acceso #{request_id} aprobada")
    except discord.Forbidden:
        return False, T.ROLE_FORBIDDEN
    except discord.HTTPException as exc:
        return False, f"{exc.status} {exc.text or ''}".strip()[:200]
    return True, None


# --- access card -------------------------------------------------------------------------------
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
        status = status.format(who=md(approval.decided_by_name), when=_when(bot, approval.decided_at))
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
    e.set_footer(text=T.CARD_FOOTER.format(when=_when(bot, req.created_at), role=s.role_hubspot_approver))
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


async def _load_access(bot: VentasOpsBot, request_id: int) -> tuple[Any, Any]:
    async with bot.sessionmaker() as session:
        req = await session.get(svc.AccessRequest, request_id)
        approval = await svc.approval_of(session, request_id)
    return req, approval


async def refresh_access_card(
    bot: VentasOpsBot, request_id: int, role: tuple[bool, str | None] | None = None
) -> None:
    req, approval = await _load_access(bot, request_id)
    if req is None or approval is None or not approval.card_message_id:
        return
    channel = await _channel(bot, approval.card_channel_id)
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
    req, approval = await _load_access(bot, request_id)
    channel = bot.sales_channel()
    if req is None or approval is None or channel is None:
        return False
    return await send_card(bot, channel, CardKey("access", AccessButton.PREFIX, request_id),
                           lambda s, c, m: svc.set_card(s, request_id, c, m), recent=recent,
                           embed=access_embed(bot, req, approval, None), view=access_view(bot, req, None))


# --- access clicks -----------------------------------------------------------------------------
class AccessButton(ActionButton, template=r"acc:(?P<action>ok|no|retry):(?P<id>\d+)"):
    PREFIX = "acc"
    LABELS = {
        "ok": (T.BTN_APPROVE, discord.ButtonStyle.success),
        "no": (T.BTN_REJECT, discord.ButtonStyle.danger),
        "retry": (T.BTN_RETRY, discord.ButtonStyle.primary),
    }

    async def handle(self, interaction: discord.Interaction) -> None:
        await handle_access_click(interaction, self.action, self.target_id)


def _already(bot: VentasOpsBot, approval: Any) -> str:
    return T.ALREADY_DECIDED.format(
        who=md(approval.decided_by_name or "—"),
        when=_when(bot, approval.decided_at),
        outcome=T.OUTCOME.get(approval.status, approval.status),
    )


async def handle_access_click(interaction: discord.Interaction, action: str, request_id: int) -> None:
    bot: VentasOpsBot = interaction.client  # type: ignore[assignment]
    await require_role(interaction, bot.settings.role_hubspot_approver, action=f"acc:{action}")
    req, approval = await _load_access(bot, request_id)
    if req is None or approval is None:
        raise UserError(T.REQUEST_GONE.format(request_id=request_id))
    if action == "retry":
        await interaction.response.defer(ephemeral=True, thinking=True)
        await retry_access(interaction, request_id)
        return
    if approval.status != ApprovalStatus.PENDIENTE:
        await send_ephemeral(interaction, _already(bot, approval))
        return
    if action == "no":
        await AccessReasonModal(request_id).open(interaction)
        return
    await interaction.response.defer(ephemeral=True, thinking=True)
    await approve_access(interaction, request_id)


async def approve_access(interaction: discord.Interaction, request_id: int) -> None:
    bot: VentasOpsBot = interaction.client  # type: ignore[assignment]
    actor = actor_of(interaction.user)
    async with bot.sessionmaker() as session:
        decision = await svc.decide_access(session, request_id, True, actor=actor, now=bot.clock.now())
        await session.commit()
    if not decision.decided:
        await send_ephemeral(interaction, _already(bot, decision.approval))
        return
    req = decision.request
    s = bot.settings
    role = await ensure_role(bot, req.discord_id, req.id)
    _IN_FLIGHT.add(req.id)
    try:
        await refresh_access_card(bot, request_id, role)
        outcome = None
        if provisioning(bot) is not None:
            outcome = await svc.provision_request(bot.sessionmaker, provisioning(bot), req.id, actor=actor,
                                                  now=bot.clock.now)
    finally:
        _IN_FLIGHT.discard(req.id)
    await refresh_access_card(bot, request_id, role)
    steps = [T.APPROVED_STEPS_ROLE_OK.format(role=s.role_kam) if role[0]
             else T.APPROVED_STEPS_ROLE_FAIL.format(role=s.role_kam, error=role[1])]
    steps.extend(_hs_steps(outcome))
    # the requester
    parts = [T.DM_ACCESS_APPROVED.format(who=md(actor.name), request_id=req.id)]
    parts.append(T.DM_ROLE_OK.format(role=s.role_kam, channel=s.sales_channel) if role[0]
                 else T.DM_ROLE_FAIL.format(channel=s.sales_channel))
    parts.append(_hs_dm(bot, req.sense_email, outcome))
    parts.append(T.DM_ACCESS_NEXT)
    delivered = await tell(bot, req.discord_id, req.name, "\n".join(parts),
                           T.NOTICE_APPROVED.format(request_id=req.id))
    text = T.APPROVED_ACK.format(request_id=req.id, name=md(req.name), steps=" ".join(steps))
    if not delivered:
        text += "\n" + T.DM_FAILED_APPROVER.format(name=md(req.name))
    await send_ephemeral(interaction, text)


def _hs_steps(outcome: svc.ProvisionOutcome | None) -> list[str]:
    if outcome is None:
        return []
    if outcome.ok:
        how = T.HS_HOW_CREATED if outcome.created else T.HS_HOW_LINKED
        return [T.APPROVED_STEPS_HS_OK.format(user_id=outcome.user_id, how=how)]
    return [T.APPROVED_STEPS_HS_FAIL.format(error=outcome.error)]


def _hs_dm(bot: VentasOpsBot, email: str, outcome: svc.ProvisionOutcome | None) -> str:
    if provisioning(bot) is None:
        return T.DM_HS_MANUAL.format(email=email)
    if outcome is None or not outcome.ok:
        return T.DM_HS_PENDING.format(email=email)
    return (T.DM_HS_CREATED if outcome.created else T.DM_HS_LINKED).format(email=email)


async def reject_access(interaction: discord.Interaction, request_id: int, reason: str) -> None:
    bot: VentasOpsBot = interaction.client  # type: ignore[assignment]
    await require_role(interaction, bot.settings.role_hubspot_approver, action="acc:no")
    actor = actor_of(interaction.user)
    async with bot.sessionmaker() as session:
        decision = await svc.decide_access(session, request_id, False, actor=actor, now=bot.clock.now(), reason=reason)
        await session.commit()
    if not decision.decided:
        await send_ephemeral(interaction, _already(bot, decision.approval))
        return
    req = decision.request
    await send_ephemeral(interaction, T.REJECTED_ACK.format(request_id=req.id, name=md(req.name)))
    await refresh_access_card(bot, request_id)
    delivered = await tell(
        bot, req.discord_id, req.name,
        T.DM_ACCESS_REJECTED.format(request_id=req.id, who=md(actor.name), reason=md(reason)),
        T.NOTICE_REJECTED.format(request_id=req.id),
    )
    if not delivered:
        await send_ephemeral(interaction, T.DM_FAILED_APPROVER.format(name=md(req.name)))


async def retry_access(interaction: discord.Interaction, request_id: int) -> None:
    bot: VentasOpsBot = interaction.client  # type: ignore[assignment]
    req, _ = await _load_access(bot, request_id)
    if req is None or req.status != ApprovalStatus.APROBADA:
        await send_ephemeral(interaction, T.RETRY_NOT_APPROVED.format(request_id=request_id))
        return
    s = bot.settings
    role = await ensure_role(bot, req.discord_id, req.id)
    outcome = None
    if svc.needs_provisioning(req, provisioning(bot) is not None):
        _IN_FLIGHT.add(req.id)
        try:
            outcome = await svc.provision_request(
                bot.sessionmaker, provisioning(bot), req.id, actor=actor_of(interaction.user), now=bot.clock.now
            )
        finally:
            _IN_FLIGHT.discard(req.id)
    await refresh_access_card(bot, request_id, role)
    steps = [T.APPROVED_STEPS_ROLE_OK.format(role=s.role_kam) if role[0]
             else T.APPROVED_STEPS_ROLE_FAIL.format(role=s.role_kam, error=role[1])]
    steps.extend(_hs_steps(outcome))
    if outcome is not None and outcome.ok:
        await tell(bot, req.discord_id, req.name, _hs_dm(bot, req.sense_email, outcome),
                   T.NOTICE_HS_READY.format(request_id=req.id))
    await send_ephemeral(interaction, T.RETRY_DONE.format(request_id=req.id, steps=" ".join(steps)))


# --- modals (persistent: routed by custom_id, see bot.modals) -----------------------------------
class ReasonModal(PersistentModal):
    """A required reason, handed to :meth:`apply` (the decision re-reads the request: a second
    approver is told who decided first, and nothing changes)."""

    PREFIX: ClassVar[str] = ""

    def __init__(self, request_id: int) -> None:
        super().__init__(title=T.REASON_MODAL_TITLE.format(request_id=request_id),
                         custom_id=f"{self.PREFIX}:{request_id}")
        self.request_id = request_id
        self.reason: discord.ui.TextInput[ReasonModal] = discord.ui.TextInput(
            label=T.REASON_LABEL, style=discord.TextStyle.paragraph, placeholder=T.REASON_PLACEHOLDER,
            min_length=3, max_length=500, required=True, custom_id="reason",
        )
        self.add_item(self.reason)

    @classmethod
    def from_match(cls, match: re.Match[str]) -> ReasonModal:
        return cls(int(match["id"]))

    async def on_submit(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        from bot.domain.validation import clean_user_text

        reason = clean_user_text(str(self.reason.value or ""))
        if not reason:
            raise UserError(T.REASON_REQUIRED)
        # the decision waits for the write lock behind other clicks: acknowledge within Discord's 3 s first
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.apply(interaction, reason)

    async def apply(self, interaction: discord.Interaction, reason: str) -> None:
        raise NotImplementedError


class AccessReasonModal(ReasonModal, template=r"acc-reason:(?P<id>\d+)"):
    PREFIX = "acc-reason"

    async def apply(self, interaction: discord.Interaction, reason: str) -> None:
        await reject_access(interaction, self.request_id, reason)


class BillingReasonModal(ReasonModal, template=r"bill-reason:(?P<id>\d+)"):
    PREFIX = "bill-reason"

    async def apply(self, interaction: discord.Interaction, reason: str) -> None:
        await decide_billing_click(interaction, self.request_id, False, reason=reason)


class DoneModal(PersistentModal, template=r"bill-done:(?P<id>\d+)"):
    """"Hecho": a link, a PDF (uploaded in the modal itself) or both, and an optional note."""

    def __init__(self, request_id: int) -> None:
        super().__init__(title=T.DONE_MODAL_TITLE.format(request_id=request_id), custom_id=f"bill-done:{request_id}")
        self.request_id = request_id
        self.link: discord.ui.TextInput[DoneModal] = discord.ui.TextInput(
            placeholder=T.DONE_LINK_PLACEHOLDER, max_length=1000, required=False, custom_id="link",
        )
        self.pdf: discord.ui.FileUpload[DoneModal] = discord.ui.FileUpload(
            custom_id="pdf", required=False, min_values=0, max_values=1,
        )
        self.note: discord.ui.TextInput[DoneModal] = discord.ui.TextInput(
            style=discord.TextStyle.paragraph, max_length=500, required=False, custom_id="note",
        )
        self.add_item(discord.ui.Label(text=T.DONE_LINK_LABEL, description=T.DONE_LINK_DESCRIPTION, component=self.link))
        self.add_item(discord.ui.Label(text=T.DONE_FILE_LABEL, description=T.DONE_FILE_DESCRIPTION, component=self.pdf))
        self.add_item(discord.ui.Label(text=T.DONE_NOTE_LABEL, component=self.note))

    @classmethod
    def from_match(cls, match: re.Match[str]) -> DoneModal:
        return cls(int(match["id"]))

    async def on_submit(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        bot: VentasOpsBot = interaction.client  # type: ignore[assignment]
        await require_role(interaction, bot.settings.role_hubspot_approver, action="bill:done")
        # decided while this modal was open (another approver, or before a restart): say who, keep the PDF out
        v = await _load_billing(bot, self.request_id)
        if v is None or v.approval is None:
            raise UserError(T.REQUEST_GONE.format(request_id=self.request_id))
        if v.approval.status != ApprovalStatus.PENDIENTE:
            await send_ephemeral(interaction, _already(bot, v.approval))
            return
        url = str(self.link.value or "").strip()
        attachment = self.pdf.values[0] if self.pdf.values else None
        if url:
            bsvc.validate_link(url)
        if attachment is None and not url:
            raise UserError(T.DONE_NOTHING)
        stored = None
        if attachment is not None:
            meta = bsvc.check_pdf(attachment.filename, attachment.content_type, attachment.size,
                                  bot.settings.proof_max_bytes)
            await interaction.response.defer(ephemeral=True, thinking=True)
            try:
                data = await attachment.read()
            except discord.HTTPException as exc:
                raise UserError(T.DONE_DOWNLOAD_FAILED) from exc
            from bot.services import proofs

            try:
                stored = await run_blocking(
                    proofs.store, bot.settings.data_dir, data, meta, bot.settings.proof_max_bytes, "billing"
                )
            except proofs.ProofRefused as exc:
                raise UserError(str(exc)) from exc
        else:
            # the decision waits for the write lock: acknowledge within Discord's 3 s first
            await interaction.response.defer(ephemeral=True, thinking=True)
        await decide_billing_click(
            interaction, self.request_id, True, url=url or None, note=str(self.note.value or ""),
            file_path=stored.relative_path if stored else None,
        )


MODALS = (AccessReasonModal, BillingReasonModal, DoneModal)


# --- billing card ------------------------------------------------------------------------------
def billing_embed(bot: VentasOpsBot, v: bsvc.BillingView) -> discord.Embed:
    from bot.domain.money import format_cop

    r, a = v.request, v.approval
    kind = T.KIND_LABELS.get(r.kind, r.kind)
    colour = {BillingStatus.HECHA: discord.Colour.green(), BillingStatus.RECHAZADA: discord.Colour.red()}.get(
        r.status, discord.Colour.gold()
    )
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
        status = status.format(who=md(a.decided_by_name), when=_when(bot, a.decided_at))
    e.add_field(name=T.FIELD_STATUS, value=status, inline=False)
    if r.status == BillingStatus.HECHA and (r.result_url or r.result_path):
        lines = [r.result_url] if r.result_url else []
        if r.result_path:
            lines.append(T.DONE_FILE_LINE.format(filename=billing_filename(r)))
        e.add_field(name=T.FIELD_RESULT, value="\n".join(lines)[:1024], inline=False)
    if r.status == BillingStatus.RECHAZADA and a is not None and a.reason:
        e.add_field(name=T.FIELD_REASON, value=md(a.reason)[:1024], inline=False)
    e.set_footer(text=T.CARD_FOOTER.format(when=_when(bot, r.created_at), role=bot.settings.role_hubspot_approver))
    return e


def billing_view(v: bsvc.BillingView) -> discord.ui.View | None:
    if v.request.status != BillingStatus.PENDIENTE:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(BillingButton("done", v.request.id))
    view.add_item(BillingButton("no", v.request.id))
    return view


async def _load_billing(bot: VentasOpsBot, request_id: int) -> bsvc.BillingView | None:
    async with bot.sessionmaker() as session:
        return await bsvc.load_view(session, request_id)


async def refresh_billing_card(bot: VentasOpsBot, request_id: int) -> None:
    v = await _load_billing(bot, request_id)
    if v is None or v.approval is None or not v.approval.card_message_id:
        return
    channel = await _channel(bot, v.approval.card_channel_id)
    if channel is None:
        return
    try:
        await channel.get_partial_message(v.approval.card_message_id).edit(
            embed=billing_embed(bot, v), view=billing_view(v), allowed_mentions=NO_MENTIONS
        )
    except discord.HTTPException as exc:
        log.warning("Could not edit the card of billing request %s: %s", request_id, exc)


async def post_billing_card(
    bot: VentasOpsBot, request_id: int, fallback: Any = None, recent: RecentCards | None = None
) -> bool:
    v = await _load_billing(bot, request_id)
    channel = bot.sales_channel() or fallback
    if v is None or channel is None:
        return False
    return await send_card(bot, channel, CardKey("billing", BillingButton.PREFIX, request_id),
                           lambda s, c, m: bsvc.set_card(s, request_id, c, m), recent=recent,
                           embed=billing_embed(bot, v), view=billing_view(v))


class BillingButton(ActionButton, template=r"bill:(?P<action>done|no):(?P<id>\d+)"):
    PREFIX = "bill"
    LABELS = {"done": (T.BTN_DONE, discord.ButtonStyle.success), "no": (T.BTN_REJECT, discord.ButtonStyle.danger)}

    async def handle(self, interaction: discord.Interaction) -> None:
        await handle_billing_click(interaction, self.action, self.target_id)


async def handle_billing_click(interaction: discord.Interaction, action: str, request_id: int) -> None:
    bot: VentasOpsBot = interaction.client  # type: ignore[assignment]
    await require_role(interaction, bot.settings.role_hubspot_approver, action=f"bill:{action}")
    v = await _load_billing(bot, request_id)
    if v is None or v.approval is None:
        raise UserError(T.REQUEST_GONE.format(request_id=request_id))
    if v.approval.status != ApprovalStatus.PENDIENTE:
        await send_ephemeral(interaction, _already(bot, v.approval))
        return
    if action == "done":
        await DoneModal(request_id).open(interaction)
    else:
        await BillingReasonModal(request_id).open(interaction)


def billing_filename(r: Any) -> str:
    return f"{'proforma' if r.kind == 'proforma' else 'cobro'}-negocio-{r.deal_id}-solicitud-{r.id}.pdf"


def billing_file(bot: VentasOpsBot, r: Any) -> discord.File | None:
    """The stored PDF of a done request, ready to send (None when there is none or it is gone)."""
    if not r.result_path:
        return None
    from bot.services import proofs

    path = proofs.absolute(bot.settings.data_dir, r.result_path)
    if not path.exists():
        log.warning("PDF of billing request %s missing at %s", r.id, path)
        return None
    return discord.File(path, filename=billing_filename(r))


async def reply_on_deal_card(bot: VentasOpsBot, v: bsvc.BillingView, who: str) -> None:
    """Put the link or the PDF on the deal's card: a reply to it, and the card's «Cobro» field."""
    from bot.domain.money import format_cop
    from cogs.deals import refresh_card

    d, r = v.deal, v.request
    await refresh_card(bot, d.id)
    if not d.card_channel_id or not d.card_message_id:
        return
    channel = await _channel(bot, d.card_channel_id)
    if channel is None:
        return
    kind = T.KIND_LABELS.get(r.kind, r.kind)
    text = T.DEAL_CARD_REPLY.format(kind=kind, deal_id=d.id, amount=format_cop(r.amount), who=md(who),
                                    url=f"\n{r.result_url}" if r.result_url else "")
    file = billing_file(bot, r)
    try:
        await channel.send(
            text, **({"file": file} if file is not None else {}), allowed_mentions=NO_MENTIONS,
            reference=discord.MessageReference(message_id=d.card_message_id, channel_id=d.card_channel_id,
                                               fail_if_not_exists=False),
        )
    except discord.HTTPException as exc:
        log.warning("Could not reply on the card of deal %s: %s", d.id, exc)


async def decide_billing_click(
    interaction: discord.Interaction, request_id: int, done: bool, *, url: str | None = None,
    note: str | None = None, reason: str | None = None, file_path: str | None = None,
) -> None:
    from bot.domain.money import format_cop

    bot: VentasOpsBot = interaction.client  # type: ignore[assignment]
    await require_role(interaction, bot.settings.role_hubspot_approver, action="bill:done" if done else "bill:no")
    actor = actor_of(interaction.user)
    async with bot.sessionmaker() as session:
        d = await bsvc.decide_billing(
            session, request_id, done, actor=actor, now=bot.clock.now(), url=url, note=note, reason=reason,
            file_path=file_path,
        )
        await session.commit()
    if not d.decided:
        await send_ephemeral(interaction, _already(bot, d.approval))
        return
    v = await _load_billing(bot, request_id)
    assert v is not None
    r = v.request
    kind = T.KIND_LABELS.get(r.kind, r.kind)
    if done:
        await send_ephemeral(interaction, T.DONE_ACK.format(request_id=r.id, name=md(v.member.name)))
        text = T.DM_BILLING_DONE.format(
            kind_lower=kind.lower(), deal_id=r.deal_id, client=md(v.client.name), amount=format_cop(r.amount),
            who=md(actor.name),
            url="\n".join(x for x in (r.result_url, T.DONE_FILE_LINE.format(filename=billing_filename(r))
                                        if r.result_path else None) if x),
            note=T.DM_BILLING_NOTE.format(note=md(d.approval.reason)) if d.approval.reason else "",
        )
        notice = T.NOTICE_BILLING_DONE.format(request_id=r.id, kind=kind.lower())
    else:
        await send_ephemeral(interaction, T.BILLING_REJECTED_ACK.format(request_id=r.id, name=md(v.member.name)))
        text = T.DM_BILLING_REJECTED.format(
            request_id=r.id, kind_lower=kind.lower(), deal_id=r.deal_id, client=md(v.client.name),
            who=md(actor.name), reason=md(reason),
        )
        notice = T.NOTICE_BILLING_REJECTED.format(request_id=r.id, kind=kind.lower())
    await refresh_billing_card(bot, request_id)
    if done:
        await reply_on_deal_card(bot, v, actor.name)
    file = billing_file(bot, r) if done else None
    if not await tell(bot, v.member.discord_id, v.member.name, text, notice, file=file):
        await send_ephemeral(interaction, T.DM_FAILED_APPROVER.format(name=md(v.member.name)))


# --- reminders (wired into the scheduler by the lead) --------------------------------------------
def _age(now: datetime, since: datetime) -> str:
    hours = int((now - since).total_seconds() // 3600)
    if hours < 48:
        return T.AGE_HOURS.format(h=hours)
    return T.AGE_DAYS.format(d=hours // 24, h=hours % 24)


def _card_link(bot: VentasOpsBot, r: svc.Reminder) -> str:
    if not r.card_channel_id or not r.card_message_id:
        return T.NO_CARD
    return f"https://discord.com/channels/{bot.settings.discord_guild_id}/{r.card_channel_id}/{r.card_message_id}"


def reminder_lines(bot: VentasOpsBot, reminders: list[svc.Reminder], now: datetime) -> list[str]:
    lines = []
    for r in reminders:
        common = dict(request_id=r.request_id, name=md(r.name), age=_age(now, r.created_at), link=_card_link(bot, r))
        if r.kind == ApprovalKind.USUARIO_HUBSPOT:
            lines.append(T.REMINDER_LINE_ACCESS.format(**common))
        else:
            kind = T.KIND_LABELS.get(r.billing_kind or "", r.billing_kind or "")
            lines.append(T.REMINDER_LINE_BILLING.format(kind_lower=kind.lower(), deal_id=r.deal_id, **common))
    return lines


async def run_access_tick(bot: VentasOpsBot, *, after_hours: int = svc.REMIND_AFTER_HOURS) -> list[svc.Reminder]:
    """Daily reminders of requests waiting on the approvers, and HubSpot provisioning that a crash
    interrupted. Safe to call as often as wanted: each request is reminded at most once a day."""
    now = bot.clock.now()
    async with bot.sessionmaker() as session:
        reminders = await svc.process_reminders(session, now, after_hours=after_hours)
        await session.commit()
    if reminders:
        lines = reminder_lines(bot, reminders, now)
        channel = bot.sales_channel()
        body = "\n".join(lines)
        if len(body) > 3800:
            body = body[:3800].rsplit("\n", 1)[0] + "\n…"
        if channel is not None:
            try:
                await post(channel, embed=discord.Embed(title=T.REMINDER_TITLE, description=body,
                                                        colour=discord.Colour.orange()))
            except discord.HTTPException as exc:
                log.warning("Could not post the approvals reminder: %s", exc)
        guild = bot.guild
        role = permissions.find_role(guild, bot.settings.role_hubspot_approver) if guild else None
        for member in role.members if role is not None else []:
            await dm(bot, member.id, T.REMINDER_DM.format(
                name=md(member.display_name), channel=bot.settings.sales_channel, lines=body)[:2000])
    if provisioning(bot) is not None:
        async with bot.sessionmaker() as session:
            ids = await svc.unprovisioned(session)
        for request_id in ids:
            if request_id in _IN_FLIGHT:
                continue
            _IN_FLIGHT.add(request_id)
            try:
                outcome = await svc.provision_request(
                    bot.sessionmaker, provisioning(bot), request_id, actor=Actor.system("reintento"), now=bot.clock.now
                )
            finally:
                _IN_FLIGHT.discard(request_id)
            if outcome is None:
                continue
            req, _ = await _load_access(bot, request_id)
            role_state = await ensure_role(bot, req.discord_id, req.id)
            await refresh_access_card(bot, request_id, role_state)
            if outcome.ok:
                await tell(bot, req.discord_id, req.name, _hs_dm(bot, req.sense_email, outcome),
                           T.NOTICE_HS_READY.format(request_id=req.id))
    return reminders


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
                self.bot, what, lambda s, k=kind: svc.requests_without_card(s, k, created_before=created_before), post_one)

    @app_commands.command(name="solicitar-usuario-hubspot", description=T.CMD_ACCESS, extras={ANYWHERE: True})
    @app_commands.guild_only()
    @app_commands.rename(correo_sense="correo-sense")
    @app_commands.describe(correo_sense=T.OPT_SENSE_EMAIL, gmail=T.OPT_GMAIL)
    async def solicitar_usuario(
        self,
        interaction: discord.Interaction,
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
        interaction: discord.Interaction,
        negocio: app_commands.Range[str, 1, 100],
        tipo: app_commands.Choice[str],
        valor: app_commands.Range[str, 1, 40],
        notas: app_commands.Range[str, 1, 1000] | None = None,
    ) -> None:
        from bot.domain.money import format_cop

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
        await post_billing_card(bot, request_id, fallback=interaction.channel)

    @solicitar_proforma.autocomplete("negocio")
    async def _negocio_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        async with self.bot.sessionmaker() as session:
            choices = await bsvc.deal_choices(session, interaction.user.id, current)
        return [app_commands.Choice(name=c.label, value=str(c.id)) for c in choices]


async def setup(bot: VentasOpsBot) -> None:
    bot.add_dynamic_items(AccessButton, BillingButton)
    bot.modals.add(*MODALS)
    await bot.add_cog(Access(bot))


async def teardown(bot: VentasOpsBot) -> None:
    bot.remove_dynamic_items(AccessButton, BillingButton)
    bot.modals.remove(*MODALS)
