"""Two declarations of the same renewal window at the same moment, with no lock in memory between them
(two bot processes, or two sessions of one): the partial unique index ``uq_renewal_intents_one_open``
lets one in and the other gets the usual «ya tienes una intención abierta» answer — never two open
intents, never an IntegrityError to the user."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from sqlalchemy import func, select

from bot.services import renewals as svc
from db.audit import Actor
from db.models import AuditLog, Client, Member, RenewalIntent
from tests.services.test_renewals import BOGOTA, bogota, world  # noqa: F401 - the fixture

BLOCKED = 0.5  # long enough for the second insert to reach the database and wait there
DELIVERY = date(2026, 11, 20)


async def declare_in(session, w, delivery: date) -> RenewalIntent:
    member = await session.get(Member, w.ana.id)
    client = await session.get(Client, w.espiga.id)
    return await svc.declare(session, member=member, client=client, delivery=delivery, now=bogota(DELIVERY),
                             window_days=3, tz=BOGOTA, actor=Actor(member.discord_id, member.name))


async def test_same_window_declared_twice_at_once_one_stored_the_other_told(sessionmaker, world):  # noqa: F811
    """The first session inserts (not committed yet); the second checks — nothing committed, so the rule
    lets it through — and inserts, which waits for the first transaction; then the first commits."""
    async with sessionmaker() as a, sessionmaker() as b:
        first = await declare_in(a, world, DELIVERY)
        second = asyncio.create_task(declare_in(b, world, DELIVERY + timedelta(days=1)))
        await asyncio.sleep(BLOCKED)
        assert not second.done(), "the second insert should wait for the first transaction"
        await a.commit()
        try:
            outcome: BaseException | RenewalIntent = await second
            await b.commit()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test looks at
            outcome = exc
    assert isinstance(outcome, svc.RenewalRefused), repr(outcome)
    assert "Ya tienes una intención de renovación abierta" in str(outcome)
    assert "Panadería La Espiga" in str(outcome) and "miércoles 25 de noviembre de 2026" in str(outcome)
    assert outcome.field == "cliente"
    async with sessionmaker() as s:
        rows = list((await s.execute(select(RenewalIntent))).scalars())
        declared = (await s.execute(select(func.count()).select_from(AuditLog)
                                    .where(AuditLog.action == "renovacion.declarar"))).scalar_one()
    assert [r.id for r in rows] == [first.id] and declared == 1


async def test_many_declarations_at_once_leave_one_open_intent(sessionmaker, world):  # noqa: F811
    async def attempt(day: int) -> object:
        async with sessionmaker() as s:
            try:
                intent = await declare_in(s, world, DELIVERY + timedelta(days=day))
                await s.commit()
                return intent
            except svc.RenewalRefused as exc:
                return exc

    outcomes = await asyncio.gather(*(attempt(i % 3) for i in range(6)))
    assert sum(isinstance(o, RenewalIntent) for o in outcomes) == 1
    assert sum(isinstance(o, svc.RenewalRefused) for o in outcomes) == 5
    async with sessionmaker() as s:
        assert (await s.execute(select(func.count()).select_from(RenewalIntent))).scalar_one() == 1
