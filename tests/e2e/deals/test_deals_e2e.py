"""/registrar-negocio and its approvals through the real bot and the Discord (and HubSpot) fakes."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.services import directory
from db.audit import Actor
from db.models import Approval, AuditLog, Client, CommissionEntry, Deal, OutboxMessage
from tests.fakes.discord_fake import buttons, mentions_safe, message_text, pings_only
from tests.timetravel import business_days_after, spanish_date

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 128
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def setup_people(h, *, services=("web",), client_name="Panadería La Espiga", owner_id=None):
    ids = {
        "ana": await h.member("Ana Gómez", ["KAM"]),
        "luis": await h.member("Luis Peña", ["KAM"]),
        "aud1": await h.member("Auditora Uno", ["Auditoría"]),
        "aud2": await h.member("Auditor Dos", ["Auditoría"]),
        "coo": await h.member("Camilo Castro", ["COO"]),
        "admin": await h.member("Admin", ["Admin ventas-ops"]),
        "outsider": await h.member("Sin rol", []),
    }
    async with h.sessionmaker() as s:
        sys = Actor.system("test")
        ana = await directory.ensure_member(s, ids["ana"], "Ana Gómez", sys)
        ana.hubspot_owner_id = owner_id
        luis = await directory.ensure_member(s, ids["luis"], "Luis Peña", sys)
        c = await directory.create_client(s, sys, client_name)
        other = await directory.create_client(s, sys, "Cliente de Luis")
        await directory.assign(s, sys, c, ana, now=h.clock.now())
        await directory.assign(s, sys, other, luis, now=h.clock.now())
        for svc in services:
            await directory.add_service(s, sys, c, svc, now=h.clock.now())
        await s.commit()
        ids["client"], ids["other_client"] = c.id, other.id
    return ids


def options(client: int | str, tipo="cross_sale", servicio="social_ads", total="12.000.000", anticipo="6.000.000",
            fecha="hoy", **extra):
    o = {"cliente": str(client), "tipo": tipo, "servicio": servicio, "valor-total": total, "anticipo": anticipo,
         "fecha-anticipo": fecha}
    o.update(extra)
    return o


async def register(h, user, opts, proof=("comprobante.png", PNG, "image/png")):
    handle = await h.fake.slash(user, "registrar-negocio", opts, attachments={"comprobante": proof})
    return handle, await handle.text()


async def deals(h) -> list[Deal]:
    async with h.sessionmaker() as s:
        return list((await s.execute(select(Deal).order_by(Deal.id))).scalars())


async def card_of(h, deal_id: int) -> dict:
    return await h.fake.wait_for_message(predicate=lambda m: any((e.get("title") or "").startswith(f"Negocio #{deal_id} ") for e in m["embeds"]))


async def test_cross_sale_registered_with_card_and_stored_proof(harness):
    ids = await setup_people(harness)
    handle, text = await register(harness, ids["ana"], options(ids["client"]))
    assert handle.ephemeral and "registr" in text.lower()
    assert "$ 720.000" in text and "6 %" in text
    [deal] = await deals(harness)
    assert (deal.deal_type, deal.service, deal.total_value, deal.advance_amount) == ("cross_sale", "social_ads", 12_000_000, 6_000_000)
    assert deal.commission_estimate == 720_000
    stored = harness.settings.data_dir / deal.proof_path if not deal.proof_path.startswith("/") else None
    from pathlib import Path

    path = Path(deal.proof_path) if deal.proof_path.startswith("/") else stored
    assert path.read_bytes() == PNG and deal.proof_sha256 in path.name
    card = await card_of(harness, deal.id)
    card_text = message_text(card)
    assert "Panadería La Espiga" in card_text and "$ 12.000.000" in card_text and mentions_safe(card)
    assert {b["label"] for b in buttons(card)} == {"Pago verificado", "Rechazar"}
    async with harness.sessionmaker() as s:
        ledger = list((await s.execute(select(CommissionEntry))).scalars())
        audit = list((await s.execute(select(AuditLog).where(AuditLog.entity_type == "deal"))).scalars())
    assert [(e.state, e.amount) for e in ledger] == [("pendiente", 720_000)]
    assert audit, "registration must be audit-logged"


@pytest.mark.parametrize(
    ("who", "opts", "rule"),
    [
        ("outsider", {}, "¿Quiénes pueden vender?"),
        ("ana", {"cliente": "other"}, "solo clientes propios"),
        ("ana", {"cliente": "Cliente Nuevo SAS"}, "/referir-lead"),
        ("ana", {"servicio": "web"}, "Cross sale"),
        ("ana", {"tipo": "renovacion", "servicio": "web"}, "Renovaciones"),
        ("ana", {"tipo": "up_sale", "servicio": "google_ads"}, "Up sale"),
        ("ana", {"total": "1.500.000,50"}, "sin decimales"),
        ("ana", {"total": "-5"}, "negativo"),
        ("ana", {"total": "0"}, "mayor que cero"),
        ("ana", {"total": "999.999.999.999.999"}, "máximo"),
        ("ana", {"anticipo": "20.000.000"}, "anticipo"),
        ("ana", {"fecha": "mañana"}, "futuro"),  # the day after the harness's today (resolved in the test)
        ("ana", {"fecha": "31/02/2026"}, "no existe"),
    ],
)
async def test_refusals_quote_their_rule_and_change_nothing(harness, who, opts, rule):
    ids = await setup_people(harness)
    o = options(ids["client"])
    for k, v in opts.items():
        key = {"total": "valor-total", "fecha": "fecha-anticipo"}.get(k, k)
        o[key] = str(ids["other_client"]) if v == "other" else v
        if v == "mañana":
            o[key] = f"{harness.today() + timedelta(days=1):%Y-%m-%d}"
    handle, text = await register(harness, ids[who], o)
    assert handle.ephemeral and rule in text, text
    assert await deals(harness) == []
    assert not any(m.get("embeds") for m in harness.fake.channel_messages())


async def test_proof_must_be_image_or_pdf(harness):
    ids = await setup_people(harness)
    _, text = await register(harness, ids["ana"], options(ids["client"]), proof=("x.exe", b"MZ\x90\x00", "application/x-msdownload"))
    assert "comprobante" in text.lower() and await deals(harness) == []
    _, text = await register(harness, ids["ana"], options(ids["client"]), proof=("p.pdf", PDF, "application/pdf"))
    assert len(await deals(harness)) == 1


async def test_audit_approves_and_commission_is_earned(harness):
    ids = await setup_people(harness)
    declared = await (await harness.fake.slash(ids["ana"], "intencion-renovacion", {
        "cliente": str(ids["client"]), "fecha-entrega": "hoy"})).text()
    deadline = business_days_after(harness.today(), 3)  # the renewal window, counted with Colombia's holidays
    assert spanish_date(deadline) in declared, declared
    await register(harness, ids["ana"], options(ids["client"], tipo="renovacion", servicio="web"))
    [deal] = await deals(harness)
    from db.models import RenewalIntent

    async with harness.sessionmaker() as s:
        intent = (await s.execute(select(RenewalIntent))).scalar_one()
    assert intent.status == "cerrada" and intent.closed_by_deal_id == deal.id
    card = await card_of(harness, deal.id)
    click = await harness.fake.click(ids["aud1"], card, label="Pago verificado")
    await click.wait_final()
    [deal] = await deals(harness)
    assert deal.status == "aprobado"
    async with harness.sessionmaker() as s:
        states = [(e.kind, e.state, e.amount) for e in (await s.execute(select(CommissionEntry))).scalars()]
    assert states == [("comision", "ganada", 720_000)]
    dm = await harness.fake.wait_for_dm(ids["ana"])
    assert "#" + str(deal.id) in message_text(dm) and mentions_safe(dm)
    card = harness.fake.messages_by_id[int(card["id"])]
    assert buttons(card) == []  # decided: the card lost its buttons


async def test_audit_rejection_with_reason_modal(harness):
    ids = await setup_people(harness)
    await register(harness, ids["ana"], options(ids["client"]))
    [deal] = await deals(harness)
    card = await card_of(harness, deal.id)
    click = await harness.fake.click(ids["aud1"], card, label="Rechazar")
    r = await click.response()
    assert r["type"] == 9
    sub = await harness.fake.submit_modal(ids["aud1"], click.modal, {
        click.modal["components"][0]["components"][0]["custom_id"]: "El anticipo no aparece en la cuenta @everyone"
    }, message=card)
    await sub.wait_final()
    [deal] = await deals(harness)
    assert deal.status == "rechazado"
    async with harness.sessionmaker() as s:
        entries = [(e.state, e.amount) for e in (await s.execute(select(CommissionEntry))).scalars()]
        appr = (await s.execute(select(Approval).where(Approval.deal_id == deal.id))).scalar_one()
    assert entries == [("rechazada", 720_000)] and appr.reason.startswith("El anticipo no aparece")
    dm = await harness.fake.wait_for_dm(ids["ana"])
    assert "El anticipo no aparece" in message_text(dm) and mentions_safe(dm)


async def test_decision_dm_to_closed_dms_leaves_one_channel_notice_that_pings_only_the_kam(harness):
    """Issue 17: like access and billing, a deal decision's DM refused by closed DMs (50007) is held and
    a notice in the sales channel pings the KAM (only them), without the reason or the commission."""
    ids = await setup_people(harness)
    harness.fake.closed_dms.add(ids["ana"])
    await register(harness, ids["ana"], options(ids["client"]))
    await register(harness, ids["ana"], options(ids["client"], servicio="google_ads"))
    first, second = await deals(harness)
    card = await card_of(harness, first.id)
    click = await harness.fake.click(ids["aud1"], card, label="Rechazar")
    await click.response()
    await (await harness.fake.submit_modal(ids["aud1"], click.modal, {
        click.modal["components"][0]["components"][0]["custom_id"]: "Falta el soporte @everyone"}, message=card)).wait_final()
    await (await harness.fake.click(ids["aud1"], await card_of(harness, second.id), label="Pago verificado")).wait_final()

    def notices():
        return [m for m in harness.fake.channel_messages() if f"<@{ids['ana']}>" in (m.get("content") or "")]

    await harness.fake.wait_for(lambda: len(notices()) == 2)
    rejected, earned = sorted(notices(), key=lambda m: f"#{first.id} " not in m["content"])
    assert f"negocio #{first.id} no fue aprobado" in rejected["content"] and "Falta el soporte" not in rejected["content"]
    assert f"negocio #{second.id} quedó aprobado" in earned["content"] and "$" not in earned["content"]
    assert all(pings_only(m, ids["ana"]) and "mensajes directos cerrados" in m["content"] for m in (rejected, earned))
    assert harness.fake.dms(ids["ana"]) == []
    async with harness.sessionmaker() as s:
        held = [m for m in (await s.execute(select(OutboxMessage))).scalars() if m.dedupe_key.startswith("decision:")]
    assert [m.status for m in held] == ["retenido", "retenido"]  # retried hourly, sent once she opens her DMs
    await harness.bot.outbox.flush()
    assert len(notices()) == 2  # the held DMs' retries post no second notice


async def test_up_sale_needs_coo_and_audit(harness):
    ids = await setup_people(harness)
    await register(harness, ids["ana"], options(ids["client"], tipo="up_sale", servicio="web"))
    [deal] = await deals(harness)
    card = await card_of(harness, deal.id)
    assert {"Aprobar (COO)", "Rechazar (COO)", "Pago verificado"} <= {b["label"] for b in buttons(card)}
    # the auditor cannot decide for the COO
    refused = await harness.fake.click(ids["aud1"], card, label="Aprobar (COO)")
    assert "COO" in await refused.text()
    await (await harness.fake.click(ids["aud1"], card, label="Pago verificado")).wait_final()
    assert (await deals(harness))[0].status == "pendiente"  # still waiting for the COO
    card = harness.fake.messages_by_id[int(card["id"])]
    await (await harness.fake.click(ids["coo"], card, label="Aprobar (COO)")).wait_final()
    assert (await deals(harness))[0].status == "aprobado"


async def test_two_auditors_at_once_one_decision(harness):
    ids = await setup_people(harness)
    await register(harness, ids["ana"], options(ids["client"]))
    [deal] = await deals(harness)
    card = await card_of(harness, deal.id)
    a, b = await asyncio.gather(
        harness.fake.click(ids["aud1"], card, label="Pago verificado"),
        harness.fake.click(ids["aud2"], card, label="Pago verificado"),
    )
    texts = await asyncio.gather(a.text(), b.text())
    assert sum("ya la tomó" in t for t in texts) == 1, texts
    async with harness.sessionmaker() as s:
        earned = list((await s.execute(select(CommissionEntry).where(CommissionEntry.state == "ganada"))).scalars())
        decided = list((await s.execute(select(AuditLog).where(AuditLog.action.like("%aprob%")))).scalars())
    assert len(earned) == 1
    assert len({d.actor_discord_id for d in decided}) <= 1


async def test_non_auditor_click_refused_and_nothing_changes(harness):
    ids = await setup_people(harness)
    await register(harness, ids["ana"], options(ids["client"]))
    [deal] = await deals(harness)
    card = await card_of(harness, deal.id)
    for who in ("ana", "outsider", "coo"):
        t = await (await harness.fake.click(ids[who], card, label="Pago verificado")).text()
        assert "Auditoría" in t
    assert (await deals(harness))[0].status == "pendiente"
    async with harness.sessionmaker() as s:
        denied = list((await s.execute(select(AuditLog).where(AuditLog.action == "acceso.denegado"))).scalars())
    assert len(denied) == 3


async def test_button_works_after_restart(harness):
    ids = await setup_people(harness)
    await register(harness, ids["ana"], options(ids["client"]))
    [deal] = await deals(harness)
    card = await card_of(harness, deal.id)
    await harness.restart()
    await (await harness.fake.click(ids["aud1"], card, label="Pago verificado")).wait_final()
    assert (await deals(harness))[0].status == "aprobado"


async def test_admin_cancel_after_earned_claws_back(harness):
    ids = await setup_people(harness)
    await register(harness, ids["ana"], options(ids["client"]))
    [deal] = await deals(harness)
    card = await card_of(harness, deal.id)
    await (await harness.fake.click(ids["aud1"], card, label="Pago verificado")).wait_final()
    t = await (await harness.fake.slash(ids["admin"], "admin negocio anular", {"id": deal.id, "motivo": "Cliente canceló"})).text()
    assert "#" + str(deal.id) in t
    async with harness.sessionmaker() as s:
        entries = [(e.kind, e.state, e.amount) for e in (await s.execute(select(CommissionEntry).order_by(CommissionEntry.id))).scalars()]
    assert entries == [("comision", "ganada", 720_000), ("reverso", "reversada", -720_000)]
    assert (await deals(harness))[0].status == "anulado"


async def test_admin_cancel_dm_goes_through_the_outbox_with_the_closed_dms_notice(harness):
    """Issue 17: the KAM's DM about a cancelled deal is queued with the cancellation (outbox, key
    ``anulado:<id>``), arrives once with the reason, and a KAM with closed DMs gets the channel notice
    (pings only them, no reason)."""
    ids = await setup_people(harness)
    await register(harness, ids["ana"], options(ids["client"]))
    await register(harness, ids["ana"], options(ids["client"], servicio="google_ads"))
    first, second = await deals(harness)
    await (await harness.fake.slash(ids["admin"], "admin negocio anular", {"id": first.id, "motivo": "Cliente canceló"})).text()
    dm = await harness.fake.wait_for_dm(ids["ana"], lambda m: f"#{first.id}" in (m.get("content") or ""))
    assert "fue anulado" in dm["content"] and "Cliente canceló" in dm["content"]
    harness.fake.closed_dms.add(ids["ana"])
    await (await harness.fake.slash(ids["admin"], "admin negocio anular", {"id": second.id, "motivo": "Duplicado @everyone"})).text()

    def notices():
        return [m for m in harness.fake.channel_messages() if f"<@{ids['ana']}>" in (m.get("content") or "")]

    await harness.fake.wait_for(lambda: len(notices()) == 1)
    [notice] = notices()
    assert f"negocio #{second.id} fue anulado" in notice["content"] and "Duplicado" not in notice["content"]
    assert pings_only(notice, ids["ana"])
    async with harness.sessionmaker() as s:
        rows = {m.dedupe_key: m.status for m in (await s.execute(select(OutboxMessage))).scalars()
                if m.dedupe_key.startswith("anulado:")}
    assert rows == {f"anulado:{first.id}": "enviado", f"anulado:{second.id}": "retenido"}


async def test_mis_negocios_lists_only_mine(harness):
    ids = await setup_people(harness)
    await register(harness, ids["ana"], options(ids["client"]))
    mine = await (await harness.fake.slash(ids["ana"], "mis-negocios")).text()
    theirs = await (await harness.fake.slash(ids["luis"], "mis-negocios")).text()
    assert "Panadería La Espiga" in mine and "Panadería La Espiga" not in theirs


async def test_hubspot_mismatch_shown_and_hubspot_down_pending(harness_factory):
    h = await harness_factory(hubspot=True)
    ids = await setup_people(h, owner_id="501")
    good = h.hubspot.add_deal(dealname="Espiga", amount="10000000", hubspot_owner_id="501",
                              fecha_de_anticipo=h.today().isoformat())
    await register(h, ids["ana"], options(ids["client"], **{"negocio-hubspot": good}))
    cog = h.bot.get_cog("Deals")
    await cog.wait_idle()
    [deal] = await deals(h)
    assert deal.hubspot_check == "diferencias"
    assert "monto" in deal.hubspot_findings
    card = h.fake.messages_by_id[int((await card_of(h, deal.id))["id"])]
    assert "10.000.000" in message_text(card)

    h.hubspot.outage = True
    other = "424242"
    handle, text = await register(h, ids["ana"], options(ids["client"], servicio="google_ads", **{"negocio-hubspot": other}))
    assert "registr" in text.lower() and handle.latency < 1.0
    await cog.wait_idle()
    second = (await deals(h))[1]
    assert second.hubspot_check == "pendiente"
    card2 = await card_of(h, second.id)
    assert "pendiente" in message_text(h.fake.messages_by_id[int(card2["id"])]).lower()


async def test_late_registration_is_accepted_with_a_warning(harness):
    ids = await setup_people(harness)
    # now: today 10:00 Bogotá; the export of the day before yesterday ran yesterday at 06:00
    two_days_ago = harness.today() - timedelta(days=2)
    _, text = await register(harness, ids["ana"], options(ids["client"], fecha=f"{two_days_ago:%d/%m/%Y}"))
    assert "Registro tardío" in text and "exportación de las 6 AM" in text
    [deal] = await deals(harness)
    assert deal.is_late
    _, text = await register(harness, ids["ana"], options(ids["client"], servicio="google_ads", fecha="hoy"))
    assert "tardío" not in text


async def test_hubspot_deal_id_required_and_duplicates(harness_factory):
    h = await harness_factory(hubspot=True)
    ids = await setup_people(h, owner_id="501")
    async with h.sessionmaker() as s:
        sys = Actor.system("test")
        luis = await directory.get_member(s, ids["luis"])
        client = await s.get(Client, ids["client"])
        await directory.assign(s, sys, client, luis, now=h.clock.now())  # both serve the client now
        await s.commit()
    hid = h.hubspot.add_deal(dealname="Espiga", amount="12000000", hubspot_owner_id="501", fecha_de_anticipo=h.today().isoformat())
    _, text = await register(h, ids["ana"], options(ids["client"]))
    assert "negocio-hubspot" in text and "paso a paso" in text and await deals(h) == []
    url = f"https://app.hubspot.com/contacts/123/record/0-3/{hid}"
    await register(h, ids["ana"], options(ids["client"], **{"negocio-hubspot": url}))
    _, text = await register(h, ids["ana"], options(ids["client"], servicio="google_ads", **{"negocio-hubspot": hid}))
    assert "un registro por negocio" in text and len(await deals(h)) == 1
    # another KAM claims the same HubSpot deal: registered, but disputed for the admins
    _, text = await register(h, ids["luis"], options(ids["client"], **{"negocio-hubspot": hid}))
    assert "Atribución en disputa" in text
    first, second = await deals(h)
    # Ana is told, once, through the outbox (queued with Luis's registration: key disputa:<new>:<hers>)
    dm = await h.fake.wait_for_dm(ids["ana"], lambda m: "Alguien más registró" in (m.get("content") or ""))
    assert f"registro #{first.id}" in dm["content"] and hid in dm["content"]
    async with h.sessionmaker() as s:
        keys = [m.dedupe_key for m in (await s.execute(select(OutboxMessage))).scalars() if m.dedupe_key.startswith("disputa:")]
    assert keys == [f"disputa:{second.id}:{first.id}"]
    card = await card_of(h, second.id)
    assert {"Mantener registro anterior", "Atribuir a este registro"} <= {b["label"] for b in buttons(card)}
    refused = await (await h.fake.click(ids["aud1"], card, label="Atribuir a este registro")).text()
    assert "Admin ventas-ops" in refused
    await (await h.fake.click(ids["admin"], card, label="Mantener registro anterior")).wait_final()
    first, second = await deals(h)
    assert first.status == "pendiente" and second.status == "rechazado"


async def test_client_autocomplete_only_own_clients_accent_insensitive(harness):
    ids = await setup_people(harness, client_name="Sánchez & Peña Ltda")
    mine = await harness.fake.autocomplete(ids["ana"], "registrar-negocio", "cliente", "sanchez")
    assert [c["name"] for c in mine] == ["Sánchez & Peña Ltda"] and mine[0]["value"] == str(ids["client"])
    assert await harness.fake.autocomplete(ids["ana"], "registrar-negocio", "cliente", "pena") == []  # ñ ≠ n
    assert len(await harness.fake.autocomplete(ids["ana"], "registrar-negocio", "cliente", "peña")) == 1
    assert await harness.fake.autocomplete(ids["luis"], "registrar-negocio", "cliente", "sanchez") == []
    theirs = await harness.fake.autocomplete(ids["luis"], "registrar-negocio", "cliente", "")
    assert [c["name"] for c in theirs] == ["Cliente de Luis"]


async def test_card_links_to_the_hubspot_deal(harness_factory):
    h = await harness_factory(hubspot=True, hubspot_portal_id="4455")
    ids = await setup_people(h, owner_id="501")
    hid = h.hubspot.add_deal(dealname="Espiga", amount="12000000", hubspot_owner_id="501", fecha_de_anticipo=h.today().isoformat())
    await register(h, ids["ana"], options(ids["client"], **{"negocio-hubspot": hid}))
    await h.bot.get_cog("Deals").wait_idle()
    [deal] = await deals(h)
    card = h.fake.messages_by_id[int((await card_of(h, deal.id))["id"])]
    assert f"https://app.hubspot.com/contacts/4455/record/0-3/{hid}" in str(card["embeds"])
    assert deal.hubspot_check == "ok"


async def test_renewal_refusal_quotes_the_configured_window(harness_factory):
    """RENEWAL_WINDOW_BUSINESS_DAYS=5: a Renovación without a declared window is refused quoting 5, not 3."""
    h = await harness_factory(renewal_window_business_days=5)
    ids = await setup_people(h)
    _, text = await register(h, ids["ana"], options(ids["client"], tipo="renovacion", servicio="web"))
    assert "No tienes una ventana de renovación abierta" in text and "**5 días hábiles" in text, text
    assert "3 días hábiles" not in text and await deals(h) == []


async def test_a_deal_keeps_the_rate_it_was_registered_with(harness):
    """COMMISSION_RATE 6 % → 7 %: the deal registered at 6 % still shows 6 % on its card and in
    /mis-comisiones (it used to be relabelled with today's setting); a new deal gets 7 %."""
    from decimal import Decimal

    ids = await setup_people(harness)
    await register(harness, ids["ana"], options(ids["client"]))
    [deal] = await deals(harness)
    assert deal.commission_rate == Decimal("0.06")
    card = await card_of(harness, deal.id)
    harness.settings = harness.settings.model_copy(update={"commission_rate": Decimal("0.07")})
    await harness.restart()
    click = await harness.fake.click(ids["aud1"], card, label="Pago verificado")
    await click.wait_final()
    await harness.fake.wait_for_dm(ids["ana"])  # sent after the card was refreshed
    card = harness.fake.messages_by_id[int(card["id"])]
    assert buttons(card) == [] and "6 % de $ 12.000.000 = $ 720.000" in message_text(card) and "7 %" not in message_text(card)
    mine = await (await harness.fake.slash(ids["ana"], "mis-comisiones")).wait_final(timeout=20)
    assert "6 % de $ 12.000.000" in message_text(mine) and "7 %" not in message_text(mine)
    _, text = await register(harness, ids["ana"], options(ids["client"], total="10.000.000", anticipo="1.000.000"))
    assert "7 % de $ 10.000.000 = $ 700.000" in text
    assert [d.commission_rate for d in await deals(harness)] == [Decimal("0.06"), Decimal("0.07")]
