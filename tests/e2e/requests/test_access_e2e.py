"""/solicitar-usuario-hubspot and /solicitar-proforma through the real bot, the Discord fake (roles,
DMs, cards, modals with a PDF upload) and the HubSpot fake (settings users API)."""

from __future__ import annotations

import asyncio
import copy

from sqlalchemy import func, select

from db.models import AccessRequest, Approval, AuditLog, BillingRequest, Member, OutboxMessage
from tests.e2e.deals.test_deals_e2e import (
    PDF,
    PNG,
    card_of,
    deals,
    options,
    register,
    setup_people,
)
from tests.fakes.discord_fake import buttons, mentions_safe, message_text, pings_only

SENSE = "ana.gomez@sensedigital.co"
GMAIL = "ana.gomez@gmail.com"


async def people(h):
    return {
        "ana": await h.member("Ana Gómez", []),  # not a KAM yet: cannot see the sales channel
        "jd": await h.member("Juan Diego Dillmann", ["Aprobador HubSpot"]),
        "dv": await h.member("Daniel Valcarcel", ["Aprobador HubSpot"]),
        "kam": await h.member("Luis Peña", ["KAM"]),
        "coo": await h.member("Camilo Castro", ["COO"]),
    }


async def request_access(h, user, sense=SENSE, gmail=GMAIL, channel="general"):
    handle = await h.fake.slash(user, "solicitar-usuario-hubspot", {"correo-sense": sense, "gmail": gmail},
                                channel=channel)
    return handle, await handle.text()


def access_card(h, request_id: int):
    return h.fake.wait_for_message(
        predicate=lambda m: any((e.get("title") or "").startswith(f"Solicitud #{request_id} ") for e in m["embeds"]))


def current(h, msg: dict) -> dict:
    return h.fake.messages_by_id[int(msg["id"])]


async def requests(h) -> list[AccessRequest]:
    async with h.sessionmaker() as s:
        return list((await s.execute(select(AccessRequest).order_by(AccessRequest.id))).scalars())


async def audit_actions(h) -> list[str]:
    async with h.sessionmaker() as s:
        return list((await s.execute(select(AuditLog.action).order_by(AuditLog.id))).scalars())


async def test_approval_grants_role_and_provisions_hubspot_user(harness_factory):
    h = await harness_factory(hubspot=True)
    ids = await people(h)
    handle, text = await request_access(h, ids["ana"])
    assert handle.ephemeral and "#1" in text and SENSE in text
    receipt = await h.fake.wait_for_dm(ids["ana"])
    assert "#1" in message_text(receipt)
    card = await access_card(h, 1)
    assert {b["label"] for b in buttons(card)} == {"Aprobar", "Rechazar"}
    assert mentions_safe(card)

    ack = await (await h.fake.click(ids["jd"], card, label="Aprobar")).text()
    assert "Aprobaste la solicitud #1" in ack and "creado" in ack
    # Discord: the KAM role (the channel access) was granted
    assert "KAM" in h.fake.member_roles(ids["ana"])
    # HubSpot: exactly one user with that e-mail
    users = [u for u in h.hubspot.users.values() if u["email"] == SENSE]
    assert len(users) == 1 and users[0]["firstName"] == "Ana"
    [req] = await requests(h)
    assert req.status == "aprobada" and req.hubspot_user_id == users[0]["id"]
    async with h.sessionmaker() as s:
        member = (await s.execute(select(Member).where(Member.discord_id == ids["ana"]))).scalar_one()
    assert (member.active, member.sense_email, member.gmail, member.hubspot_user_id) == (True, SENSE, GMAIL, req.hubspot_user_id)
    # the card shows both steps and has no buttons left
    card = current(h, card)
    body = message_text(card)
    assert "Rol «KAM» otorgado" in body and f"Usuario {req.hubspot_user_id} listo" in body
    assert buttons(card) == []
    dm = await h.fake.wait_for_dm(ids["ana"], lambda m: "aprob" in message_text(m))
    assert "KAM" in message_text(dm) and SENSE in message_text(dm) and mentions_safe(dm)
    actions = await audit_actions(h)
    for a in ("acceso.solicitar", "aprobacion.aprobar", "acceso.aprobar", "miembro.activar", "acceso.hubspot_ok"):
        assert a in actions, actions


