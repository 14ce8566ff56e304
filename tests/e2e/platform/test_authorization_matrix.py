"""Authorization matrix: every card button and every /admin command, tried by every wrong role (and by
a member with no role), through the real bot and the Discord fake. Each attempt must be refused in
Spanish, change nothing, and leave an ``acceso.denegado`` audit row.

The /admin subcommands are read from the command tree the bot synced, so a new one is covered
without touching this file.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from bot.services import directory
from db.audit import Actor
from db.models import (
    AccessRequest,
    Approval,
    AuditLog,
    BillingRequest,
    Client,
    CommissionEntry,
    Deal,
    Lead,
    Member,
    RenewalIntent,
)
from tests.e2e.deals.test_deals_e2e import options, register, setup_people
from tests.fakes.discord_fake import DEFAULT_ROLES, buttons

ROLE_KAM, ROLE_APPROVER, ROLE_COO, ROLE_RENEWALS, ROLE_AUDIT, ROLE_PROFILER, ROLE_ADMIN = DEFAULT_ROLES
CEDULA = "1020304050"


async def snapshot(h) -> dict[str, Any]:
    """Every decision-bearing state in the database."""
    async with h.sessionmaker() as s:
        out: dict[str, Any] = {}
        for model in (Deal, Approval, Lead, RenewalIntent, AccessRequest, BillingRequest):
            rows = (await s.execute(select(model.id, model.status).order_by(model.id))).all()
            out[model.__tablename__] = [tuple(r) for r in rows]
        out["ledger"] = [tuple(r) for r in (await s.execute(
            select(CommissionEntry.id, CommissionEntry.state, CommissionEntry.amount).order_by(CommissionEntry.id))).all()]
        out["members"] = [tuple(r) for r in (await s.execute(select(Member.id, Member.active).order_by(Member.id))).all()]
    return out


async def denied_count(h) -> int:
    async with h.sessionmaker() as s:
        return (await s.execute(select(func.count()).select_from(AuditLog).where(AuditLog.action == "acceso.denegado"))).scalar_one()


async def build_cards(h) -> tuple[dict[str, int], list[tuple[dict, str, tuple[str, ...]]]]:
    """Cards of every kind with their buttons: [(message, custom_id, roles allowed)]."""
    ids = await setup_people(h, owner_id="501")
    ids["requester"] = await h.member("Nueva Vendedora", [])
    async with h.sessionmaker() as s:
        sys = Actor.system("test")
        ana = await directory.get_member(s, ids["ana"])
        ana.cedula = CEDULA
        luis = await directory.get_member(s, ids["luis"])
        client = await s.get(Client, ids["client"])
        await directory.assign(s, sys, client, luis, now=h.clock.now())  # both serve it: an attribution dispute is possible
        await s.commit()
    # deals: a cross-sale (audit), an up-sale (COO + audit), a disputed attribution (admin)
    hs = [h.hubspot.add_deal(dealname=f"Espiga {i}", amount="12000000", hubspot_owner_id="501",
                             fecha_de_anticipo=h.today().isoformat()) for i in range(3)]
    await register(h, ids["ana"], options(ids["client"], **{"negocio-hubspot": hs[0]}))
    await register(h, ids["ana"], options(ids["client"], tipo="up_sale", servicio="web", total="20.000.000",
                                          **{"negocio-hubspot": hs[1]}))
    hid = hs[2]
    await register(h, ids["ana"], options(ids["client"], servicio="google_ads", **{"negocio-hubspot": hid}))
    await register(h, ids["luis"], options(ids["client"], servicio="google_ads", **{"negocio-hubspot": hid}))
    # a lead, a renewal intent, an access request, a proforma request
    await (await h.fake.slash(ids["ana"], "referir-lead", {
        "cedula": CEDULA, "contacto": "Laura Ríos", "empresa": "Ferretería El Tornillo", "correo": "laura@tornillo.co",
        "telefono": "300 123 4567", "servicio": "web"})).wait_final()
    await (await h.fake.slash(ids["ana"], "intencion-renovacion", {"cliente": str(ids["client"]), "fecha-entrega": "hoy"})).wait_final()
    await (await h.fake.slash(ids["requester"], "solicitar-usuario-hubspot", {
        "correo-sense": "nueva@sensedigital.co", "gmail": "nueva@gmail.com"}, channel="general")).wait_final()
    await (await h.fake.slash(ids["ana"], "solicitar-proforma", {"negocio": "1", "tipo": "proforma", "valor": "1.000.000"})).wait_final()

    allowed = {"deal:audit": (ROLE_AUDIT,), "deal:coo": (ROLE_COO,), "deal:attr": (ROLE_ADMIN,), "lead": (ROLE_PROFILER,),
               "renov": (ROLE_RENEWALS,), "acc": (ROLE_APPROVER,), "bill": (ROLE_APPROVER,)}
    expected = {"deal:audit_ok", "deal:audit_no", "deal:coo_ok", "deal:coo_no", "deal:attr_new", "deal:attr_keep",
                "lead:bueno", "lead:malo", "lead:vendido", "renov:ext", "renov:lib", "acc:ok", "acc:no", "bill:done", "bill:no"}

    def scan() -> list[tuple[dict, str, tuple[str, ...]]]:
        found = []
        for m in h.fake.channel_messages():
            for b in buttons(m):
                cid = b["custom_id"]
                prefix = cid.split(":")[0]
                key = f"deal:{cid.split(':')[1].split('_')[0]}" if prefix == "deal" else prefix
                found.append((m, cid, allowed[key]))
        return found

    await h.fake.wait_for(lambda: expected <= {cid.rsplit(":", 1)[0] for _, cid, _ in scan()}, timeout=10)
    return ids, scan()


async def test_every_button_refuses_every_wrong_role(harness_factory):
    h = await harness_factory(hubspot=True)
    clickers = {role: await h.member(f"Persona {role}", [role]) for role in DEFAULT_ROLES}
    clickers["(sin rol)"] = await h.member("Persona sin rol", [])
    ids, cards = await build_cards(h)
    before, denied_before = await snapshot(h), await denied_count(h)
    attempts = 0
    for message, custom_id, allowed in cards:
        for role, user in clickers.items():
            if role in allowed:
                continue
            handle = await h.fake.click(user, message, custom_id)
            text = await handle.text()
            assert handle.ephemeral, (custom_id, role)
            assert any(f"«{a}»" in text for a in allowed), (custom_id, role, text)
            attempts += 1
    assert await snapshot(h) == before
    assert await denied_count(h) - denied_before == attempts
    assert attempts >= 15 * 7
    assert "KAM" not in h.fake.member_roles(ids["requester"])  # the access request was not approved by anyone


def admin_subcommands(fake) -> list[tuple[str, list[dict]]]:
    """("admin negocio anular", options) for every /admin leaf command the bot synced."""
    [admin] = [c for c in fake.guild_commands if c["name"] == "admin"]
    out = []
    for opt in admin.get("options", []):
        if opt["type"] == 1:
            out.append((f"admin {opt['name']}", opt.get("options", [])))
        elif opt["type"] == 2:
            for sub in opt.get("options", []):
                out.append((f"admin {opt['name']} {sub['name']}", sub.get("options", [])))
    return out


def plausible(options_def: list[dict], user: int) -> tuple[dict[str, Any], dict[str, tuple[str, bytes, str]]]:
    values: dict[str, Any] = {}
    files: dict[str, tuple[str, bytes, str]] = {}
    for o in options_def:
        if not o.get("required"):
            continue
        t = o["type"]
        if o.get("choices"):
            values[o["name"]] = o["choices"][0]["value"]
        elif t == 3:
            values[o["name"]] = "1"
        elif t in (4, 10):
            values[o["name"]] = max(1, int(o.get("min_value", 1)))
        elif t == 5:
            values[o["name"]] = False
        elif t in (6, 9):
            values[o["name"]] = user
        elif t == 11:
            files[o["name"]] = ("datos.csv", b"cliente\nX\n", "text/csv")
        else:
            values[o["name"]] = "1"
    return values, files


async def test_every_admin_command_refuses_every_other_role(harness_factory):
    h = await harness_factory(hubspot=True)
    ids = await setup_people(h)
    await register(h, ids["ana"], options(ids["client"]))
    people = {role: await h.member(f"Persona {role}", [role]) for role in DEFAULT_ROLES if role != ROLE_ADMIN}
    people["(sin rol)"] = await h.member("Persona sin rol", [])
    commands = admin_subcommands(h.fake)
    assert {"admin config", "admin exportar", "admin negocio anular"} <= {c for c, _ in commands}
    before, denied_before = await snapshot(h), await denied_count(h)
    attempts = 0
    for command, opts in commands:
        for role, user in people.items():
            values, files = plausible(opts, ids["ana"])
            handle = await h.fake.slash(user, command, values, attachments=files)
            text = await handle.text()
            assert handle.ephemeral and f"«{ROLE_ADMIN}»" in text, (command, role, text)
            attempts += 1
    assert await snapshot(h) == before
    assert await denied_count(h) - denied_before == attempts
    assert not list(h.settings.export_dir.glob("**/*.xlsx"))  # no export ran
