"""Referral rules (bot.services.referrals) against a migrated temporary SQLite database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.domain.dates import BOGOTA
from bot.domain.errors import InputError
from bot.errors import UserError
from bot.services import directory
from bot.services import referrals as svc
from db.audit import Actor
from db.models import AuditLog, CommissionEntry, Lead, OutboxMessage

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
BOG = BOGOTA
SYS = Actor.system("test")
PROFILER = Actor(555, "Perfiladora")
GOOD, SOLD = 5000, 10000


def inp(**kw):
    values = dict(cedula="1.020.304.050", contacto="Laura Ríos", empresa="Ferretería El Tornillo S.A.S.",
                  correo="Laura@Tornillo.co", telefono=None, servicio="web", notas=None)
    values.update(kw)
    return svc.validate_input(**values)


async def member(session, discord_id=1001, name="Ana Gómez", cedula="1020304050"):
    m = await directory.ensure_member(session, discord_id, name, SYS)
    if cedula:
        m.cedula = cedula
    await session.flush()
    return m


async def make_lead(session, m, **kw):
    lead = await svc.create_lead(session, m, inp(**kw), actor=Actor(m.discord_id, m.name), now=NOW, tz=BOG)
    await session.commit()
    return lead


# --- input -----------------------------------------------------------------------------------
def test_input_is_normalized():
    i = inp(telefono="(+57) 300-123 4567", notas="  hola\x00 @everyone \n\n\n\nfin ")
    assert i.cedula == "1020304050"
    assert i.email == "laura@tornillo.co" and i.phone == "+573001234567"
    assert i.company_key == "ferreteria el tornillo" and i.service == "web"
    assert i.notes == "hola @everyone\n\nfin"


@pytest.mark.parametrize(
    ("kw", "fragment"),
    [
        ({"correo": None, "telefono": None}, "correo"),
        ({"correo": "no-es-correo"}, "correo válido"),
        ({"correo": None, "telefono": "12345"}, "colombiano"),
        ({"cedula": "12a45"}, "solo números"),
        ({"cedula": "123"}, "entre 6 y 10"),
        ({"empresa": "   "}, "empresa"),
        ({"empresa": "¡¡--!!"}, "empresa"),
        ({"contacto": ""}, "contacto"),
        ({"servicio": "hamburguesas"}, "servicio"),
        ({"notas": "x" * 1001}, "1000"),
    ],
)
def test_bad_input_refused_in_spanish(kw, fragment):
    with pytest.raises((InputError, UserError)) as err:
        inp(**kw)
    assert fragment in str(err.value.message)


# --- cédula ----------------------------------------------------------------------------------
async def test_cedula_first_time_needs_confirmation_then_must_match(sessionmaker):
    async with sessionmaker() as s:
        m = await member(s, cedula=None)
        assert await svc.check_cedula(s, m, "1020304050") is True
        await svc.store_cedula(s, m, "1020304050", SYS)
        await s.commit()
        assert m.cedula == "1020304050"
        assert await svc.check_cedula(s, m, "1020304050") is False
        with pytest.raises(UserError, match="4050"):
            await svc.check_cedula(s, m, "1020304051")
        audit = (await s.execute(select(AuditLog).where(AuditLog.action == "miembro.cedula"))).scalar_one()
        assert "1020304050" not in str(audit.after)


async def test_cedula_of_someone_else_refused(sessionmaker):
    async with sessionmaker() as s:
        await member(s, 1, "Ana", "1020304050")
        luis = await member(s, 2, "Luis", None)
        with pytest.raises(UserError, match="otra persona"):
            await svc.check_cedula(s, luis, "1020304050")


async def test_create_requires_the_stored_cedula(sessionmaker):
    async with sessionmaker() as s:
        m = await member(s, cedula="99887766")
        with pytest.raises(UserError, match="no coincide"):
            await make_lead(s, m)


# --- rules ---------------------------------------------------------------------------------------
async def test_lead_created_with_audit(sessionmaker):
    async with sessionmaker() as s:
        m = await member(s)
        lead = await make_lead(s, m, notas="Quiere tienda virtual")
        assert (lead.status, lead.company_key, lead.email, lead.referrer_cedula) == (
            "nuevo", "ferreteria el tornillo", "laura@tornillo.co", "1020304050")
        row = (await s.execute(select(AuditLog).where(AuditLog.action == "lead.crear"))).scalar_one()
        assert row.after["referrer_cedula"] == "••••4050"


async def test_current_client_same_service_refused_other_service_allowed(sessionmaker):
    async with sessionmaker() as s:
        m = await member(s)
        c = await directory.create_client(s, SYS, "Ferretería el Tornillo")
        await directory.add_service(s, SYS, c, "web", now=NOW)
        await s.commit()
        with pytest.raises(UserError, match="renovaciones no son leads"):
            await make_lead(s, m, empresa="FERRETERIA EL TORNILLO SAS", servicio="web")
        lead = await make_lead(s, m, empresa="Ferretería El Tornillo", servicio="google_ads")
        assert lead.service == "google_ads"


async def test_former_client_service_is_not_current(sessionmaker):
    async with sessionmaker() as s:
        m = await member(s)
        c = await directory.create_client(s, SYS, "Ferretería el Tornillo")
        await directory.add_service(s, SYS, c, "web", now=NOW)
        c.active = False
        await s.commit()
        assert (await make_lead(s, m)).id


@pytest.mark.parametrize(
    ("second", "field"),
    [
        ({"empresa": "Otra", "correo": "LAURA@tornillo.co "}, "correo"),
        ({"empresa": "Otra", "correo": None, "telefono": "300 123 4567"}, "teléfono"),
        ({"empresa": "ferreteria el tornillo ltda.", "correo": "otra@x.co"}, "empresa"),
    ],
)
async def test_duplicates_first_referral_wins(sessionmaker, second, field):
    async with sessionmaker() as s:
        ana = await member(s, 1, "Ana", "1020304050")
        luis = await member(s, 2, "Luis", "52111222")
        first = await make_lead(s, ana, telefono="+57 3001234567")
        with pytest.raises(UserError) as err:
            await make_lead(s, luis, cedula="52111222", **second)
        text = err.value.message
        assert "23/11/2026 10:00" in text and f"#{first.id}" in text and field in text
        assert "Ana" not in text  # when, not who
        assert len((await s.execute(select(Lead))).scalars().all()) == 1


async def test_generic_company_names_are_not_duplicates(sessionmaker):
    async with sessionmaker() as s:
        m = await member(s)
        await make_lead(s, m, empresa="Persona natural", correo="a@a.co")
        await make_lead(s, m, empresa="persona natural", correo="b@b.co")
        assert len((await s.execute(select(Lead))).scalars().all()) == 2


# --- qualification and ledger -----------------------------------------------------------------
async def _ledger(s, lead_id):
    q = select(CommissionEntry).where(CommissionEntry.lead_id == lead_id).order_by(CommissionEntry.id)
    return [(e.kind, e.state, e.amount) for e in (await s.execute(q)).scalars()]


async def qualify(s, lead_id, target, reason=None, actor=PROFILER, when=NOW):
    q = await svc.qualify(s, lead_id, target, actor=actor, now=when, good=GOOD, sold=SOLD, reason=reason)
    await s.commit()
    return q


async def test_good_then_sold_reward_by_final_status_append_only(sessionmaker):
    async with sessionmaker() as s:
        m = await member(s)
        lead = await make_lead(s, m)
        q = await qualify(s, lead.id, "bueno")
        assert q.changed and q.reward == GOOD and q.delta == GOOD
        q = await qualify(s, lead.id, "vendido", when=NOW + timedelta(days=3))
        assert q.changed and q.reward == SOLD and q.delta == SOLD - GOOD
        assert await _ledger(s, lead.id) == [("referido", "ganada", 5000), ("referido", "ganada", 5000)]
        assert await svc.ledger_total(s, lead.id) == SOLD  # not cumulative: 10.000, not 15.000
        dms = (await s.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars().all()
        assert [d.target for d in dms] == ["dm", "dm"] and all(d.target_id == m.discord_id for d in dms)
        assert "Bueno" in dms[0].payload["content"] and "$ 5.000" in dms[0].payload["content"]
        assert "Vendido" in dms[1].payload["content"] and "$ 10.000" in dms[1].payload["content"]
        actions = [a.action for a in (await s.execute(select(AuditLog).where(AuditLog.entity_type == "lead"))).scalars()]
        assert actions == ["lead.crear", "lead.calificar", "lead.calificar"]


async def test_bad_with_reason_zero_reward_and_final(sessionmaker):
    async with sessionmaker() as s:
        m = await member(s)
        lead = await make_lead(s, m)
        q = await qualify(s, lead.id, "malo", reason="No contesta")
        assert q.changed and q.reward == 0
        assert await _ledger(s, lead.id) == [("referido", "rechazada", 0)]
        dm = (await s.execute(select(OutboxMessage))).scalar_one()
        assert "Malo" in dm.payload["content"] and "No contesta" in dm.payload["content"]
        for target in ("bueno", "vendido", "malo"):
            q = await qualify(s, lead.id, target)
            assert not q.changed
        assert (await s.get(Lead, lead.id)).status == "malo"


async def test_sold_directly_and_no_way_back(sessionmaker):
    async with sessionmaker() as s:
        m = await member(s)
        lead = await make_lead(s, m)
        assert (await qualify(s, lead.id, "vendido")).reward == SOLD
        q = await qualify(s, lead.id, "bueno")
        assert not q.changed and q.not_allowed
        assert await svc.ledger_total(s, lead.id) == SOLD


async def test_concurrent_qualifications_decided_once(sessionmaker):
    async with sessionmaker() as s:
        m = await member(s)
        lead = await make_lead(s, m)

    async def one(target, who):
        async with sessionmaker() as s2:
            return await qualify(s2, lead.id, target, actor=Actor(who, f"p{who}"))

    # targets reachable only from "nuevo": however the four interleave, exactly one can move the lead
    # ("vendido" is left out: after a "bueno" that committed first it is a legitimate second step, so
    # whether it changed anything would depend on the interleaving)
    results = await asyncio.gather(one("bueno", 1), one("malo", 2), one("bueno", 3), one("malo", 4))
    assert sum(r.changed for r in results) == 1
    async with sessionmaker() as s:
        entries = await _ledger(s, lead.id)
        assert len(entries) == 1
        assert len((await s.execute(select(OutboxMessage))).scalars().all()) == 1


async def test_reward_amounts_come_from_settings(sessionmaker):
    async with sessionmaker() as s:
        m = await member(s)
        lead = await make_lead(s, m)
        q = await svc.qualify(s, lead.id, "bueno", actor=PROFILER, now=NOW, good=7000, sold=20000)
        assert q.reward == 7000


# --- SLA -------------------------------------------------------------------------------------------
async def test_sla_escalates_once_and_lists_until_handled(sessionmaker):
    async with sessionmaker() as s:
        m = await member(s)
        lead = await make_lead(s, m)
        assert await svc.process_sla(s, NOW + timedelta(hours=23, minutes=59), tz=BOG, sla_hours=24) == []
        later = NOW + timedelta(hours=24, minutes=1)
        escalated = await svc.process_sla(s, later, tz=BOG, sla_hours=24, profiler_role="Perfilador")
        await s.commit()
        assert [x.id for x in escalated] == [lead.id]
        assert await svc.process_sla(s, later + timedelta(hours=5), tz=BOG, sla_hours=24) == []
        post = (await s.execute(select(OutboxMessage))).scalar_one()
        assert post.target == "channel" and "Perfilador" in post.payload["content"] and f"#{lead.id}" in post.payload["content"]
        assert "<@&" not in post.payload["content"]
        assert [x.id for x in await svc.leads_past_sla(s, later, sla_hours=24)] == [lead.id]
        await qualify(s, lead.id, "bueno")
        assert await svc.leads_past_sla(s, later, sla_hours=24) == []
        assert (await s.get(Lead, lead.id)).sla_escalated_at is not None


async def test_role_label_never_a_raw_ping():
    assert svc.role_label("123456789012345678") == "<@&123456789012345678>"
    assert svc.role_label("@everyone") == "**@@\u200beveryone**"


# --- cross-program conflict -------------------------------------------------------------------
async def test_deal_for_company_referred_by_someone_else_is_flagged(sessionmaker):
    async with sessionmaker() as s:
        ana = await member(s, 1, "Ana", "1020304050")
        luis = await member(s, 2, "Luis", "52111222")
        lead = await make_lead(s, ana)
        assert await svc.flag_deal_for_referred_company(s, "Otra Empresa", luis.id, tz=BOG, now=NOW) is None
        assert await svc.flag_deal_for_referred_company(s, "Ferreteria El Tornillo SAS", ana.id, tz=BOG, now=NOW) is None
        flagged = await svc.flag_deal_for_referred_company(s, "Ferretería el Tornillo", luis.id, tz=BOG, now=NOW, deal_id=7,
                                                           admin_role="Admin ventas-ops")
        assert flagged is not None and flagged.id == lead.id
        again = await svc.flag_deal_for_referred_company(s, "Ferretería el Tornillo", luis.id, tz=BOG, now=NOW, deal_id=7)
        assert again is not None
        await s.commit()
        posts = (await s.execute(select(OutboxMessage))).scalars().all()
        assert len(posts) == 1  # once per lead and deal
        text = posts[0].payload["content"]
        assert "Admin ventas-ops" in text and "Luis" in text and "••••4050" in text and "1020304050" not in text


# --- /mis-referidos ----------------------------------------------------------------------------
async def test_referrals_of_member_with_totals(sessionmaker):
    async with sessionmaker() as s:
        ana = await member(s, 1, "Ana", "1020304050")
        luis = await member(s, 2, "Luis", "52111222")
        a = await make_lead(s, ana, empresa="Uno", correo="1@x.co")
        b = await make_lead(s, ana, empresa="Dos", correo="2@x.co")
        await make_lead(s, ana, empresa="Tres", correo="3@x.co")
        await make_lead(s, luis, cedula="52111222", empresa="Cuatro", correo="4@x.co")
        await qualify(s, a.id, "bueno")
        await qualify(s, a.id, "vendido")
        await qualify(s, b.id, "bueno")
        mine = await svc.referrals_of(s, ana.id)
        assert mine.total == 3 and mine.earned == 15000
        assert mine.counts == {"nuevo": 1, "bueno": 1, "malo": 0, "vendido": 1}
        assert {lead.company: r for lead, r in mine.leads} == {"Uno": 10000, "Dos": 5000, "Tres": 0}
