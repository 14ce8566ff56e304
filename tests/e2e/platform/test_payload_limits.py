"""Everything the bot can send fits Discord's spec and limits, with the longest realistic values
(texts are long in Spanish). Checked with the same function the Discord fake applies to every body
it receives (:mod:`tests.fakes.discord_spec`); the e2e harness also fails any test during which the
fake refused a body, so every flow of the suite is checked as well."""

from __future__ import annotations

import importlib
import re

import discord
import pytest

from bot.app import EXTENSIONS
from bot.domain.validation import MAX_ROW_ID
from bot.texts.deals import MY_DEALS_FILTER_STATUS
from bot.ui import ActionButton, PersistentModal
from db.audit import Actor
from tests.e2e.deals.test_deals_e2e import PDF, card_of, deals, options, register
from tests.e2e.requests.test_access_e2e import billing_card, request_access
from tests.fakes import discord_spec
from tests.fakes.discord_fake import buttons, message_text

CALLBACK = "/interactions/1/token/callback"
MESSAGE = "/channels/1/messages"


def _subclasses(base: type) -> list[type]:
    for ext in EXTENSIONS:
        importlib.import_module(ext)
    out, todo = [], [base]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            out.append(sub)
    return out


def _largest_id(cls: type) -> str:
    """The longest id the custom_id template accepts: a row id, or a 16-hex token."""
    template = cls.__discord_ui_compiled_template__.pattern if hasattr(cls, "__discord_ui_compiled_template__") \
        else cls.__modal_template__.pattern
    if cls.__name__ == "MyDealsButton":  # page.status.yyyymm: the longest page, state filter and month
        return f"999999.{max(MY_DEALS_FILTER_STATUS, key=len)}.202612"
    return "f" * 16 if "[0-9a-f]{16}" in template else str(MAX_ROW_ID)


MODALS = [c for c in _subclasses(PersistentModal) if c.__modal_template__ is not None]
BUTTONS = [c for c in _subclasses(ActionButton) if c.LABELS]


def test_every_modal_class_is_registered_and_covered():
    names = {c.__name__ for c in MODALS}
    assert {"DoneModal", "AccessReasonModal", "BillingReasonModal", "RejectModal", "BadReasonModal",
            "ExtendModal", "AnswerModal", "AcceptModal"} <= names, names


@pytest.mark.parametrize("cls", MODALS, ids=lambda c: c.__name__)
async def test_every_modal_fits_discords_limits(cls):
    """Each modal, built from the longest custom_id its template accepts (as after a restart)."""
    sample = {"DoneModal": f"bill-done:{MAX_ROW_ID}", "AccessReasonModal": f"acc-reason:{MAX_ROW_ID}",
              "BillingReasonModal": f"bill-reason:{MAX_ROW_ID}", "RejectModal": f"deal-reason:audit_no:{MAX_ROW_ID}",
              "BadReasonModal": f"lead-reason:{MAX_ROW_ID}", "ExtendModal": f"renov-date:{MAX_ROW_ID}",
              "AnswerModal": f"duda-resp:{MAX_ROW_ID}", "AcceptModal": f"apoyo-ok:{MAX_ROW_ID}"}
    custom_id = sample.get(cls.__name__)
    assert custom_id is not None, f"add a sample custom_id for {cls.__name__}"
    match = cls.__modal_template__.fullmatch(custom_id)
    modal = cls.from_match(match)
    body = {"type": 9, "data": modal.to_dict()}
    discord_spec.assert_valid("POST", CALLBACK, body)
    assert modal.custom_id == custom_id  # rebuilt from its own custom_id: routable after a restart


@pytest.mark.parametrize("cls", BUTTONS, ids=lambda c: c.__name__)
async def test_every_card_button_fits_discords_limits(cls):
    view = discord.ui.View(timeout=None)
    target = _largest_id(cls)
    for action in cls.LABELS:
        item = cls(action, cls.ID_TYPE(target))
        assert re.fullmatch(cls.__discord_ui_compiled_template__, item.custom_id)
        view.add_item(item)
    discord_spec.assert_valid("POST", MESSAGE, {"content": "x", "components": view.to_components()})


