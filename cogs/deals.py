"""/registrar-negocio, the deal card with its approval buttons, /mis-negocios.

The rules live in :mod:`bot.services.deals`; this module is the Discord side: options, the
acknowledge-first flow, the card (embed + persistent ``DynamicItem`` buttons whose state is read
from the database on every click), the reject-reason modal. The KAM's DMs about a decision are
written and queued by :func:`bot.services.deals.decide` (the same for the web panel); the outbox
worker delivers them.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands
from sqlalchemy.exc import IntegrityError

from bot.background import BackgroundTasks
from bot.app import VentasOpsBot, send_ephemeral
from bot.blocking import run_blocking
from bot.domain.cards import CardKey
from bot.domain.commission import rate_label
from bot.domain.dates import format_date, format_datetime, month_label, parse_month, today_bogota
from bot.domain.enums import ApprovalKind, ApprovalStatus, CLOSED_DEAL_STATUSES, DealStatus, ProofStatus, Service
from bot.domain.money import format_cop
from bot.domain.text import count_of, md
from bot.errors import UserCheckFailure, UserError
from bot.logging_setup import log_failure
from bot.guards import actor_of, require_role
from bot.notify import RecentCards, dm, repost_missing_cards, retire_duplicate_cards, send_card
from bot.services import commissions as ledger
from bot.services import deals as svc
from bot.services import directory, proofs, referrals
from bot.services import outbox as ob
from bot.services.deal_list import my_deals_xlsx
from bot.texts import deals as T
from bot.texts import questions as QT
from bot.ui import ActionButton, PersistentModal

log = logging.getLogger(__name__)

HS_SOURCE = "verificacion-negocios"  # this cog's work in the HubSpot queue
TYPE_CHOICES = [app_commands.Choice(name=label, value=value) for value, label in T.TYPE_LABELS.items()]


def _service_choices() -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=s.label[:100], value=s.value) for s in Service][:25]


# --- card ----------------------------------------------------------------------------------
def _when(bot: VentasOpsBot, dt: datetime | None) -> str:
    return format_datetime(dt, bot.settings.tz, T.NOT_SET)


def commission_line(rate: Decimal, total: int, amount: int) -> str:
    """``rate``: the deal's own (``Deal.commission_rate``), never today's setting."""
    return T.COMMISSION_LINE.format(rate=rate_label(rate), total=format_cop(total), commission=format_cop(amount))


def hubspot_url(bot: VentasOpsBot, hubspot_id: str) -> str | None:
    """The deal's page in HubSpot (needs HUBSPOT_PORTAL_ID); None when the portal is not configured."""
    portal = bot.settings.hubspot_portal_id
    if not portal or not hubspot_id.isdigit():
        return None
    return f"{bot.settings.hubspot_app_url.rstrip('/')}/contacts/{portal}/record/0-3/{hubspot_id}"


def _finding_lines(findings: dict[str, Any] | None) -> list[str]:
    out = []
    for key, value in (findings or {}).items():
        template = T.FINDING_TEXTS.get(key)
        if template is None:
            continue
        if isinstance(value, dict):
            h, loc = value.get("hubspot"), value.get("local")
            if key == "monto":
                h = format_cop(h) if isinstance(h, int) else T.NOT_SET
                loc = format_cop(loc) if isinstance(loc, int) else T.NOT_SET
            out.append("• " + template.format(hubspot=md(str(h if h is not None else T.NOT_SET)),
                                              local=md(str(loc if loc is not None else T.NOT_SET))))
        else:
            out.append("• " + template)
    return out


def _approval_line(bot: VentasOpsBot, a: Any) -> str:
    kind = T.CHECK_LABELS.get(a.kind, a.kind)
    who = md(a.decided_by_name or T.NOT_SET)
    if a.status == ApprovalStatus.APROBADA:
        return T.CHECK_APPROVAL_OK.format(kind=kind, who=who, when=_when(bot, a.decided_at))
    if a.status == ApprovalStatus.RECHAZADA:
        reason = T.CHECK_REASON.format(reason=md(a.reason[:300])) if a.reason else ""
        return T.CHECK_APPROVAL_NO.format(kind=kind, who=who, when=_when(bot, a.decided_at), reason=reason)
    if a.status == ApprovalStatus.CANCELADA:
        return T.CHECK_APPROVAL_CANCELLED.format(kind=kind)
    return T.CHECK_APPROVAL_PENDING.format(kind=kind)


