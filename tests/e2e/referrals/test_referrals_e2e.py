"""/referir-lead, the lead card and its buttons, the SLA and the HubSpot sync, through the real bot and
the Discord (and HubSpot) fakes."""

from __future__ import annotations

import asyncio
import copy

from sqlalchemy import select

from bot.app import EXTENSIONS
from bot.services import directory
from db.audit import Actor
from db.models import AuditLog, CommissionEntry, Lead, Member
from tests.fakes.discord_fake import buttons, mentions_safe, message_text

EXT = (*EXTENSIONS, "bot.exts.referrals.leads") if "bot.exts.referrals.leads" not in EXTENSIONS else EXTENSIONS
CEDULA = "1020304050"


async def make(harness_factory, **kw):
    return await harness_factory(extensions=EXT, **kw)


async def people(h, *, ana_cedula: str | None = CEDULA):
    ids = {
        "ana": await h.member("Ana Gómez", ["KAM"]),
        "luis": await h.member("Luis Peña", ["KAM"]),
        "perfi": await h.member("Paula Perfiladora", ["Perfilador"]),
        "perfi2": await h.member("Pedro Perfilador", ["Perfilador"]),
        "outsider": await h.member("Sin rol", []),
    }
    async with h.sessionmaker() as s:
        sys = Actor.system("test")
        ana = await directory.ensure_member(s, ids["ana"], "Ana Gómez", sys)
        ana.cedula = ana_cedula
        luis = await directory.ensure_member(s, ids["luis"], "Luis Peña", sys)
        luis.cedula = "52111222"
        client = await directory.create_client(s, sys, "Panadería La Espiga S.A.S.")
        await directory.add_service(s, sys, client, "web", now=h.clock.now())
        await s.commit()
    return ids


def opts(**kw):
    o = {"cedula": "1.020.304.050", "contacto": "Laura Ríos", "empresa": "Ferretería El Tornillo",
         "correo": "laura@tornillo.co", "telefono": "300 123 4567", "servicio": "web",
         "notas": "Quiere vender por internet @everyone <@&1>"}
    o.update({k.replace("_", "-"): v for k, v in kw.items()})
    return {k: v for k, v in o.items() if v is not None}


async def refer(h, user, **kw):
    handle = await h.fake.slash(user, "referir-lead", opts(**kw))
    return handle, await handle.text()


async def leads(h) -> list[Lead]:
    async with h.sessionmaker() as s:
        return list((await s.execute(select(Lead).order_by(Lead.id))).scalars())


async def ledger(h) -> list[tuple[str, str, int]]:
    async with h.sessionmaker() as s:
        q = select(CommissionEntry).where(CommissionEntry.kind == "referido").order_by(CommissionEntry.id)
        return [(e.kind, e.state, e.amount) for e in (await s.execute(q)).scalars()]


async def card_of(h, lead_id: int) -> dict:
    return await h.fake.wait_for_message(predicate=lambda m: any(f"Lead #{lead_id}" in (e.get("title") or "") for e in m["embeds"]))


def latest(h, msg: dict) -> dict:
    return h.fake.messages_by_id[int(msg["id"])]


async def edited(h, msg: dict, predicate) -> dict:
    """The card once its in-place edit (made right after the click's answer) satisfies ``predicate``."""
    return await h.fake.wait_for(lambda: latest(h, msg) if predicate(latest(h, msg)) else None)


def no_full_cedula_in_channels(h) -> bool:
    return all(CEDULA not in message_text(m) and "1.020.304.050" not in message_text(m)
               for ch in ("dudas-ventas-ops", "general") for m in h.fake.channel_messages(ch))