def test_the_check_catches_a_label_over_45():
    """What the issue reported: Discord refuses a modal label of 46+ characters, naming the field."""
    modal = {"type": 9, "data": {"custom_id": "bill-done:1", "title": "Solicitud #1 hecha", "components": [
        {"type": 18, "label": "PDF de la proforma (opcional si pegaste un link)",
         "component": {"type": 19, "custom_id": "pdf"}}]}}
    found = discord_spec.problems("POST", CALLBACK, modal)
    assert [discord_spec.describe(p) for p in found] == ["data.components.0.label: Must be 45 or fewer in length."]


# --- the longest realistic values through the real bot --------------------------------------------
LONG_NAME = "María Alejandra de los Ángeles Castañeda Rodríguez-Villamizar " * 3  # 192 characters
LONG_CLIENT = ("Distribuidora Internacional de Productos Alimenticios y Panaderías Artesanales "
               "La Espiga Dorada del Valle de Aburrá S.A.S. — Sucursal Principal ")[:200]
LONG_NOTES = (("Razón social completa, NIT con dígito de verificación, dirección de facturación, "
              "correo de facturación electrónica y orden de compra número 4500012345. ") * 7)[:1000]
LONG_REASON = (("El anticipo no aparece en la cuenta de Sense Digital y el comprobante no coincide "
               "con el valor registrado; revisa con tesorería. ") * 4)[:500]
LONG_LINK = ("https://pagos.example.com/l/" + "a1b2c3d4" * 125)[:998]  # the longest bsvc.validate_link accepts


async def long_people(h):
    from bot.services import directory

    ids = {
        "ana": await h.member(LONG_NAME[:32], ["KAM"]),
        "jd": await h.member("Juan Diego Dillmann", ["Aprobador HubSpot"]),
        "aud1": await h.member("Auditora Uno", ["Auditoría"]),
        "req": await h.member(LONG_NAME[:32], []),
    }
    async with h.sessionmaker() as s:
        sys = Actor.system("test")
        ana = await directory.ensure_member(s, ids["ana"], LONG_NAME[:200], sys)
        client = await directory.create_client(s, sys, LONG_CLIENT)
        await directory.assign(s, sys, client, ana, now=h.clock.now())
        await directory.add_service(s, sys, client, "web", now=h.clock.now())
        await s.commit()
        ids["client"] = client.id
    return ids


