"""The questions channel (``/duda``): search the rules and the FAQ, post what they do not answer for
the role of its topic, answer once, remind and escalate past the SLA, keep good answers as FAQ.

Use cases take an ``AsyncSession`` and never commit: the caller owns the transaction, so each change,
its audit row and its outbox messages (DMs, reminders) land together. State changes are conditional
UPDATEs, so of two concurrent answers exactly one wins.

Statuses: ``consulta`` (the search was shown; nothing posted), ``abierta`` (posted, waiting for an
answer; the SLA runs from ``posted_at``), ``respondida``.
"""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import String, cast, exists, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.dates import format_datetime
from bot.domain.enums import QuestionStatus
from bot.domain.faq_search import Doc, Hit, Index, add_business_hours, top_counts
from bot.domain.text import md, truncate
from bot.services import outbox as ob
from bot.services.referrals import role_label
from bot.texts import questions as T
from bot.texts.rules_corpus import RULES
from db.audit import Actor, record
from db.engine import rowcount
from db.models import FaqEntry, OutboxMessage, Question

TOPICS = tuple(T.TOPIC_LABELS)
RULE_DOCS: tuple[Doc, ...] = tuple(Doc(f"regla:{r.slug}", r.title, r.text, r.keywords) for r in RULES)


def topic_label(topic: str) -> str:
    return T.TOPIC_LABELS.get(topic, topic)


class _TopicRoles(Protocol):
    """The settings this module reads (:class:`bot.config.Settings` has them)."""

    @property
    def role_sales_help(self) -> str: ...
    @property
    def role_admin(self) -> str: ...
    @property
    def role_renewals(self) -> str: ...
    @property
    def role_profiler(self) -> str: ...


def topic_role(settings: _TopicRoles, topic: str) -> str:
    """The role (setting) that answers a topic."""
    s = settings
    return {
        "proceso": s.role_sales_help,
        "hubspot": s.role_sales_help,
        "comisiones": s.role_admin,
        "renovaciones": s.role_renewals,
        "referidos": s.role_profiler,
    }.get(topic, s.role_admin)


# --- search -----------------------------------------------------------------------------------------
def faq_doc(entry: FaqEntry) -> Doc:
    return Doc(f"faq:{entry.id}", entry.question[:300], entry.answer, topic_label(entry.topic))


_index_cache: dict[str, tuple[int, Index]] = {}


async def search(session: AsyncSession, text: str, limit: int = 3) -> list[Hit]:
    """The best rules and FAQ entries for ``text`` (accent-, case- and typo-insensitive), best first.
    The index is rebuilt only when the FAQ entries changed (bench/faq_search.py)."""
    faqs = list((await session.execute(
        select(FaqEntry).where(FaqEntry.active.is_(True)).order_by(FaqEntry.id))).scalars())
    key = hash(tuple((e.id, e.topic, e.question, e.answer) for e in faqs))
    cached = _index_cache.get("index")
    if cached is None or cached[0] != key:
        docs = [*RULE_DOCS, *(faq_doc(e) for e in faqs)]
        cached = (key, await asyncio.to_thread(Index, docs))  # ~0.5 s of CPU with 1,000 entries: off the loop
        _index_cache["index"] = cached
    return cached[1].search(text, limit=limit)


# --- asking -------------------------------------------------------------------------------------------
@dataclass(slots=True)
class Asked:
    question: Question
    hits: list[Hit] = field(default_factory=list)

    @property
    def posted(self) -> bool:
        return self.question.status == QuestionStatus.ABIERTA


async def ask(
    session: AsyncSession, *, actor: Actor, topic: str, text: str, now: datetime, post_now: bool = False
) -> Asked:
    """Store the question; search first unless ``post_now``. It is posted (``abierta``) when asked to or
    when the search finds nothing, else kept as ``consulta`` with the keys of what was shown."""
    if topic not in TOPICS:
        topic = "otro"
    hits = [] if post_now else await search(session, text)
    q = Question(asker_discord_id=actor.discord_id, asker_name=actor.name[:200], topic=topic, text=text,
                 status=QuestionStatus.CONSULTA if hits else QuestionStatus.ABIERTA, shown={"keys": [h.doc.key for h in hits]},
                 created_at=now, posted_at=None if hits else now)
    session.add(q)
    await session.flush()
    record(session, actor, "duda.crear", "question", q.id,
           after={"topic": topic, "status": q.status, "shown": q.shown["keys"] if q.shown else []})
    return Asked(q, hits)


async def publish(session: AsyncSession, qid: int, *, actor: Actor, now: datetime) -> tuple[Question | None, bool]:
    """«No resolvió mi duda»: ``consulta`` → ``abierta`` once, by the asker only (checked by the caller)."""
    res = await session.execute(
        update(Question).where(Question.id == qid, Question.status == QuestionStatus.CONSULTA)
        .values(status=QuestionStatus.ABIERTA, posted_at=now).execution_options(synchronize_session=False)
    )
    q = await session.get(Question, qid, populate_existing=True)
    if rowcount(res) != 1 or q is None:
        return q, False
    record(session, actor, "duda.publicar", "question", qid, before={"status": QuestionStatus.CONSULTA}, after={"status": QuestionStatus.ABIERTA})
    return q, True


