"""Two referrals of the same lead at the same moment, with no lock in memory between them (two bot
processes, or two sessions of one): the database's unique indexes let one in, the other gets the
duplicate answer — never two leads, never an IntegrityError to the user."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot.errors import UserError
from bot.services import referrals as svc
from bot.texts import referrals as T
from db.audit import Actor
from db.models import Lead, Member
from tests.services.test_referrals import BOG, NOW, inp, member

BLOCKED = 0.5  # long enough for the second insert to reach the database and wait there


async def race(sessionmaker, first_kw: dict, second_kw: dict, *, same: bool = True) -> tuple[Lead, BaseException | Lead]:
    """The first session inserts (not committed yet); the second checks — nothing committed, so the
    rule lets it through — and inserts; then the first commits. Returns the first lead and what the
    second ``create_lead`` ended with. ``same``: the two are the same lead, so the second insert must
    wait for the first transaction (PostgreSQL lets two different leads in at once; SQLite never does)."""
    async with sessionmaker() as s:
        ana = await member(s, 1001, "Ana Gómez", "1020304050")
        luis = await member(s, 1002, "Luis Pérez", "79111222")
        await s.commit()
    async with sessionmaker() as a, sessionmaker() as b:
        ana, luis = await a.get(Member, ana.id), await b.get(Member, luis.id)
        first = await svc.create_lead(a, ana, inp(**first_kw), actor=Actor(1001, "Ana Gómez"), now=NOW, tz=BOG)
        second = asyncio.create_task(
            svc.create_lead(b, luis, inp(cedula="79111222", **second_kw), actor=Actor(1002, "Luis Pérez"), now=NOW, tz=BOG))
        await asyncio.sleep(BLOCKED)
        if same:
            assert not second.done(), "the second insert should wait for the first transaction"
        await a.commit()
        try:
            outcome: BaseException | Lead = await second
            await b.commit()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test looks at
            outcome = exc
    return first, outcome


@pytest.mark.parametrize(
    ("second_kw", "field"),
    [
        ({"correo": "LAURA@tornillo.co", "empresa": "Otra SAS"}, "email"),
        ({"correo": None, "telefono": "300 123 4567", "empresa": "Otra SAS"}, "phone"),
        ({"correo": "otra@persona.co", "empresa": "FERRETERIA el Tornillo"}, "company"),
    ],
)
async def test_same_lead_at_once_one_stored_the_other_told_it_exists(sessionmaker, second_kw, field):
    first, outcome = await race(sessionmaker, {"telefono": "+57 300 1234567"}, second_kw)
    assert isinstance(outcome, UserError), outcome
    assert str(outcome) == T.DUPLICATE.format(when="23/11/2026 10:00", lead_id=first.id,
                                              field=T.DUPLICATE_FIELDS[field])
    async with sessionmaker() as s:
        assert (await s.execute(select(func.count()).select_from(Lead))).scalar_one() == 1


async def test_generic_companies_may_repeat(sessionmaker):
    """"Persona natural" is no company: two such leads with other contacts are both stored."""
    first, outcome = await race(sessionmaker, {"empresa": "Persona natural"},
                                {"empresa": "persona natural", "correo": "otra@persona.co"}, same=False)
    assert isinstance(outcome, Lead)
    async with sessionmaker() as s:
        assert (await s.execute(select(func.count()).select_from(Lead))).scalar_one() == 2


async def test_same_cedula_confirmed_by_two_people_at_once(sessionmaker):
    """members.cedula is unique: the second confirmation is told the cédula is taken."""
    async with sessionmaker() as s:
        ana = await member(s, 1001, "Ana Gómez", None)
        luis = await member(s, 1002, "Luis Pérez", None)
        await s.commit()
    async with sessionmaker() as a, sessionmaker() as b:
        ana, luis = await a.get(Member, ana.id), await b.get(Member, luis.id)
        await svc.store_cedula(a, ana, "1020304050", Actor(1001, "Ana Gómez"))
        second = asyncio.create_task(svc.store_cedula(b, luis, "1020304050", Actor(1002, "Luis Pérez")))
        await asyncio.sleep(BLOCKED)
        await a.commit()
        with pytest.raises(UserError) as refused:
            await second
    assert str(refused.value) == T.CEDULA_TAKEN