async def test_existing_hubspot_user_is_linked_not_duplicated(harness_factory):
    h = await harness_factory(hubspot=True)
    ids = await people(h)
    existing = h.hubspot.add_user(SENSE.upper(), "Ana", "Gómez")
    await request_access(h, ids["ana"])
    card = await access_card(h, 1)
    ack = await (await h.fake.click(ids["dv"], card, label="Aprobar")).text()
    assert "vinculado" in ack
    assert sum(u["email"].lower() == SENSE for u in h.hubspot.users.values()) == 1
    [req] = await requests(h)
    assert req.hubspot_user_id == existing
    dm = await h.fake.wait_for_dm(ids["ana"], lambda m: "ya existía" in message_text(m))
    assert SENSE in message_text(dm)


async def test_seat_limit_is_shown_on_the_card_and_retry_provisions(harness_factory):
    h = await harness_factory(hubspot=True)
    ids = await people(h)
    h.hubspot.seat_limit = 0
    await request_access(h, ids["ana"])
    card = await access_card(h, 1)
    ack = await (await h.fake.click(ids["jd"], card, label="Aprobar")).text()
    assert "asientos" in ack and "Reintentar" in ack
    assert "KAM" in h.fake.member_roles(ids["ana"])  # the channel access does not wait for HubSpot
    card = current(h, card)
    assert "asientos" in message_text(card)
    assert [b["label"] for b in buttons(card)] == ["Reintentar"]
    [req] = await requests(h)
    assert req.hubspot_user_id is None and "asientos" in req.provisioning_error
    # a non-approver cannot retry
    refused = await (await h.fake.click(ids["kam"], card, label="Reintentar")).text()
    assert "Aprobador HubSpot" in refused
    # a seat is bought: the retry creates the user and the button goes away
    h.hubspot.seat_limit = None
    done = await (await h.fake.click(ids["jd"], card, label="Reintentar")).text()
    assert "creado" in done
    [req] = await requests(h)
    assert req.hubspot_user_id and req.provisioning_error is None
    assert buttons(current(h, card)) == []
    assert "acceso.hubspot_error" in await audit_actions(h)
    # the requester heard of both steps: still pending at approval, created after the retry
    await h.fake.wait_for_dm(ids["ana"], lambda m: "todavía no queda listo" in message_text(m))
    await h.fake.wait_for_dm(ids["ana"], lambda m: "quedó creado" in message_text(m))


async def test_hubspot_api_error_and_outage_are_shown_and_retried(harness_factory):
    h = await harness_factory(hubspot=True)
    ids = await people(h)
    h.hubspot.fail_next("POST", r"/settings/v3/users/?$", 400,
                        body={"status": "error", "category": "VALIDATION_ERROR", "message": "Invalid role id"})
    await request_access(h, ids["ana"])
    card = await access_card(h, 1)
    ack = await (await h.fake.click(ids["jd"], card, label="Aprobar")).text()
    assert "HubSpot rechazó la creación" in ack and "Invalid role id" in ack
    assert "Invalid role id" in message_text(current(h, card))
    # now HubSpot is down for a while: the retry says so, and nothing is lost
    h.hubspot.fail_next("*", r"/settings/v3/users", 503, times=50)
    again = await (await h.fake.click(ids["jd"], current(h, card), label="Reintentar")).text(timeout=30)
    assert "HubSpot" in again and "Reintentar" in message_text(current(h, card))
    h.hubspot.clear_faults()
    ok = await (await h.fake.click(ids["jd"], current(h, card), label="Reintentar")).text()
    assert "creado" in ok
    assert sum(u["email"] == SENSE for u in h.hubspot.users.values()) == 1


