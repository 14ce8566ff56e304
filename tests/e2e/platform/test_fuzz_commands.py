"""Hostile input: a hypothesis-driven fuzz of every slash command's options, through the real bot and
the Discord fake.

For every generated interaction: the user gets an answer that is never the unexpected-error reply
(no traceback reaches anyone), every message the bot sends can ping nobody, and the database stays
consistent — no deal without its ledger line and audit row, no request without its approval, no
lead or renewal intent without its audit row (nothing half written).

One bot serves all examples of a test (state accumulates, as in real life); Discord's own limits on
option lengths are applied, as Discord applies them before the bot sees anything.
"""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.services import directory
from bot.texts import general as GT
from db.audit import Actor
from db.models import (
    AccessRequest,
    Approval,
    AuditLog,
    BillingRequest,
    CommissionEntry,
    Deal,
    Lead,
    RenewalIntent,
)
from tests.e2e.deals.test_deals_e2e import PDF, PNG
from tests.fakes.discord_fake import mentions_safe, message_text

UNEXPECTED = GT.UNEXPECTED_ERROR.split("{ref}")[0][:40]


def fuzz(examples: int):
    return settings(max_examples=examples, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

HOSTILE = [
    "@everyone", "@here", "<@&1>", "<@1>", "<#1>", "**negrita** __x__ ||spoiler|| `code` ```bloque```",
    "'; DROP TABLE deals; --", "1 OR 1=1", "\" onerror=alert(1)", "\u202eٍعربي\u202c שלום", "💸🔥👩‍💻",
    "\x00\x01\x1b[31m", "\u200b\u200b", "Ñandú Sánchez", "../../etc/passwd", "${jndi:ldap://x}",
    "12.000.000", "-5", "1e9", "NaN", "∞", "٣٤٥", "0x10", "31/02/2026", "2026-13-01", "hoy", "ayer",
    "ana@sensedigital.co", "a@gmail.com", "@@", "1020304050", "1.020.304.050", "", " ",
]
text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1000, max_size=4000),
    st.lists(st.sampled_from(HOSTILE), min_size=2, max_size=6).map(" ".join),
)
money = st.one_of(text, st.integers(-10**15, 10**15).map(str), st.from_regex(r"\$ ?\d{1,3}(\.\d{3}){0,4}", fullmatch=True))
date_text = st.one_of(text, st.dates().map(lambda d: d.strftime("%d/%m/%Y")), st.dates().map(str))


def clamp(fake, command: str, values: dict[str, Any]) -> dict[str, Any]:
    """Apply Discord's own option rules (length limits, choices) as Discord does before the bot sees it."""
    _, options_def, _ = fake._find_command(command)
    out: dict[str, Any] = {}
    for name, value in values.items():
        d = next(o for o in options_def if o["name"] == name)
        if d["type"] == 3 and isinstance(value, str):
            value = value[: d.get("max_length", 6000)]
            if len(value) < d.get("min_length", 0) or (d.get("required") and not value.strip()):
                value = (value + "x" * d.get("min_length", 1))[: max(d.get("min_length", 1), len(value) + 1)]
        if d.get("choices") and value not in [c["value"] for c in d["choices"]]:
            value = d["choices"][0]["value"]
        if d["type"] == 4:
            value = max(d.get("min_value", -(2**53)), min(d.get("max_value", 2**53), int(value)))
        out[name] = value
    return out


async def consistency(h) -> None:
    async with h.sessionmaker() as s:
        async def count(q) -> int:
            return (await s.execute(q)).scalar_one()

        for deal_id in (await s.execute(select(Deal.id))).scalars():
            assert await count(select(func.count()).select_from(CommissionEntry).where(CommissionEntry.deal_id == deal_id)) >= 1
            assert await count(select(func.count()).select_from(AuditLog).where(
                AuditLog.entity_type == "deal", AuditLog.entity_id == str(deal_id), AuditLog.action == "negocio.registrar")) == 1
        for req_id in (await s.execute(select(AccessRequest.id))).scalars():
            assert await count(select(func.count()).select_from(Approval).where(Approval.access_request_id == req_id)) == 1
        for req_id in (await s.execute(select(BillingRequest.id))).scalars():
            assert await count(select(func.count()).select_from(Approval).where(Approval.billing_request_id == req_id)) == 1
        for model, entity in ((Lead, "lead"), (RenewalIntent, "renewal_intent")):
            for row_id in (await s.execute(select(model.id))).scalars():
                assert await count(select(func.count()).select_from(AuditLog).where(
                    AuditLog.entity_type == entity, AuditLog.entity_id == str(row_id))) >= 1