def card_embed(bot: VentasOpsBot, v: svc.DealView) -> discord.Embed:
    d = v.deal
    colour = {
        DealStatus.APROBADO: discord.Colour.green(),
        DealStatus.RECHAZADO: discord.Colour.red(),
        DealStatus.ANULADO: discord.Colour.dark_grey(),
    }.get(d.status, discord.Colour.gold())
    type_label = T.TYPE_LABELS.get(d.deal_type, d.deal_type)
    e = discord.Embed(
        title=T.CARD_TITLE.format(deal_id=d.id, type=type_label, client=v.client.name)[:256], colour=colour
    )
    e.add_field(name=T.CARD_FIELD_CLIENT, value=md(v.client.name)[:1024], inline=True)
    e.add_field(name=T.CARD_FIELD_KAM, value=f"<@{v.member.discord_id}>", inline=True)
    e.add_field(name=T.CARD_FIELD_TYPE, value=type_label, inline=True)
    e.add_field(name=T.CARD_FIELD_SERVICE, value=Service.label_of(d.service), inline=True)
    e.add_field(name=T.CARD_FIELD_TOTAL, value=format_cop(d.total_value), inline=True)
    e.add_field(name=T.CARD_FIELD_ADVANCE, value=format_cop(d.advance_amount), inline=True)
    e.add_field(
        name=T.CARD_FIELD_DATE, value=format_date(d.advance_date) + (T.CARD_LATE if d.is_late else ""), inline=True
    )
    e.add_field(
        name=T.CARD_FIELD_COMMISSION, value=commission_line(d.commission_rate, d.total_value, d.commission_estimate), inline=True
    )
    e.add_field(name=T.CARD_FIELD_STATUS, value=T.STATUS_LABELS.get(d.status, d.status), inline=True)
    proof = (
        T.CARD_PROOF_ATTACHED.format(filename=md(d.proof_filename or "comprobante"))
        if d.proof_path
        else T.CARD_PROOF_MISSING
    )
    e.add_field(name=T.CARD_FIELD_PROOF, value=proof[:1024], inline=True)
    if d.hubspot_deal_id:
        url = hubspot_url(bot, d.hubspot_deal_id)
        hs = T.CARD_HUBSPOT_LINK.format(hubspot_id=d.hubspot_deal_id, url=url) if url else d.hubspot_deal_id
    else:
        hs = T.CARD_HUBSPOT_NONE
    e.add_field(name=T.CARD_FIELD_HUBSPOT, value=hs, inline=True)

    checklist = []
    if d.proof_status == ProofStatus.RECHAZADO:
        checklist.append(T.CHECK_PROOF_REJECTED)
    elif d.proof_status == ProofStatus.VERIFICADO:
        checklist.append(T.CHECK_PROOF_VERIFIED)
    elif d.proof_path:
        checklist.append(T.CHECK_PROOF_OK)
    else:
        checklist.append(T.CHECK_PROOF_MISSING)
    checklist.append(T.CHECK_HUBSPOT.get(d.hubspot_check, d.hubspot_check))
    order = {ApprovalKind.ATRIBUCION: 0, ApprovalKind.COO: 1, ApprovalKind.AUDITORIA: 2}
    for a in sorted(v.approvals, key=lambda a: (order.get(a.kind, 9), a.id)):
        checklist.append(_approval_line(bot, a))
    e.add_field(name=T.CARD_FIELD_CHECKLIST, value="\n".join(checklist)[:1024], inline=False)
    if v.billing:
        from bot.texts import access as AT

        lines = []
        for r in v.billing:
            kind = AT.KIND_LABELS.get(r.kind, r.kind)
            fmt = AT.DEAL_CARD_LINE_URL if r.result_url else AT.DEAL_CARD_LINE_FILE
            lines.append(fmt.format(kind=kind, request_id=r.id, amount=format_cop(r.amount), url=r.result_url))
        e.add_field(name=AT.DEAL_CARD_FIELD, value="\n".join(lines)[:1024], inline=False)
    if v.support:
        lines = [QT.DEAL_CARD_LINE.format(kind=QT.KIND_LABELS.get(r.kind, r.kind), who=md(r.helper_name or ""),
                                          meeting=_when(bot, r.meeting_at)) for r in v.support]
        e.add_field(name=QT.DEAL_CARD_FIELD, value="\n".join(lines)[:1024], inline=False)
    findings = _finding_lines(d.hubspot_findings)
    if findings:
        e.add_field(name=T.CARD_FIELD_FINDINGS, value="\n".join(findings)[:1024], inline=False)
    when = _when(bot, d.created_at)
    if d.cancel_reason and d.status in CLOSED_DEAL_STATUSES:
        reason = T.CARD_CANCELLED_REASON.format(reason=d.cancel_reason[:300])
        e.set_footer(text=T.CARD_FOOTER.format(when=when, reason=reason))
    else:
        e.set_footer(text=T.CARD_FOOTER_PLAIN.format(when=when))
    return e


