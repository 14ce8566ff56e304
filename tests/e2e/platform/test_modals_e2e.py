"""Modals that survive: every modal submission is routed by its custom_id and re-reads the database,
so it is answered when two people opened the same modal, after a restart, and after a long pause."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from db.models import AccessRequest, AuditLog, BillingRequest, Deal, Lead, RenewalIntent
from tests.e2e.deals.test_deals_e2e import card_of as deal_card
from tests.e2e.deals.test_deals_e2e import deals, options, register, setup_people
from tests.e2e.referrals import test_referrals_e2e as referrals
from tests.e2e.renewals import test_renewals_e2e as renewals
from tests.e2e.requests.test_access_e2e import access_card, billing_card, billing_setup, request_access
from tests.e2e.requests.test_access_e2e import people as access_people
from tests.fakes.discord_fake import message_text

LINK_1 = "https://pagos.example.com/l/primero"
LINK_2 = "https://pagos.example.com/l/segundo"


async def count(h, model: Any, *where: Any) -> int:
    async with h.sessionmaker() as s:
        return (await s.execute(select(func.count()).select_from(model).where(*where))).scalar_one()


async def ask_payment_link(h) -> tuple[dict[str, int], Deal, dict]:
    ids, deal = await billing_setup(h)
    ids["dv"] = await h.member("Daniel Valcarcel", ["Aprobador HubSpot"])
    await (await h.fake.slash(ids["ana"], "solicitar-proforma",
                              {"negocio": str(deal.id), "tipo": "link_pago", "valor": "6000000"})).text()
    return ids, deal, await billing_card(h, 1)


def link_dms(h, user: int, url: str) -> list[dict]:
    return [m for m in h.fake.dms(user) if url in message_text(m)]


def card_replies(h, deal: Deal) -> list[dict]:
    return [m for m in h.fake.channel_messages()
            if (m.get("message_reference") or {}).get("message_id") == str(deal.card_message_id)]


async def test_two_approvers_submit_done_one_delivery_and_the_second_is_told_who(harness):
    h = harness
    ids, _, card = await ask_payment_link(h)
    first = await h.fake.click(ids["jd"], card, label="Hecho")
    second = await h.fake.click(ids["dv"], card, label="Hecho")
    assert (await first.response())["type"] == 9 and (await second.response())["type"] == 9
    assert first.modal["custom_id"] == second.modal["custom_id"] == "bill-done:1"

    done = await h.fake.submit_modal(ids["jd"], first.modal, {"link": LINK_1}, message=card)
    assert "hecha" in (await done.text()).lower()
    late = await h.fake.submit_modal(ids["dv"], second.modal, {"link": LINK_2}, message=card)
    text = await late.text()
    assert "ya la decidió Juan Diego Dillmann" in text and "No cambié nada" in text, text

    [deal] = await deals(h)
    await h.fake.wait_for(lambda: link_dms(h, ids["ana"], LINK_1) and card_replies(h, deal))
    assert len(link_dms(h, ids["ana"], LINK_1)) == 1 and link_dms(h, ids["ana"], LINK_2) == []
    assert len(card_replies(h, deal)) == 1 and LINK_1 in message_text(card_replies(h, deal)[0])
    async with h.sessionmaker() as s:
        req = await s.get(BillingRequest, 1)
    assert req.status == "hecha" and req.result_url == LINK_1
    assert await count(h, AuditLog, AuditLog.action == "facturacion.hecha") == 1


async def test_done_modal_opened_before_a_restart_and_submitted_long_after(harness):
    h = harness
    ids, deal, card = await ask_payment_link(h)
    click = await h.fake.click(ids["jd"], card, label="Hecho")
    assert (await click.response())["type"] == 9
    await h.restart()
    h.clock.advance(minutes=40)  # well past discord.py's in-memory modal timeouts (10–15 min)
    done = await h.fake.submit_modal(ids["jd"], click.modal, {"link": LINK_1}, message=card)
    assert "hecha" in (await done.text()).lower()
    dm = await h.fake.wait_for_dm(ids["ana"], lambda m: LINK_1 in message_text(m))
    assert "Juan Diego Dillmann" in message_text(dm)
    [deal] = await deals(h)
    await h.fake.wait_for(lambda: card_replies(h, deal))
    await h.fake.wait_for(lambda: LINK_1 in message_text(h.fake.messages_by_id[deal.card_message_id]))


async def test_a_form_no_modal_claims_gets_a_spanish_answer(harness):
    h = harness
    user = await h.member("Ana Gómez", ["KAM"])
    stale = {"custom_id": "formulario-viejo:7", "title": "x",
             "components": [{"type": 1, "components": [{"type": 4, "custom_id": "reason", "style": 2, "label": "x"}]}]}
    sub = await h.fake.submit_modal(user, stale, {"reason": "hola"})
    assert "ya no es válido" in await sub.text()


# --- every reason modal: two people, a restart in between ----------------------------------------
@dataclass
class Case:
    h: Any
    first: int  # who submits first (and wins)
    second: int  # who opened the same modal and submits after
    card: dict
    label: str  # the button that opens the modal
    values: dict[str, str]  # what both type
    already: str  # what the second is told (a fragment)
    done: str  # what the first is told (a fragment)
    state: Any  # coroutine: the decided state, compared before and after the second submission


async def access_case(harness_factory) -> Case:
    h = await harness_factory(hubspot=True)
    ids = await access_people(h)
    await request_access(h, ids["ana"])

    async def state():
        async with h.sessionmaker() as s:
            r = await s.get(AccessRequest, 1)
            return r.status, await count(h, AuditLog, AuditLog.action == "acceso.rechazar")

    return Case(h, ids["jd"], ids["dv"], await access_card(h, 1), "Rechazar", {"reason": "El correo no es tuyo"},
                "ya la decidió Juan Diego Dillmann", "Rechazaste la solicitud #1", state)


async def billing_case(harness_factory) -> Case:
    h = await harness_factory()
    ids, _, card = await ask_payment_link(h)

    async def state():
        async with h.sessionmaker() as s:
            r = await s.get(BillingRequest, 1)
            return r.status, await count(h, AuditLog, AuditLog.action.like("facturacion.%"))

    return Case(h, ids["jd"], ids["dv"], card, "Rechazar", {"reason": "Falta el NIT del cliente"},
                "ya la decidió Juan Diego Dillmann", "#1", state)


async def deal_case(harness_factory) -> Case:
    h = await harness_factory()
    ids = await setup_people(h)
    await register(h, ids["ana"], options(ids["client"]))
    [deal] = await deals(h)

    async def state():
        async with h.sessionmaker() as s:
            d = await s.get(Deal, deal.id)
            return d.status, await count(h, AuditLog, AuditLog.action.like("%rechaz%"))

    return Case(h, ids["aud1"], ids["aud2"], await deal_card(h, deal.id), "Rechazar",
                {"reason": "El anticipo no aparece en la cuenta"}, "ya la tomó **Auditora Uno**", "", state)


async def lead_case(harness_factory) -> Case:
    h = await referrals.make(harness_factory)
    ids = await referrals.people(h)
    await referrals.refer(h, ids["ana"])
    [lead] = await referrals.leads(h)

    async def state():
        async with h.sessionmaker() as s:
            x = await s.get(Lead, lead.id)
            return x.status, x.status_reason, x.qualified_by_discord_id

    return Case(h, ids["perfi"], ids["perfi2"], await referrals.card_of(h, lead.id), "Malo",
                {"reason": "No estaba interesado"}, "ya está marcado como **Malo**", "Malo", state)


async def renewal_case(harness_factory) -> Case:
    # the dates below are the calendar of this start (Monday 23/11/2026 10:00 in Bogotá)
    h = await harness_factory(extensions=renewals.EXT, now=datetime(2026, 11, 23, 15, 0, tzinfo=UTC))
    ids = await renewals.setup_world(h)
    ids["juli2"] = await h.member("Julián Renovador", ["Renovaciones"])
    await renewals.declare(h, ids["ana"], ids["espiga"], "20/11/2026")
    [intent] = await renewals.intents(h)

    async def state():
        async with h.sessionmaker() as s:
            x = await s.get(RenewalIntent, intent.id)
            return x.status, x.deadline, await count(h, AuditLog, AuditLog.action.like("renovacion.%"))

    return Case(h, ids["juli"], ids["juli2"], await renewals.card_of(h, intent.id), "Extender",
                {"date": "02/12/2026"}, "debe ser posterior", "miércoles 2 de diciembre de 2026", state)


CASES = {"acceso": access_case, "cobro": billing_case, "negocio": deal_case, "referido": lead_case,
         "renovacion": renewal_case}


@pytest.mark.parametrize("kind", list(CASES))
async def test_every_modal_survives_a_restart_and_a_second_submitter(harness_factory, kind):
    c = await CASES[kind](harness_factory)
    h = c.h
    a = await h.fake.click(c.first, c.card, label=c.label)
    b = await h.fake.click(c.second, c.card, label=c.label)
    assert (await a.response())["type"] == 9 and (await b.response())["type"] == 9
    assert a.modal["custom_id"] == b.modal["custom_id"]
    before = await c.state()
    await h.restart()
    first = await (await h.fake.submit_modal(c.first, a.modal, c.values, message=c.card)).text()
    assert c.done in first and "ya " not in first, first
    decided = await c.state()
    assert decided != before
    second = await (await h.fake.submit_modal(c.second, b.modal, c.values, message=c.card)).text()
    assert c.already in second, second
    assert await c.state() == decided  # the second submission changed nothing