async def test_rejection_reason_is_dmed_and_no_role_granted(harness_factory):
    h = await harness_factory(hubspot=True)
    ids = await people(h)
    await request_access(h, ids["ana"])
    card = await access_card(h, 1)
    stale = copy.deepcopy(card)
    click = await h.fake.click(ids["dv"], card, label="Rechazar")
    assert (await click.response())["type"] == 9
    reason = "El correo no es tuyo @everyone <@&1> **revisa**"
    sub = await h.fake.submit_modal(ids["dv"], click.modal, {"reason": reason}, message=card)
    assert "Rechazaste la solicitud #1" in await sub.text()
    [req] = await requests(h)
    assert req.status == "rechazada"
    assert "KAM" not in h.fake.member_roles(ids["ana"]) and h.hubspot.users == {}
    dm = await h.fake.wait_for_dm(ids["ana"], lambda m: "Motivo" in message_text(m))
    assert "El correo no es tuyo" in message_text(dm) and mentions_safe(dm)
    card = current(h, card)
    assert buttons(card) == [] and "El correo no es tuyo" in message_text(card) and mentions_safe(card)
    # a click from a client still showing the old card changes nothing
    late = await (await h.fake.click(ids["jd"], stale, label="Aprobar")).text()
    assert "ya la decidió Daniel Valcarcel" in late
    assert (await requests(h))[0].status == "rechazada"


async def test_non_approver_clicks_are_refused_and_audited(harness_factory):
    h = await harness_factory(hubspot=True)
    ids = await people(h)
    await request_access(h, ids["ana"])
    card = await access_card(h, 1)
    for who in ("ana", "kam", "coo"):
        for label in ("Aprobar", "Rechazar"):
            t = await (await h.fake.click(ids[who], card, label=label)).text()
            assert "Aprobador HubSpot" in t
    [req] = await requests(h)
    assert req.status == "pendiente" and h.hubspot.users == {}
    assert "KAM" not in h.fake.member_roles(ids["ana"])
    assert (await audit_actions(h)).count("acceso.denegado") == 6


async def test_both_approvers_at_once_one_decision(harness_factory):
    h = await harness_factory(hubspot=True)
    ids = await people(h)
    await request_access(h, ids["ana"])
    card = await access_card(h, 1)
    a, b = await asyncio.gather(h.fake.click(ids["jd"], card, label="Aprobar"),
                                h.fake.click(ids["dv"], card, label="Aprobar"))
    texts = await asyncio.gather(a.text(), b.text())
    assert sum("Aprobaste" in t for t in texts) == 1 and sum("ya la decidió" in t for t in texts) == 1, texts
    assert len(h.hubspot.users) == 1
    actions = await audit_actions(h)
    assert actions.count("acceso.aprobar") == 1 and actions.count("acceso.hubspot_ok") == 1
    async with h.sessionmaker() as s:
        n = (await s.execute(select(func.count()).select_from(Approval).where(Approval.status == "aprobada"))).scalar_one()
    assert n == 1


async def test_click_after_restart(harness_factory):
    h = await harness_factory(hubspot=True)
    ids = await people(h)
    await request_access(h, ids["ana"])
    card = await access_card(h, 1)
    await h.restart()
    await (await h.fake.click(ids["jd"], card, label="Aprobar")).wait_final()
    assert "KAM" in h.fake.member_roles(ids["ana"]) and len(h.hubspot.users) == 1


async def test_bad_emails_and_duplicate_requests_are_refused(harness_factory):
    h = await harness_factory(hubspot=True)
    ids = await people(h)
    for sense, gmail, word in (
        ("ana@gmail.com", GMAIL, "sensedigital.co"),
        ("ana.gomez@sensedigital", GMAIL, "correo"),
        (SENSE, "ana@hotmail.com", "Gmail"),
        (SENSE, "no es un correo", "correo"),
    ):
        _, text = await request_access(h, ids["ana"], sense, gmail)
        assert word.lower() in text.lower(), (sense, gmail, text)
    assert await requests(h) == []
    await request_access(h, ids["ana"])
    _, again = await request_access(h, ids["ana"], "otra@sensedigital.co")
    assert "#1" in again and "en revisión" in again
    # someone else cannot ask with Ana's Sense e-mail while hers is pending
    other = await h.member("Otra Persona", [])
    _, taken = await request_access(h, other, SENSE, "otra@gmail.com")
    assert SENSE in taken
    assert len(await requests(h)) == 1