async def test_refer_masked_card_good_then_sold_with_dms_and_ledger(harness_factory):
    h = await make(harness_factory)
    ids = await people(h)
    handle, text = await refer(h, ids["ana"])
    assert handle.ephemeral and "#1" in text and "$ 10.000" in text, text
    [lead] = await leads(h)
    assert (lead.status, lead.phone, lead.email) == ("nuevo", "+573001234567", "laura@tornillo.co")
    card = await card_of(h, lead.id)
    t = message_text(card)
    assert "••••4050" in t and "Ana Gómez" in t and "Ferretería El Tornillo" in t and "Sitio web" in t
    assert "Perfilador" in t and mentions_safe(card)
    assert "@\u200beveryone" in t  # user text made inert
    assert {b["label"] for b in buttons(card)} == {"Bueno", "Malo", "Vendido"}
    assert no_full_cedula_in_channels(h)

    click = await h.fake.click(ids["perfi"], card, label="Bueno")
    ack = await click.text()
    assert "Bueno" in ack and "$ 5.000" in ack
    dm = await h.fake.wait_for_dm(ids["ana"], lambda m: "Bueno" in (m.get("content") or ""))
    assert "$ 5.000" in dm["content"] and mentions_safe(dm)
    card = await edited(h, card, lambda m: [b["label"] for b in buttons(m)] == ["Vendido"])
    assert "Bueno" in message_text(card)

    click = await h.fake.click(ids["perfi2"], card, label="Vendido")
    assert "Vendido" in await click.text()
    dm = await h.fake.wait_for_dm(ids["ana"], lambda m: "Vendido" in (m.get("content") or ""))
    assert "$ 10.000" in dm["content"]
    card = await edited(h, card, lambda m: buttons(m) == [])
    assert "$ 10.000" in message_text(card)
    assert await ledger(h) == [("referido", "ganada", 5000), ("referido", "ganada", 5000)]
    assert no_full_cedula_in_channels(h)

    mine = await (await h.fake.slash(ids["ana"], "mis-referidos")).text()
    assert "Ferretería El Tornillo" in mine and "Vendido" in mine and "$ 10.000" in mine
    theirs = await (await h.fake.slash(ids["luis"], "mis-referidos")).text()
    assert "Ferretería" not in theirs and "/referir-lead" in theirs


async def test_bad_with_reason_modal(harness_factory):
    h = await make(harness_factory)
    ids = await people(h)
    await refer(h, ids["ana"])
    [lead] = await leads(h)
    card = await card_of(h, lead.id)
    stale = copy.deepcopy(card)  # what a second profiler still sees
    click = await h.fake.click(ids["perfi"], card, label="Malo")
    r = await click.response()
    assert r["type"] == 9 and click.modal
    field = click.modal["components"][0]["components"][0]["custom_id"]
    sub = await h.fake.submit_modal(ids["perfi"], click.modal, {field: "No estaba interesado @everyone"})
    assert "Malo" in await sub.text()
    [lead] = await leads(h)
    assert lead.status == "malo" and lead.status_reason.startswith("No estaba interesado")
    dm = await h.fake.wait_for_dm(ids["ana"])
    assert "Malo" in dm["content"] and "No estaba interesado" in dm["content"] and "$ 0" in dm["content"]
    assert "@everyone" not in dm["content"]
    card = await edited(h, card, lambda m: buttons(m) == [])
    assert "No estaba interesado" in message_text(card)
    assert await ledger(h) == [("referido", "rechazada", 0)]
    # a stale click on the old card changes nothing
    again = await h.fake.click(ids["perfi2"], stale, label="Bueno")
    assert "ya está marcado como **Malo**" in await again.text()
    assert (await leads(h))[0].status == "malo"


async def test_first_referral_confirms_and_stores_cedula(harness_factory):
    h = await make(harness_factory)
    ids = await people(h, ana_cedula=None)
    handle, text = await refer(h, ids["ana"])
    assert handle.ephemeral and "1.020.304.050" in text and await leads(h) == []
    confirm = await handle.wait_final()
    assert {b["label"] for b in buttons(confirm)} == {"Sí, es mi cédula", "No, la corrijo"}
    # someone else cannot confirm it
    other = await h.fake.click(ids["luis"], confirm, label="Sí, es mi cédula")
    assert "otra persona" in await other.text()
    yes = await h.fake.click(ids["ana"], confirm, label="Sí, es mi cédula")
    assert "#1" in await yes.text()
    [lead] = await leads(h)
    async with h.sessionmaker() as s:
        ana = (await s.execute(select(Member).where(Member.discord_id == ids["ana"]))).scalar_one()
    assert ana.cedula == CEDULA and lead.referrer_cedula == CEDULA
    await card_of(h, lead.id)
    # from now on the cédula must match
    _, text = await refer(h, ids["ana"], cedula="1020304051", empresa="Otra", correo="x@y.co", telefono=None)
    assert "no coincide" in text and "4050" in text
    assert len(await leads(h)) == 1 and no_full_cedula_in_channels(h)