BUTTONS: dict[str, tuple[str, discord.ButtonStyle]] = {
    "audit_ok": (T.BTN_AUDIT_OK, discord.ButtonStyle.success),
    "audit_no": (T.BTN_AUDIT_NO, discord.ButtonStyle.danger),
    "coo_ok": (T.BTN_COO_OK, discord.ButtonStyle.success),
    "coo_no": (T.BTN_COO_NO, discord.ButtonStyle.danger),
    "attr_new": (T.BTN_ATTR_NEW, discord.ButtonStyle.primary),
    "attr_keep": (T.BTN_ATTR_KEEP, discord.ButtonStyle.secondary),
}
KIND_ACTIONS = {
    ApprovalKind.ATRIBUCION: ("attr_new", "attr_keep"),
    ApprovalKind.COO: ("coo_ok", "coo_no"),
    ApprovalKind.AUDITORIA: ("audit_ok", "audit_no"),
}


class DealButton(
    ActionButton,
    template=r"deal:(?P<action>audit_ok|audit_no|coo_ok|coo_no|attr_keep|attr_new):(?P<id>\d+)",
):
    """A persistent approval button; works after restarts because all state is in the database."""

    PREFIX = "deal"
    LABELS = BUTTONS

    async def handle(self, interaction: discord.Interaction) -> None:
        await handle_click(interaction, self.action, self.target_id)


def card_view(v: svc.DealView) -> discord.ui.View | None:
    if v.deal.status != DealStatus.PENDIENTE:
        return None
    view = discord.ui.View(timeout=None)
    pending = {a.kind for a in v.approvals if a.status == ApprovalStatus.PENDIENTE}
    for kind in (ApprovalKind.ATRIBUCION, ApprovalKind.COO, ApprovalKind.AUDITORIA):
        if kind in pending:
            for action in KIND_ACTIONS[kind]:
                view.add_item(DealButton(action, v.deal.id))
    return view if view.children else None


def role_for(bot: VentasOpsBot, kind: str) -> str:
    s = bot.settings
    return {ApprovalKind.AUDITORIA: s.role_audit, ApprovalKind.COO: s.role_coo, ApprovalKind.ATRIBUCION: s.role_admin}[kind]


