"""/duda, the question card (Responder modal, FAQ), «No resolvió mi duda» and the questions' SLA through
the real bot and the Discord fake."""

from __future__ import annotations

import asyncio
import copy
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from bot.exts.questions.duda import run_questions_tick
from db.models import AuditLog, FaqEntry, Question
from tests.fakes.discord_fake import buttons, mentions_safe, message_text

# Monday 23/11/2026 10:00 in Bogotá: the SLA test depends on business hours
MONDAY_10 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
EXTRA_ROLES = ("Ventas", "CCO", "PM")


async def make(harness_factory, **kw):
    h = await harness_factory(start=False, **kw)
    for role in EXTRA_ROLES:
        h.fake.add_role(role)
    ids = {
        "ana": await h.member("Ana Gómez", ["KAM"]),
        "luis": await h.member("Luis Peña", ["KAM"]),
        "vera": await h.member("Vera Ventas", ["Ventas"]),
        "admin": await h.member("Adriana Admin", ["Admin ventas-ops"]),
        "outsider": await h.member("Sin rol", []),
    }
    await h.start()
    return h, ids


async def duda(h, user, pregunta, **opts):
    handle = await h.fake.slash(user, "duda", {"pregunta": pregunta, **opts})
    return handle, await handle.wait_final()


def question_cards(h) -> list[dict]:
    return [m for m in h.fake.channel_messages() if any((e.get("title") or "").startswith("Duda #") for e in m["embeds"])]


async def card_of(h, qid: int) -> dict:
    return await h.fake.wait_for_message(
        predicate=lambda m: any((e.get("title") or "").startswith(f"Duda #{qid} ") for e in m["embeds"]), timeout=15)


def latest(h, msg: dict) -> dict:
    return h.fake.messages_by_id[int(msg["id"])]


async def questions(h) -> list[Question]:
    async with h.sessionmaker() as s:
        return list((await s.execute(select(Question).order_by(Question.id))).scalars())


async def answer(h, user, card, text):
    click = await h.fake.click(user, card, label="Responder")
    await click.response()
    assert click.modal, await click.text()
    field = click.modal["components"][0]["components"][0]["custom_id"]
    sub = await h.fake.submit_modal(user, click.modal, {field: text}, message=card)
    return await sub.text()


async def test_answered_from_the_rules_without_posting(harness_factory):
    h, ids = await make(harness_factory)
    handle, msg = await duda(h, ids["ana"], "cuanto es la comicion por vender un plan?", tema="comisiones")
    text = message_text(msg)
    assert handle.ephemeral and "6 %" in text and "¿Cuánto comisiono" in text
    assert [b["label"] for b in buttons(msg)] == ["No resolvió mi duda"]
    assert question_cards(h) == []
    [q] = await questions(h)
    assert q.status == "consulta" and "regla:comision" in q.shown["keys"]


async def test_posted_answered_dmd_added_to_faq_and_found_next_time(harness_factory):
    h, ids = await make(harness_factory)
    pregunta = "¿Se puede vender a un cliente que factura en dólares desde Perú?"
    _, msg = await duda(h, ids["ana"], pregunta, tema="hubspot")
    # not solved by the rules: the asker posts it (nobody else may)
    refused = await (await h.fake.click(ids["luis"], msg, label="No resolvió mi duda")).text()
    assert "Solo quien hizo la pregunta" in refused and question_cards(h) == []
    posted = await (await h.fake.click(ids["ana"], msg, label="No resolvió mi duda")).text()
    assert "duda #1" in posted and "Ventas" in posted
    card = await card_of(h, 1)
    assert mentions_safe(card) and "Ventas" in message_text(card) and "Sin responder" in message_text(card)
    assert [b["label"] for b in buttons(card)] == ["Responder"]
    again = await (await h.fake.click(ids["ana"], msg, label="No resolvió mi duda")).text()
    assert "ya está publicada" in again and len(question_cards(h)) == 1

    # wrong roles: a KAM cannot answer
    denied = await (await h.fake.click(ids["luis"], card, label="Responder")).text()
    assert "solo para" in denied
    stale = copy.deepcopy(card)  # what another seller still sees
    ack = await answer(h, ids["vera"], card, "Sí: se factura en dólares con la tasa del día. Regístralo igual.")
    assert "Respondiste la duda #1" in ack
    dm = await h.fake.wait_for_dm(ids["ana"], lambda m: "duda #1" in (m.get("content") or ""))
    assert "tasa del día" in dm["content"] and mentions_safe(dm)
    reply = await h.fake.wait_for_message(predicate=lambda m: "tasa del día" in (m.get("content") or ""))
    assert reply["message_reference"]["message_id"] == card["id"] and mentions_safe(reply)
    card = await h.fake.wait_for(lambda: latest(h, card) if "Respondida por" in message_text(latest(h, card)) else None)
    assert f"<@{ids['vera']}>" in message_text(card)
    assert [b["label"] for b in buttons(card)] == ["Agregar a preguntas frecuentes"]
    # a second answer changes nothing
    late = await (await h.fake.click(ids["admin"], stale, label="Responder")).text()
    assert "ya la respondió" in late

    # only admins add to the FAQ
    denied = await (await h.fake.click(ids["vera"], card, label="Agregar a preguntas frecuentes")).text()
    assert "solo para" in denied
    added = await (await h.fake.click(ids["admin"], card, label="Agregar a preguntas frecuentes")).text()
    assert "preguntas frecuentes (#1)" in added
    card = await h.fake.wait_for(lambda: latest(h, card) if not buttons(latest(h, card)) else None)
    assert "Agregada a las preguntas frecuentes" in message_text(card)
    async with h.sessionmaker() as s:
        assert (await s.execute(select(func.count()).select_from(FaqEntry))).scalar_one() == 1

    # the next /duda (no accents, other words) finds it, and so does /ayuda tema:
    _, msg = await duda(h, ids["luis"], "vender cliente de peru en dolares")
    assert "Pregunta frecuente" in message_text(msg) and "tasa del día" in message_text(msg)
    ayuda = await (await h.fake.slash(ids["outsider"], "ayuda", {"tema": "clientes peru dolares"}, channel="general")).text()
    assert "tasa del día" in ayuda
    async with h.sessionmaker() as s:
        actions = list((await s.execute(select(AuditLog.action).order_by(AuditLog.id))).scalars())
    for action in ("duda.crear", "duda.publicar", "duda.responder", "faq.agregar"):
        assert action in actions


