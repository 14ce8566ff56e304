"""What the access and billing requests share: the KAM role, the HubSpot steps of an answer, the
reason modal, and what the access requests' DMs name (:func:`access_notices`). The requesters' DMs
of both kinds are queued in the outbox by their services, with the decision they report."""

from __future__ import annotations

import logging
import re
from typing import ClassVar

import discord

from bot import permissions
from bot.app import VentasOpsBot
from bot.cards.access import provisioning, when_label
from bot.domain.text import md
from bot.domain.validation import clean_user_text
from bot.errors import UserError
from bot.services import access as svc
from bot.texts import access as T
from bot.ui import PersistentModal
from db.models import Approval

log = logging.getLogger(__name__)



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

    async def submit(self, interaction: discord.Interaction[VentasOpsBot]) -> None:

        reason = clean_user_text(str(self.reason.value or ""))
        if not reason:
            raise UserError(T.REASON_REQUIRED)
        # the decision waits for the write lock behind other clicks: acknowledge within Discord's 3 s first
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.apply(interaction, reason)

    async def apply(self, interaction: discord.Interaction[VentasOpsBot], reason: str) -> None:
        raise NotImplementedError


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



def already_text(bot: VentasOpsBot, approval: Approval) -> str:
    return T.ALREADY_DECIDED.format(
        who=md(approval.decided_by_name or "—"),
        when=when_label(bot, approval.decided_at),
        outcome=T.OUTCOME.get(approval.status, approval.status),
    )



def hs_steps(outcome: svc.ProvisionOutcome | None) -> list[str]:
    if outcome is None:
        return []
    if outcome.ok:
        how = T.HS_HOW_CREATED if outcome.created else T.HS_HOW_LINKED
        return [T.APPROVED_STEPS_HS_OK.format(user_id=outcome.user_id, how=how)]
    return [T.APPROVED_STEPS_HS_FAIL.format(error=outcome.error)]



def access_notices(bot: VentasOpsBot) -> svc.Notices:
    """What the requester's DMs name (queued by :mod:`bot.services.access` with each change)."""
    s = bot.settings
    return svc.Notices(role_kam=s.role_kam, sales_channel=s.sales_channel, provisioning=provisioning(bot) is not None)
