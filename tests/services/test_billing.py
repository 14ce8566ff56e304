"""Proforma invoice and payment link requests for a registered deal."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.domain.enums import ApprovalKind, ApprovalStatus, BillingStatus
from bot.domain.errors import DomainError
from bot.services import billing as svc
from bot.services import directory, reminders
from db.audit import Actor
from db.models import Approval, AuditLog, BillingRequest, Deal, OutboxMessage

TZ = ZoneInfo("America/Bogota")
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
ADMIN = Actor(1, "Admin")
JUAN = Actor(501, "Juan Diego Dillmann")
DANIEL = Actor(502, "Daniel Valcarcel")


def _deal(member, client, status="pendiente", total=12_000_000) -> Deal:
    return Deal(
        member_id=member.id, client_id=client.id, deal_type="cross_sale", service="web", total_value=total,
        advance_amount=total // 2, advance_date=date(2026, 11, 22), commission_estimate=total * 6 // 100,
        status=status,
    )


@pytest.fixture
async def world(sessionmaker):
    async with sessionmaker() as s:
        ana = await directory.ensure_member(s, 1001, "Ana KAM")
        beto = await directory.ensure_member(s, 1002, "Beto KAM")
        acme = await directory.create_client(s, ADMIN, "Acme S.A.S.")
        globex = await directory.create_client(s, ADMIN, "Globex")
        d1, d2, d3 = _deal(ana, acme), _deal(beto, globex), _deal(ana, globex, status="rechazado")
        s.add_all([d1, d2, d3])
        await s.commit()
        return SimpleNamespace(ana=ana, beto=beto, acme=acme, deal=d1, other=d2, closed=d3)


async def create(sm, deal_ref, *, discord_id=1001, kind="proforma", amount="6.000.000", notes="NIT 900.123.456"):
    async with sm() as s:
        t = await svc.create_billing_request(
            s, discord_id=discord_id, deal_ref=deal_ref, kind=kind, amount=amount, notes=notes,
            actor=Actor(discord_id, "kam"), now=NOW, tz=TZ,
        )
        await s.commit()
        return t


async def count(sm, model, *where) -> int:
    async with sm() as s:
        return (await s.execute(select(func.count()).select_from(model).where(*where))).scalar_one()


async def decide(sm, rid, done, actor=JUAN, data_dir=Path("data"), **kw) -> svc.BillingDecision:
    async with sm() as s:
        d = await svc.decide_billing(s, rid, done, actor=actor, now=NOW, data_dir=data_dir, **kw)
        await s.commit()
        return d


async def test_request_for_own_deal(sessionmaker, world):
    t = await create(sessionmaker, str(world.deal.id))
    assert t.request.amount == 6_000_000 and t.request.kind == "proforma" and t.request.notes == "NIT 900.123.456"
    assert t.approval.kind == ApprovalKind.PROFORMA and t.approval.billing_request_id == t.request.id
    assert t.approval.deal_id is None  # never blocks the deal's own approvals
    assert t.client.name == "Acme S.A.S."
    assert await count(sessionmaker, AuditLog, AuditLog.action == "facturacion.solicitar") == 1


async def test_deal_ref_accepts_hash_and_autocomplete_labels(sessionmaker, world):
    t = await create(sessionmaker, f"#{world.deal.id} · Acme", kind="link_pago")
    assert t.deal.id == world.deal.id


@pytest.mark.parametrize("who", ["other", "closed", "missing", "garbage"])
async def test_refusals_store_nothing(sessionmaker, world, who):
    ref = {"other": str(world.other.id), "closed": str(world.closed.id), "missing": "9999", "garbage": "abc"}[who]
    with pytest.raises(DomainError):
        await create(sessionmaker, ref)
    assert await count(sessionmaker, BillingRequest) == 0
    assert await count(sessionmaker, Approval) == 0


@pytest.mark.parametrize("amount", ["0", "-5", "doce", "13.000.000"])
async def test_bad_amounts(sessionmaker, world, amount):
    with pytest.raises(DomainError):
        await create(sessionmaker, str(world.deal.id), amount=amount)
    assert await count(sessionmaker, BillingRequest) == 0


async def test_one_open_request_per_deal_and_kind(sessionmaker, world):
    first = await create(sessionmaker, str(world.deal.id))
    with pytest.raises(svc.BillingRefused, match=f"#{first.request.id}"):
        await create(sessionmaker, str(world.deal.id))
    # a payment link for the same deal is another thing
    await create(sessionmaker, str(world.deal.id), kind="link_pago")
    results = await asyncio.gather(
        *(create(sessionmaker, str(world.deal.id), kind="link_pago") for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(r, svc.BillingRefused) for r in results)
    assert await count(sessionmaker, BillingRequest) == 2


async def test_done_with_link(sessionmaker, world):
    t = await create(sessionmaker, str(world.deal.id))
    with pytest.raises(svc.BillingRefused):
        await decide(sessionmaker, t.request.id, True, url="no es un link")
    d = await decide(sessionmaker, t.request.id, True, url=" https://drive.example/proforma.pdf ", note="Vence el 30")
    assert d.decided and d.request.status == BillingStatus.HECHA
    assert d.request.result_url == "https://drive.example/proforma.pdf"
    assert d.approval.status == ApprovalStatus.APROBADA and d.approval.reason == "Vence el 30"
    async with sessionmaker() as s:
        actions = list((await s.execute(select(AuditLog.action, AuditLog.entity_type))).all())
    assert ("negocio.documento_cobro", "deal") in actions and ("facturacion.hecha", "billing_request") in actions


async def test_reject_needs_reason_and_decides_once(sessionmaker, world):
    t = await create(sessionmaker, str(world.deal.id))
    with pytest.raises(svc.BillingRefused):
        await decide(sessionmaker, t.request.id, False, reason=" ")
    results = await asyncio.gather(
        decide(sessionmaker, t.request.id, False, actor=JUAN, reason="Falta el NIT"),
        decide(sessionmaker, t.request.id, True, actor=DANIEL, url="https://pagos.example/x"),
    )
    assert sorted(r.decided for r in results) == [False, True]
    async with sessionmaker() as s:
        r = await s.get(BillingRequest, t.request.id)
    assert r.status in (BillingStatus.HECHA, BillingStatus.RECHAZADA)


async def outbox_rows(sm) -> list[OutboxMessage]:
    async with sm() as s:
        return list((await s.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())


async def test_the_decision_dm_is_queued_with_the_decision_and_only_with_it(sessionmaker, world, tmp_path):
    """Issue 17: the requester's DM (with the stored PDF) is an outbox row of the decision's own
    transaction — rolled back with it, written once, and never for a second decision."""
    t = await create(sessionmaker, str(world.deal.id))
    rel = "billing/ab/abc.pdf"
    (tmp_path / "billing" / "ab").mkdir(parents=True)
    (tmp_path / rel).write_bytes(b"%PDF-1.4")
    async with sessionmaker() as s:
        await svc.decide_billing(s, t.request.id, True, actor=JUAN, now=NOW, file_path=rel, note="Vence *hoy*",
                                 data_dir=tmp_path)
        await s.rollback()  # the decision did not happen: neither did its DM
    assert await outbox_rows(sessionmaker) == []
    await decide(sessionmaker, t.request.id, True, file_path=rel, note="Vence *hoy*", data_dir=tmp_path)
    again = await decide(sessionmaker, t.request.id, False, actor=DANIEL, reason="Tarde")
    assert not again.decided
    dm, reply = await outbox_rows(sessionmaker)  # and the reply on the deal card, with the same PDF
    assert dm.target == "dm" and dm.target_id == 1001 and dm.status == "pendiente"
    assert reply.target == "channel" and reply.payload["reply_to"] == {"card": "deal", "id": world.deal.id}
    assert reply.payload["files"] == dm.payload["files"] and "Juan" in reply.payload["content"]
    assert "Vence \\*hoy\\*" in dm.payload["content"] and "Acme" in dm.payload["content"]
    [f] = dm.payload["files"]
    assert Path(f["path"]).is_absolute() and Path(f["path"]).read_bytes() == b"%PDF-1.4"
    assert f["filename"] == svc.billing_filename(t.request)
    fallback = dm.payload["fallback"]["content"]
    assert "<@1001>" in fallback and "Vence" not in fallback  # the note stays in the DM


async def test_a_rejection_dm_carries_the_reason_and_its_notice_does_not(sessionmaker, world):
    t = await create(sessionmaker, str(world.deal.id))
    await decide(sessionmaker, t.request.id, False, reason="Falta el NIT @everyone")
    [dm] = await outbox_rows(sessionmaker)
    assert dm.dedupe_key == f"cobro:{t.request.id}:rechazada" and dm.payload["files"] == []
    assert "Falta el NIT" in dm.payload["content"]
    assert "Falta el NIT" not in dm.payload["fallback"]["content"]


async def test_deal_choices_are_own_open_deals(sessionmaker, world):
    async with sessionmaker() as s:
        mine = await svc.deal_choices(s, 1001)
        filtered = await svc.deal_choices(s, 1001, "glob")
        stranger = await svc.deal_choices(s, 4242)
    assert [c.id for c in mine] == [world.deal.id]
    assert "Acme" in mine[0].label and "$" in mine[0].label
    assert filtered == [] and stranger == []


async def test_billing_requests_are_reminded(sessionmaker, world):
    t = await create(sessionmaker, str(world.deal.id))
    async with sessionmaker() as s:
        out = await reminders.process_reminders(s, NOW + timedelta(hours=25))
        await s.commit()
    assert [(r.kind, r.request_id, r.deal_id, r.billing_kind, r.name) for r in out] == [
        (ApprovalKind.PROFORMA, t.request.id, world.deal.id, "proforma", "Ana KAM")
    ]
