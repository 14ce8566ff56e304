"""TIMEZONE is honoured by every date and time users read: with TIMEZONE=America/Mexico_City (UTC−6, one
hour behind Bogotá all year) the lead duplicate answer, a question's «ya la respondió», the support card
and ``/admin estado`` show Mexico City's clock, never Bogotá's."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.domain.dates import BOGOTA, format_date, format_datetime
from db.models import ExportRun, JobRun, Lead, Question, SupportRequest
from tests.e2e.deals.test_deals_e2e import setup_people
from tests.e2e.questions import test_questions_e2e as questions_e2e
from tests.e2e.referrals import test_referrals_e2e as referrals_e2e
from tests.e2e.support import test_support_e2e as support_e2e
from tests.fakes.discord_fake import buttons, message_text

MEXICO = "America/Mexico_City"
MX = ZoneInfo(MEXICO)


def shown_in_mexico_only(text: str, instant: datetime) -> None:
    assert format_datetime(instant, MX) in text, text
    assert format_datetime(instant, BOGOTA) not in text, text


async def test_lead_duplicate_answer_is_in_timezone(harness_factory):
    h = await referrals_e2e.make(harness_factory, timezone=MEXICO)
    ids = await referrals_e2e.people(h)
    await referrals_e2e.refer(h, ids["ana"])
    async with h.sessionmaker() as s:
        [lead] = list((await s.execute(select(Lead))).scalars())
    handle, text = await referrals_e2e.refer(h, ids["luis"], cedula="52.111.222", empresa="Otra", telefono=None)
    assert handle.ephemeral and "ya fue referido" in text
    shown_in_mexico_only(text, lead.created_at)


async def test_question_already_answered_is_in_timezone(harness_factory):
    h, ids = await questions_e2e.make(harness_factory, timezone=MEXICO)
    await questions_e2e.duda(h, ids["ana"], "¿Cómo cambio el propietario de un negocio en HubSpot?", tema="hubspot",
                             publicar=True)
    card = await questions_e2e.card_of(h, 1)
    stale = copy.deepcopy(card)
    assert "Respondiste la duda #1" in await questions_e2e.answer(h, ids["vera"], card, "En la ficha del negocio.")
    async with h.sessionmaker() as s:
        q = await s.get(Question, 1)
        assert q is not None and q.answered_at is not None
    late = await (await h.fake.click(ids["admin"], stale, label="Responder")).text()
    assert "ya la respondió" in late
    shown_in_mexico_only(late, q.answered_at)


async def support_harness(harness_factory, helper: str, role: str):
    """A bot in Mexico City's zone, the deals' people and one helper with ``role`` (CCO or PM)."""
    h = await harness_factory(start=False, timezone=MEXICO)
    for name in ("Ventas", "CCO", "PM"):
        h.fake.add_role(name)
    helper_id = await h.member(helper, [role])
    await h.start()
    return h, await setup_people(h), helper_id


async def test_support_card_and_dm_show_the_meeting_in_timezone(harness_factory):
    h, ids, carlos = await support_harness(harness_factory, "Carlos Abondano", "CCO")
    wanted = format_date(support_e2e.local_day(h, 2))
    await support_e2e.ask(h, ids["ana"], ids["client"], tipo="reunion", fecha=wanted)
    card = await support_e2e.support_card(h, 1)
    click = await h.fake.click(carlos, card, label="Acepto")
    await click.response()
    when_id = click.modal["components"][0]["components"][0]["custom_id"]
    meeting = f"{wanted} 15:30"  # typed in Mexico City's clock
    ok = await (await h.fake.submit_modal(carlos, click.modal, {when_id: meeting}, message=card)).text()
    assert "Aceptaste el apoyo #1" in ok and meeting in ok
    [req] = await support_e2e.rows(h)
    assert req.meeting_at is not None
    card = await h.fake.wait_for(lambda: support_e2e.latest(h, card) if not buttons(support_e2e.latest(h, card)) else None)
    assert "Aceptada" in message_text(card)
    shown_in_mexico_only(message_text(card), req.meeting_at)
    dm = await h.fake.wait_for_dm(ids["ana"], lambda m: "apoyo #1" in (m.get("content") or ""))
    shown_in_mexico_only(dm["content"], req.meeting_at)


async def test_support_card_declined_shows_when_in_timezone(harness_factory):
    h, ids, pm = await support_harness(harness_factory, "Pili PM", "PM")
    await support_e2e.ask(h, ids["ana"], ids["client"], tipo="asesoria", a="pm")
    card = await support_e2e.support_card(h, 1)
    assert "no puedes" in await (await h.fake.click(pm, card, label="No puedo")).text()
    card = await h.fake.wait_for(lambda: support_e2e.latest(h, card) if not buttons(support_e2e.latest(h, card)) else None)
    async with h.sessionmaker() as s:
        req = await s.get(SupportRequest, 1)
        assert req is not None and req.decided_at is not None
    shown_in_mexico_only(message_text(card), req.decided_at)


async def test_admin_estado_is_in_timezone(harness_factory):
    h = await harness_factory(timezone=MEXICO)
    now = h.clock.now()
    today = now.astimezone(MX).date()
    async with h.sessionmaker() as s:
        s.add_all([
            ExportRun(export_date=today - timedelta(days=1), trigger="schedule", status="hecha",
                      started_at=now - timedelta(hours=4), finished_at=now - timedelta(hours=4), deals_count=4),
            JobRun(job="backup", run_key=today.isoformat(), ran_at=now - timedelta(hours=7)),
        ])
        await s.commit()
    admin = await h.member("Admin", ["Admin ventas-ops"])
    text = await (await h.fake.slash(admin, "admin estado")).text()
    assert "En marcha desde" in text
    started = text.split("En marcha desde ")[1].split(" (hace")[0]
    assert started == format_datetime(h.bot.started_at, MX)
    shown_in_mexico_only(text.split("Exportaciones diarias")[1].split("Cola de envíos")[0], now - timedelta(hours=4))
    shown_in_mexico_only(text.split("Último respaldo:")[1], now - timedelta(hours=7))
