"""The questions service without Discord: answered once under concurrency, published once, FAQ only from
an answer, SLA marks once, figures."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.domain.enums import QuestionStatus
from bot.services import questions as svc
from db.audit import Actor
from db.models import AuditLog, OutboxMessage

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # Monday 10:00 Bogotá
BOG = ZoneInfo("America/Bogota")
ASKER = Actor(111, "Ana")


async def _posted(sessionmaker, text="¿Cómo cambio el propietario de un negocio?") -> int:
    async with sessionmaker() as s:
        asked = await svc.ask(s, actor=ASKER, topic="hubspot", text=text, now=NOW, post_now=True)
        await s.commit()
        return asked.question.id


async def test_two_concurrent_answers_exactly_one_wins(sessionmaker):
    qid = await _posted(sessionmaker)

    async def one(i: int) -> bool:
        async with sessionmaker() as s:
            _q, changed = await svc.answer(s, qid, actor=Actor(200 + i, f"Vendedor {i}"), text=f"respuesta {i}", now=NOW)
            await s.commit()
            return changed

    results = await asyncio.gather(*(one(i) for i in range(5)), return_exceptions=True)
    assert [r for r in results if r is True] == [True], results
    async with sessionmaker() as s:
        dms = list((await s.execute(select(OutboxMessage).where(OutboxMessage.target == "dm"))).scalars())
        answers = list((await s.execute(select(AuditLog).where(AuditLog.action == "duda.responder"))).scalars())
    assert len(dms) == 1 and dms[0].target_id == 111 and len(answers) == 1


async def test_publish_once_and_faq_only_after_an_answer(sessionmaker):
    async with sessionmaker() as s:
        asked = await svc.ask(s, actor=ASKER, topic="comisiones", text="cuanto es la comision", now=NOW)
        await s.commit()
    assert asked.question.status == QuestionStatus.CONSULTA and asked.hits
    qid = asked.question.id
    async with sessionmaker() as s:
        assert (await svc.add_to_faq(s, qid, actor=ASKER, now=NOW)) == (None, False)
        _q, first = await svc.publish(s, qid, actor=ASKER, now=NOW)
        _q, second = await svc.publish(s, qid, actor=ASKER, now=NOW)
        await svc.answer(s, qid, actor=Actor(5, "Admin"), text="El 6 % del valor total.", now=NOW)
        entry, created = await svc.add_to_faq(s, qid, actor=Actor(5, "Admin"), now=NOW)
        again, created_again = await svc.add_to_faq(s, qid, actor=Actor(5, "Admin"), now=NOW)
        await s.commit()
    assert (first, second, created, created_again) == (True, False, True, False) and again.id == entry.id


async def test_sla_marks_once_and_figures(sessionmaker):
    qid = await _posted(sessionmaker)
    settings = SimpleNamespace(role_sales_help="Ventas", role_admin="Admin", role_renewals="R", role_profiler="P")

    async def tick(at: datetime) -> svc.SlaResult:
        async with sessionmaker() as s:
            res = await svc.process_sla(s, at, sla_hours=24, tz=BOG, role_for=lambda t: svc.topic_role(settings, t),
                                        admin_role="Admin", admin_ids=[9])
            await s.commit()
            return res

    # 24 business hours from Monday 10:00 = Wednesday 14:00
    assert (await tick(NOW + timedelta(days=2, hours=3, minutes=59))).reminded == []
    assert (await tick(NOW + timedelta(days=2, hours=4))).reminded == [qid]
    assert (await tick(NOW + timedelta(days=2, hours=5))).reminded == []
    # another 24 business hours after the reminder: Friday 18:00
    assert (await tick(NOW + timedelta(days=4, hours=7, minutes=59))).escalated == []
    assert (await tick(NOW + timedelta(days=4, hours=8))).escalated == [qid]
    assert (await tick(NOW + timedelta(days=9))).escalated == []
    async with sessionmaker() as s:
        await svc.answer(s, qid, actor=Actor(7, "Vera"), text="ok", now=NOW + timedelta(days=5))
        await s.commit()
        f = await svc.figures(s, NOW - timedelta(days=1), NOW + timedelta(days=1))
    assert (f.asked, f.posted, f.answered, f.self_served) == (1, 1, 1, 0)
    assert f.median_hours == 120.0 and f.top_topics == [("hubspot", 1)]


async def test_the_answer_reply_is_queued_with_the_answer_and_a_missing_one_once(sessionmaker):
    """Issue 17: the reply under the card is an outbox row of the answer's transaction (rolled back with
    it; delivered once, after a crash too), replying to the question's card; an answered question with no
    reply posted nor queued (answered before this version) is queued once by the tick."""
    qid = await _posted(sessionmaker)
    async with sessionmaker() as s:
        await svc.set_card(s, qid, 900, 901)
        await s.commit()

    async def replies() -> list[OutboxMessage]:
        async with sessionmaker() as s:
            return list((await s.execute(select(OutboxMessage).where(OutboxMessage.dedupe_key.like("duda-respuesta:%")))).scalars())

    async with sessionmaker() as s:
        await svc.answer(s, qid, actor=Actor(5, "Admin"), text="El 6 % @everyone", now=NOW)
        await s.rollback()
    assert await replies() == []
    async with sessionmaker() as s:
        await svc.answer(s, qid, actor=Actor(5, "Admin"), text="El 6 % @everyone", now=NOW)
        await s.commit()
    [reply] = await replies()
    assert reply.dedupe_key == f"duda-respuesta:{qid}" and reply.payload["reply_to"] == {"card": "question", "id": qid}
    assert "<@5>" in reply.payload["content"] and "El 6 %" in reply.payload["content"]
    async with sessionmaker() as s:  # already queued: the tick adds nothing
        assert await svc.queue_missing_replies(s, NOW + timedelta(hours=1), NOW) == []
        await s.delete(reply)  # as if answered by a version that posted it directly, and it was lost
        await s.commit()
    async with sessionmaker() as s:
        assert await svc.queue_missing_replies(s, NOW + timedelta(hours=1), NOW) == [qid]
        await s.commit()
    async with sessionmaker() as s:
        assert await svc.queue_missing_replies(s, NOW + timedelta(hours=1), NOW) == []
    assert len(await replies()) == 1