async def test_answer_modal_survives_a_restart(harness_factory):
    h, ids = await make(harness_factory)
    _, msg = await duda(h, ids["ana"], "¿Cómo cambio el propietario de un negocio en HubSpot?", tema="hubspot", publicar=True)
    card = await card_of(h, 1)
    click = await h.fake.click(ids["vera"], card, label="Responder")
    await click.response()
    modal = click.modal
    await h.restart()
    field = modal["components"][0]["components"][0]["custom_id"]
    sub = await h.fake.submit_modal(ids["vera"], modal, {field: "Desde la ficha del negocio, campo Propietario."},
                                    message=card)
    assert "Respondiste la duda #1" in await sub.text()
    [q] = await questions(h)
    assert q.status == "respondida" and q.answered_by_discord_id == ids["vera"]


async def test_sla_reminded_once_then_escalated_once(harness_factory):
    h, ids = await make(harness_factory, now=MONDAY_10, question_sla_hours=4)
    await duda(h, ids["ana"], "¿Quién revisa las renovaciones vencidas del sábado?", tema="renovaciones", publicar=True)
    await card_of(h, 1)

    def posts(prefix: str) -> list[dict]:
        return [m for m in h.fake.channel_messages() if (m.get("content") or "").startswith(prefix)]

    h.clock.set(MONDAY_10 + timedelta(hours=3, minutes=59))
    await run_questions_tick(h.bot)
    assert posts("⏰") == []
    h.clock.set(MONDAY_10 + timedelta(hours=4))  # 14:00: 4 business hours
    await run_questions_tick(h.bot)
    await run_questions_tick(h.bot)
    [reminder] = posts("⏰")
    assert "duda #1" in reminder["content"] and "Renovaciones" in reminder["content"] and mentions_safe(reminder)
    assert posts("🚨") == []
    h.clock.set(MONDAY_10 + timedelta(hours=7, minutes=59))
    await run_questions_tick(h.bot)
    assert posts("🚨") == []
    # 18:00 is the end of the business day: escalated then, not at night
    h.clock.set(MONDAY_10 + timedelta(hours=8))
    await run_questions_tick(h.bot)
    h.clock.set(MONDAY_10 + timedelta(days=3))
    await run_questions_tick(h.bot)
    [escalation] = posts("🚨")
    assert "Admin ventas-ops" in escalation["content"] and mentions_safe(escalation)
    assert len(posts("⏰")) == 1
    dm = await h.fake.wait_for_dm(ids["admin"], lambda m: "duda #1" in (m.get("content") or ""), timeout=15)
    assert "sigue sin respuesta" in dm["content"]
    card = latest(h, await card_of(h, 1))
    assert "venció" in message_text(card)
    async with h.sessionmaker() as s:
        actions = list((await s.execute(select(AuditLog.action).order_by(AuditLog.id))).scalars())
    assert actions.count("duda.sla_recordar") == 1 and actions.count("duda.sla_escalar") == 1


