"""Registration reads the member, the client, the assignment, the client's services and any accepted
support help in one statement (issue 18: every statement costs about a millisecond of CPU in a burst of
50). The answers must be the step-by-step rules' answers, and a registration must stay within its
statement budget."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, func, select

from bot.domain.enums import Service, SupportKind, SupportStatus, SupportTarget
from bot.domain.errors import DomainError
from bot.services import deals as svc
from bot.services import directory
from db.audit import Actor
from db.models import Approval, ClientService, Deal, SupportRequest

TZ = ZoneInfo("America/Bogota")
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
RULES = dict(tz=TZ, export_time=time(6, 0), rate=Decimal("0.06"), window_days=3)
ADMIN = Actor(1, "Admin")
WEB, MARKETING = Service.WEB.value, Service.SOCIAL_ADS.value
_ids = itertools.count(50_000)


@pytest.fixture
async def people(sessionmaker):
    async with sessionmaker() as s:
        ana = await directory.ensure_member(s, 2001, "Ana KAM")
        beto = await directory.ensure_member(s, 2002, "Beto KAM")
        acme = await directory.create_client(s, ADMIN, "Acme Diseño S.A.S.")
        old = await directory.create_client(s, ADMIN, "Cerrado Ltda")
        old.active = False
        await directory.assign(s, ADMIN, acme, ana, now=NOW)
        await directory.assign(s, ADMIN, old, ana, now=NOW)
        await directory.assign(s, ADMIN, acme, beto, now=NOW)
        await directory.add_service(s, ADMIN, acme, WEB, now=NOW)
        await s.commit()
        return ana, beto, acme, old


def request(discord_id: int, client: str, deal_type: str = "cross_sale", service: str = MARKETING,
            hubspot: str | None = None):
    return svc.RegistrationRequest(
        discord_id=discord_id, client=client, deal_type=deal_type, service=service, total="10.000.000",
        advance="5.000.000", advance_date=None, hubspot=hubspot, interaction_id=next(_ids),
    )


async def register(sm, r):
    async with sm() as s:
        reg = await svc.register(s, r, None, actor=ADMIN, now=NOW, hubspot_enabled=r.hubspot is not None, **RULES)
        await s.commit()
        return reg


async def refusal(sm, r) -> str:
    with pytest.raises(DomainError) as info:
        await register(sm, r)
    return str(info.value)


async def test_typed_name_and_autocomplete_id_find_the_same_client(sessionmaker, people):
    ana, _beto, acme, _old = people
    by_name = await register(sessionmaker, request(ana.discord_id, "  ACME diseño s.a.s. "))
    by_id = await register(sessionmaker, request(ana.discord_id, str(acme.id), "up_sale", WEB))
    assert by_name.deal.client_id == by_id.deal.client_id == acme.id


async def test_the_rules_read_in_one_statement_answer_as_before(sessionmaker, people):
    ana, beto, acme, old = people
    assert "inactivo" in await refusal(sessionmaker, request(ana.discord_id, str(old.id)))  # client inactive
    assert "solo clientes propios" in await refusal(sessionmaker, request(9999, str(acme.id)))  # unknown person
    assert "/referir-lead" in await refusal(sessionmaker, request(ana.discord_id, "Nadie S.A."))  # unknown client
    assert "Cross sale" in await refusal(sessionmaker, request(ana.discord_id, str(acme.id), "cross_sale", WEB))
    assert "Up sale" in await refusal(sessionmaker, request(ana.discord_id, str(acme.id), "up_sale", MARKETING))
    async with sessionmaker() as s:  # Beto stops serving Acme, and Acme's web service ends
        await directory.unassign(s, ADMIN, acme, beto, now=NOW)
        for cs in (await s.execute(select(ClientService).where(ClientService.client_id == acme.id))).scalars():
            cs.ended_at = NOW - timedelta(minutes=1)
        await s.commit()
    assert "solo clientes propios" in await refusal(sessionmaker, request(beto.discord_id, str(acme.id)))
    assert "Up sale" in await refusal(sessionmaker, request(ana.discord_id, str(acme.id), "up_sale", WEB))
    assert (await register(sessionmaker, request(ana.discord_id, str(acme.id), "cross_sale", WEB))).created
    async with sessionmaker() as s:
        assert (await s.execute(select(func.count()).select_from(Deal))).scalar_one() == 1


async def test_a_hubspot_deal_named_twice_is_found_with_the_rest(sessionmaker, people):
    ana, beto, acme, _old = people
    first = await register(sessionmaker, request(ana.discord_id, str(acme.id), hubspot="777001"))
    assert "777001" in await refusal(sessionmaker, request(ana.discord_id, str(acme.id), "up_sale", WEB, "777001"))
    second = await register(sessionmaker, request(beto.discord_id, str(acme.id), hubspot="777001"))
    assert [d.id for d in second.checked.disputed] == [first.deal.id]
    assert not (await register(sessionmaker, request(beto.discord_id, str(acme.id), "up_sale", WEB, "777002"))).checked.disputed
    assert "HubSpot debe ser su número" in await refusal(sessionmaker, request(ana.discord_id, str(acme.id), hubspot="no es un id"))


async def test_accepted_support_help_is_linked_to_the_next_deal_only(sessionmaker, people):
    ana, _beto, acme, _old = people
    async with sessionmaker() as s:
        help_ = SupportRequest(member_id=ana.id, client_id=acme.id, kind=SupportKind.REUNION, target=SupportTarget.CCO,
                               status=SupportStatus.ACEPTADA)
        s.add(help_)
        await s.commit()
    first = await register(sessionmaker, request(ana.discord_id, str(acme.id)))
    second = await register(sessionmaker, request(ana.discord_id, str(acme.id), "up_sale", WEB))
    async with sessionmaker() as s:
        linked = (await s.get(SupportRequest, help_.id)).deal_id
    assert linked == first.deal.id != second.deal.id


async def test_a_registration_stays_within_its_statement_budget(sessionmaker, engine, people):
    """The check (HubSpot duplicates included), the deal, its approvals, ledger line and audit row: one
    SELECT and at most 6 statements (it was 14, and 21 when the rules ran twice). Counted, not timed."""
    ana, _beto, acme, _old = people
    await register(sessionmaker, request(ana.discord_id, str(acme.id)))  # warm: first use of each statement
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement.split(None, 1)[0].upper())

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        r = request(ana.discord_id, str(acme.id), "up_sale", WEB, hubspot="888001")
        async with sessionmaker() as s:
            c = await svc.check_registration(s, r, now=NOW, hubspot_required=True, **RULES)
            await svc.register_checked(s, r, c, None, actor=ADMIN, now=NOW, tz=RULES["tz"], rate=RULES["rate"],
                                   hubspot_enabled=True)
            await s.commit()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert statements.count("SELECT") == 1, statements
    assert len(statements) <= 6, statements


async def test_a_registration_is_written_with_plain_inserts_not_the_unit_of_work(sessionmaker, people):
    """Issue 18: the deal, its approvals, the ledger line and the audit row are plain INSERTs (the deal's
    returning its id), not ORM objects flushed by the unit of work, which cost several times the CPU of
    the statements in a burst of 50. The rows are the same: the tests of ``test_deals.py`` read them."""
    ana, beto, acme, _old = people
    first = await register(sessionmaker, request(ana.discord_id, str(acme.id), hubspot="888002"))
    flushes: list[int] = []
    r = request(beto.discord_id, str(acme.id), "up_sale", WEB, hubspot="888002")  # disputed: three approvals
    async with sessionmaker() as s:
        event.listen(s.sync_session, "before_flush", lambda *_a: flushes.append(1))
        c = await svc.check_registration(s, r, now=NOW, hubspot_required=True, **RULES)
        reg = await svc.register_checked(s, r, c, None, actor=ADMIN, now=NOW, tz=RULES["tz"], rate=RULES["rate"],
                                   hubspot_enabled=True)
        assert not s.new and not s.dirty  # nothing left for a flush either
        await s.commit()
    assert flushes == []
    assert reg.deal.id > first.deal.id and reg.deal.hubspot_deal_id == "888002" and reg.deal.client_id == acme.id
    assert [(a.kind, a.deal_id, a.related_deal_id) for a in reg.approvals] == [
        ("auditoria", reg.deal.id, None), ("coo", reg.deal.id, None), ("atribucion", reg.deal.id, first.deal.id)]
    async with sessionmaker() as s:
        stored = (await s.execute(select(Approval.kind, Approval.status, Approval.related_deal_id)
                                  .where(Approval.deal_id == reg.deal.id).order_by(Approval.id))).all()
        deal = await s.get(Deal, reg.deal.id)
    assert [tuple(row) for row in stored] == [("auditoria", "pendiente", None), ("coo", "pendiente", None),
                                              ("atribucion", "pendiente", first.deal.id)]
    assert (deal.interaction_id, deal.hubspot_check, deal.commission_estimate) == (r.interaction_id, "pendiente", 600_000)
