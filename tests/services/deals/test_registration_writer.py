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
from db.models import Approval, AuditLog, CommissionEntry, Deal

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
