"""Renewal intents through the real bot and the Discord fake, with a controllable clock:
declare → card → reminder at one business day left → last-day reminder → expiry post; extension via
the modal; release by the KAM and by the coordinator; a restart across a deadline expires once."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.app import EXTENSIONS
from bot.exts.renewals.intents import run_renewals_tick
from bot.services import directory
from db.audit import Actor
from db.models import AuditLog, RenewalIntent
from tests.fakes.discord_fake import buttons, mentions_safe, message_text

EXT = EXTENSIONS if "bot.exts.renewals.intents" in EXTENSIONS else (*EXTENSIONS, "bot.exts.renewals.intents")
# These tests walk one window past a weekend and a holiday week, so the harness clock starts on
# Monday 23/11/2026 10:00 in Bogotá; a window opened "today" on any date is in test_deals_e2e.
pytestmark = pytest.mark.start_at(datetime(2026, 11, 23, 15, 0, tzinfo=UTC))


def bogota(d: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=UTC) + timedelta(hours=5)


async def setup_world(h):
    ids = {
        "ana": await h.member("Ana Gómez", ["KAM"]),
        "luis": await h.member("Luis Peña", ["KAM"]),
        "juli": await h.member("Juliana Abondano", ["Renovaciones"]),
    }
    async with h.sessionmaker() as s:
        sys = Actor.system("test")
        ana = await directory.ensure_member(s, ids["ana"], "Ana Gómez", sys)
        luis = await directory.ensure_member(s, ids["luis"], "Luis Peña", sys)
        espiga = await directory.create_client(s, sys, "Panadería La Espiga")
        tornillo = await directory.create_client(s, sys, "Ferretería El Tornillo")
        await directory.assign(s, sys, espiga, ana, now=h.clock.now())
        await directory.assign(s, sys, tornillo, luis, now=h.clock.now())
        await s.commit()
        ids["espiga"], ids["tornillo"] = espiga.id, tornillo.id
    return ids


async def declare(h, user: int, client_id: int, delivery: str):
    handle = await h.fake.slash(user, "intencion-renovacion", {"cliente": str(client_id), "fecha-entrega": delivery})
    return handle, await handle.text()


def cards(h) -> list[dict]:
    return [m for m in h.fake.channel_messages() if any("Intención de renovación #" in (e.get("title") or "")
                                                        for e in m["embeds"])]


async def card_of(h, intent_id: int) -> dict:
    return await h.fake.wait_for_message(
        predicate=lambda m: any(f"Intención de renovación #{intent_id} " in (e.get("title") or "") for e in m["embeds"]))


def latest(h, msg: dict) -> dict:
    return h.fake.messages_by_id[int(msg["id"])]


async def edited(h, msg: dict, predicate) -> dict:
    return await h.fake.wait_for(lambda: latest(h, msg) if predicate(latest(h, msg)) else None)


def posts(h, needle: str) -> list[dict]:
    return [m for m in h.fake.channel_messages() if needle in (m.get("content") or "")]


def dms(h, user: int, needle: str) -> list[dict]:
    return [m for m in h.fake.dms(user) if needle in (m.get("content") or "")]


async def tick_at(h, when: datetime):
    h.clock.set(when)
    return await run_renewals_tick(h.bot)


async def intents(h) -> list[RenewalIntent]:
    async with h.sessionmaker() as s:
        return list((await s.execute(select(RenewalIntent).order_by(RenewalIntent.id))).scalars())


async def test_declare_card_reminders_expiry_and_accept(harness_factory):
    h = await harness_factory(extensions=EXT)
    ids = await setup_world(h)
    # autocomplete offers only Ana's own clients
    choices = await h.fake.autocomplete(ids["ana"], "intencion-renovacion", "cliente", "")
    assert [c["name"] for c in choices] == ["Panadería La Espiga"]

    # delivered Friday 20/11 → deadline Wednesday 25/11
    handle, text = await declare(h, ids["ana"], ids["espiga"], "20/11/2026")
    assert handle.ephemeral and "miércoles 25 de noviembre de 2026" in text and "quedan **2 días hábiles**" in text, text
    [intent] = await intents(h)
    card = await card_of(h, intent.id)
    t = message_text(card)
    assert "**@Renovaciones**" in t and "Panadería La Espiga" in t and "Ana Gómez" in t and "20/11/2026" in t
    assert [b["label"] for b in buttons(card)] == ["Extender", "Liberar"] and mentions_safe(card)

    # a KAM cannot use the coordinator's buttons
    refused = await h.fake.click(ids["ana"], card, label="Liberar")
    assert "Solo la coordinación de renovaciones" in await refused.text()

    # Monday: nothing; Tuesday 24/11: one business day left; Wednesday: last day
    assert await tick_at(h, bogota(date(2026, 11, 23), 12)) == []
    assert [e.kind for e in await tick_at(h, bogota(date(2026, 11, 24), 9))] == ["recordatorio_1_dia"]
    dm = await h.fake.wait_for_dm(ids["ana"], lambda m: "1 día hábil" in (m.get("content") or ""))
    assert "Panadería La Espiga" in dm["content"] and "miércoles 25 de noviembre" in dm["content"] and mentions_safe(dm)
    await tick_at(h, bogota(date(2026, 11, 24), 9, 1))
    assert [e.kind for e in await tick_at(h, bogota(date(2026, 11, 25), 8, 30))] == ["recordatorio_ultimo_dia"]
    await h.fake.wait_for_dm(ids["ana"], lambda m: "último día" in (m.get("content") or ""))
    assert await tick_at(h, bogota(date(2026, 11, 25), 23, 59)) == []

    # midnight in Bogotá: expired, back to sales, card offers "Aceptar nueva intención"
    assert [e.kind for e in await tick_at(h, datetime(2026, 11, 26, 5, 0, tzinfo=UTC))] == ["vencida"]
    for minutes in (1, 2, 3):
        assert await tick_at(h, datetime(2026, 11, 26, 5, minutes, tzinfo=UTC)) == []
    expired = await h.fake.wait_for_message(predicate=lambda m: "Venció la intención" in (m.get("content") or ""))
    assert "Panadería La Espiga" in expired["content"] and "**@Renovaciones**" in expired["content"]
    await h.fake.wait_for_dm(ids["ana"], lambda m: "venció" in (m.get("content") or ""))
    card = await edited(h, card, lambda m: [b["label"] for b in buttons(m)] == ["Aceptar nueva intención"])
    assert "Vencida" in message_text(card)
    assert len(dms(h, ids["ana"], "1 día hábil")) == 1 and len(dms(h, ids["ana"], "último día")) == 1
    assert len(posts(h, "Venció la intención")) == 1

    # blocked until the coordinator accepts a new intent
    h.clock.set(bogota(date(2026, 11, 26), 10))
    _, text = await declare(h, ids["ana"], ids["espiga"], "hoy")
    assert "venció sin cerrarse" in text and "Aceptar" not in text and "3 días hábiles" in text
    stale = copy.deepcopy(card)
    accept = await h.fake.click(ids["juli"], card, label="Aceptar nueva intención")
    assert "Ana Gómez puede volver a declarar" in await accept.text()
    await h.fake.wait_for_dm(ids["ana"], lambda m: "aceptó una nueva intención" in (m.get("content") or ""))
    card = await edited(h, card, lambda m: buttons(m) == [])
    again = await h.fake.click(ids["juli"], stale, label="Aceptar nueva intención")
    assert "no está bloqueada" in await again.text()
    _, text = await declare(h, ids["ana"], ids["espiga"], "hoy")
    assert "registrada" in text and "martes 1 de diciembre de 2026" in text
    async with h.sessionmaker() as s:
        actions = list((await s.execute(select(AuditLog.action).where(AuditLog.entity_type == "renewal_intent")
                                        .order_by(AuditLog.id))).scalars())
    assert actions == ["renovacion.declarar", "renovacion.recordatorio", "renovacion.recordatorio",
                       "renovacion.vencer", "renovacion.aceptar_nueva", "renovacion.declarar"]


async def test_refusals_are_spanish_and_change_nothing(harness_factory):
    h = await harness_factory(extensions=EXT)
    ids = await setup_world(h)
    _, text = await declare(h, ids["ana"], ids["tornillo"], "20/11/2026")
    assert "no es un cliente que atiendas hoy" in text
    _, text = await declare(h, ids["ana"], ids["espiga"], "31/02/2026")
    assert "no existe" in text
    _, text = await declare(h, ids["ana"], ids["espiga"], "01/11/2026")
    assert "ya no se puede declarar" in text
    _, text = await declare(h, ids["juli"], ids["espiga"], "20/11/2026")
    assert "para los KAMs" in text
    assert await intents(h) == [] and cards(h) == []
    await declare(h, ids["ana"], ids["espiga"], "20/11/2026")
    _, text = await declare(h, ids["ana"], ids["espiga"], "21/11/2026")
    assert "Ya tienes una intención de renovación abierta" in text and len(await intents(h)) == 1


async def test_extension_via_modal(harness_factory):
    h = await harness_factory(extensions=EXT)
    ids = await setup_world(h)
    await declare(h, ids["ana"], ids["espiga"], "20/11/2026")
    [intent] = await intents(h)
    card = await card_of(h, intent.id)
    click = await h.fake.click(ids["juli"], card, label="Extender")
    r = await click.response()
    assert r["type"] == 9 and click.modal
    field = click.modal["components"][0]["components"][0]["custom_id"]
    # not after the current deadline: refused, nothing changes
    sub = await h.fake.submit_modal(ids["juli"], click.modal, {field: "24/11/2026"})
    assert "debe ser posterior" in await sub.text()
    sub = await h.fake.submit_modal(ids["juli"], click.modal, {field: "no sé"})
    assert "No entendí la fecha" in await sub.text()
    sub = await h.fake.submit_modal(ids["juli"], click.modal, {field: "02/12/2026"})
    assert "miércoles 2 de diciembre de 2026" in await sub.text()
    dm = await h.fake.wait_for_dm(ids["ana"], lambda m: "extendió" in (m.get("content") or ""))
    assert "Juliana Abondano" in dm["content"] and "25/11/2026" in dm["content"]
    card = await edited(h, card, lambda m: "miércoles 2 de diciembre de 2026" in message_text(m))
    assert [b["label"] for b in buttons(card)] == ["Extender", "Liberar"]
    # the old deadline passes quietly; the new one expires
    assert await tick_at(h, bogota(date(2026, 11, 26), 10)) == []
    assert [e.kind for e in await tick_at(h, bogota(date(2026, 12, 3), 0, 1))] == ["vencida"]
    assert len(posts(h, "Venció la intención")) == 1


async def test_release_by_kam_and_by_coordinator(harness_factory):
    h = await harness_factory(extensions=EXT)
    ids = await setup_world(h)
    await declare(h, ids["ana"], ids["espiga"], "20/11/2026")
    await declare(h, ids["luis"], ids["tornillo"], "23/11/2026")
    first, second = await intents(h)
    card1, card2 = await card_of(h, first.id), await card_of(h, second.id)
    stale1 = copy.deepcopy(card1)

    choices = await h.fake.autocomplete(ids["ana"], "intencion-renovacion-liberar", "cliente", "")
    assert [c["name"] for c in choices] == ["Panadería La Espiga (vence 25/11/2026)"]
    handle = await h.fake.slash(ids["ana"], "intencion-renovacion-liberar", {"cliente": str(ids["espiga"])})
    assert "vuelve al equipo comercial" in await handle.text()
    post = await h.fake.wait_for_message(predicate=lambda m: "Ana Gómez liberó" in (m.get("content") or ""))
    assert "**@Renovaciones**" in post["content"]
    await edited(h, card1, lambda m: [b["label"] for b in buttons(m)] == ["Aceptar nueva intención"])
    # a stale click on the released card's Extender button
    stale = await h.fake.click(ids["juli"], stale1, label="Extender")
    assert "ya está **liberada**" in await stale.text()

    stale2 = copy.deepcopy(card2)
    click = await h.fake.click(ids["juli"], card2, label="Liberar")
    assert "Ferretería El Tornillo" in await click.text()
    await h.fake.wait_for_dm(ids["luis"], lambda m: "liberó tu intención" in (m.get("content") or ""))
    await h.fake.wait_for_message(predicate=lambda m: "Juliana Abondano liberó" in (m.get("content") or ""))
    card2 = await edited(h, card2, lambda m: "Liberada" in message_text(m))
    second_click = await h.fake.click(ids["juli"], stale2, label="Liberar")
    assert "ya está **liberada**" in await second_click.text()
    assert [(i.status, i.blocked) for i in await intents(h)] == [("liberada", True), ("liberada", True)]
    # released windows are neither reminded nor expired
    assert await tick_at(h, bogota(date(2026, 12, 10))) == []
    assert posts(h, "Venció") == []


async def test_restart_across_the_deadline_expires_once(harness_factory):
    h = await harness_factory(extensions=EXT)
    ids = await setup_world(h)
    await declare(h, ids["ana"], ids["espiga"], "20/11/2026")
    [intent] = await intents(h)
    card = await card_of(h, intent.id)
    await h.stop()
    # the bot is down across the deadline (Wednesday 25/11); it comes back Friday with its jobs on:
    # the start-up tick expires the window once
    h.clock.set(bogota(date(2026, 11, 27), 9))
    h.run_jobs = True
    await h.start()
    await h.fake.wait_for_message(predicate=lambda m: "Venció la intención" in (m.get("content") or ""), timeout=10)
    assert await run_renewals_tick(h.bot) == []
    # another restart right away (the start-up tick may still be editing the card: it is redone at start)
    await h.restart()
    assert await run_renewals_tick(h.bot) == []
    h.clock.advance(minutes=5)
    assert await run_renewals_tick(h.bot) == []
    assert len(posts(h, "Venció la intención")) == 1
    assert len(dms(h, ids["ana"], "venció")) == 1
    assert dms(h, ids["ana"], "1 día hábil") == [] and dms(h, ids["ana"], "último día") == []
    # the card's button, posted before both restarts, still works
    card = await edited(h, card, lambda m: [b["label"] for b in buttons(m)] == ["Aceptar nueva intención"])
    accept = await h.fake.click(ids["juli"], card, label="Aceptar nueva intención")
    assert "puede volver a declarar" in await accept.text()
    [row] = await intents(h)
    assert (row.status, row.blocked) == ("vencida", False)


async def test_card_post_refused_by_discord_is_posted_later_once_by_the_cards_job(harness_factory):
    """The renewal card has the one re-post path of every card (bot.cards.renewal.repost_cards, registered
    in bot.card_reposts): a post Discord refused is made by the periodic «tarjetas» job, once."""
    from bot.scheduler import cards_job

    h = await harness_factory(extensions=EXT)
    ids = await setup_world(h)
    channel = h.fake.channel_id("dudas-ventas-ops")
    h.fake.fail_next("POST", rf"/channels/{channel}/messages", 503, times=1)
    _, text = await declare(h, ids["ana"], ids["espiga"], "20/11/2026")
    assert "miércoles 25 de noviembre de 2026" in text
    [intent] = await intents(h)
    assert intent.card_message_id is None and cards(h) == []
    await cards_job(h.bot)  # a fresh row: its own post may still be on its way
    assert (await intents(h))[0].card_message_id is None
    h.clock.advance(minutes=3)
    await cards_job(h.bot)
    await cards_job(h.bot)
    card = await card_of(h, intent.id)
    assert [b["label"] for b in buttons(card)] == ["Extender", "Liberar"] and len(cards(h)) == 1
    assert (await intents(h))[0].card_message_id == int(card["id"])