# --- clicks ----------------------------------------------------------------------------------
class RejectModal(PersistentModal, template=rf"deal-reason:(?P<action>{'|'.join(svc.ACTIONS)}):(?P<id>\d+)"):
    """The reason of a rejection; persistent (bot.modals): the decision re-reads the approval, so a
    second approver, a restart or a long pause are all answered."""

    def __init__(self, action: str, deal_id: int) -> None:
        super().__init__(title=T.MODAL_TITLE.format(deal_id=deal_id), custom_id=f"deal-reason:{action}:{deal_id}")
        self.action = action
        self.deal_id = deal_id
        self.reason: discord.ui.TextInput[RejectModal] = discord.ui.TextInput(
            label=T.MODAL_REASON_LABEL,
            style=discord.TextStyle.paragraph,
            placeholder=T.MODAL_REASON_PLACEHOLDER,
            min_length=3,
            max_length=500,
            required=True,
            custom_id="reason",
        )
        self.add_item(self.reason)

    @classmethod
    def from_match(cls, match: re.Match[str]) -> RejectModal:
        return cls(match["action"], int(match["id"]))

    async def on_submit(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        from bot.domain.validation import clean_user_text

        bot: VentasOpsBot = interaction.client  # type: ignore[assignment]
        kind = svc.ACTIONS[self.action][0]
        # the role is checked again: the modal could be submitted by a stale client
        await require_role(interaction, role_for(bot, kind), action=f"deal:{self.action}")
        reason = clean_user_text(str(self.reason.value or ""))
        if not reason:
            raise UserError(T.REASON_REQUIRED)
        # the decision waits for the write lock behind other clicks: acknowledge within Discord's 3 s first
        await interaction.response.defer(ephemeral=True, thinking=True)
        await apply_decision(interaction, self.action, self.deal_id, reason)


def _already_text(bot: VentasOpsBot, a: Any) -> str:
    return T.ALREADY_DECIDED.format(
        who=md(a.decided_by_name or T.NOT_SET),
        when=_when(bot, a.decided_at),
        outcome=T.OUTCOME.get(a.status, a.status),
    )


async def handle_click(interaction: discord.Interaction, action: str, deal_id: int) -> None:
    bot: VentasOpsBot = interaction.client  # type: ignore[assignment]
    kind, approve = svc.ACTIONS[action]
    await require_role(interaction, role_for(bot, kind), action=f"deal:{action}")
    opens_modal = not approve and kind != ApprovalKind.ATRIBUCION
    if not opens_modal:
        # the decision waits for the write lock behind other clicks: acknowledge within Discord's 3 s first
        await interaction.response.defer(ephemeral=True, thinking=True)
    async with bot.sessionmaker() as session:
        deal = await session.get(svc.Deal, deal_id)
        approval = await svc.get_approval(session, deal_id, kind)
    if deal is None:
        raise UserError(T.DEAL_GONE.format(deal_id=deal_id))
    if approval is None:
        raise UserError(T.NOTHING_TO_DECIDE.format(deal_id=deal_id))
    if approval.status != ApprovalStatus.PENDIENTE:
        await send_ephemeral(interaction, _already_text(bot, approval))
        return
    if deal.status != DealStatus.PENDIENTE:
        raise UserError(T.DEAL_CLOSED.format(deal_id=deal_id, status=T.STATUS_STATES.get(deal.status, deal.status)))
    if opens_modal:
        await RejectModal(action, deal_id).open(interaction)
        return
    await apply_decision(interaction, action, deal_id, None)


async def apply_decision(interaction: discord.Interaction, action: str, deal_id: int, reason: str | None) -> None:
    bot: VentasOpsBot = interaction.client  # type: ignore[assignment]
    kind, approve = svc.ACTIONS[action]
    async with bot.sessionmaker() as session:
        now = bot.clock.now()
        # svc.decide queues the KAM's DMs in the outbox in this same transaction (the web panel calls
        # the same function): a crash or a Discord failure after the commit cannot lose them
        decision = await svc.decide(session, deal_id, action, actor=actor_of(interaction.user), now=now, reason=reason)
        await session.commit()
    if not decision.decided:
        await send_ephemeral(interaction, _already_text(bot, decision.approval))
        return
    kind_label = T.KIND_LABELS.get(kind, kind)
    other_id = decision.other_deal.id if decision.other_deal else None
    if kind == ApprovalKind.ATRIBUCION:
        ack = (T.ATTR_NEW_ACK if approve else T.ATTR_KEEP_ACK).format(deal_id=deal_id, other_id=other_id)
    else:
        ack = T.DECIDED_ACK.format(subject=T.DECISION_SUBJECTS.get(kind, kind_label), deal_id=deal_id,
                                   outcome=T.OUTCOME[decision.approval.status])
    await send_ephemeral(interaction, ack)
    await after_decision(bot, decision, kind)


async def after_decision(bot: VentasOpsBot, decision: svc.Decision, kind: str) -> None:
    """What follows a decision taken (button or web panel) once committed: the card(s) redrawn, then the
    outbox kicked so the KAM's DMs, queued by ``svc.decide`` in the decision's transaction, go out now."""
    await refresh_card(bot, decision.deal.id)
    if decision.other_deal is not None:
        await refresh_card(bot, decision.other_deal.id)
    bot.outbox.kick()  # after the cards: the KAM reads the DM with the card already up to date


async def refresh_card(bot: VentasOpsBot, deal_id: int) -> None:
    """Edit the deal's card in place from the database state."""
    async with bot.sessionmaker() as session:
        v = await svc.load_view(session, deal_id)
    if v is None or not v.deal.card_message_id or not v.deal.card_channel_id:
        return
    channel = bot.get_channel(v.deal.card_channel_id)
    if channel is None:
        try:
            channel = await bot.fetch_channel(v.deal.card_channel_id)
        except discord.HTTPException:
            log.warning("Card channel %s of deal %s not found", v.deal.card_channel_id, deal_id)
            return
    try:
        msg = channel.get_partial_message(v.deal.card_message_id)  # type: ignore[union-attr]
        await msg.edit(embed=card_embed(bot, v), view=card_view(v), allowed_mentions=discord.AllowedMentions.none())
    except discord.HTTPException as exc:
        log.warning("Could not edit the card of deal %s: %s", deal_id, exc)


async def post_card(
    bot: VentasOpsBot, deal_id: int, fallback: discord.abc.Messageable | None = None, recent: RecentCards | None = None
) -> bool:
    async with bot.sessionmaker() as session:
        v = await svc.load_view(session, deal_id)
    if v is None:
        return False
    channel = bot.sales_channel() or fallback
    if channel is None:
        return False
    files = []
    if v.deal.proof_path:
        path = proofs.absolute(bot.settings.data_dir, v.deal.proof_path)
        if path.exists():
            files.append(discord.File(path, filename=_safe_filename(v.deal.proof_filename, path.suffix)))
    kwargs: dict[str, Any] = {"embed": card_embed(bot, v), "view": card_view(v)}
    if kwargs["view"] is None:
        del kwargs["view"]
    if files:
        kwargs["files"] = files
    checks: list[str | None] = []  # the HubSpot check as it was when the card was recorded

    async def record(session: Any, channel_id: int, message_id: int) -> None:
        checks.append(await svc.set_card(session, deal_id, channel_id, message_id))

    try:
        posted = await send_card(bot, channel, CardKey("deal", DealButton.PREFIX, deal_id), record, recent=recent, **kwargs)
    finally:
        for f in files:  # an adopted card sends no file
            f.close()
    if posted and checks and checks[0] != v.deal.hubspot_check:  # verified while the card was on its way: draw it again
        await refresh_card(bot, deal_id)
    return posted


def _safe_filename(name: str | None, suffix: str) -> str:
    import re

    base = re.sub(r"[^A-Za-z0-9._-]+", "_", name or "")[:80].strip("._") or "comprobante"
    if not base.lower().endswith(suffix.lower()):
        base += suffix
    return base


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


async def edit_original_answer(bot: VentasOpsBot, token: str, content: str) -> None:
    """Edit an interaction's original answer from its token alone (what the interaction webhook allows
    for 15 minutes), e.g. after a restart lost the ``Interaction`` object."""
    webhook = discord.Webhook.partial(bot.application_id, token, client=bot)  # type: ignore[arg-type]
    await webhook.edit_message("@original", content=content,  # type: ignore[arg-type]
                               allowed_mentions=discord.AllowedMentions.none())


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
                    await edit_original_answer(bot, u.interaction_token, text)
                    edited = True
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


# --- /mis-negocios pages ------------------------------------------------------------------------
PAGE_SIZE = 10
MY_DEALS_BUTTONS: dict[str, tuple[str, discord.ButtonStyle]] = {
    "ant": (T.BTN_PREVIOUS, discord.ButtonStyle.secondary),
    "sig": (T.BTN_NEXT, discord.ButtonStyle.secondary),
}


def _page_state(page: int, status: str | None, month: tuple[int, int] | None) -> str:
    """What a page button carries: ``<page>.<status>.<yyyymm>`` (the filters travel with the page)."""
    return f"{page}.{status or ''}.{f'{month[0]}{month[1]:02d}' if month else ''}"


def _parse_page_state(state: str) -> tuple[int, str | None, tuple[int, int] | None]:
    page, status, ym = state.split(".")
    return int(page), status or None, (int(ym[:4]), int(ym[4:])) if ym else None


class MyDealsButton(ActionButton, template=r"mis-negocios:(?P<action>ant|sig):(?P<id>\d{1,6}\.[a-z]*\.(?:\d{6})?)"):
    """«Anteriores» / «Siguientes» on a /mis-negocios answer: whoever clicks sees their own deals, re-read
    from the database, so the buttons keep working after a restart."""

    PREFIX = "mis-negocios"
    LABELS = MY_DEALS_BUTTONS
    ID_TYPE = str

    async def handle(self, interaction: discord.Interaction) -> None:
        bot: VentasOpsBot = interaction.client  # type: ignore[assignment]
        page, status, month = _parse_page_state(self.target_id)
        await interaction.response.defer()
        shown = await my_deals_page(bot, interaction.user.id, page, status, month)
        if shown is None:
            await interaction.edit_original_response(content=_my_deals_empty(status, month), embed=None, view=None)
            return
        await interaction.edit_original_response(embed=shown[0], view=shown[1])


def _filters_label(status: str | None, month: tuple[int, int] | None) -> str:
    parts = []
    if status:
        parts.append(T.MY_DEALS_FILTER_STATUS.get(status, status))
    if month:
        parts.append(T.MY_DEALS_FILTER_MONTH.format(month=month_label(*month)))
    return ", ".join(parts)


def _my_deals_empty(status: str | None, month: tuple[int, int] | None) -> str:
    if status or month:
        return T.MY_DEALS_EMPTY_FILTERED.format(filters=_filters_label(status, month))
    return T.MY_DEALS_EMPTY


def _my_deal_line(v: svc.DealView) -> str:
    waiting = [T.KIND_LABELS.get(a.kind, a.kind) for a in v.approvals if a.status == ApprovalStatus.PENDIENTE]
    return T.MY_DEALS_LINE.format(
        deal_id=v.deal.id,
        date=format_date(v.deal.advance_date),
        client=md(v.client.name)[:60],
        type=T.TYPE_LABELS.get(v.deal.deal_type, v.deal.deal_type),
        total=format_cop(v.deal.total_value),
        status=T.STATUS_LABELS.get(v.deal.status, v.deal.status),
        waiting=T.MY_DEALS_WAITING.format(kinds=", ".join(waiting)) if waiting else "",
        late=T.CARD_LATE if v.deal.is_late else "",
    )


async def my_deals_page(
    bot: VentasOpsBot, user_id: int, page: int, status: str | None, month: tuple[int, int] | None,
) -> tuple[discord.Embed, discord.ui.View] | None:
    """Page ``page`` (0 = the newest deals) of the user's deals with its buttons; None when none match."""
    async with bot.sessionmaker() as session:
        member = await directory.get_member(session, user_id)
        if member is None:
            return None
        views, total = await svc.deals_of(session, member.id, PAGE_SIZE, offset=page * PAGE_SIZE, status=status,
                                          month=month)
        if total and not views:  # fewer deals than when the button was drawn: the last page
            page = (total - 1) // PAGE_SIZE
            views, total = await svc.deals_of(session, member.id, PAGE_SIZE, offset=page * PAGE_SIZE,
                                              status=status, month=month)
        bal = await ledger.balance(session, member.id)
    if not total:
        return None
    pages = (total - 1) // PAGE_SIZE + 1
    filters = _filters_label(status, month)
    embed = discord.Embed(
        title=T.MY_DEALS_TITLE_FILTERED.format(filters=filters) if filters else T.MY_DEALS_TITLE,
        description="\n".join(_my_deal_line(v) for v in views)[:4000], colour=discord.Colour.blurple(),
    )
    embed.add_field(name=T.MY_DEALS_TOTALS_NAME, value=T.MY_DEALS_TOTALS.format(
        pending=format_cop(bal.pending), earned=format_cop(bal.earned), reversed=format_cop(bal.reversed)), inline=False)
    embed.set_footer(text=T.MY_DEALS_PAGE.format(page=page + 1, pages=pages, count=count_of(total, *T.MY_DEALS_COUNT)))
    view = discord.ui.View(timeout=None)
    for action, target, disabled in (("ant", page - 1, page == 0), ("sig", page + 1, page >= pages - 1)):
        button = MyDealsButton(action, _page_state(max(target, 0), status, month))
        button.item.disabled = disabled
        view.add_item(button)
    return embed, view


# --- the cog ---------------------------------------------------------------------------------
class Deals(BackgroundTasks, commands.Cog):
    def __init__(self, bot: VentasOpsBot) -> None:
        self.bot = bot
        self._tasks: set[asyncio.Task[Any]] = set()
        self._cards_checked = False
        self._started = bot.clock.now()  # registrations from before are a previous process's
        self._started_at = bot.clock.now() + timedelta(microseconds=1)  # rows created up to the start

    async def cog_load(self) -> None:
        if self.bot.hubspot is not None:
            self.bot.hubspot_queue.register(HS_SOURCE, self._pending_verifications, self._verify)

    async def cog_unload(self) -> None:
        self.bot.hubspot_queue.unregister(HS_SOURCE)
        self.cancel_background()

    async def after_decision(self, decision: svc.Decision, kind: str) -> None:
        """For the web panel (bot/web), which decides through the same service: same card, same DM."""
        await after_decision(self.bot, decision, kind)

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
        interaction: discord.Interaction,
        cliente: app_commands.Range[str, 1, 200],
        tipo: app_commands.Choice[str],
        servicio: app_commands.Choice[str],
        valor_total: app_commands.Range[str, 1, 40],
        anticipo: app_commands.Range[str, 1, 40],
        comprobante: discord.Attachment,
        fecha_anticipo: app_commands.Range[str, 1, 40] | None = None,
        negocio_hubspot: app_commands.Range[str, 1, 300] | None = None,
    ) -> None:
        bot = self.bot
        s = bot.settings
        try:
            await require_role(interaction, s.role_kam, action="registrar-negocio")
        except UserCheckFailure:
            raise UserError(T.NOT_KAM) from None
        req = svc.RegistrationRequest(
            discord_id=interaction.user.id,
            client=cliente,
            deal_type=tipo.value,
            service=servicio.value,
            total=valor_total,
            advance=anticipo,
            advance_date=fecha_anticipo,
            hubspot=negocio_hubspot,
            interaction_id=interaction.id,
            interaction_token=interaction.token,
        )
        rules = dict(
            tz=s.tz, export_time=s.export_time, rate=s.commission_rate, window_days=s.renewal_window_business_days,
        )
        # 1. checks that need no I/O, then acknowledge at once: under load the database can take
        #    longer than Discord's 3 s, and a refusal is just as private as a follow-up
        meta = proofs.check_meta(comprobante.filename, comprobante.content_type, comprobante.size, s.proof_max_bytes)
        await interaction.response.defer(ephemeral=True, thinking=True)

        # 2. every rule (read-only), then the slow part
        async with bot.sessionmaker() as session:
            if await svc.find_by_interaction(session, interaction.id) is None:
                await svc.check_registration(
                    session, req, now=bot.clock.now(), hubspot_required=bot.hubspot is not None, **rules
                )
        try:
            data = await comprobante.read()
        except (discord.HTTPException, discord.NotFound) as exc:
            log.warning("Proof download failed for interaction %s: %s", interaction.id, exc)
            raise UserError(T.PROOF_DOWNLOAD_FAILED) from None
        stored = await run_blocking(proofs.store, s.data_dir, data, meta, s.proof_max_bytes)

        # 3. one transaction: deal + approvals + ledger + audit
        actor = actor_of(interaction.user)
        try:
            async with bot.sessionmaker() as session:
                reg = await svc.register(
                    session, req, stored, actor=actor, now=bot.clock.now(),
                    hubspot_enabled=bot.hubspot is not None, **rules,
                )
                flagged = None
                if reg.created and reg.checked is not None:
                    # a client referred by someone else, now sold by this KAM: tell the admins
                    flagged = await referrals.flag_deal_for_referred_company(
                        session, reg.checked.client.name, reg.deal.member_id, now=bot.clock.now(),
                        deal_id=reg.deal.id, admin_role=s.role_admin,
                    )
                await session.commit()
            if flagged is not None:
                bot.outbox.kick()
        except IntegrityError:
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
            return
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
        async with bot.sessionmaker() as session:  # the KAM saw it: no confirmation after a restart
            await svc.mark_confirmed(session, deal.id, bot.clock.now())
            await session.commit()
        if not await post_card(bot, deal.id, fallback=interaction.channel):  # type: ignore[arg-type]
            await send_ephemeral(interaction, T.CARD_POST_FAILED)
        for other in c.disputed:
            other_member = await self._member_discord_id(other.member_id)
            if other_member:
                await dm(bot, other_member, T.DM_UNREGISTERED_DISPUTE.format(hubspot_id=c.hubspot_deal_id, deal_id=other.id))

    async def _member_discord_id(self, member_id: int) -> int | None:
        async with self.bot.sessionmaker() as session:
            m = await session.get(svc.Member, member_id)
            return m.discord_id if m else None

    @registrar_negocio.autocomplete("cliente")
    async def _cliente_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        from cogs.directory import client_choices

        return await client_choices(interaction, current)

    # HubSpot (run by the bot's HubSpot queue) ------------------------------------------------
    async def _pending_verifications(self, after_id: int, limit: int) -> list[int]:
        async with self.bot.sessionmaker() as session:
            return await svc.pending_verifications(session, after_id, limit)

    async def _verify(self, deal_id: int) -> None:
        """Verify one deal; the card edit runs apart, so Discord's rate limits never slow HubSpot's queue."""
        if await svc.verify_deal(self.bot.sessionmaker, self.bot.hubspot, deal_id, now=self.bot.clock.now) is not None:
            self.spawn(refresh_card(self.bot, deal_id))

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
        self, interaction: discord.Interaction, estado: app_commands.Choice[str] | None = None,
        mes: app_commands.Range[str, 1, 40] | None = None,
    ) -> None:
        bot = self.bot
        month = parse_month(mes, today_bogota(bot.clock.now(), tz=bot.settings.tz), field="mes") if mes else None
        status = estado.value if estado else None
        await interaction.response.defer(ephemeral=True, thinking=True)
        shown = await my_deals_page(bot, interaction.user.id, 0, status, month)
        if shown is None:
            await send_ephemeral(interaction, _my_deals_empty(status, month))
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


