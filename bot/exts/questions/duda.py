"""/duda, the question card («Responder», «Agregar a preguntas frecuentes»), «No resolvió mi duda» and
the questions' SLA tick. The rules live in :mod:`bot.services.questions`; this is the Discord side.

Buttons are ``DynamicItem``s (``duda:<action>:<id>``) and the answer modal is a
:class:`bot.ui.PersistentModal` (``duda-resp:<id>``, routed by :mod:`bot.modals`): every click and
submission re-reads the question from the database, so all of them keep working after a restart.
Cards are posted with a stable nonce (``question-card-<id>``) and adopted from the channel's history
like every other card (:func:`bot.notify.send_card`).
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta, tzinfo
from typing import Any, ClassVar

import discord
from discord import app_commands

from bot import permissions
from bot.app import VentasOpsBot
from bot.domain.cards import CardKey
from bot.domain.dates import format_datetime
from bot.domain.enums import QuestionStatus
from bot.domain.faq_search import asks_sales_to_sell
from bot.domain.text import md, truncate
from bot.domain.validation import clean_user_text
from bot.errors import UserCheckFailure, UserError
from bot.faq_render import hits_embed, sell_for_me_embed
from bot.guards import actor_of, require_role
from bot.interactions import reply_channel, send_ephemeral
from bot.notify import CardPasses, CardsCog, RecentCards, card_message, send_card
from bot.services import questions as svc
from bot.services.referrals import role_label
from bot.texts import questions as T
from bot.ui import ActionButton, PersistentModal
from db.models import FaqEntry, Question

log = logging.getLogger(__name__)
TOPIC_CHOICES = [app_commands.Choice(name=label, value=key) for key, label in T.TOPIC_LABELS.items()]
CARD_GRACE = timedelta(minutes=2)  # a fresh card's own post may still be on its way


# --- the card -----------------------------------------------------------------------------------
def card_embed(bot: VentasOpsBot, q: Question, faq: FaqEntry | None) -> discord.Embed:
    s = bot.settings
    colour = discord.Colour.green() if q.status == QuestionStatus.RESPONDIDA else discord.Colour.gold()
    e = discord.Embed(title=T.CARD_TITLE.format(qid=q.id, topic=svc.topic_label(q.topic)),
                      description=truncate(md(q.text), 3000), colour=colour)
    e.add_field(name=T.FIELD_ASKER, value=f"<@{q.asker_discord_id}>", inline=True)
    e.add_field(name=T.FIELD_FOR, value=role_label(svc.topic_role(s, q.topic)), inline=True)
    if q.status == QuestionStatus.RESPONDIDA and q.answered_at is not None:
        who = f"<@{q.answered_by_discord_id}>" if q.answered_by_discord_id else md(q.answered_by_name or "")
        status = T.STATUS_ANSWERED.format(who=who, when=format_datetime(q.answered_at, bot.settings.tz))
    else:
        due = svc.deadline(q, s.question_sla_hours, s.tz)
        late = due is not None and bot.clock.now() >= due
        status = (T.STATUS_OPEN_LATE if late else T.STATUS_OPEN).format(deadline=format_datetime(due, bot.settings.tz) if due else "—")
    e.add_field(name=T.FIELD_STATUS, value=status, inline=False)
    if q.answer:
        e.add_field(name=T.FIELD_ANSWER, value=truncate(md(q.answer), 1024), inline=False)
    if faq is not None:
        e.add_field(name=T.FIELD_FAQ, value=T.IN_FAQ.format(faq_id=faq.id), inline=False)
    e.set_footer(text=T.CARD_FOOTER.format(when=format_datetime(q.posted_at or q.created_at, bot.settings.tz)))
    return e


class QuestionButton(ActionButton, template=r"duda:(?P<action>publicar|responder|faq):(?P<id>\d+)"):
    PREFIX = "duda"
    LABELS: ClassVar[dict[str, tuple[str, discord.ButtonStyle]]] = {
        "publicar": (T.BTN_NOT_SOLVED, discord.ButtonStyle.secondary),
        "responder": (T.BTN_ANSWER, discord.ButtonStyle.primary),
        "faq": (T.BTN_FAQ, discord.ButtonStyle.secondary),
    }

    async def handle(self, interaction: discord.Interaction[VentasOpsBot]) -> None:
        handler = {"publicar": on_publish, "responder": on_answer_click, "faq": on_faq_click}[self.action]
        await handler(interaction, self.target_id)


def card_view(q: Question, faq: FaqEntry | None) -> discord.ui.View | None:
    view = discord.ui.View(timeout=None)
    if q.status == QuestionStatus.ABIERTA:
        view.add_item(QuestionButton("responder", q.id))
    elif q.status == QuestionStatus.RESPONDIDA and faq is None:
        view.add_item(QuestionButton("faq", q.id))
    return view if view.children else None


async def _load(bot: VentasOpsBot, qid: int) -> tuple[Question, FaqEntry | None] | None:
    async with bot.sessionmaker() as session:
        q = await svc.get(session, qid)
        return (q, await svc.faq_of(session, qid)) if q is not None else None


async def post_card(bot: VentasOpsBot, qid: int, fallback: discord.abc.Messageable | None = None,
                    recent: RecentCards | None = None) -> bool:
    """Post the question's card (stable nonce; with ``recent``, adopted from the channel's history when a
    crash left it unrecorded): True when it is posted."""
    loaded = await _load(bot, qid)
    channel = bot.sales_channel() or fallback
    if loaded is None or channel is None:
        return False
    q, faq = loaded
    if q.card_message_id:
        return True
    kwargs: dict[str, Any] = {"embed": card_embed(bot, q, faq)}
    if (view := card_view(q, faq)) is not None:
        kwargs["view"] = view
    content = T.CARD_CONTENT.format(role=role_label(svc.topic_role(bot.settings, q.topic)))
    return await send_card(bot, channel, CardKey("question", QuestionButton.PREFIX, qid),
                           lambda s, c, m: svc.set_card(s, qid, c, m), recent=recent, content=content, **kwargs)


async def _card_message(bot: VentasOpsBot, q: Question) -> discord.PartialMessage | None:
    if not q.card_channel_id or not q.card_message_id:
        return None
    channel = bot.get_channel(q.card_channel_id)
    if channel is None:
        try:
            channel = await bot.fetch_channel(q.card_channel_id)
        except discord.HTTPException:
            log.warning("Card channel %s of question %s not found", q.card_channel_id, q.id)
            return None
    msg = card_message(channel, q.card_message_id)
    if msg is None:
        log.warning("Card channel %s of question %s has no messages", q.card_channel_id, q.id)
    return msg


async def refresh_card(bot: VentasOpsBot, qid: int) -> None:
    loaded = await _load(bot, qid)
    if loaded is None:
        return
    q, faq = loaded
    msg = await _card_message(bot, q)
    if msg is None:
        return
    try:
        await msg.edit(embed=card_embed(bot, q, faq), view=card_view(q, faq), allowed_mentions=discord.AllowedMentions.none())
    except discord.HTTPException as exc:
        log.warning("Could not edit the card of question %s: %s", qid, exc)


# --- clicks and the answer modal ------------------------------------------------------------------
async def _question(bot: VentasOpsBot, qid: int) -> Question:
    async with bot.sessionmaker() as session:
        q = await svc.get(session, qid)
    if q is None:
        raise UserError(T.QUESTION_GONE.format(qid=qid))
    return q


async def on_publish(interaction: discord.Interaction[VentasOpsBot], qid: int) -> None:
    """«No resolvió mi duda»: post the question for its role (only the asker; once)."""
    bot = interaction.client
    q = await _question(bot, qid)
    if q.asker_discord_id != interaction.user.id:
        raise UserError(T.NOT_YOURS)
    await interaction.response.defer(ephemeral=True, thinking=True)
    async with bot.sessionmaker() as session:
        _published, changed = await svc.publish(session, qid, actor=actor_of(interaction.user), now=bot.clock.now())
        await session.commit()
    if not changed:
        await send_ephemeral(interaction, T.ALREADY_POSTED.format(qid=qid))
        return
    await send_ephemeral(interaction, await _after_posted(bot, qid, reply_channel(interaction), T.POSTED))


async def _after_posted(bot: VentasOpsBot, qid: int, fallback: discord.abc.Messageable | None, template: str) -> str:
    async with bot.sessionmaker() as session:
        q = await svc.get(session, qid)
    assert q is not None
    text = template.format(qid=qid, role=role_label(svc.topic_role(bot.settings, q.topic)))
    if not await post_card(bot, qid, fallback=fallback):
        text += "\n" + T.POST_FAILED.format(qid=qid)
    return text


def _answered_text(q: Question, tz: tzinfo) -> str:
    who = f"<@{q.answered_by_discord_id}>" if q.answered_by_discord_id else md(q.answered_by_name or "")
    return T.ALREADY_ANSWERED.format(qid=q.id, who=who, when=format_datetime(q.answered_at, tz) if q.answered_at else "—")


async def _require_answerer(interaction: discord.Interaction[VentasOpsBot], q: Question) -> None:
    s = interaction.client.settings
    await require_role(interaction, svc.topic_role(s, q.topic), s.role_admin, action=f"duda:responder:{q.id}")


class AnswerModal(PersistentModal, template=r"duda-resp:(?P<id>\d+)"):
    """«Responder»: the answer (re-reads the question on submit: a second answerer is told who answered
    first, and nothing changes)."""

    def __init__(self, qid: int) -> None:
        super().__init__(title=T.MODAL_TITLE.format(qid=qid)[:45], custom_id=f"duda-resp:{qid}")
        self.qid = qid
        self.answer: discord.ui.TextInput[AnswerModal] = discord.ui.TextInput(
            label=T.MODAL_ANSWER_LABEL, style=discord.TextStyle.paragraph, placeholder=T.MODAL_ANSWER_PLACEHOLDER,
            min_length=2, max_length=T.ANSWER_MAX, required=True, custom_id="respuesta")
        self.add_item(self.answer)

    @classmethod
    def from_match(cls, match: re.Match[str]) -> AnswerModal:
        return cls(int(match["id"]))

    async def submit(self, interaction: discord.Interaction[VentasOpsBot]) -> None:
        await on_answer_submit(interaction, self.qid, str(self.answer.value or ""))


async def on_answer_click(interaction: discord.Interaction[VentasOpsBot], qid: int) -> None:
    bot = interaction.client
    q = await _question(bot, qid)
    await _require_answerer(interaction, q)
    if q.status == QuestionStatus.RESPONDIDA:
        raise UserError(_answered_text(q, bot.settings.tz))
    if q.status != QuestionStatus.ABIERTA:
        raise UserError(T.NOT_OPEN.format(qid=qid))
    await AnswerModal(qid).open(interaction)


async def on_answer_submit(interaction: discord.Interaction[VentasOpsBot], qid: int, value: str) -> None:
    bot = interaction.client
    q = await _question(bot, qid)
    await _require_answerer(interaction, q)  # again: roles may have changed since the click
    text = clean_user_text(value, "respuesta", T.ANSWER_MAX)
    if not text:
        raise UserError(T.ANSWER_REQUIRED)
    await interaction.response.defer(ephemeral=True, thinking=True)
    async with bot.sessionmaker() as session:
        answered, changed = await svc.answer(session, qid, actor=actor_of(interaction.user), text=text, now=bot.clock.now())
        await session.commit()
    assert answered is not None
    if not changed:
        await send_ephemeral(interaction, _answered_text(answered, bot.settings.tz) if answered.status == QuestionStatus.RESPONDIDA
                             else T.NOT_OPEN.format(qid=qid))
        return
    await send_ephemeral(interaction, T.ANSWERED_ACK.format(qid=qid))
    bot.outbox.kick()  # the asker's DM and the reply under the card, queued with the answer
    await refresh_card(bot, qid)


async def on_faq_click(interaction: discord.Interaction[VentasOpsBot], qid: int) -> None:
    bot = interaction.client
    await require_role(interaction, bot.settings.role_admin, action=f"duda:faq:{qid}")
    await interaction.response.defer(ephemeral=True, thinking=True)
    async with bot.sessionmaker() as session:
        entry, created = await svc.add_to_faq(session, qid, actor=actor_of(interaction.user), now=bot.clock.now())
        await session.commit()
    if entry is None:
        raise UserError(T.FAQ_NEEDS_ANSWER.format(qid=qid))
    await send_ephemeral(interaction, (T.FAQ_ADDED if created else T.FAQ_ALREADY).format(qid=qid, faq_id=entry.id))
    await refresh_card(bot, qid)


# --- the periodic tick ----------------------------------------------------------------------------
async def run_questions_tick(bot: VentasOpsBot) -> svc.SlaResult:
    """Remind and escalate questions past the SLA (once each), post cards and answer replies Discord
    refused earlier, deliver the resulting posts and DMs. Idempotent."""
    s = bot.settings
    now = bot.clock.now()
    guild = bot.guild
    role = permissions.find_role(guild, s.role_admin) if guild else None
    admin_ids = [m.id for m in role.members] if role is not None else []
    async with bot.sessionmaker() as session:
        res = await svc.process_sla(session, now, sla_hours=s.question_sla_hours, tz=s.tz,
                                    role_for=lambda topic: svc.topic_role(s, topic), admin_role=s.role_admin,
                                    admin_ids=admin_ids, guild_id=s.discord_guild_id)
        await session.commit()
    for qid in (*res.reminded, *res.escalated):
        await refresh_card(bot, qid)
    async with bot.sessionmaker() as session:
        await svc.queue_missing_replies(session, now - CARD_GRACE, now)
        await session.commit()
    try:
        await bot.outbox.flush()
    except Exception:  # the worker retries
        log.exception("Outbox flush after the questions tick failed")
    return res


# --- the cog --------------------------------------------------------------------------------------
class Questions(CardsCog):
    CARDS = CardPasses("question", QuestionButton.PREFIX, svc.without_card, post_card, svc.recorded_cards)

    @app_commands.command(name="duda", description=T.CMD_DUDA)
    @app_commands.describe(pregunta=T.OPT_QUESTION, tema=T.OPT_TOPIC, publicar=T.OPT_POST)
    @app_commands.choices(tema=TOPIC_CHOICES)
    async def duda(
        self,
        interaction: discord.Interaction[VentasOpsBot],
        pregunta: app_commands.Range[str, 1, 4000],
        tema: app_commands.Choice[str] | None = None,
        publicar: bool = False,
    ) -> None:
        bot = self.bot
        try:
            await require_role(interaction, bot.settings.role_kam, bot.settings.role_admin, action="duda")
        except UserCheckFailure:
            raise UserError(T.NOT_KAM.format(role=bot.settings.role_kam)) from None
        text = clean_user_text(pregunta, "pregunta", T.QUESTION_MAX, required=True)
        if asks_sales_to_sell(text):
            await send_ephemeral(interaction, None, embed=sell_for_me_embed(bot.settings))
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        topic = tema.value if tema else "otro"
        async with bot.sessionmaker() as session:
            asked = await svc.ask(session, actor=actor_of(interaction.user), topic=topic, text=text,
                                  now=bot.clock.now(), post_now=publicar)
            await session.commit()
        qid = asked.question.id
        if asked.posted:
            template = T.POSTED if publicar else T.POSTED_NO_HITS
            await send_ephemeral(interaction, await _after_posted(bot, qid, reply_channel(interaction), template))
            return
        role = role_label(svc.topic_role(bot.settings, topic))
        view = discord.ui.View(timeout=None)
        view.add_item(QuestionButton("publicar", qid))
        await interaction.followup.send(embed=hits_embed(T.FOUND_TITLE, asked.hits, T.FOUND_INTRO.format(role=role)),
                                        view=view, ephemeral=True, allowed_mentions=discord.AllowedMentions.none())


async def setup(bot: VentasOpsBot) -> None:
    bot.add_dynamic_items(QuestionButton)
    bot.modals.add(AnswerModal)
    cog = Questions(bot)
    await bot.add_cog(cog)
    bot.card_reposts["question"] = cog.repost_cards
    bot.job_bodies["dudas"] = run_questions_tick


async def teardown(bot: VentasOpsBot) -> None:
    bot.remove_dynamic_items(QuestionButton)
    bot.modals.remove(AnswerModal)
    bot.card_reposts.pop("question", None)
    bot.job_bodies.pop("dudas", None)
