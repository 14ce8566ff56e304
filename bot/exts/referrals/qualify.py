"""Qualifying a referred lead from its card (bueno / malo with a reason / vendido). The lead state
rule lives in :mod:`bot.services.referrals`."""

from __future__ import annotations

import logging
import re
from datetime import tzinfo

import discord

from bot.app import VentasOpsBot
from bot.cards.lead import refresh_card
from bot.domain.dates import format_datetime
from bot.domain.enums import LeadStatus
from bot.domain.money import format_cop
from bot.domain.validation import clean_user_text
from bot.errors import UserError
from bot.guards import actor_of, require_role
from bot.interactions import send_ephemeral
from bot.services import referrals as svc
from bot.texts import referrals as T
from bot.ui import PersistentModal
from db.models import Lead

log = logging.getLogger(__name__)


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

    async def submit(self, interaction: discord.Interaction[VentasOpsBot]) -> None:
        bot = interaction.client
        await require_role(interaction, bot.settings.role_profiler, action="lead:malo")
        reason = clean_user_text(str(self.reason.value or ""), "motivo", 500)
        if len(reason) < 3:
            raise UserError(T.REASON_REQUIRED)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await apply_qualification(interaction, self.lead_id, LeadStatus.MALO, reason)



def _already_text(lead: Lead, tz: tzinfo) -> str:
    who = f"<@{lead.qualified_by_discord_id}>" if lead.qualified_by_discord_id else T.WHO_SYSTEM
    when = format_datetime(lead.qualified_at, tz) if lead.qualified_at else T.NOT_SET
    return T.ALREADY.format(lead_id=lead.id, status=T.STATUS_WORD.get(lead.status, lead.status), who=who, when=when)



def _refusal(lead: Lead, target: str, tz: tzinfo) -> str | None:
    """Why the lead cannot go to ``target`` now, or None when it can."""
    if lead.status in svc.ALLOWED_FROM[target]:
        return None
    if lead.status == target or lead.status in (LeadStatus.MALO, LeadStatus.VENDIDO):
        return _already_text(lead, tz)
    return T.NOT_ALLOWED.format(lead_id=lead.id, status=T.STATUS_WORD.get(lead.status, lead.status),
                                target=T.STATUS_WORD[target])



async def handle_click(interaction: discord.Interaction[VentasOpsBot], action: str, lead_id: int) -> None:
    bot = interaction.client
    await require_role(interaction, bot.settings.role_profiler, action=f"lead:{action}")
    async with bot.sessionmaker() as session:
        lead = await session.get(Lead, lead_id)
    if lead is None:
        raise UserError(T.LEAD_GONE.format(lead_id=lead_id))
    refusal = _refusal(lead, action, bot.settings.tz)
    if refusal is not None:
        await send_ephemeral(interaction, refusal)
        return
    if action == LeadStatus.MALO:
        await BadReasonModal(lead_id).open(interaction)
        return
    await interaction.response.defer(ephemeral=True, thinking=True)
    await apply_qualification(interaction, lead_id, action, None)



async def apply_qualification(interaction: discord.Interaction[VentasOpsBot], lead_id: int, target: str, reason: str | None) -> None:
    bot = interaction.client
    s = bot.settings
    async with bot.sessionmaker() as session:
        q = await svc.qualify(session, lead_id, target, actor=actor_of(interaction.user), now=bot.clock.now(),
                              good=s.lead_reward_good, sold=s.lead_reward_sold, reason=reason)
        await session.commit()
    if q.lead is None:
        raise UserError(T.LEAD_GONE.format(lead_id=lead_id))
    if not q.changed:
        await send_ephemeral(interaction, _refusal(q.lead, target, s.tz) or _already_text(q.lead, s.tz))
        return
    await send_ephemeral(interaction, T.QUALIFIED_ACK.format(lead_id=lead_id, status=T.STATUS_WORD[target],
                                                             reward=format_cop(q.reward)))
    bot.outbox.kick()
    await refresh_card(bot, lead_id)