async def test_closed_dms_warn_at_request_time_and_notice_after_approval(harness_factory):
    h = await harness_factory(hubspot=False)
    ids = await people(h)
    h.fake.closed_dms.add(ids["ana"])
    handle, _ = await request_access(h, ids["ana"])
    await h.fake.wait_for(lambda: any("mensaje directo" in message_text(f) and "cerrados" in message_text(f)
                                      for f in handle.followups))
    card = await access_card(h, 1)
    ack = await (await h.fake.click(ids["jd"], card, label="Aprobar")).text()
    assert "KAM" in h.fake.member_roles(ids["ana"])
    assert "créalo a mano" in message_text(current(h, card))  # HubSpot disabled: manual user
    notice = await h.fake.wait_for_message(predicate=lambda m: "Ana Gómez" in (m.get("content") or "")
                                           and "#1" in (m.get("content") or ""))
    # the notice pings Ana, and nobody else can be pinged by it (issue 17: consistent with the outbox)
    assert pings_only(notice, ids["ana"]) and f"<@{ids['ana']}>" in notice["content"]
    assert "Ana Gómez" in ack or "mensajes directos" in ack.lower() or h.fake.dms(ids["ana"]) == []


async def test_provisioning_can_be_switched_off(harness_factory):
    h = await harness_factory(hubspot=True, hubspot_provision_users=False)
    ids = await people(h)
    await request_access(h, ids["ana"])
    card = await access_card(h, 1)
    await (await h.fake.click(ids["jd"], card, label="Aprobar")).wait_final()
    assert "KAM" in h.fake.member_roles(ids["ana"]) and h.hubspot.users == {}
    assert buttons(current(h, card)) == []


# --- proformas and payment links ---------------------------------------------------------------
async def billing_setup(h):
    ids = await setup_people(h)
    ids["jd"] = await h.member("Juan Diego Dillmann", ["Aprobador HubSpot"])
    await register(h, ids["ana"], options(ids["client"]))
    [deal] = await deals(h)
    return ids, deal


def billing_card(h, request_id: int):
    return h.fake.wait_for_message(
        predicate=lambda m: any((e.get("title") or "").startswith(f"Solicitud #{request_id} · Factura proforma")
                                or (e.get("title") or "").startswith(f"Solicitud #{request_id} · Link de pago")
                                for e in m["embeds"]))


async def test_proforma_done_with_pdf_reaches_kam_and_deal_card(harness):
    ids, deal = await billing_setup(harness)
    t = await (await harness.fake.slash(ids["ana"], "solicitar-proforma", {
        "negocio": str(deal.id), "tipo": "proforma", "valor": "6.000.000", "notas": "Razón social: La Espiga SAS"})).text()
    assert "#1" in t and "$ 6.000.000" in t
    card = await billing_card(harness, 1)
    click = await harness.fake.click(ids["jd"], card, label="Hecho")
    assert (await click.response())["type"] == 9
    modal = click.modal
    assert modal is not None and len(modal["components"]) <= 5
    # neither a link nor a file: refused, nothing changes
    empty = await harness.fake.submit_modal(ids["jd"], modal, {}, message=card)
    assert "Pega un link o adjunta el PDF" in await empty.text()
    # a PNG is not a PDF
    png = await harness.fake.submit_modal(ids["jd"], modal, {}, message=card, files={"pdf": [("p.png", PNG, "image/png")]})
    assert "PDF" in await png.text()
    async with harness.sessionmaker() as s:
        assert (await s.get(BillingRequest, 1)).status == "pendiente"
    sub = await harness.fake.submit_modal(ids["jd"], modal, {"note": "Vence en 15 días"}, message=card,
                                          files={"pdf": [("proforma.pdf", PDF, "application/pdf")]})
    assert "hecha" in (await sub.text()).lower()
    async with harness.sessionmaker() as s:
        req = await s.get(BillingRequest, 1)
    assert req.status == "hecha" and req.result_path and req.result_url is None
    assert (harness.settings.data_dir / req.result_path).read_bytes() == PDF
    # the KAM gets the file by DM
    dm = await harness.fake.wait_for_dm(ids["ana"], lambda m: bool(m.get("attachments")))
    assert "Vence en 15 días" in message_text(dm)
    att = dm["attachments"][0]
    assert att["filename"].endswith(".pdf") and harness.fake.attachments[int(att["id"])][0] == PDF
    # … and on the deal card: a reply with the file, and the «Cobro» field
    [deal] = await deals(harness)
    reply = await harness.fake.wait_for_message(
        predicate=lambda m: (m.get("message_reference") or {}).get("message_id") == str(deal.card_message_id))
    assert reply["attachments"] and mentions_safe(reply)
    dcard = await card_of(harness, deal.id)
    assert "Cobro" in message_text(current(harness, dcard))
    assert buttons(current(harness, card)) == []


