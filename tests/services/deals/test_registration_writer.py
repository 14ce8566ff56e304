"""Registrations written together (issue 18): a registration that finds a write under way joins the
next batch, and a batch is one transaction with one INSERT per table, whatever its size. A batch that
fails is written again one registration at a time, so only the culprit sees the error."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from bot.services import deals as svc
from bot.services import directory
from db.audit import Actor
from db.models import Approval, AuditLog, CommissionEntry, Deal, OutboxMessage

TZ = ZoneInfo("America/Bogota")
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
RULES = dict(tz=TZ, export_time=time(6, 0), rate=Decimal("0.06"), window_days=3)
ADMIN = Actor(1, "Admin")
N = 12
_ids = itertools.count(70_000)


@pytest.fixture
async def kams(sessionmaker):
    """N KAMs, each serving a client of their own with the web service."""
    async with sessionmaker() as s:
        out = []
        for i in range(N):
            kam = await directory.ensure_member(s, 3000 + i, f"KAM {i}")
            client = await directory.create_client(s, ADMIN, f"Cliente {i:02d}")
            await directory.assign(s, ADMIN, client, kam, now=NOW)
            await directory.add_service(s, ADMIN, client, "web", now=NOW)
            out.append((kam.discord_id, client.id))
        await s.commit()
        return out


def writer(sessionmaker) -> svc.RegistrationWriter:
    return svc.RegistrationWriter(sessionmaker, now=lambda: NOW, rate=RULES["rate"], hubspot_enabled=False,
                                  admin_role="Admin ventas-ops", tz=ZoneInfo("America/Bogota"))


async def checked(sessionmaker, discord_id: int, client_id: int, interaction_id: int | None = None) -> svc.ToWrite:
    req = svc.RegistrationRequest(discord_id=discord_id, client=str(client_id), deal_type="up_sale", service="web",
                                  total="10.000.000", advance="5.000.000", interaction_id=interaction_id or next(_ids))
    async with sessionmaker() as s:
        c = await svc.check_registration(s, req, now=NOW, hubspot_required=False, **RULES)
    return svc.ToWrite(req, c, None, Actor(discord_id, "KAM"))


async def count(sessionmaker, model) -> int:
    async with sessionmaker() as s:
        return (await s.execute(select(func.count()).select_from(model))).scalar_one()


async def test_a_burst_is_written_in_batches_with_one_insert_per_table(sessionmaker, engine, kams):
    items = [await checked(sessionmaker, d, c) for d, c in kams]
    w = writer(sessionmaker)
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement.split(None, 1)[0].upper())

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        regs = await asyncio.gather(*(w.write(it) for it in items))
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)
    # the first finds the database free; everyone who arrived meanwhile goes in the next transaction
    assert w.batches == [1, N - 1]
    assert statements.count("INSERT") == 2 * 4, statements  # deals, approvals, ledger lines, audit rows
    assert [r.deal.interaction_id for r in regs] == [it.req.interaction_id for it in items]
    assert [r.deal.client_id for r in regs] == [c for _d, c in kams]
    async with sessionmaker() as s:
        stored = {d.interaction_id: d.id for d in (await s.execute(select(Deal))).scalars()}
        approvals = (await s.execute(select(Approval.deal_id, Approval.kind).order_by(Approval.id))).all()
        ledger = (await s.execute(select(CommissionEntry.deal_id, CommissionEntry.description))).all()
        audited = (await s.execute(select(AuditLog.entity_id).where(AuditLog.action == "negocio.registrar"))).scalars()
    assert {r.deal.interaction_id: r.deal.id for r in regs} == stored  # each KAM is told its own deal
    assert sorted(tuple(a) for a in approvals) == sorted((r.deal.id, k) for r in regs for k in ("auditoria", "coo"))
    assert sorted(ledger) == sorted((r.deal.id, f"Comisión 6 % del negocio #{r.deal.id} ({r.checked.client.name})")
                                    for r in regs)
    assert sorted(int(e) for e in audited) == sorted(r.deal.id for r in regs)


async def test_a_failing_batch_is_retried_one_by_one_and_only_the_culprit_fails(sessionmaker, kams):
    w = writer(sessionmaker)
    first = await w.write(await checked(sessionmaker, *kams[0]))
    # the same interaction delivered twice: its second write breaks the unique interaction id
    replay = await checked(sessionmaker, *kams[1], interaction_id=first.deal.interaction_id)
    others = [await checked(sessionmaker, d, c) for d, c in kams[2:5]]
    blocker = await checked(sessionmaker, *kams[5])
    results = await asyncio.gather(w.write(blocker), w.write(others[0]), w.write(replay), *(w.write(o) for o in others[1:]),
                                   return_exceptions=True)
    assert w.batches == [1, 1, 4]  # the batch of four failed, and was written again one by one
    assert isinstance(results[2], IntegrityError)
    assert all(isinstance(r, svc.Registration) and r.created for i, r in enumerate(results) if i != 2)
    assert await count(sessionmaker, Deal) == 5  # the first, the blocker and the three others
    assert await count(sessionmaker, CommissionEntry) == 5


async def checked_naming(sessionmaker, discord_id: int, client_id: int, hubspot: str) -> svc.ToWrite:
    """A registration naming a HubSpot deal, checked now (before anything else is written)."""
    req = svc.RegistrationRequest(discord_id=discord_id, client=str(client_id), deal_type="up_sale", service="web",
                                  total="10.000.000", advance="5.000.000", interaction_id=next(_ids), hubspot=hubspot)
    async with sessionmaker() as s:
        c = await svc.check_registration(s, req, now=NOW, hubspot_required=True, **RULES)
    return svc.ToWrite(req, c, None, Actor(discord_id, "KAM"))


async def test_a_double_submission_naming_one_hubspot_deal_registers_it_once(sessionmaker, kams):
    """The rules are read before the write waits its turn: both submissions pass them, and the writer
    refuses the second with the rule («un registro por negocio»), in its own batch or in the same one."""
    w = writer(sessionmaker)
    a, b = [await checked_naming(sessionmaker, *kams[0], hubspot="900001") for _ in range(2)]
    results = await asyncio.gather(w.write(a), w.write(b), return_exceptions=True)
    assert isinstance(results[0], svc.Registration)
    assert isinstance(results[1], svc.DealRefused) and "Ya registraste el negocio de HubSpot 900001" in str(results[1])
    # both in one batch (behind another write): written one by one, the second refused
    blocker = await checked(sessionmaker, *kams[2])
    c, d = [await checked_naming(sessionmaker, *kams[1], hubspot="900002") for _ in range(2)]
    results = await asyncio.gather(w.write(blocker), w.write(c), w.write(d), return_exceptions=True)
    assert w.batches == [1, 1, 1, 2]  # the batch of two failed (BatchConflict) and was written one by one
    assert isinstance(results[1], svc.Registration) and isinstance(results[2], svc.DealRefused)
    async with sessionmaker() as s:
        named = (await s.execute(select(Deal.hubspot_deal_id).where(Deal.hubspot_deal_id.is_not(None)))).scalars().all()
    assert sorted(named) == ["900001", "900002"]


async def test_two_kams_naming_one_hubspot_deal_at_once_open_the_attribution_dispute(sessionmaker, kams):
    """Another KAM's registration written between the check and the write is disputed exactly as one
    the check had found: the attribution approval, and the first KAM's DM queued with it."""
    w = writer(sessionmaker)
    first, second = [await checked_naming(sessionmaker, *kams[i], hubspot="900003") for i in (0, 1)]
    assert first.checked.disputed == [] and second.checked.disputed == []  # neither saw the other
    one, two = await asyncio.gather(w.write(first), w.write(second))
    assert [a.kind for a in two.approvals] == ["auditoria", "coo", "atribucion"]
    assert two.approvals[-1].related_deal_id == one.deal.id and [d.id for d in two.checked.disputed] == [one.deal.id]
    async with sessionmaker() as s:
        keys = (await s.execute(select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.like("disputa:%")))).scalars()
        assert list(keys) == [f"disputa:{two.deal.id}:{one.deal.id}"]