async def test_longest_values_through_cards_modals_and_dms(harness):
    h = harness
    ids = await long_people(h)
    assert (len(LONG_NOTES), len(LONG_REASON), len(LONG_LINK)) == (1000, 500, 998)  # the maximums the bot accepts

    # a deal with the longest client and KAM names and its card (rejected below with a long reason)
    await register(h, ids["ana"], options(ids["client"]))
    [deal] = await deals(h)
    card = await card_of(h, deal.id)
    # a proforma request with the longest notes, done with the longest link and note
    await (await h.fake.slash(ids["ana"], "solicitar-proforma", {
        "negocio": str(deal.id), "tipo": "proforma", "valor": "6.000.000", "notas": LONG_NOTES[:1000]})).text()
    bcard = await billing_card(h, 1)
    click = await h.fake.click(ids["jd"], bcard, label="Hecho")
    assert (await click.response())["type"] == 9
    done = await h.fake.submit_modal(ids["jd"], click.modal, {"link": LONG_LINK, "note": LONG_REASON[:500]},
                                     message=bcard, files={"pdf": [("proforma.pdf", PDF, "application/pdf")]})
    assert "hecha" in (await done.text()).lower()
    await h.fake.wait_for_dm(ids["ana"], lambda m: LONG_LINK in message_text(m))
    # the deal rejected with the longest reason
    click = await h.fake.click(ids["aud1"], card, label="Rechazar")
    assert (await click.response())["type"] == 9
    field = click.modal["components"][0]["components"][0]["custom_id"]
    await (await h.fake.submit_modal(ids["aud1"], click.modal, {field: LONG_REASON[:500]}, message=card)).text()
    await h.fake.wait_for_dm(ids["ana"], lambda m: "tesorería" in message_text(m))
    # an access request with the longest e-mails, rejected with the longest reason
    local = "a" * 64
    await request_access(h, ids["req"], sense=f"{local}@sensedigital.co", gmail=f"{local}@gmail.com")
    acard = await h.fake.wait_for_message(  # not access_card(): billing request #1 has a card titled alike
        predicate=lambda m: any(b.get("custom_id") == "acc:no:1" for b in buttons(m)))
    click = await h.fake.click(ids["jd"], acard, label="Rechazar")
    assert (await click.response())["type"] == 9
    await (await h.fake.submit_modal(ids["jd"], click.modal, {"reason": LONG_REASON[:500]}, message=acard)).text()
    await h.fake.wait_for_dm(ids["req"], lambda m: "tesorería" in message_text(m))
    assert h.fake.spec_refusals == []
    # every message the bot made visible fits, checked once more as a whole
    for msg in h.fake.all_bot_messages():
        body = {k: msg[k] for k in ("content", "embeds", "components") if msg.get(k)}
        if body:
            discord_spec.assert_valid("POST", MESSAGE, body)


async def test_longest_values_through_referral_and_renewal_cards(harness_factory):
    from datetime import UTC, datetime

    from tests.e2e.referrals import test_referrals_e2e as referrals
    from tests.e2e.renewals import test_renewals_e2e as renewals

    # the renewal's dates are this start's calendar (Monday 23/11/2026 10:00 in Bogotá)
    h = await harness_factory(extensions=tuple(dict.fromkeys((*EXTENSIONS, "bot.exts.referrals.leads", "bot.exts.renewals.intents"))),
                              now=datetime(2026, 11, 23, 15, 0, tzinfo=UTC))
    ids = await long_people(h)
    ids["perfi"] = await h.member("Paula Perfiladora", ["Perfilador"])
    ids["juli"] = await h.member("Juliana Abondano", ["Renovaciones"])
    async with h.sessionmaker() as s:
        from bot.services import directory

        (await directory.ensure_member(s, ids["ana"], LONG_NAME[:200], Actor.system("test"))).cedula = "1020304050"
        await s.commit()
    # a referral with the longest contact, company, e-mail and notes, then qualified «Malo» with a long reason
    local = "l" * 64
    text = await (await h.fake.slash(ids["ana"], "referir-lead", referrals.opts(
        contacto=LONG_NAME[:200], empresa=LONG_CLIENT.replace("Distribuidora", "Comercializadora")[:200], correo=f"{local}@{'d' * 60}.example.com",
        notas=LONG_NOTES))).text()
    assert "#1" in text, text
    [lead] = await referrals.leads(h)
    card = await referrals.card_of(h, lead.id)
    click = await h.fake.click(ids["perfi"], card, label="Malo")
    assert (await click.response())["type"] == 9
    await (await h.fake.submit_modal(ids["perfi"], click.modal, {"reason": LONG_REASON})).text()
    await h.fake.wait_for_dm(ids["ana"], lambda m: "tesorería" in message_text(m))
    # a renewal window on the longest client name, by the KAM with the longest name
    await renewals.declare(h, ids["ana"], ids["client"], "20/11/2026")
    [intent] = await renewals.intents(h)
    rcard = await renewals.card_of(h, intent.id)
    assert LONG_CLIENT[:40] in message_text(rcard)
    click = await h.fake.click(ids["juli"], rcard, label="Extender")
    assert (await click.response())["type"] == 9
    await (await h.fake.submit_modal(ids["juli"], click.modal, {"date": "02/12/2026"})).text()
    assert h.fake.spec_refusals == []