class World:
    def __init__(self, h, ids: dict[str, int]) -> None:
        self.h, self.ids, self.cases = h, ids, 0

    async def run(self, user: str, command: str, values: dict[str, Any], attachments: dict | None = None,
                  channel: str = "dudas-ventas-ops") -> str:
        fake = self.h.fake
        seen = set(fake.messages_by_id)
        handle = await fake.slash(self.ids[user], command, clamp(fake, command, values), attachments=attachments or {},
                                  channel=channel)
        answer = await handle.text(timeout=20)
        await asyncio.sleep(0.05)  # cards and DMs sent right after the answer
        assert UNEXPECTED not in answer, (command, values, answer)
        for mid, msg in list(fake.messages_by_id.items()):
            if mid not in seen:
                assert UNEXPECTED not in message_text(msg), (command, message_text(msg))
            if msg.get("content"):  # only content can ping (embeds never do); edits included
                assert mentions_safe(msg), (command, msg.get("content"), msg.get("_allowed_mentions"))
        await consistency(self.h)
        self.cases += 1
        return answer


async def world(harness) -> World:
    h = harness
    ids = {
        "ana": await h.member("Ana Gómez", ["KAM"]),
        "admin": await h.member("Admin", ["Admin ventas-ops"]),
        "nadie": await h.member("Sin rol @everyone", []),
    }
    async with h.sessionmaker() as s:
        sys = Actor.system("test")
        ana = await directory.ensure_member(s, ids["ana"], "Ana Gómez", sys)
        ana.cedula = "1020304050"
        c = await directory.create_client(s, sys, "Panadería La Espiga")
        await directory.assign(s, sys, c, ana, now=harness.clock.now())
        await directory.add_service(s, sys, c, "web", now=harness.clock.now())
        await s.commit()
        ids["client"] = c.id
    return World(h, ids)


attachment = st.sampled_from([
    ("comprobante.png", PNG, "image/png"), ("comprobante.pdf", PDF, "application/pdf"),
    ("x.exe", b"MZ\x90\x00", "application/octet-stream"), ("falso.png", b"no soy png", "image/png"),
    ("@everyone.png", PNG, "image/png"), ("vacío.pdf", b"", "application/pdf"),
])


@fuzz(150)
@given(data=st.data())
async def test_fuzz_registrar_negocio(harness, data):
    w = getattr(harness, "_fuzz_world", None) or await world(harness)
    harness._fuzz_world = w
    values = {
        "cliente": data.draw(st.one_of(text, st.just(str(w.ids["client"])))),
        "tipo": data.draw(st.sampled_from(["renovacion", "cross_sale", "up_sale"])),
        "servicio": data.draw(st.sampled_from(["web", "social_ads", "google_ads", "community_manager"])),
        "valor-total": data.draw(money),
        "anticipo": data.draw(money),
        "fecha-anticipo": data.draw(date_text),
    }
    await w.run("ana", "registrar-negocio", values, {"comprobante": data.draw(attachment)})


@fuzz(250)
@given(data=st.data())
async def test_fuzz_referir_lead_and_requests(harness, data):
    w = getattr(harness, "_fuzz_world", None) or await world(harness)
    harness._fuzz_world = w
    which = data.draw(st.sampled_from(["lead", "acceso", "proforma", "renovacion", "anular", "exportar", "lectura"]))
    if which == "lead":
        await w.run("ana", "referir-lead", {
            "cedula": data.draw(st.one_of(text, st.just("1.020.304.050"))), "contacto": data.draw(text),
            "empresa": data.draw(text), "servicio": "web", "correo": data.draw(text), "telefono": data.draw(text),
            "notas": data.draw(text)})
    elif which == "acceso":
        await w.run("nadie", "solicitar-usuario-hubspot", {"correo-sense": data.draw(text), "gmail": data.draw(text)},
                    channel="general")
    elif which == "proforma":
        await w.run("ana", "solicitar-proforma", {"negocio": data.draw(text), "tipo": "proforma",
                                                  "valor": data.draw(money), "notas": data.draw(text)})
    elif which == "renovacion":
        await w.run("ana", "intencion-renovacion", {"cliente": data.draw(st.one_of(text, st.just(str(w.ids["client"])))),
                                                    "fecha-entrega": data.draw(date_text)})
    elif which == "anular":
        await w.run("admin", "admin negocio anular", {"id": data.draw(st.integers(1, 2**40)), "motivo": data.draw(text)})
    elif which == "exportar":
        await w.run("admin", "admin exportar", {"fecha": data.draw(date_text)})
    else:
        await w.run(data.draw(st.sampled_from(["ana", "nadie", "admin"])),
                    data.draw(st.sampled_from(["mis-negocios", "mis-referidos", "ayuda"])), {})


@fuzz(100)
@given(data=st.data())
async def test_fuzz_autocomplete(harness, data):
    w = getattr(harness, "_fuzz_world", None) or await world(harness)
    harness._fuzz_world = w
    command, option = data.draw(st.sampled_from([("registrar-negocio", "cliente"), ("intencion-renovacion", "cliente"),
                                                 ("solicitar-proforma", "negocio")]))
    choices = await w.h.fake.autocomplete(w.ids["ana"], command, option, data.draw(text)[:100])
    assert isinstance(choices, list) and len(choices) <= 25
    for c in choices:
        assert 1 <= len(c["name"]) <= 100 and len(str(c["value"])) <= 100