async def get(session: AsyncSession, qid: int) -> Question | None:
    return await session.get(Question, qid, populate_existing=True)


async def answer(
    session: AsyncSession, qid: int, *, actor: Actor, text: str, now: datetime
) -> tuple[Question | None, bool]:
    """Answer an open question once: store the answer, audit, and DM the asker (outbox)."""
    res = await session.execute(
        update(Question).where(Question.id == qid, Question.status == QuestionStatus.ABIERTA)
        .values(status=QuestionStatus.RESPONDIDA, answer=text, answered_by_discord_id=actor.discord_id,
                answered_by_name=actor.name[:200], answered_at=now)
        .execution_options(synchronize_session=False)
    )
    q = await session.get(Question, qid, populate_existing=True)
    if rowcount(res) != 1 or q is None:
        return q, False
    record(session, actor, "duda.responder", "question", qid, before={"status": QuestionStatus.ABIERTA},
           after={"status": QuestionStatus.RESPONDIDA, "answer": text[:500]})
    await ob.enqueue(session, f"duda-dm:{qid}", user_id=q.asker_discord_id, now=now, content=truncate(
        T.DM_ANSWER.format(qid=qid, topic=topic_label(q.topic), question=truncate(md(q.text), 500),
                           who=md(actor.name), answer=truncate(md(text), 1300)), 2000))
    await queue_reply(session, q, now)
    return q, True


def reply_key(qid: int) -> str:
    return f"duda-respuesta:{qid}"


async def queue_reply(session: AsyncSession, q: Question, now: datetime) -> None:
    """The answer as a reply to the question's card, queued in the caller's transaction (outbox: once,
    after a crash too); the answerer is named, never pinged."""
    who = f"<@{q.answered_by_discord_id}>" if q.answered_by_discord_id else md(q.answered_by_name or "")
    await ob.enqueue(session, reply_key(q.id), now=now, reply_to=ob.ReplyTo("question", q.id),
                     content=truncate(T.ANSWER_REPLY.format(who=who, qid=q.id, answer=md(q.answer or "")), 2000))


async def faq_of(session: AsyncSession, qid: int) -> FaqEntry | None:
    return (await session.execute(select(FaqEntry).where(FaqEntry.question_id == qid))).scalar_one_or_none()


async def add_to_faq(session: AsyncSession, qid: int, *, actor: Actor, now: datetime) -> tuple[FaqEntry | None, bool]:
    """Keep an answered question as an FAQ entry (once per question). ``(None, False)`` when it has no
    answer yet; ``(entry, False)`` when it already is one."""
    q = await session.get(Question, qid)
    if q is None or q.status != QuestionStatus.RESPONDIDA or not q.answer:
        return None, False
    existing = await faq_of(session, qid)
    if existing is not None:
        return existing, False
    entry = FaqEntry(topic=q.topic, question=q.text, answer=q.answer, question_id=qid,
                     created_by_discord_id=actor.discord_id, created_at=now)
    session.add(entry)
    await session.flush()
    record(session, actor, "faq.agregar", "faq", entry.id, after={"question_id": qid, "topic": q.topic})
    return entry, True


async def set_card(session: AsyncSession, qid: int, channel_id: int, message_id: int) -> None:
    await session.execute(update(Question).where(Question.id == qid)
                          .values(card_channel_id=channel_id, card_message_id=message_id))




async def recorded_cards(session: AsyncSession, qids: list[int]) -> dict[int, int | None]:
    """The stored card message id of each question."""
    q = select(Question.id, Question.card_message_id).where(Question.id.in_(qids))
    return {i: m for i, m in (await session.execute(q)).all()}


async def without_card(session: AsyncSession, older_than: datetime) -> list[int]:
    q = select(Question.id).where(Question.status.in_((QuestionStatus.ABIERTA, QuestionStatus.RESPONDIDA)), Question.card_message_id.is_(None),
                                  Question.posted_at <= older_than).order_by(Question.id).limit(50)
    return list((await session.execute(q)).scalars())


async def queue_missing_replies(session: AsyncSession, older_than: datetime, now: datetime) -> list[int]:
    """Answered questions whose reply is neither posted nor queued (answered by a version that posted
    it directly, and a crash or Discord's refusal came in between): queued now, in the caller's
    transaction. Their ids."""
    queued = exists().where(OutboxMessage.dedupe_key == literal("duda-respuesta:") + cast(Question.id, String))
    q = select(Question).where(Question.status == QuestionStatus.RESPONDIDA, Question.answer_message_id.is_(None),
                               Question.card_message_id.is_not(None), Question.answered_at <= older_than, ~queued)
    missing = list((await session.execute(q.order_by(Question.id).limit(50))).scalars())
    for question in missing:
        await queue_reply(session, question, now)
    return [question.id for question in missing]