# --- /admin negocio anular (called from cogs.admin) ---------------------------------------------
async def admin_cancel(interaction: discord.Interaction, deal_id: int, reason: str) -> None:
    from bot.domain.validation import clean_user_text

    bot: VentasOpsBot = interaction.client  # type: ignore[assignment]
    reason = clean_user_text(reason or "")
    async with bot.sessionmaker() as session:
        result = await svc.cancel_deal(
            session, deal_id, reason, actor=actor_of(interaction.user), now=bot.clock.now()
        )
        await session.commit()
    clawback = T.CANCEL_CLAWBACK.format(amount=format_cop(result.clawback)) if result.clawback else ""
    await send_ephemeral(interaction, T.CANCEL_DONE.format(deal_id=deal_id, clawback=clawback))
    await refresh_card(bot, deal_id)
    async with bot.sessionmaker() as session:
        v = await svc.load_view(session, deal_id)
    if v is not None:
        await dm(
            bot,
            v.member.discord_id,
            T.DM_CANCELLED.format(
                deal_id=deal_id,
                client=md(v.client.name),
                reason=md(reason),
                clawback=T.DM_CLAWBACK.format(amount=format_cop(result.clawback)) if result.clawback else "",
            ),
        )


async def setup(bot: VentasOpsBot) -> None:
    bot.add_dynamic_items(DealButton, MyDealsButton)
    bot.modals.add(RejectModal)
    await bot.add_cog(Deals(bot))


async def teardown(bot: VentasOpsBot) -> None:
    bot.remove_dynamic_items(DealButton, MyDealsButton)
    bot.modals.remove(RejectModal)