async def test_declining_the_cedula_stores_nothing(harness_factory):
    h = await make(harness_factory)
    ids = await people(h, ana_cedula=None)
    handle, _ = await refer(h, ids["ana"])
    no = await h.fake.click(ids["ana"], await handle.wait_final(), label="No, la corrijo")
    assert "no guardé nada" in await no.text()
    async with h.sessionmaker() as s:
        ana = (await s.execute(select(Member).where(Member.discord_id == ids["ana"]))).scalar_one()
    assert ana.cedula is None and await leads(h) == []


async def test_duplicates_and_current_client_refused(harness_factory):
    h = await make(harness_factory)
    ids = await people(h)
    await refer(h, ids["ana"])
    for kw in ({"empresa": "Otra", "correo": "LAURA@tornillo.co", "telefono": None},
               {"empresa": "Otra", "correo": None, "telefono": "+57 300-123-4567"},
               {"empresa": "FERRETERIA EL TORNILLO S.A.S.", "correo": "z@z.co", "telefono": None}):
        handle, text = await refer(h, ids["luis"], cedula="52.111.222", **kw)
        assert handle.ephemeral and "ya fue referido" in text and f"{h.today():%d/%m/%Y}" in text, text
        assert "Ana" not in text
    handle, text = await refer(h, ids["luis"], cedula="52111222", empresa="Panaderia la espiga",
                               correo="p@espiga.co", telefono=None, servicio="web")
    assert "renovaciones no son leads" in text
    handle, text = await refer(h, ids["luis"], cedula="52111222", empresa="Panaderia la espiga",
                               correo="p@espiga.co", telefono=None, servicio="google_ads")
    assert "#2" in text
    assert [lead.company for lead in await leads(h)] == ["Ferretería El Tornillo", "Panaderia la espiga"]


async def test_input_errors_and_roles(harness_factory):
    h = await make(harness_factory)
    ids = await people(h)
    _, text = await refer(h, ids["outsider"])
    assert "KAM" in text
    _, text = await refer(h, ids["ana"], correo=None, telefono=None)
    assert "correo" in text and "teléfono" in text
    _, text = await refer(h, ids["ana"], telefono="12345")
    assert "colombiano" in text
    assert await leads(h) == []
    # only profilers qualify
    await refer(h, ids["ana"])
    [lead] = await leads(h)
    card = await card_of(h, lead.id)
    for who in ("ana", "luis", "outsider"):
        t = await (await h.fake.click(ids[who], card, label="Vendido")).text()
        assert "Perfilador" in t
    assert (await leads(h))[0].status == "nuevo" and await ledger(h) == []
    async with h.sessionmaker() as s:
        denied = list((await s.execute(select(AuditLog).where(AuditLog.action == "acceso.denegado"))).scalars())
    assert len(denied) >= 3


async def test_concurrent_clicks_decided_once(harness_factory):
    h = await make(harness_factory)
    ids = await people(h)
    await refer(h, ids["ana"])
    card = await card_of(h, (await leads(h))[0].id)
    a, b = await asyncio.gather(h.fake.click(ids["perfi"], card, label="Bueno"),
                                h.fake.click(ids["perfi2"], card, label="Vendido"))
    texts = await asyncio.gather(a.text(), b.text())
    assert sum("Listo" in t for t in texts) == 1, texts
    assert len(await ledger(h)) == 1


async def test_buttons_work_after_restart(harness_factory):
    h = await make(harness_factory)
    ids = await people(h)
    await refer(h, ids["ana"])
    card = await card_of(h, (await leads(h))[0].id)
    await h.restart()
    await (await h.fake.click(ids["perfi"], card, label="Bueno")).wait_final()
    assert (await leads(h))[0].status == "bueno"


