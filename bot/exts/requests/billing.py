"""/solicitar-proforma's clicks: the billing team marks a request done (with the file or link) or
rejects it; the requester is told and the deal card shows it. Rules in :mod:`bot.services.billing`.

The requester's DM and the reply on the deal card (the link and/or the PDF) are queued by the service
in the decision's transaction; the outbox delivers them (or, for the DM, a notice in the sales channel
when the requester's DMs are closed). The deal card's «Cobro» field is redrawn from the database."""

from __future__ import annotations

import logging
import re

import discord

from bot.app import VentasOpsBot
from bot.blocking import run_blocking
from bot.cards.billing import load_billing, refresh_billing_card
from bot.cards.deal import refresh_card
from bot.domain.enums import ApprovalStatus
from bot.domain.text import md
from bot.errors import UserError
from bot.exts.requests.common import ReasonModal, already_text
from bot.guards import actor_of, require_role
from bot.interactions import send_ephemeral
from bot.services import billing as bsvc
from bot.services import proofs
from bot.texts import access as T
from bot.ui import PersistentModal

log = logging.getLogger(__name__)


class BillingReasonModal(ReasonModal, template=r"bill-reason:(?P<id>\d+)"):
    PREFIX = "bill-reason"

    async def apply(self, interaction: discord.Interaction[VentasOpsBot], reason: str) -> None:
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

    async def submit(self, interaction: discord.Interaction[VentasOpsBot]) -> None:
        bot = interaction.client
        await require_role(interaction, bot.settings.role_hubspot_approver, action="bill:done")
        # decided while this modal was open (another approver, or before a restart): say who, keep the PDF out
        v = await load_billing(bot, self.request_id)
        if v is None or v.approval is None:
            raise UserError(T.REQUEST_GONE.format(request_id=self.request_id))
        if v.approval.status != ApprovalStatus.PENDIENTE:
            await send_ephemeral(interaction, already_text(bot, v.approval))
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


async def handle_billing_click(interaction: discord.Interaction[VentasOpsBot], action: str, request_id: int) -> None:
    bot = interaction.client
    await require_role(interaction, bot.settings.role_hubspot_approver, action=f"bill:{action}")
    v = await load_billing(bot, request_id)
    if v is None or v.approval is None:
        raise UserError(T.REQUEST_GONE.format(request_id=request_id))
    if v.approval.status != ApprovalStatus.PENDIENTE:
        await send_ephemeral(interaction, already_text(bot, v.approval))
        return
    if action == "done":
        await DoneModal(request_id).open(interaction)
    else:
        await BillingReasonModal(request_id).open(interaction)


async def decide_billing_click(
    interaction: discord.Interaction[VentasOpsBot], request_id: int, done: bool, *, url: str | None = None,
    note: str | None = None, reason: str | None = None, file_path: str | None = None,
) -> None:
    bot = interaction.client
    await require_role(interaction, bot.settings.role_hubspot_approver, action="bill:done" if done else "bill:no")
    actor = actor_of(interaction.user)
    async with bot.sessionmaker() as session:
        # the requester's DM (with the PDF, or the reason) is queued in the outbox with the decision
        d = await bsvc.decide_billing(
            session, request_id, done, actor=actor, now=bot.clock.now(), url=url, note=note, reason=reason,
            file_path=file_path, data_dir=bot.settings.data_dir,
        )
        await session.commit()
    if not d.decided:
        await send_ephemeral(interaction, already_text(bot, d.approval))
        return
    v = await load_billing(bot, request_id)
    assert v is not None
    r = v.request
    if done:
        await send_ephemeral(interaction, T.DONE_ACK.format(request_id=r.id, name=md(v.member.name)))
    else:
        await send_ephemeral(interaction, T.BILLING_REJECTED_ACK.format(request_id=r.id, name=md(v.member.name)))
    await refresh_billing_card(bot, request_id)
    if done:
        await refresh_card(bot, v.deal.id)  # its «Cobro» field
    bot.outbox.kick()  # the cards show the decision before the requester hears of it (and the card's reply)
