"""/pedir-apoyo through the real bot and the Discord fake: the card for the CCO or the PMs, «Acepto» with a
date/time modal, «No puedo», the KAM's DMs, wrong roles, other KAMs' clients, the 'sell it for me'
refusal and the accepted help noted on the KAM's next deal card for that client."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.domain.dates import format_date
from db.models import AuditLog, SupportRequest
from tests.e2e.deals.test_deals_e2e import card_of as deal_card_of
from tests.e2e.deals.test_deals_e2e import options, register, setup_people
from tests.fakes.discord_fake import buttons, mentions_safe, message_text


async def make(harness_factory):
    h = await harness_factory(start=False)
    for role in ("Ventas", "CCO", "PM"):
        h.fake.add_role(role)
    carlos = await h.member("Carlos Abondano", ["CCO"])
    pili = await h.member("Pili PM", ["PM"])
    await h.start()
    ids = await setup_people(h)
    ids.update(carlos=carlos, pm=pili)
    return h, ids


async def ask(h, user, client, **opts):
    handle = await h.fake.slash(user, "pedir-apoyo", {"cliente": str(client), **opts})
    return await handle.text()


async def support_card(h, rid: int) -> dict:
    return await h.fake.wait_for_message(
        predicate=lambda m: any((e.get("title") or "").startswith(f"Apoyo #{rid} ") for e in m["embeds"]))


def latest(h, msg: dict) -> dict:
    return h.fake.messages_by_id[int(msg["id"])]


async def rows(h) -> list[SupportRequest]:
    async with h.sessionmaker() as s:
        return list((await s.execute(select(SupportRequest).order_by(SupportRequest.id))).scalars())


def local_day(h, days: int = 0):
    return (h.clock.now().astimezone(h.settings.tz) + timedelta(days=days)).date()


async def test_accepted_with_a_time_dmd_and_noted_on_the_next_deal(harness_factory):
    h, ids = await make(harness_factory)
    wanted = format_date(local_day(h, 2))
    text = await ask(h, ids["ana"], ids["client"], tipo="reunion", fecha=wanted,
                     detalle="Quiere Social Ads @everyone **ya**")
    assert "solicitud #1" in text and "CCO" in text
    card = await support_card(h, 1)
    body = message_text(card)
    assert "Panadería La Espiga" in body and wanted in body and "@\u200beveryone" in body and mentions_safe(card)
    assert [b["label"] for b in buttons(card)] == ["Acepto", "No puedo"]

    # wrong roles: the KAM and a PM cannot accept a request for the CCO
    for user in (ids["ana"], ids["pm"]):
        assert "solo para" in await (await h.fake.click(user, card, label="Acepto")).text()

    click = await h.fake.click(ids["carlos"], card, label="Acepto")
    await click.response()
    modal = click.modal
    when_id = modal["components"][0]["components"][0]["custom_id"]
    note_id = modal["components"][1]["components"][0]["custom_id"]
    bad = await (await h.fake.submit_modal(ids["carlos"], modal, {when_id: "el jueves"}, message=card)).text()
    assert "No entendí" in bad
    past = await (await h.fake.submit_modal(ids["carlos"], modal, {when_id: f"{format_date(local_day(h, -1))} 10:00"},
                                            message=card)).text()
    assert "ya pasó" in past
    assert (await rows(h))[0].status == "pendiente"
    meeting = f"{wanted} 15:30"
    ok = await (await h.fake.submit_modal(ids["carlos"], modal, {when_id: meeting, note_id: "Llevo la propuesta"},
                                          message=card)).text()
    assert "Aceptaste el apoyo #1" in ok and meeting in ok
    dm = await h.fake.wait_for_dm(ids["ana"], lambda m: "apoyo #1" in (m.get("content") or ""))
    assert meeting in dm["content"] and "Llevo la propuesta" in dm["content"] and mentions_safe(dm)
    card = await h.fake.wait_for(lambda: latest(h, card) if not buttons(latest(h, card)) else None)
    assert "Aceptada" in message_text(card) and meeting in message_text(card)
    # decided once
    again = await (await h.fake.submit_modal(ids["carlos"], modal, {when_id: meeting}, message=card)).text()
    assert "ya lo decidió" in again

    # the KAM's next deal for that client shows the help
    _, reg = await register(h, ids["ana"], options(ids["client"]))
    deal = await deal_card_of(h, 1)
    assert "Apoyo comercial" in message_text(deal) and "Carlos Abondano" in message_text(deal) and meeting in message_text(deal)
    [req] = await rows(h)
    assert req.deal_id == 1
    async with h.sessionmaker() as s:
        actions = list((await s.execute(select(AuditLog.action).order_by(AuditLog.id))).scalars())
    assert {"apoyo.solicitar", "apoyo.decidir", "apoyo.vincular_negocio"} <= set(actions)


async def test_support_card_carries_its_nonce(harness_factory):
    h, ids = await make(harness_factory)
    await ask(h, ids["ana"], ids["client"], tipo="reunion")
    assert (await support_card(h, 1))["nonce"] == "support-card-1"


async def test_declined_by_the_pm(harness_factory):
    h, ids = await make(harness_factory)
    text = await ask(h, ids["ana"], ids["client"], tipo="asesoria", a="pm")
    assert "PM" in text
    card = await support_card(h, 1)
    assert "solo para" in await (await h.fake.click(ids["carlos"], card, label="No puedo")).text()
    ack = await (await h.fake.click(ids["pm"], card, label="No puedo")).text()
    assert "no puedes" in ack
    dm = await h.fake.wait_for_dm(ids["ana"], lambda m: "apoyo #1" in (m.get("content") or ""))
    assert "no puede" in dm["content"] and "/pedir-apoyo" in dm["content"]
    card = await h.fake.wait_for(lambda: latest(h, card) if not buttons(latest(h, card)) else None)
    assert "no puede" in message_text(card)
    assert (await rows(h))[0].status == "rechazada"


async def test_refusals_change_nothing(harness_factory):
    h, ids = await make(harness_factory)
    # another KAM's client
    text = await ask(h, ids["luis"], ids["client"], tipo="reunion")
    assert "no aparece entre tus clientes" in text
    # not a KAM
    assert "para KAMs" in await ask(h, ids["carlos"], ids["client"], tipo="reunion")
    # the sales team doing the selling
    text = await ask(h, ids["ana"], ids["client"], tipo="asesoria", detalle="que ventas le venda el plan por mi")
    assert "no en el equipo comercial" in text and "/referir-lead" in text
    # a past date
    text = await ask(h, ids["ana"], ids["client"], tipo="reunion", fecha=format_date(local_day(h, -3)))
    assert "ya pasó" in text
    assert await rows(h) == []