async def test_hostile_text_is_shown_safely(harness_factory):
    h, ids = await make(harness_factory)
    hostile = "@everyone <@&1> **negrita** `code` [link](http://x.co) > cita\n" + "á" * 3900
    _, msg = await duda(h, ids["ana"], hostile, publicar=True)
    card = await card_of(h, 1)
    text = message_text(card)
    assert mentions_safe(card) and "@\u200beveryone" in text and "<\u200b@&1>" in text and "\\*\\*negrita" in text
    assert len(card["embeds"][0]["description"]) <= 4096
    ack = await answer(h, ids["admin"], card, "@here <@1> ok **sí**")
    assert "Respondiste" in ack
    reply = await h.fake.wait_for_message(predicate=lambda m: "Respuesta de" in (m.get("content") or ""))
    assert mentions_safe(reply) and "@\u200bhere" in reply["content"]
    assert reply["message_reference"]["message_id"] == card["id"]  # under the card (outbox, ReplyTo)
    dm = await h.fake.wait_for_dm(ids["ana"])
    assert mentions_safe(dm) and "@\u200bhere" in dm["content"] and len(dm["content"]) <= 2000
    too_long = await (await h.fake.slash(ids["ana"], "duda", {"pregunta": "x" * 4000 + " y"})).text()
    assert "máximo 4000" in too_long or "4000" in too_long


async def test_sell_for_me_is_refused_with_the_rule(harness_factory):
    h, ids = await make(harness_factory)
    _, msg = await duda(h, ids["ana"], "¿Pueden los de ventas hacer la venta por mí a mi cliente?")
    text = message_text(msg)
    assert "no en el equipo comercial" in text and "/referir-lead" in text and "6 %" in text
    assert await questions(h) == [] and question_cards(h) == []


async def test_outsider_cannot_ask(harness_factory):
    h, ids = await make(harness_factory)
    text = await (await h.fake.slash(ids["outsider"], "duda", {"pregunta": "hola"})).text()
    assert "para KAMs" in text
    assert await questions(h) == []


async def test_admin_report_shows_the_questions_figures(harness_factory):
    h, ids = await make(harness_factory, now=MONDAY_10)
    await duda(h, ids["ana"], "cuanto es la comision por vender", tema="comisiones")  # served by the rules
    await duda(h, ids["ana"], "¿Cómo cambio el propietario de un negocio en HubSpot?", tema="hubspot", publicar=True)
    await duda(h, ids["luis"], "¿Puedo usar el logo del cliente en mi perfil?", tema="hubspot", publicar=True)
    card = await card_of(h, 2)
    h.clock.set(MONDAY_10 + timedelta(hours=2))
    assert "Respondiste" in await answer(h, ids["vera"], card, "Desde la ficha del negocio, campo Propietario.")
    card = await h.fake.wait_for(lambda: latest(h, card) if buttons(latest(h, card))[0]["label"] != "Responder" else None)
    added = await (await h.fake.click(ids["admin"], card, label="Agregar a preguntas frecuentes")).text()
    assert "preguntas frecuentes" in added
    _, msg = await duda(h, ids["luis"], "como cambio el propietario del negocio en hubspot", tema="hubspot")
    assert "Pregunta frecuente" in message_text(msg)
    report = await (await h.fake.slash(ids["admin"], "admin reporte")).wait_final(timeout=30)
    text = message_text(report)
    assert "Preguntadas **4** · resueltas con reglas/FAQ sin publicar **2** · publicadas **2** · respondidas **1**" in text
    assert "Tiempo mediano de respuesta: 2.0 h" in text and "Aciertos de preguntas frecuentes: **1**" in text
    assert "HubSpot (3)" in text and "Comisiones (1)" in text


async def test_question_card_carries_its_nonce_and_is_adopted_after_a_crash(harness_factory):
    """Like every other card: nonce ``question-card-<id>``; a card a crash left unrecorded is found in the
    channel's history at start-up and adopted, not posted again."""
    h, ids = await make(harness_factory)
    await duda(h, ids["ana"], "¿Cómo cambio el propietario de un negocio en HubSpot?", tema="hubspot", publicar=True)
    card = await card_of(h, 1)
    assert card["nonce"] == "question-card-1"

    async def recorded() -> int | None:
        async with h.sessionmaker() as s:
            return (await s.get(Question, 1)).card_message_id

    for _ in range(200):  # the id is stored just after the post: forgetting it earlier would be undone
        if await recorded():
            break
        await asyncio.sleep(0.05)
    assert await recorded() == int(card["id"])
    async with h.sessionmaker() as s:
        await s.execute(update(Question).where(Question.id == 1).values(card_channel_id=None, card_message_id=None))
        await s.commit()
    h.fake.advance_clock(h.fake.nonce_window + 60)  # past Discord's nonce window: only the history can tell
    await h.restart()
    for _ in range(200):
        if await recorded():
            break
        await asyncio.sleep(0.05)
    assert await recorded() == int(card["id"])
    assert len(question_cards(h)) == 1