async def test_sla_escalation_with_the_clock(harness_factory):
    from bot.exts.referrals.leads import run_referrals_tick

    h = await make(harness_factory)
    ids = await people(h)
    await refer(h, ids["ana"])
    [lead] = await leads(h)
    await card_of(h, lead.id)
    h.clock.advance(hours=23)
    assert (await run_referrals_tick(h.bot))["escalated"] == []
    h.clock.advance(hours=1, minutes=1)
    assert (await run_referrals_tick(h.bot))["escalated"] == [lead.id]
    post = await h.fake.wait_for_message(predicate=lambda m: "sin calificar" in (m.get("content") or ""))
    assert "Perfilador" in post["content"] and f"#{lead.id}" in post["content"] and mentions_safe(post)
    h.clock.advance(hours=6)
    assert (await run_referrals_tick(h.bot))["escalated"] == []
    await asyncio.sleep(0.1)
    assert sum("sin calificar" in (m.get("content") or "") for m in h.fake.channel_messages()) == 1
    await edited(h, await card_of(h, lead.id), lambda m: "vencido" in message_text(m))
    assert no_full_cedula_in_channels(h)


async def test_hubspot_contact_creation_and_closed_won_sync(harness_factory):
    from bot.exts.referrals.leads import run_referrals_tick

    h = await make(harness_factory, hubspot=True)
    ids = await people(h)
    await refer(h, ids["ana"])
    await h.bot.get_cog("Referrals").wait_idle()
    [lead] = await leads(h)
    assert lead.hubspot_contact_id and lead.hubspot_company_id
    props = h.hubspot.object_properties("contacts", lead.hubspot_contact_id)
    assert props["email"] == "laura@tornillo.co" and props.get("fuente_referido") == "Referido Operaciones"
    assert "Ana Gómez" in props.get("referido_por", "")
    assert h.hubspot.object_properties("companies", lead.hubspot_company_id)["name"] == "Ferretería El Tornillo"
    assert lead.hubspot_company_id in h.hubspot.associations.get(("contacts", lead.hubspot_contact_id, "companies"), {})

    # not won yet: nothing changes
    assert (await run_referrals_tick(h.bot))["sold"] == []
    deal = h.hubspot.add_deal(dealname="Web Tornillo", dealstage="closedwon", amount="8000000")
    h.hubspot.add_association("deals", deal, "contacts", lead.hubspot_contact_id)
    assert (await run_referrals_tick(h.bot))["sold"] == [lead.id]
    [lead] = await leads(h)
    assert lead.status == "vendido" and lead.qualified_by_discord_id is None
    dm = await h.fake.wait_for_dm(ids["ana"], lambda m: "Vendido" in (m.get("content") or ""))
    assert "$ 10.000" in dm["content"] and "HubSpot" in dm["content"]
    assert await ledger(h) == [("referido", "ganada", 10000)]
    assert (await run_referrals_tick(h.bot))["sold"] == []


async def test_hubspot_customer_lifecycle_and_outage_retry(harness_factory):
    from bot.exts.referrals.leads import run_referrals_tick

    h = await make(harness_factory, hubspot=True)
    ids = await people(h)
    h.bot.hubspot.max_attempts = 1  # fail fast while HubSpot is down
    h.hubspot.outage = True
    handle, text = await refer(h, ids["ana"], empresa="Persona natural", correo=None)
    assert "#1" in text  # the referral does not wait for HubSpot
    await h.bot.get_cog("Referrals").wait_idle()
    [lead] = await leads(h)
    assert lead.hubspot_contact_id is None
    h.hubspot.outage = False
    assert await h.bot.get_cog("Referrals").push_pending() == [lead.id]
    [lead] = await leads(h)
    assert lead.hubspot_contact_id and lead.hubspot_company_id == ""  # no company for "persona natural"
    await (await h.fake.click(ids["perfi"], await card_of(h, lead.id), label="Bueno")).wait_final()
    h.hubspot._stores["contacts"].objects[int(lead.hubspot_contact_id)].props["lifecyclestage"] = "customer"
    assert (await run_referrals_tick(h.bot))["sold"] == [lead.id]
    assert await ledger(h) == [("referido", "ganada", 5000), ("referido", "ganada", 5000)]
    h.clock.advance(hours=48)
    assert (await run_referrals_tick(h.bot))["escalated"] == []  # qualified leads never escalate


