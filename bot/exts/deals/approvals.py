"""Approving and rejecting a deal from its card: the clicks, the reject-reason modal and what follows
a decision (the card redrawn, the outbox kicked). The rules live in :mod:`bot.services.deals`; the KAM's
DMs about a decision are written and queued by :func:`bot.services.deals.decide` (the same call for the
web panel), and the outbox worker delivers them."""

from __future__ import annotations

import logging
import re

import discord

from bot.app import VentasOpsBot
from bot.cards.deal import after_decision, when_label
from bot.domain.enums import ApprovalKind, ApprovalStatus, DealStatus
from bot.domain.text import md
from bot.domain.validation import clean_user_text
from bot.errors import UserError
from bot.guards import actor_of, require_role
from bot.interactions import send_ephemeral
from bot.services import deals as svc
from bot.texts import deals as T
from bot.ui import PersistentModal
from db.models import Approval

log = logging.getLogger(__name__)


def role_for(bot: VentasOpsBot, kind: str) -> str:
    s = bot.settings
    roles: dict[str, str] = {ApprovalKind.AUDITORIA: s.role_audit, ApprovalKind.COO: s.role_coo,
                             ApprovalKind.ATRIBUCION: s.role_admin}
    return roles[kind]



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

    async def submit(self, interaction: discord.Interaction[VentasOpsBot]) -> None:

        bot = interaction.client
        kind = svc.ACTIONS[self.action][0]
        # the role is checked again: the modal could be submitted by a stale client
        await require_role(interaction, role_for(bot, kind), action=f"deal:{self.action}")
        reason = clean_user_text(str(self.reason.value or ""))
        if not reason:
            raise UserError(T.REASON_REQUIRED)
        # the decision waits for the write lock behind other clicks: acknowledge within Discord's 3 s first
        await interaction.response.defer(ephemeral=True, thinking=True)
        await apply_decision(interaction, self.action, self.deal_id, reason)



def _already_text(bot: VentasOpsBot, a: Approval) -> str:
    return T.ALREADY_DECIDED.format(
        who=md(a.decided_by_name or T.NOT_SET),
        when=when_label(bot, a.decided_at),
        outcome=T.OUTCOME.get(a.status, a.status),
    )



async def handle_click(interaction: discord.Interaction[VentasOpsBot], action: str, deal_id: int) -> None:
    bot = interaction.client
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



async def apply_decision(interaction: discord.Interaction[VentasOpsBot], action: str, deal_id: int, reason: str | None) -> None:
    bot = interaction.client
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
    await after_decision(bot, decision)
