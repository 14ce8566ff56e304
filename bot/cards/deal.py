"""The deal card: its embed, its approval buttons (``deal:<action>:<id>``, persistent ``DynamicItem``s
whose clicks :mod:`bot.exts.deals.approvals` answers), and its one post / refresh path through
:func:`bot.notify.send_card` (nonce, adoption of a card a crash left unrecorded)."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from decimal import Decimal
from typing import Any

import discord

from bot.app import VentasOpsBot
from bot.domain.cards import CardKey
from bot.domain.commission import rate_label
from bot.domain.dates import format_date, format_datetime
from bot.domain.enums import CLOSED_DEAL_STATUSES, ApprovalKind, ApprovalStatus, DealStatus, ProofStatus, Service
from bot.domain.money import format_cop
from bot.domain.text import md
from bot.notify import RecentCards, card_message, send_card
from bot.services import deals as svc
from bot.services import proofs
from bot.texts import access as AT
from bot.texts import deals as T
from bot.texts import questions as QT
from bot.ui import ActionButton

log = logging.getLogger(__name__)


def when_label(bot: VentasOpsBot, dt: datetime | None) -> str:
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
        return T.CHECK_APPROVAL_OK.format(kind=kind, who=who, when=when_label(bot, a.decided_at))
    if a.status == ApprovalStatus.RECHAZADA:
        reason = T.CHECK_REASON.format(reason=md(a.reason[:300])) if a.reason else ""
        return T.CHECK_APPROVAL_NO.format(kind=kind, who=who, when=when_label(bot, a.decided_at), reason=reason)
    if a.status == ApprovalStatus.CANCELADA:
        return T.CHECK_APPROVAL_CANCELLED.format(kind=kind)
    return T.CHECK_APPROVAL_PENDING.format(kind=kind)



def card_embed(bot: VentasOpsBot, v: svc.DealView) -> discord.Embed:
    d = v.deal
    colours: dict[str, discord.Colour] = {
        DealStatus.APROBADO: discord.Colour.green(),
        DealStatus.RECHAZADO: discord.Colour.red(),
        DealStatus.ANULADO: discord.Colour.dark_grey(),
    }
    colour = colours.get(d.status, discord.Colour.gold())
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
    order: dict[str, int] = {ApprovalKind.ATRIBUCION: 0, ApprovalKind.COO: 1, ApprovalKind.AUDITORIA: 2}
    for a in sorted(v.approvals, key=lambda a: (order.get(a.kind, 9), a.id)):
        checklist.append(_approval_line(bot, a))
    e.add_field(name=T.CARD_FIELD_CHECKLIST, value="\n".join(checklist)[:1024], inline=False)
    if v.billing:
        lines = []
        for r in v.billing:
            kind = AT.KIND_LABELS.get(r.kind, r.kind)
            fmt = AT.DEAL_CARD_LINE_URL if r.result_url else AT.DEAL_CARD_LINE_FILE
            lines.append(fmt.format(kind=kind, request_id=r.id, amount=format_cop(r.amount), url=r.result_url))
        e.add_field(name=AT.DEAL_CARD_FIELD, value="\n".join(lines)[:1024], inline=False)
    if v.support:
        lines = [QT.DEAL_CARD_LINE.format(kind=QT.KIND_LABELS.get(r.kind, r.kind), who=md(r.helper_name or ""),
                                          meeting=when_label(bot, r.meeting_at)) for r in v.support]
        e.add_field(name=QT.DEAL_CARD_FIELD, value="\n".join(lines)[:1024], inline=False)
    findings = _finding_lines(d.hubspot_findings)
    if findings:
        e.add_field(name=T.CARD_FIELD_FINDINGS, value="\n".join(findings)[:1024], inline=False)
    when = when_label(bot, d.created_at)
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
        msg = card_message(channel, v.deal.card_message_id)
        if msg is None:
            log.warning("Card channel %s of deal %s has no messages", v.deal.card_channel_id, deal_id)
            return
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

    base = re.sub(r"[^A-Za-z0-9._-]+", "_", name or "")[:80].strip("._") or "comprobante"
    if not base.lower().endswith(suffix.lower()):
        base += suffix
    return base


async def after_decision(bot: VentasOpsBot, decision: svc.Decision) -> None:
    """What follows a decision once committed, whether taken with a button or on the web panel: the
    card(s) redrawn, then the outbox kicked so the KAM's DMs, queued by ``svc.decide`` in the decision's
    own transaction, go out now (after the cards: the KAM reads the DM with the card already up to date)."""
    await refresh_card(bot, decision.deal.id)
    if decision.other_deal is not None:
        await refresh_card(bot, decision.other_deal.id)
    bot.outbox.kick()
