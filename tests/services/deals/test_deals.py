"""Deal registration rules, decisions, cancellation and HubSpot checks at the service level."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, date, datetime, time
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.domain.dates import BOGOTA
from bot.domain.enums import Service
from bot.domain.errors import DomainError
from bot.services import commissions as ledger
from bot.services import deals as svc
from bot.services import directory
from bot.services.proofs import StoredProof
from db.audit import Actor
from db.models import Approval, AuditLog, CommissionEntry, Deal, Member, OutboxMessage

TZ = ZoneInfo("America/Bogota")
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # 10:00 in Bogotá, Monday
EXPORT = time(6, 0)
RATE = Decimal("0.06")
SERVICES = [s.value for s in Service]
HAS, OTHER = SERVICES[0], SERVICES[1]
PROOF = StoredProof("proofs/ab/abc.pdf", "ab" * 32, "pago.pdf", "application/pdf", 10)
ADMIN = Actor(1, "Admin")
AUDITOR = Actor(2, "Auditora Ana")
AUDITOR2 = Actor(3, "Auditor Beto")
COO = Actor(4, "Camilo Castro")

_ids = itertools.count(10_000)


@pytest.fixture
async def world(sessionmaker):
    async with sessionmaker() as s:
        ana = await directory.ensure_member(s, 1001, "Ana KAM")
        ana.hubspot_owner_id = "own-ana"
        beto = await directory.ensure_member(s, 1002, "Beto KAM")
        carla = await directory.ensure_member(s, 1003, "Carla Inactiva")
        carla.active = False
        acme = await directory.create_client(s, ADMIN, "Acme S.A.S.")
        globex = await directory.create_client(s, ADMIN, "Globex")
        await directory.assign(s, ADMIN, acme, ana, now=NOW)
        await directory.assign(s, ADMIN, acme, carla, now=NOW)
        await directory.assign(s, ADMIN, globex, beto, now=NOW)
        await directory.assign(s, ADMIN, acme, beto, now=NOW)
        await directory.add_service(s, ADMIN, acme, HAS, now=NOW)
        await directory.add_service(s, ADMIN, globex, HAS, now=NOW)
        await s.commit()
        return SimpleNamespace(ana=ana, beto=beto, carla=carla, acme=acme, globex=globex)


def req(w, **kw) -> svc.RegistrationRequest:
    values = dict(
        discord_id=1001,
        client=str(w.acme.id),
        deal_type="cross_sale",
        service=OTHER,
        total="12.000.000",
        advance="6.000.000",
        advance_date=None,
        hubspot=None,
        interaction_id=next(_ids),
    )
    values.update(kw)
    return svc.RegistrationRequest(**values)


async def register(sm, r, *, now=NOW, hubspot=False, proof=PROOF) -> svc.Registration:
    async with sm() as s:
        out = await svc.register(
            s, r, proof, actor=Actor(r.discord_id, "kam"), now=now, tz=TZ, export_time=EXPORT, rate=RATE, window_days=3,
            hubspot_enabled=hubspot,
        )
        await s.commit()
        return out


async def refused(sm, r, *, now=NOW, hubspot=False) -> str:
    before = await count(sm, Deal)
    with pytest.raises(DomainError) as info:
        await register(sm, r, now=now, hubspot=hubspot)
    assert await count(sm, Deal) == before
    return str(info.value)


async def decide(sm, deal_id, action, actor=AUDITOR, reason=None, now=NOW) -> svc.Decision:
    async with sm() as s:
        d = await svc.decide(s, deal_id, action, actor=actor, now=now, reason=reason)
        await s.commit()
        return d


async def entries(sm, deal_id):
    async with sm() as s:
        return list(
            (await s.execute(select(CommissionEntry).where(CommissionEntry.deal_id == deal_id).order_by(CommissionEntry.id))).scalars()
        )


async def count(sm, model) -> int:
    async with sm() as s:
        return (await s.execute(select(func.count()).select_from(model))).scalar_one()


# --- registration ---------------------------------------------------------------------------
async def test_cross_sale_registers_with_audit_and_pending_commission(sessionmaker, world):
    reg = await register(sessionmaker, req(world))
    d = reg.deal
    assert reg.created and d.status == "pendiente" and d.deal_type == "cross_sale"
    assert (d.total_value, d.advance_amount, d.commission_estimate) == (12_000_000, 6_000_000, 720_000)
    assert d.advance_date == date(2026, 11, 23) and not d.is_late
    assert d.proof_path == PROOF.relative_path and d.hubspot_check == "desactivado"
    assert [a.kind for a in reg.approvals] == ["auditoria"]
    (e,) = await entries(sessionmaker, d.id)
    assert (e.kind, e.state, e.amount, e.member_id) == ("comision", "pendiente", 720_000, world.ana.id)
    async with sessionmaker() as s:
        rows = (await s.execute(select(AuditLog).where(AuditLog.action == "negocio.registrar"))).scalars().all()
    assert len(rows) == 1 and rows[0].entity_id == str(d.id)


async def test_up_sale_needs_coo_and_renewal_is_recorded(sessionmaker, world):
    up = await register(sessionmaker, req(world, deal_type="up_sale", service=HAS))
    assert sorted(a.kind for a in up.approvals) == ["auditoria", "coo"]
    text = await refused(sessionmaker, req(world, deal_type="renovacion", service=HAS))
    assert "Renovaciones" in text  # no open renewal window yet
    from bot.services import renewals

    async with sessionmaker() as s:
        await renewals.declare(s, member=world.ana, client=world.acme, delivery=NOW.date(), now=NOW,
                               window_days=3, actor=ADMIN, tz=BOGOTA)
        await s.commit()
    ren = await register(sessionmaker, req(world, deal_type="renovacion", service=HAS))
    assert [a.kind for a in ren.approvals] == ["auditoria"]
    assert ren.deal.deal_type == "renovacion"


async def test_commission_is_half_up(sessionmaker, world):
    reg = await register(sessionmaker, req(world, total="1.234.575", advance="1"))
    assert reg.deal.commission_estimate == 74_075  # 74 074.5 → 74 075


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"client": "Cliente Nuevo"}, "/referir-lead"),
        ({"client": "Globex"}, "solo clientes propios"),
        ({"deal_type": "cross_sale", "service": HAS}, "Cross sale"),
        ({"deal_type": "up_sale", "service": OTHER}, "Up sale"),
        ({"total": "1.000.000", "advance": "2.000.000"}, "anticipo"),
        ({"advance_date": "2026-11-24"}, "futuro"),
    ],
)
async def test_refusals_quote_the_rule(sessionmaker, world, kwargs, needle):
    text = await refused(sessionmaker, req(world, **kwargs))
    assert needle in text and "Regla" in text
    assert await count(sessionmaker, Deal) == 0
    assert await count(sessionmaker, CommissionEntry) == 0


async def test_inactive_and_unknown_members_are_refused(sessionmaker, world):
    assert "inactivo" in await refused(sessionmaker, req(world, discord_id=1003))
    assert "solo clientes propios" in await refused(sessionmaker, req(world, discord_id=4242))


@pytest.mark.parametrize("bad", ["0", "-5.000", "1.500,50", "12,5", "abc", "9" * 20])
async def test_bad_amounts_are_refused(sessionmaker, world, bad):
    with pytest.raises(DomainError):
        await register(sessionmaker, req(world, total=bad))
    assert await count(sessionmaker, Deal) == 0


@pytest.mark.parametrize("good", ["1.500.000", "$ 1.500.000", "1500000"])
async def test_amount_formats(sessionmaker, world, good):
    reg = await register(sessionmaker, req(world, total=good, advance="1"))
    assert reg.deal.total_value == 1_500_000


async def test_hubspot_required_when_enabled(sessionmaker, world):
    assert "negocio-hubspot" in await refused(sessionmaker, req(world), hubspot=True)
    reg = await register(sessionmaker, req(world, hubspot="123456"), hubspot=True)
    assert reg.deal.hubspot_deal_id == "123456" and reg.deal.hubspot_check == "pendiente"


async def test_same_kam_duplicate_hubspot_deal_is_refused(sessionmaker, world):
    await register(sessionmaker, req(world, hubspot="777"))
    text = await refused(sessionmaker, req(world, hubspot="777"))
    assert "una sola vez" in text and "Regla" in text
    assert await count(sessionmaker, Deal) == 1


async def test_other_kam_duplicate_opens_attribution_dispute(sessionmaker, world):
    first = await register(sessionmaker, req(world, hubspot="777"))
    second = await register(sessionmaker, req(world, discord_id=1002, hubspot="777"))
    kinds = {a.kind: a for a in second.approvals}
    assert set(kinds) == {"auditoria", "atribucion"}
    assert kinds["atribucion"].related_deal_id == first.deal.id
    assert second.checked.disputed[0].id == first.deal.id


@pytest.mark.parametrize(
    ("advance", "now", "late"),
    [
        ("hoy", NOW, False),
        ("ayer", datetime(2026, 11, 23, 10, 59, tzinfo=UTC), False),  # 05:59 Bogotá
        ("ayer", datetime(2026, 11, 23, 11, 0, tzinfo=UTC), True),  # 06:00 Bogotá
        ("21/11/2026", NOW, True),
        ("2026-11-22", datetime(2026, 11, 23, 4, 0, tzinfo=UTC), False),  # 23:00 on the 22nd
    ],
)
async def test_late_flag(sessionmaker, world, advance, now, late):
    reg = await register(sessionmaker, req(world, advance_date=advance), now=now)
    assert reg.deal.is_late is late
    assert (reg.checked.export_date is not None) is late


async def test_registration_is_idempotent_on_interaction(sessionmaker, world):
    r = req(world)
    a = await register(sessionmaker, r)
    b = await register(sessionmaker, r)
    assert a.created and not b.created and a.deal.id == b.deal.id
    assert await count(sessionmaker, Deal) == 1
    assert await count(sessionmaker, CommissionEntry) == 1


# --- decisions ------------------------------------------------------------------------------
async def test_audit_approval_earns_the_commission(sessionmaker, world):
    d = (await register(sessionmaker, req(world))).deal
    dec = await decide(sessionmaker, d.id, "audit_ok")
    assert dec.decided and dec.earned == 720_000 and dec.deal.status == "aprobado"
    assert dec.deal.proof_status == "verificado"
    (e,) = await entries(sessionmaker, d.id)
    assert (e.state, e.settled_at) == ("ganada", NOW)
    async with sessionmaker() as s:
        bal = await ledger.balance(s, world.ana.id)
    assert (bal.pending, bal.earned, bal.net) == (0, 720_000, 720_000)


async def test_up_sale_needs_both_approvals(sessionmaker, world):
    d = (await register(sessionmaker, req(world, deal_type="up_sale", service=HAS))).deal
    first = await decide(sessionmaker, d.id, "audit_ok")
    assert first.earned == 0 and first.deal.status == "pendiente"
    second = await decide(sessionmaker, d.id, "coo_ok", actor=COO)
    assert second.earned == 720_000 and second.deal.status == "aprobado"


async def test_rejection_earns_nothing_and_closes_other_approvals(sessionmaker, world):
    d = (await register(sessionmaker, req(world, deal_type="up_sale", service=HAS))).deal
    dec = await decide(sessionmaker, d.id, "audit_no", reason="No llegó el anticipo")
    assert dec.rejected and dec.deal.status == "rechazado" and dec.deal.proof_status == "rechazado"
    assert dec.deal.cancel_reason == "No llegó el anticipo"
    (e,) = await entries(sessionmaker, d.id)
    assert e.state == "rechazada"
    async with sessionmaker() as s:
        apps = {a.kind: a.status for a in await svc.approvals_of(s, d.id)}
    assert apps == {"auditoria": "rechazada", "coo": "cancelada"}
    # the COO can no longer decide: told the approval was closed
    late = await decide(sessionmaker, d.id, "coo_ok", actor=COO)
    assert not late.decided and late.approval.status == "cancelada" and late.deal.status == "rechazado"


async def test_second_decision_is_told_who_decided(sessionmaker, world):
    d = (await register(sessionmaker, req(world))).deal
    await decide(sessionmaker, d.id, "audit_ok", actor=AUDITOR)
    again = await decide(sessionmaker, d.id, "audit_no", actor=AUDITOR2, reason="x")
    assert not again.decided
    assert again.approval.decided_by_name == "Auditora Ana" and again.approval.status == "aprobada"
    assert again.deal.status == "aprobado"
    assert len(await entries(sessionmaker, d.id)) == 1


async def test_simultaneous_decisions_yield_one(sessionmaker, world):
    d = (await register(sessionmaker, req(world))).deal
    results = await asyncio.gather(
        decide(sessionmaker, d.id, "audit_ok", actor=AUDITOR),
        decide(sessionmaker, d.id, "audit_no", actor=AUDITOR2, reason="no"),
    )
    assert sorted(r.decided for r in results) == [False, True]
    async with sessionmaker() as s:
        n = (
            await s.execute(select(func.count()).select_from(AuditLog).where(AuditLog.action.like("aprobacion.%")))
        ).scalar_one()
    assert n == 1


async def test_cancel_earned_deal_claws_back(sessionmaker, world):
    d = (await register(sessionmaker, req(world))).deal
    await decide(sessionmaker, d.id, "audit_ok")
    async with sessionmaker() as s:
        c = await svc.cancel_deal(s, d.id, "El cliente desistió", actor=ADMIN, now=NOW)
        await s.commit()
    assert (c.status_before, c.clawback, c.deal.status) == ("aprobado", 720_000, "anulado")
    es = await entries(sessionmaker, d.id)
    assert [(e.kind, e.state, e.amount) for e in es] == [("comision", "ganada", 720_000), ("reverso", "reversada", -720_000)]
    async with sessionmaker() as s:
        bal = await ledger.balance(s, world.ana.id)
        assert (bal.earned, bal.reversed, bal.net) == (720_000, -720_000, 0)
        with pytest.raises(DomainError):
            await svc.cancel_deal(s, d.id, "otra vez", actor=ADMIN, now=NOW)


async def test_cancel_pending_deal_has_no_clawback(sessionmaker, world):
    d = (await register(sessionmaker, req(world))).deal
    async with sessionmaker() as s:
        c = await svc.cancel_deal(s, d.id, "Error de registro", actor=ADMIN, now=NOW)
        await s.commit()
    assert c.clawback == 0
    (e,) = await entries(sessionmaker, d.id)
    assert e.state == "rechazada"
    async with sessionmaker() as s:
        with pytest.raises(DomainError):
            await svc.cancel_deal(s, d.id, "   ", actor=ADMIN, now=NOW)
    assert not (await decide(sessionmaker, d.id, "audit_ok")).decided


async def test_cancel_queues_the_kam_dm_in_its_own_transaction(sessionmaker, world):
    """Issue 17: the cancellation's DM is an outbox row of the cancellation's transaction: rolled back
    with it, committed with it (once), with the closed-DMs notice as its fallback."""
    d = (await register(sessionmaker, req(world))).deal
    async with sessionmaker() as s:
        await svc.cancel_deal(s, d.id, "El cliente desistió", actor=ADMIN, now=NOW)
        await s.rollback()
    async with sessionmaker() as s:
        assert (await s.execute(select(OutboxMessage).where(OutboxMessage.dedupe_key.like("anulado:%")))).first() is None
        await svc.cancel_deal(s, d.id, "El cliente desistió", actor=ADMIN, now=NOW)
        await s.commit()
    async with sessionmaker() as s:
        [row] = (await s.execute(select(OutboxMessage).where(OutboxMessage.dedupe_key.like("anulado:%")))).scalars()
    assert row.dedupe_key == f"anulado:{d.id}" and row.status == "pendiente"
    assert f"#{d.id}" in row.payload["content"] and "El cliente desistió" in row.payload["content"]
    assert "fue anulado" in str(row.payload.get("fallback")) and "desistió" not in str(row.payload.get("fallback"))


async def test_attribution_to_new_registration_cancels_the_earlier(sessionmaker, world):
    first = (await register(sessionmaker, req(world, hubspot="555"))).deal
    await decide(sessionmaker, first.id, "audit_ok")  # earned by Ana
    second = (await register(sessionmaker, req(world, discord_id=1002, hubspot="555"))).deal
    dec = await decide(sessionmaker, second.id, "attr_new", actor=ADMIN)
    assert dec.decided and dec.other_deal.id == first.id and dec.other_clawback == 720_000
    assert dec.deal.status == "pendiente"  # audit still needed
    dec2 = await decide(sessionmaker, second.id, "audit_ok")
    assert dec2.earned == 720_000
    async with sessionmaker() as s:
        assert (await ledger.balance(s, world.ana.id)).net == 0
        assert (await ledger.balance(s, world.beto.id)).net == 720_000
        assert (await s.get(Deal, first.id)).status == "anulado"


async def test_attribution_kept_rejects_the_new_registration(sessionmaker, world):
    first = (await register(sessionmaker, req(world, hubspot="556"))).deal
    second = (await register(sessionmaker, req(world, discord_id=1002, hubspot="556"))).deal
    dec = await decide(sessionmaker, second.id, "attr_keep", actor=ADMIN)
    assert dec.rejected and dec.deal.status == "rechazado"
    async with sessionmaker() as s:
        assert (await s.get(Deal, first.id)).status == "pendiente"
        apps = {a.kind: a.status for a in await svc.approvals_of(s, second.id)}
    assert apps == {"auditoria": "cancelada", "atribucion": "rechazada"}


# --- HubSpot --------------------------------------------------------------------------------
class FakeGateway:
    def __init__(self, deals=None, down=False, engine=None):
        self.deals = deals or {}
        self.down = down
        self.calls = 0
        self.engine = engine
        self.connections_held: list[int] = []  # database connections checked out while HubSpot answers

    async def get_deal(self, deal_id):
        from bot.hubspot.gateway import HubSpotUnavailable

        self.calls += 1
        if self.engine is not None:
            self.connections_held.append(self.engine.sync_engine.pool.checkedout())
        if self.down:
            raise HubSpotUnavailable("down")
        return self.deals.get(deal_id)


def hs(**kw):
    values = dict(id="900", name="x", amount=12_000_000, owner_id="own-ana", advance_date=date(2026, 11, 23),
                  archived=False, stage="closedwon")
    values.update(kw)
    return SimpleNamespace(**values)


async def _verify(sm, gateway, deal_id):
    check = await svc.verify_deal(sm, gateway, deal_id, now=lambda: NOW)
    async with sm() as s:
        return check, (await s.get(Deal, deal_id)).hubspot_findings


async def test_hubspot_match_mismatch_missing_and_down(sessionmaker, world):
    from bot.hubspot.gateway import HubSpotUnavailable

    d = (await register(sessionmaker, req(world, hubspot="900"), hubspot=True)).deal
    assert await _verify(sessionmaker, FakeGateway({"900": hs()}), d.id) == ("ok", None)
    check, findings = await _verify(
        sessionmaker, FakeGateway({"900": hs(amount=10_000_000, owner_id="own-x", archived=True,
                                             advance_date=date(2026, 11, 20))}), d.id
    )
    assert check == "diferencias"
    assert set(findings) == {"monto", "owner", "archivado", "fecha_anticipo"}
    assert findings["monto"] == {"hubspot": 10_000_000, "local": 12_000_000}
    assert await _verify(sessionmaker, FakeGateway({}), d.id) == ("no_encontrado", {"no_encontrado": True})
    # HubSpot down: the queue is told (it retries later) and the stored check is left as it was
    with pytest.raises(HubSpotUnavailable):
        await svc.verify_deal(sessionmaker, FakeGateway(down=True), d.id, now=lambda: NOW)
    async with sessionmaker() as s:
        assert (await s.get(Deal, d.id)).hubspot_check == "no_encontrado"
        actions = [a for (a,) in (await s.execute(
            select(AuditLog.action).where(AuditLog.action == "negocio.verificar_hubspot")))]
    assert len(actions) == 3  # one audit row per change, none for the outage


async def test_verification_holds_no_database_connection_while_hubspot_answers(sessionmaker, world):
    d = (await register(sessionmaker, req(world, hubspot="900"), hubspot=True)).deal
    gateway = FakeGateway({"900": hs()}, engine=sessionmaker.kw["bind"])
    assert await _verify(sessionmaker, gateway, d.id) == ("ok", None)
    assert gateway.connections_held == [0]


async def test_pending_verifications_through_the_hubspot_queue_in_order(sessionmaker, world):
    from bot.hubspot.queue import HubSpotQueue

    a = (await register(sessionmaker, req(world, hubspot="900"), hubspot=True)).deal
    b = (await register(sessionmaker, req(world, hubspot="901"), hubspot=True)).deal
    gateway = FakeGateway(down=True)
    order: list[int] = []

    async def pending(after_id, limit):
        async with sessionmaker() as s:
            return await svc.pending_verifications(s, after_id, limit)

    async def run(deal_id):
        order.append(deal_id)
        await svc.verify_deal(sessionmaker, gateway, deal_id, now=lambda: NOW)

    queue = HubSpotQueue(concurrency=1)
    queue.register("negocios", pending, run)
    assert await queue.run_pass() == {"negocios": []}
    assert gateway.calls == 1 and not queue.healthy  # stops at the first outage
    assert await queue.run_pass() == {"negocios": []} and gateway.calls == 2  # one probe per pass
    gateway.down = False
    gateway.deals = {"900": hs(), "901": hs(id="901", amount=1)}
    order.clear()
    assert await queue.run_pass() == {"negocios": [a.id, b.id]}
    assert order == [a.id, b.id] and queue.healthy
    async with sessionmaker() as s:
        assert (await s.get(Deal, a.id)).hubspot_check == "ok"
        assert (await s.get(Deal, b.id)).hubspot_check == "diferencias"
        assert await svc.pending_verifications(s) == []
    assert await queue.run_pass() == {"negocios": []}


async def test_my_deals_listing(sessionmaker, world):
    for _ in range(3):
        await register(sessionmaker, req(world))
    async with sessionmaker() as s:
        views, total = await svc.deals_of(s, world.ana.id, limit=2)
    assert total == 3 and [v.deal.id for v in views] == [3, 2]
    assert views[0].client.name == "Acme S.A.S." and views[0].approvals[0].kind == "auditoria"


async def test_member_rows_unchanged_by_refusals(sessionmaker, world):
    before = await count(sessionmaker, Member)
    await refused(sessionmaker, req(world, discord_id=5555))
    assert await count(sessionmaker, Member) == before
    assert await count(sessionmaker, Approval) == 0
