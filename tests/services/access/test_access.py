"""Access requests (HubSpot user + channel), their decisions, provisioning and reminders."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.domain.enums import ApprovalKind, ApprovalStatus
from bot.domain.errors import DomainError
from bot.services import access as svc
from bot.services import directory, reminders
from db.audit import Actor
from db.models import AccessRequest, Approval, AuditLog, Member

TZ = ZoneInfo("America/Bogota")
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
DOMAIN = "sensedigital.co"
JUAN = Actor(501, "Juan Diego Dillmann")
DANIEL = Actor(502, "Daniel Valcarcel")


async def create(sm, discord_id=7001, name="Laura Gómez", sense="laura@sensedigital.co",
                 gmail="laura.gomez@gmail.com", *, is_kam=False, now=NOW) -> svc.AccessTicket:
    async with sm() as s:
        t = await svc.create_access_request(
            s, discord_id=discord_id, name=name, sense_email=sense, gmail=gmail, domain=DOMAIN,
            is_kam=is_kam, actor=Actor(discord_id, name), now=now, tz=TZ,
        )
        await s.commit()
        return t


async def count(sm, model, *where) -> int:
    async with sm() as s:
        return (await s.execute(select(func.count()).select_from(model).where(*where))).scalar_one()


async def decide(sm, request_id, approve, actor=JUAN, reason=None, now=NOW) -> svc.AccessDecision:
    async with sm() as s:
        d = await svc.decide_access(s, request_id, approve, actor=actor, now=now, reason=reason)
        await s.commit()
        return d


# --- requests ------------------------------------------------------------------------------------
async def test_request_stores_request_approval_and_audit(sessionmaker):
    t = await create(sessionmaker, sense="  Laura@SenseDigital.co ")
    assert t.request.status == ApprovalStatus.PENDIENTE
    assert t.request.sense_email == "laura@sensedigital.co"
    assert t.approval.kind == ApprovalKind.USUARIO_HUBSPOT and t.approval.access_request_id == t.request.id
    assert t.request.created_at == NOW
    assert await count(sessionmaker, AuditLog, AuditLog.action == "acceso.solicitar") == 1


@pytest.mark.parametrize(
    ("sense", "gmail"),
    [
        ("laura@otrodominio.com", "laura@gmail.com"),  # not the Sense domain
        ("no-es-correo", "laura@gmail.com"),
        ("laura@sensedigital.co", "laura@hotmail.com"),  # not a Gmail
        ("laura@sensedigital.co", "sin arroba"),
    ],
)
async def test_bad_emails_are_refused_and_nothing_is_stored(sessionmaker, sense, gmail):
    with pytest.raises(DomainError):
        await create(sessionmaker, sense=sense, gmail=gmail)
    assert await count(sessionmaker, AccessRequest) == 0
    assert await count(sessionmaker, Approval) == 0


async def test_one_open_request_per_person(sessionmaker):
    first = await create(sessionmaker)
    with pytest.raises(svc.AccessRefused) as err:
        await create(sessionmaker, sense="otra@sensedigital.co")
    assert f"#{first.request.id}" in str(err.value) and "23/11/2026" in str(err.value)
    assert await count(sessionmaker, AccessRequest) == 1


async def test_concurrent_requests_of_one_person_store_one(sessionmaker):
    results = await asyncio.gather(*(create(sessionmaker) for _ in range(4)), return_exceptions=True)
    assert sum(isinstance(r, svc.AccessTicket) for r in results) == 1
    assert all(isinstance(r, (svc.AccessTicket, svc.AccessRefused)) for r in results)
    assert await count(sessionmaker, AccessRequest) == 1
    assert await count(sessionmaker, Approval) == 1


async def test_already_kam_with_approved_request_is_told_so(sessionmaker):
    t = await create(sessionmaker)
    await decide(sessionmaker, t.request.id, True)
    with pytest.raises(svc.AccessRefused) as err:
        await create(sessionmaker, is_kam=True)
    assert "Ya tienes tu acceso" in str(err.value)
    # the role was removed later: a new request is possible
    again = await create(sessionmaker, is_kam=False)
    assert again.request.id != t.request.id


async def test_rejected_person_may_ask_again(sessionmaker):
    t = await create(sessionmaker)
    await decide(sessionmaker, t.request.id, False, reason="Correo equivocado")
    again = await create(sessionmaker, sense="laura.g@sensedigital.co")
    assert again.request.status == ApprovalStatus.PENDIENTE


async def test_sense_email_of_another_member_is_refused(sessionmaker):
    async with sessionmaker() as s:
        m = await directory.ensure_member(s, 9999, "Otra Persona")
        m.sense_email = "laura@sensedigital.co"
        await s.commit()
    with pytest.raises(svc.AccessRefused, match="otra persona"):
        await create(sessionmaker)
    assert await count(sessionmaker, AccessRequest) == 0


async def test_sense_email_pending_for_someone_else_is_refused(sessionmaker):
    await create(sessionmaker, discord_id=1)
    with pytest.raises(svc.AccessRefused, match="otra solicitud"):
        await create(sessionmaker, discord_id=2)


# --- decisions -----------------------------------------------------------------------------------
async def test_approval_activates_member_with_emails(sessionmaker):
    t = await create(sessionmaker)
    d = await decide(sessionmaker, t.request.id, True)
    assert d.decided and d.member is not None
    async with sessionmaker() as s:
        m = await directory.get_member(s, 7001)
        a = await svc.approval_of(s, t.request.id)
        r = await s.get(AccessRequest, t.request.id)
    assert m.active and m.sense_email == "laura@sensedigital.co" and m.gmail == "laura.gomez@gmail.com"
    assert m.name == "Laura Gómez"
    assert a.status == ApprovalStatus.APROBADA and a.decided_by_name == "Juan Diego Dillmann" and a.decided_at == NOW
    assert r.status == ApprovalStatus.APROBADA
    actions = await _actions(sessionmaker)
    assert {"aprobacion.aprobar", "acceso.aprobar", "miembro.activar", "miembro.crear"} <= set(actions)


async def test_approval_reactivates_an_inactive_member(sessionmaker):
    async with sessionmaker() as s:
        m = await directory.ensure_member(s, 7001, "Laura")
        m.active = False
        await s.commit()
    t = await create(sessionmaker)
    await decide(sessionmaker, t.request.id, True)
    async with sessionmaker() as s:
        assert (await directory.get_member(s, 7001)).active is True


async def test_rejection_needs_a_reason_and_stores_it(sessionmaker):
    t = await create(sessionmaker)
    with pytest.raises(svc.AccessRefused):
        await decide(sessionmaker, t.request.id, False, reason="  ")
    d = await decide(sessionmaker, t.request.id, False, reason="No trabajas con clientes")
    assert d.decided and d.approval.reason == "No trabajas con clientes"
    async with sessionmaker() as s:
        assert await directory.get_member(s, 7001) is None  # nobody activated
        assert (await s.get(AccessRequest, t.request.id)).status == ApprovalStatus.RECHAZADA


async def test_decided_once_second_is_told_who(sessionmaker):
    t = await create(sessionmaker)
    await decide(sessionmaker, t.request.id, True, actor=JUAN)
    d = await decide(sessionmaker, t.request.id, False, actor=DANIEL, reason="tarde")
    assert not d.decided
    assert d.approval.decided_by_name == "Juan Diego Dillmann" and d.approval.status == ApprovalStatus.APROBADA
    assert (await _actions(sessionmaker)).count("aprobacion.aprobar") == 1
    assert "aprobacion.rechazar" not in await _actions(sessionmaker)


async def test_concurrent_decisions_one_wins(sessionmaker):
    t = await create(sessionmaker)
    results = await asyncio.gather(
        decide(sessionmaker, t.request.id, True, actor=JUAN),
        decide(sessionmaker, t.request.id, False, actor=DANIEL, reason="No"),
    )
    assert sorted(r.decided for r in results) == [False, True]
    winner = next(r for r in results if r.decided)
    loser = next(r for r in results if not r.decided)
    assert loser.approval.decided_by_name == winner.approval.decided_by_name
    actions = await _actions(sessionmaker)
    assert actions.count("aprobacion.aprobar") + actions.count("aprobacion.rechazar") == 1


async def test_unknown_request(sessionmaker):
    with pytest.raises(svc.AccessRefused):
        await decide(sessionmaker, 4242, True)


async def _actions(sm) -> list[str]:
    async with sm() as s:
        return list((await s.execute(select(AuditLog.action).order_by(AuditLog.id))).scalars())


# --- provisioning --------------------------------------------------------------------------------
class StubGateway:
    """Just enough of ``bot.hubspot.gateway`` for the service (the E2E tests use the HubSpot fake)."""

    def __init__(self, *results):
        self.results = list(results)
        self.calls = []

    async def provision_user(self, email, first_name=None, last_name=None):
        self.calls.append((email, first_name, last_name))
        r = self.results.pop(0)
        if isinstance(r, BaseException):
            raise r
        return r


def _errors():
    from bot.hubspot import gateway as g

    return g


async def _approved(sm) -> int:
    t = await create(sm)
    await decide(sm, t.request.id, True)
    return t.request.id


async def test_provision_created_stores_user_on_request_and_member(sessionmaker):
    rid = await _approved(sessionmaker)
    gw = StubGateway(("u-77", True))
    out = await svc.provision_request(sessionmaker, gw, rid, actor=JUAN, now=lambda: NOW)
    assert out == svc.ProvisionOutcome(True, "u-77", True)
    assert gw.calls == [("laura@sensedigital.co", "Laura", "Gómez")]
    async with sessionmaker() as s:
        r = await s.get(AccessRequest, rid)
        m = await directory.get_member(s, 7001)
    assert r.hubspot_user_id == "u-77" and r.provisioning_error is None and m.hubspot_user_id == "u-77"
    # nothing left to do: a second call does not reach HubSpot
    assert await svc.provision_request(sessionmaker, gw, rid, actor=JUAN, now=lambda: NOW) is None
    assert len(gw.calls) == 1


async def test_provision_existing_user_is_linked(sessionmaker):
    rid = await _approved(sessionmaker)
    out = await svc.provision_request(sessionmaker, StubGateway(("u-1", False)), rid, actor=JUAN, now=lambda: NOW)
    assert out.ok and not out.created and out.user_id == "u-1"


async def test_seat_limit_then_retry(sessionmaker):
    g = _errors()
    rid = await _approved(sessionmaker)
    gw = StubGateway(g.HubSpotSeatLimit("no seats"), ("u-9", True))
    out = await svc.provision_request(sessionmaker, gw, rid, actor=JUAN, now=lambda: NOW)
    assert not out.ok and "asientos" in out.error
    async with sessionmaker() as s:
        r = await s.get(AccessRequest, rid)
        assert r.provisioning_error == out.error and r.hubspot_user_id is None
        assert svc.needs_provisioning(r, True)
        assert await svc.unprovisioned(s) == []  # an error waits for the retry button
    out = await svc.provision_request(sessionmaker, gw, rid, actor=DANIEL, now=lambda: NOW)
    assert out.ok
    async with sessionmaker() as s:
        r = await s.get(AccessRequest, rid)
        assert r.provisioning_error is None and r.hubspot_user_id == "u-9"
    actions = await _actions(sessionmaker)
    assert actions.count("acceso.hubspot_error") == 1 and actions.count("acceso.hubspot_ok") == 1


@pytest.mark.parametrize("exc_name", ["HubSpotError", "HubSpotUnavailable"])
async def test_api_errors_become_card_text(sessionmaker, exc_name):
    g = _errors()
    rid = await _approved(sessionmaker)
    out = await svc.provision_request(
        sessionmaker, StubGateway(getattr(g, exc_name)("boom 500")), rid, actor=JUAN, now=lambda: NOW
    )
    assert not out.ok and "HubSpot" in out.error


async def test_unexpected_exception_is_contained(sessionmaker):
    rid = await _approved(sessionmaker)
    out = await svc.provision_request(sessionmaker, StubGateway(RuntimeError("x")), rid, actor=JUAN, now=lambda: NOW)
    assert not out.ok


async def test_pending_or_rejected_requests_are_not_provisioned(sessionmaker):
    t = await create(sessionmaker)
    gw = StubGateway()
    assert await svc.provision_request(sessionmaker, gw, t.request.id, actor=JUAN, now=lambda: NOW) is None
    await decide(sessionmaker, t.request.id, False, reason="no")
    assert await svc.provision_request(sessionmaker, gw, t.request.id, actor=JUAN, now=lambda: NOW) is None
    assert gw.calls == []


async def test_unprovisioned_lists_interrupted_approvals(sessionmaker):
    rid = await _approved(sessionmaker)
    async with sessionmaker() as s:
        assert await svc.unprovisioned(s) == [rid]


# --- reminders -----------------------------------------------------------------------------------
async def remind(sm, now) -> list[reminders.Reminder]:
    async with sm() as s:
        out = await reminders.process_reminders(s, now)
        await s.commit()
        return out


async def test_reminded_after_24h_then_once_a_day(sessionmaker):
    t = await create(sessionmaker)
    assert await remind(sessionmaker, NOW + timedelta(hours=23)) == []
    first = await remind(sessionmaker, NOW + timedelta(hours=25))
    assert [(r.kind, r.request_id, r.name) for r in first] == [(ApprovalKind.USUARIO_HUBSPOT, t.request.id, "Laura Gómez")]
    for h in (25, 30, 48):  # same day window: never twice
        assert await remind(sessionmaker, NOW + timedelta(hours=h)) == []
    assert len(await remind(sessionmaker, NOW + timedelta(hours=49))) == 1
    async with sessionmaker() as s:
        a = await svc.approval_of(s, t.request.id)
    assert a.reminded_at == NOW + timedelta(hours=49)


async def test_concurrent_ticks_remind_once(sessionmaker):
    await create(sessionmaker)
    results = await asyncio.gather(*(remind(sessionmaker, NOW + timedelta(hours=30)) for _ in range(3)))
    assert sum(len(r) for r in results) == 1


async def test_decided_requests_are_not_reminded(sessionmaker):
    t = await create(sessionmaker)
    await decide(sessionmaker, t.request.id, True)
    assert await remind(sessionmaker, NOW + timedelta(days=3)) == []


async def test_reminder_threshold_is_configurable(sessionmaker):
    await create(sessionmaker)
    async with sessionmaker() as s:
        assert len(await reminders.process_reminders(s, NOW + timedelta(hours=5), after_hours=4)) == 1


async def test_member_row_untouched_by_request(sessionmaker):
    await create(sessionmaker)
    assert await count(sessionmaker, Member) == 0