async def test_payment_link_done_and_rejection(harness):
    ids, deal = await billing_setup(harness)
    await harness.fake.slash(ids["ana"], "solicitar-proforma", {"negocio": str(deal.id), "tipo": "link_pago", "valor": "6000000"})
    card = await billing_card(harness, 1)
    click = await harness.fake.click(ids["jd"], card, label="Hecho")
    await click.response()
    bad = await harness.fake.submit_modal(ids["jd"], click.modal, {"link": "javascript:alert(1)"}, message=card)
    assert "https://" in await bad.text()
    url = "https://pagos.example.com/l/abc123"
    await (await harness.fake.submit_modal(ids["jd"], click.modal, {"link": url}, message=card)).wait_final()
    dm = await harness.fake.wait_for_dm(ids["ana"], lambda m: url in message_text(m))
    assert mentions_safe(dm)
    dcard = await card_of(harness, deal.id)
    assert url in message_text(current(harness, dcard))
    # a second request, rejected with a reason
    await harness.fake.slash(ids["ana"], "solicitar-proforma", {"negocio": str(deal.id), "tipo": "proforma", "valor": "1.000.000"})
    card2 = await billing_card(harness, 2)
    click = await harness.fake.click(ids["jd"], card2, label="Rechazar")
    await click.response()
    await (await harness.fake.submit_modal(ids["jd"], click.modal, {"reason": "Falta el NIT del cliente"}, message=card2)).wait_final()
    dm = await harness.fake.wait_for_dm(ids["ana"], lambda m: "Falta el NIT" in message_text(m))
    async with harness.sessionmaker() as s:
        assert (await s.get(BillingRequest, 2)).status == "rechazada"
    # only the deal's KAM can ask, never for more than the deal is worth
    t = await (await harness.fake.slash(ids["luis"], "solicitar-proforma", {"negocio": str(deal.id), "tipo": "proforma", "valor": "1.000"})).text()
    assert f"#{deal.id}" in t
    t = await (await harness.fake.slash(ids["ana"], "solicitar-proforma", {"negocio": str(deal.id), "tipo": "proforma", "valor": "99.000.000"})).text()
    assert "$ 99.000.000" in t
    async with harness.sessionmaker() as s:
        assert (await s.execute(select(func.count()).select_from(BillingRequest))).scalar_one() == 2


