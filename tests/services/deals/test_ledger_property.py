"""Property: over any sequence of approvals, rejections and cancellations, a member's ledger
(earned lines + clawbacks) equals the commissions earned minus those clawed back, and the pending
lines are exactly the commissions of the deals still under review."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.domain.commission import commission
from bot.domain.enums import Service
from bot.domain.errors import DomainError
from bot.services import commissions as ledger
from bot.services import deals as svc
from bot.services import directory
from db import migrate
from db.audit import Actor
from db.engine import make_engine, make_sessionmaker
from db.models import CommissionEntry

TZ = ZoneInfo("America/Bogota")
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
RATE = Decimal("0.06")
SVC = [s.value for s in Service]
ACTOR = Actor(1, "Decisor")

deal_spec = st.tuples(st.sampled_from(["cross_sale", "up_sale"]), st.integers(1, 500_000_000))
op = st.tuples(st.integers(0, 3), st.sampled_from(["audit_ok", "audit_no", "coo_ok", "coo_no", "cancel"]))


async def _scenario(sm, n: int, specs, ops) -> None:
    async with sm() as s:
        kam = await directory.ensure_member(s, 500_000 + n, f"KAM {n}")
        client = await directory.create_client(s, ACTOR, f"Cliente {n}")
        await directory.assign(s, ACTOR, client, kam, now=NOW)
        await directory.add_service(s, ACTOR, client, SVC[0], now=NOW)
        await s.commit()
    model = []  # per deal: dict(state, need, c)
    for i, (kind, total) in enumerate(specs):
        r = svc.RegistrationRequest(
            discord_id=kam.discord_id, client=str(client.id), deal_type=kind,
            service=SVC[0] if kind == "up_sale" else SVC[1], total=str(total), advance="1",
            interaction_id=n * 100 + i,
        )
        async with sm() as s:
            reg = await svc.register(s, r, None, actor=ACTOR, now=NOW, tz=TZ, export_time=time(6), rate=RATE, window_days=3,
                                     hubspot_enabled=False)
            await s.commit()
        need = {"auditoria"} | ({"coo"} if kind == "up_sale" else set())
        model.append({"id": reg.deal.id, "state": "pendiente", "need": need, "c": commission(total, RATE)})
    earned = clawed = clawbacks = 0
    for idx, action in ops:
        if idx >= len(model):
            continue
        m = model[idx]
        async with sm() as s:
            if action == "cancel":
                try:
                    await svc.cancel_deal(s, m["id"], "motivo", actor=ACTOR, now=NOW)
                except DomainError:
                    assert m["state"] in {"rechazado", "anulado"}
                else:
                    assert m["state"] in {"pendiente", "aprobado"}
                    if m["state"] == "aprobado":
                        clawed += m["c"]
                        clawbacks += 1 if m["c"] > 0 else 0
                    m["state"] = "anulado"
                await s.commit()
                continue
            kind, approve = svc.ACTIONS[action]
            try:
                dec = await svc.decide(s, m["id"], action, actor=ACTOR, now=NOW, reason="r")
            except DomainError:  # no such approval (COO on a cross sale)
                await s.rollback()
                continue
            await s.commit()
        expected_decided = m["state"] == "pendiente" and kind in m["need"]
        assert dec.decided == expected_decided
        if not dec.decided:
            continue
        if approve:
            m["need"].discard(kind)
            if not m["need"]:
                m["state"] = "aprobado"
                earned += m["c"]
                assert dec.earned == m["c"]
        else:
            m["state"] = "rechazado"
    async with sm() as s:
        bal = await ledger.balance(s, kam.id)
        lines = (
            await s.execute(
                select(func.count()).select_from(CommissionEntry).where(CommissionEntry.member_id == kam.id)
            )
        ).scalar_one()
    assert bal.net == earned - clawed
    assert bal.earned == earned and bal.reversed == -clawed
    assert bal.pending == sum(m["c"] for m in model if m["state"] == "pendiente")
    assert lines == len(model) + clawbacks  # one line per deal, one per clawback, nothing else


def test_ledger_matches_decisions(make_settings):
    settings_ = make_settings()
    loop = asyncio.new_event_loop()
    engine = make_engine(settings_.database_url)
    loop.run_until_complete(migrate.upgrade(engine))
    sm = make_sessionmaker(engine)
    counter = itertools.count(1)

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(specs=st.lists(deal_spec, min_size=1, max_size=4), ops=st.lists(op, max_size=14))
    def run(specs, ops):
        loop.run_until_complete(_scenario(sm, next(counter), specs, ops))

    try:
        run()
    finally:
        loop.run_until_complete(engine.dispose())
        loop.close()