# --- SLA ------------------------------------------------------------------------------------------------
def deadline(q: Question, sla_hours: int, tz: ZoneInfo) -> datetime | None:
    return add_business_hours(q.posted_at, sla_hours, tz) if q.posted_at else None


def card_url(guild_id: int, q: Question) -> str:
    if not q.card_channel_id or not q.card_message_id:
        return ""
    return T.CARD_LINK.format(url=f"https://discord.com/channels/{guild_id}/{q.card_channel_id}/{q.card_message_id}")


async def _mark_once(session: AsyncSession, qid: int, column: Any, now: datetime) -> bool:
    """Set an open question's ``column`` (reminded_at / escalated_at) if still empty: True for the one
    caller that did it."""
    res = await session.execute(update(Question).where(Question.id == qid, Question.status == QuestionStatus.ABIERTA, column.is_(None))
                                .values({column.key: now}).execution_options(synchronize_session=False))
    return rowcount(res) == 1


@dataclass(slots=True)
class SlaResult:
    reminded: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)


async def process_sla(
    session: AsyncSession,
    now: datetime,
    *,
    sla_hours: int,
    tz: ZoneInfo,
    role_for: Callable[[str], str],
    admin_role: str,
    admin_ids: Iterable[int] = (),
    guild_id: int = 0,
) -> SlaResult:
    """Open questions past ``sla_hours`` business hours are reminded to their role once; as long again
    after the reminder, escalated to the admins once (a channel post and a DM to each admin)."""
    out = SlaResult()
    admins = list(admin_ids)
    rows = (await session.execute(
        select(Question).where(Question.status == QuestionStatus.ABIERTA, Question.escalated_at.is_(None)).order_by(Question.id)
    )).scalars().all()
    for q in rows:
        if q.posted_at is None:
            continue
        when, topic, link = format_datetime(q.posted_at, tz), topic_label(q.topic), card_url(guild_id, q)
        if q.reminded_at is None:
            if now < add_business_hours(q.posted_at, sla_hours, tz):
                continue
            if not await _mark_once(session, q.id, Question.reminded_at, now):
                continue
            record(session, Actor.system("sla-dudas"), "duda.sla_recordar", "question", q.id,
                   after={"sla_hours": sla_hours, "posted_at": q.posted_at.isoformat()})
            await ob.enqueue(session, f"duda-sla:{q.id}", now=now, content=T.SLA_REMINDER.format(
                role=role_label(role_for(q.topic)), qid=q.id, topic=topic, hours=sla_hours, when=when, link=link))
            out.reminded.append(q.id)
            continue
        if now < add_business_hours(q.reminded_at, sla_hours, tz):
            continue
        if not await _mark_once(session, q.id, Question.escalated_at, now):
            continue
        record(session, Actor.system("sla-dudas"), "duda.sla_escalar", "question", q.id,
               after={"admins": admins, "reminded_at": q.reminded_at.isoformat()})
        owner = role_label(role_for(q.topic))
        await ob.enqueue(session, f"duda-escalar:{q.id}", now=now, content=T.SLA_ESCALATION.format(
            role=role_label(admin_role), qid=q.id, topic=topic, when=when, owner=owner, link=link))
        for admin_id in admins:
            await ob.enqueue(session, f"duda-escalar:{q.id}:{admin_id}", user_id=admin_id, now=now,
                             content=T.SLA_ESCALATION_DM.format(qid=q.id, topic=topic, when=when, owner=owner,
                                                                link=link))
        out.escalated.append(q.id)
    return out


# --- figures (/admin reporte) -----------------------------------------------------------------------
@dataclass(slots=True)
class Figures:
    asked: int
    self_served: int
    posted: int
    answered: int
    median_hours: float | None
    top_topics: list[tuple[str, int]]
    faq_hits: int


async def figures(session: AsyncSession, start: datetime, end: datetime) -> Figures:
    """Questions asked in [start, end): how many were served by the search alone, posted, answered, the
    median time from posting to answer, the top topics and how often an FAQ entry was shown."""
    rows = (await session.execute(
        select(Question).where(Question.created_at >= start, Question.created_at < end)
    )).scalars().all()
    answered = [q for q in rows if q.status == QuestionStatus.RESPONDIDA and q.answered_at and q.posted_at]
    waits = [(q.answered_at - q.posted_at) / timedelta(hours=1) for q in answered]  # type: ignore[operator]
    faq_hits = sum(1 for q in rows for k in (q.shown or {}).get("keys", []) if str(k).startswith("faq:"))
    return Figures(
        asked=len(rows),
        self_served=sum(1 for q in rows if q.status == QuestionStatus.CONSULTA),
        posted=sum(1 for q in rows if q.status != QuestionStatus.CONSULTA),
        answered=len(answered),
        median_hours=statistics.median(waits) if waits else None,
        top_topics=top_counts(q.topic for q in rows),
        faq_hits=faq_hits,
    )