async def test_deal_for_a_company_referred_by_someone_else_is_flagged(harness):
    """Cross-program conflict: Luis referred «Ñandú Motos»; Ana later registers a deal for it."""
    from sqlalchemy import select

    from bot.services import directory as dsvc
    from db.audit import Actor
    from db.models import Lead, OutboxMessage

    ana = await harness.member("Ana", ["KAM"])
    luis = await harness.member("Luis", ["KAM"])
    async with harness.sessionmaker() as s:
        sys_actor = Actor.system("test")
        a = await dsvc.ensure_member(s, ana, "Ana", sys_actor)
        lm = await dsvc.ensure_member(s, luis, "Luis", sys_actor)
        lm.cedula = "1020304050"
        s.add(Lead(referrer_id=lm.id, referrer_cedula="1020304050", contact_name="Marta", company="Ñandú Motos S.A.S.",
                   company_key="nandu motos", email="marta@nandu.co", service="web"))
        c = await dsvc.create_client(s, sys_actor, "Ñandú Motos")
        await dsvc.assign(s, sys_actor, c, a, now=harness.clock.now())
        await dsvc.add_service(s, sys_actor, c, "web", now=harness.clock.now())
        await s.commit()
        client_id = c.id
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    h = await harness.fake.slash(ana, "registrar-negocio", {
        "cliente": str(client_id), "tipo": "cross_sale", "servicio": "social_ads", "valor-total": "2.000.000",
        "anticipo": "1.000.000"}, attachments={"comprobante": ("c.png", png, "image/png")})
    assert "registr" in (await h.text()).lower()
    async with harness.sessionmaker() as s:
        flags = [o for o in (await s.execute(select(OutboxMessage))).scalars() if "Ñandú" in str(o.payload)]
    assert flags, "the admins must be told about the conflict"


async def test_duplicate_refusal_reads_right_for_each_duplicate_field(harness_factory):
    """Issue 25.5: the field in the refusal agrees in gender with its article and adjective
    ("la misma empresa", never "mismo empresa"), and the refusal stores nothing."""
    h = await make(harness_factory)
    ids = await people(h)
    _, first = await refer(h, ids["ana"])
    [lead] = await leads(h)
    assert f"#{lead.id}" in first
    cases = {
        "(lead #{id}, con el mismo correo)": {"empresa": "Otra", "correo": "LAURA@tornillo.co", "telefono": None},
        "(lead #{id}, con el mismo teléfono)": {"empresa": "Otra", "correo": None, "telefono": "+57 300-123-4567"},
        "(lead #{id}, con la misma empresa)": {"empresa": "FERRETERIA EL TORNILLO S.A.S.", "correo": "z@z.co",
                                                "telefono": None},
    }
    for expected, kw in cases.items():
        handle, text = await refer(h, ids["luis"], cedula="52.111.222", **kw)
        assert handle.ephemeral and expected.format(id=lead.id) in text, text
        assert "Este lead ya fue referido el **" in text and "mismo empresa" not in text
    assert [x.id for x in await leads(h)] == [lead.id]


async def test_same_lead_referred_by_two_kams_at_once_is_stored_once(harness_factory):
    """No lock in memory guards /referir-lead: both run at once, the database keeps one lead and the
    other referrer gets the duplicate answer (whether they raced to the insert or not)."""
    h = await make(harness_factory)
    ids = await people(h)
    texts = await asyncio.gather(
        refer(h, ids["ana"], empresa="Tienda Nueva", correo="compras@tiendanueva.co", telefono=None),
        refer(h, ids["luis"], cedula="52.111.222", empresa="TIENDA NUEVA S.A.S.", correo="otra@tiendanueva.co",
              telefono=None))
    answers = sorted(text for _handle, text in texts)
    assert len(await leads(h)) == 1
    assert sum("ya fue referido" in t for t in answers) == 1, answers
    assert sum("Registré el lead **#1**" in t for t in answers) == 1, answers
