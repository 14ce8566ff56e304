"""Approving and rejecting a deal from its card: the clicks, the reject-reason modal and the DMs to
the KAM. The rules live in :mod:`bot.services.deals`."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

import discord
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import VentasOpsBot
from bot.interactions import send_ephemeral
from bot.cards.deal import refresh_card, when_label
from bot.domain.money import format_cop
from bot.errors import UserError
from bot.guards import actor_of, require_role
from bot.services import deals as svc
from bot.services import outbox as ob
from bot.texts import deals as T
from bot.ui import PersistentModal
from bot.domain.validation import clean_user_text

log = logging.getLogger(__name__)


def role_for(bot: VentasOpsBot, kind: str) -> str:
    s = bot.settings
    return {svc.K_AUDIT: s.role_audit, svc.K_COO: s.role_coo, svc.K_ATTRIBUTION: s.role_admin}[kind]



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

    async def on_submit(self, interaction: discord.Interaction[VentasOpsBot]) -> None:  # type: ignore[override]

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



def _already_text(bot: VentasOpsBot, a: Any) -> str:
    return T.ALREADY_DECIDED.format(
        who=svc.escape(a.decided_by_name or T.NOT_SET),
        when=when_label(bot, a.decided_at),
        outcome=T.OUTCOME.get(a.status, a.status),
    )



async def handle_click(interaction: discord.Interaction[VentasOpsBot], action: str, deal_id: int) -> None:
    bot = interaction.client
    kind, approve = svc.ACTIONS[action]
    await require_role(interaction, role_for(bot, kind), action=f"deal:{action}")
    opens_modal = not approve and kind != svc.K_ATTRIBUTION
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
    if approval.status != svc.A_PENDING:
        await send_ephemeral(interaction, _already_text(bot, approval))
        return
    if deal.status != svc.PENDING:
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
        decision = await svc.decide(session, deal_id, action, actor=actor_of(interaction.user), now=now, reason=reason)
        if decision.decided:
            # the KAM's DMs go to the outbox in the decision's own transaction: a crash or a Discord
            # failure after the commit cannot lose them (the outbox worker delivers them)
            await queue_decision_dms(session, decision, kind, now)
        await session.commit()
    if not decision.decided:
        await send_ephemeral(interaction, _already_text(bot, decision.approval))
        return
    kind_label = T.KIND_LABELS.get(kind, kind)
    other_id = decision.other_deal.id if decision.other_deal else None
    if kind == svc.K_ATTRIBUTION:
        ack = (T.ATTR_NEW_ACK if approve else T.ATTR_KEEP_ACK).format(deal_id=deal_id, other_id=other_id)
    else:
        ack = T.DECIDED_ACK.format(subject=T.DECISION_SUBJECTS.get(kind, kind_label), deal_id=deal_id,
                                   outcome=T.OUTCOME[decision.approval.status])
    await send_ephemeral(interaction, ack)
    await refresh_card(bot, deal_id)
    if decision.other_deal is not None:
        await refresh_card(bot, decision.other_deal.id)
    bot.outbox.kick()  # after the cards: the KAM reads the DM with the card already up to date



def decision_dms(decision: svc.Decision, kind: str, v: svc.DealView, other: svc.DealView | None) -> list[tuple[int, str]]:
    """(discord id, text) of each DM a decision sends to the KAMs concerned."""
    client = svc.escape(v.client.name)
    kind_label = T.KIND_LABELS.get(kind, kind)
    hs = v.deal.hubspot_deal_id or ""
    out: list[tuple[int, str]] = []
    if kind == svc.K_ATTRIBUTION:
        winner, loser = (v, other) if decision.approve else (other, v)
        if winner is not None:
            out.append((winner.member.discord_id, T.DM_ATTR_WON.format(hubspot_id=hs, deal_id=winner.deal.id)))
        if loser is not None:
            out.append((loser.member.discord_id, T.DM_ATTR_LOST.format(
                hubspot_id=hs, deal_id=loser.deal.id, status=T.STATUS_STATES.get(loser.deal.status, loser.deal.status))))
        if decision.earned and winner is v:
            out.append((v.member.discord_id, T.DM_EARNED.format(
                deal_id=v.deal.id, client=client, commission=format_cop(decision.earned))))
    elif decision.rejected:
        out.append((v.member.discord_id, T.DM_REJECTED.format(
            deal_id=v.deal.id, client=client, who=T.APPROVERS_AFTER_BY.get(kind, kind_label),
            reason=svc.escape(decision.approval.reason or ""))))
    elif decision.earned:
        out.append((v.member.discord_id, T.DM_EARNED.format(
            deal_id=v.deal.id, client=client, commission=format_cop(decision.earned))))
    else:
        out.append((v.member.discord_id, T.DM_APPROVED_STEP.format(
            who=T.APPROVERS.get(kind, kind_label), deal_id=v.deal.id, client=client)))
    return out


async def queue_decision_dms(session: AsyncSession, decision: svc.Decision, kind: str, now: datetime) -> None:
    """Queue the decision's DMs in the caller's transaction; one key per decided approval, so each
    DM is delivered once."""
    v = await svc.load_view(session, decision.deal.id)
    other = await svc.load_view(session, decision.other_deal.id) if decision.other_deal else None
    if v is None:
        return
    for n, (user_id, text) in enumerate(decision_dms(decision, kind, v, other)):
        await ob.enqueue(session, f"decision:{decision.approval.id}:{n}", content=text, user_id=user_id, now=now)