async def test_billing_closed_dms_get_one_channel_notice_that_pings_only_the_requester(harness):
    """Issue 17: a billing decision's DM goes through the outbox like an access request's: with the
    requester's DMs closed it is held and a notice in the sales channel pings them (only them),
    without the reason."""
    ids, deal = await billing_setup(harness)
    harness.fake.closed_dms.add(ids["ana"])
    await harness.fake.slash(ids["ana"], "solicitar-proforma", {"negocio": str(deal.id), "tipo": "proforma", "valor": "1.000.000"})
    card = await billing_card(harness, 1)
    click = await harness.fake.click(ids["jd"], card, label="Rechazar")
    await click.response()
    ack = await (await harness.fake.submit_modal(ids["jd"], click.modal, {"reason": "Falta el NIT"}, message=card)).text()
    assert "Rechazaste la solicitud #1" in ack

    def notices():
        return [m for m in harness.fake.messages_by_id.values()
                if f"<@{ids['ana']}>" in (m.get("content") or "") and "#1" in (m.get("content") or "")]

    await harness.fake.wait_for(notices)
    [notice] = notices()
    assert pings_only(notice, ids["ana"]) and "no fue aprobada" in notice["content"]
    assert "Falta el NIT" not in notice["content"] and harness.fake.dms(ids["ana"]) == []


async def test_pending_requests_are_reminded_once_a_day(harness_factory):
    h = await harness_factory(hubspot=False, approval_reminder_hours=24)
    ids = await people(h)
    await request_access(h, ids["ana"])
    await access_card(h, 1)
    from bot.exts.requests.reminders import run_access_tick

    assert await run_access_tick(h.bot, after_hours=h.settings.approval_reminder_hours) == []
    h.clock.advance(hours=25)
    [r] = await run_access_tick(h.bot, after_hours=24)
    assert r.request_id == 1
    for approver in ("jd", "dv"):
        dm = await h.fake.wait_for_dm(ids[approver], lambda m: "#1" in message_text(m))
        assert mentions_safe(dm)
    # issue 17: the post and the DMs were queued in the transaction that marked the request reminded
    # (outbox rows, delivered after a crash too), not sent after it
    async with h.sessionmaker() as s:
        rows = [m for m in (await s.execute(select(OutboxMessage))).scalars() if m.dedupe_key.startswith("recordatorio:")]
    assert sorted(m.target for m in rows) == ["channel", "dm", "dm"]
    await h.fake.wait_for(lambda: any("esperando a los aprobadores" in message_text(m)
                                      for m in h.fake.channel_messages()))
    assert await run_access_tick(h.bot, after_hours=24) == []  # once a day
    h.clock.advance(hours=24)
    assert len(await run_access_tick(h.bot, after_hours=24)) == 1
    assert (await audit_actions(h)).count("aprobacion.recordar") == 2


async def test_cards_a_crash_left_unposted_are_posted_at_start(harness_factory):
    h = await harness_factory(hubspot=False)
    ids = await people(h)
    ids2, deal = await billing_setup(h)
    from bot.services import access as svc
    from bot.services import billing as bsvc
    from db.audit import Actor

    # committed requests whose cards never reached Discord (the process died in between)
    async with h.sessionmaker() as s:
        await svc.create_access_request(s, discord_id=ids["ana"], name="Ana Gómez", sense_email=SENSE, gmail=GMAIL,
                                        domain="sensedigital.co", is_kam=False, actor=Actor(ids["ana"], "Ana Gómez"),
                                        now=h.clock.now())
        await bsvc.create_billing_request(s, discord_id=ids2["ana"], deal_ref=str(deal.id), kind="proforma",
                                          amount="1.000.000", notes=None, actor=Actor(ids2["ana"], "Ana"),
                                          now=h.clock.now())
        await s.commit()
    await h.restart()
    await access_card(h, 1)
    card = await billing_card(h, 1)
    assert {b["label"] for b in buttons(card)} == {"Hecho", "Rechazar"}
    # the card's message id is saved just after the post the fake has seen: wait for that commit
    async def cards_without_message() -> int:
        async with h.sessionmaker() as s:
            return (await s.execute(select(func.count()).select_from(Approval).where(
                Approval.kind.in_(svc.KINDS), Approval.card_message_id.is_(None)))).scalar_one()

    for _ in range(100):
        if await cards_without_message() == 0:
            break
        await asyncio.sleep(0.05)
    assert await cards_without_message() == 0
