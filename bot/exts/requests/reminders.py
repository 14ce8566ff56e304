"""Reminders of unanswered access and billing requests, and provisioning retries (the scheduler's
«aprobaciones» job, which this extension provides)."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime

import discord

from bot import permissions
from bot.app import VentasOpsBot
from bot.cards.access import load_access, provisioning, refresh_access_card
from bot.domain.enums import ApprovalKind
from bot.domain.text import md
from bot.exts.requests.common import access_notices, ensure_role
from bot.services import access as svc
from bot.services import outbox
from bot.services import reminders as rsvc
from bot.texts import access as T

log = logging.getLogger(__name__)


def _age(now: datetime, since: datetime) -> str:
    hours = int((now - since).total_seconds() // 3600)
    if hours < 48:
        return T.AGE_HOURS.format(h=hours)
    return T.AGE_DAYS.format(d=hours // 24, h=hours % 24)



def _card_link(bot: VentasOpsBot, r: rsvc.Reminder) -> str:
    if not r.card_channel_id or not r.card_message_id:
        return T.NO_CARD
    return f"https://discord.com/channels/{bot.settings.discord_guild_id}/{r.card_channel_id}/{r.card_message_id}"



def reminder_lines(bot: VentasOpsBot, reminders: list[rsvc.Reminder], now: datetime) -> list[str]:
    lines = []
    for r in reminders:
        common = dict(request_id=r.request_id, name=md(r.name), age=_age(now, r.created_at), link=_card_link(bot, r))
        if r.kind == ApprovalKind.USUARIO_HUBSPOT:
            lines.append(T.REMINDER_LINE_ACCESS.format(**common))
        else:
            kind = T.KIND_LABELS.get(r.billing_kind or "", r.billing_kind or "")
            lines.append(T.REMINDER_LINE_BILLING.format(kind_lower=kind.lower(), deal_id=r.deal_id, **common))
    return lines



async def run_access_tick(bot: VentasOpsBot, *, after_hours: int = svc.REMIND_AFTER_HOURS) -> list[rsvc.Reminder]:
    """Daily reminders of requests waiting on the approvers, and HubSpot provisioning that a crash
    interrupted. Safe to call as often as wanted: each request is reminded at most once a day."""
    now = bot.clock.now()
    guild = bot.guild
    role = permissions.find_role(guild, bot.settings.role_hubspot_approver) if guild else None
    approvers = [(m.id, m.display_name) for m in role.members] if role is not None else []
    async with bot.sessionmaker() as session:
        reminders = await rsvc.process_reminders(session, now, after_hours=after_hours)
        if reminders:  # the post and the approvers' DMs, queued with the "reminded" marks (outbox)
            body = "\n".join(reminder_lines(bot, reminders, now))
            if len(body) > 3800:
                body = body[:3800].rsplit("\n", 1)[0] + "\n…"
            ids = ",".join(str(r.request_id) for r in reminders)  # each request is reminded once a day
            key = f"recordatorio:{now:%Y%m%d}:{hashlib.sha256(ids.encode()).hexdigest()[:16]}"
            await outbox.enqueue(session, key, now=now, embeds=[{
                "type": "rich", "title": T.REMINDER_TITLE, "description": body, "color": discord.Colour.orange().value}])
            for user_id, name in approvers:
                await outbox.enqueue(session, f"{key}:{user_id}", user_id=user_id, now=now, content=T.REMINDER_DM.format(
                    name=md(name), channel=bot.settings.sales_channel, lines=body)[:2000])
        await session.commit()
    if reminders:
        bot.outbox.kick()
    # HubSpot users a crash left unmade, each under its claim (a click or another process meanwhile
    # is harmless); the requester's DM is queued with the outcome
    done = await svc.retry_unprovisioned(bot.sessionmaker, provisioning(bot), now=bot.clock.now,
                                         notices=access_notices(bot))
    for request_id, _outcome in done:
        req, _ = await load_access(bot, request_id)
        if req is None:
            continue
        role_state = await ensure_role(bot, req.discord_id, req.id)
        await refresh_access_card(bot, request_id, role_state)
    if done:
        bot.outbox.kick()
    return reminders



async def approvals_job(bot: VentasOpsBot) -> None:
    """The scheduler's «aprobaciones» job: reminders after APPROVAL_REMINDER_HOURS, provisioning retries."""
    await run_access_tick(bot, after_hours=bot.settings.approval_reminder_hours)
