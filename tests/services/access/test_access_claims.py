"""Issue 17: HubSpot provisioning of an access request runs under a claim in the database (not a set
in one process), so two processes, a double click or a click racing the retry job never provision
the same request twice; a claim left by a process that died expires and is taken again. And the
requester's DMs are queued in the outbox with the change they report."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.hubspot.gateway import HubSpotGateway
from bot.services import access as svc
from db.engine import make_engine, make_sessionmaker
from db.models import AccessRequest, AuditLog, OutboxMessage
from tests.fakes.hubspot_fake import HubSpotFake
from tests.services.access.test_access import DANIEL, JUAN, NOW, _approved, create, decide

TOKEN = "pat-na1-test-0000"
USERS = r"/settings/v3/users/?$"
NOTICES = svc.Notices(role_kam="KAM", sales_channel="ventas-desde-operaciones", provisioning=True)


@pytest.fixture
async def hubspot():
    fake = HubSpotFake(token=TOKEN, limits=False)
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def gateway(hubspot):
    gw = HubSpotGateway(access_token=TOKEN, base_url=hubspot.base_url, timeout=5.0, backoff_base=0.02)
    yield gw
    gw.close()


@pytest.fixture
async def second_sessionmaker(settings):
    """A second engine on the same database: another bot process."""
    eng = make_engine(settings.database_url)
    yield make_sessionmaker(eng)
    await eng.dispose()


async def claim_of(sm, rid):
    async with sm() as s:
        r = await s.get(AccessRequest, rid)
        return r.claim_token, r.claimed_until


async def test_two_processes_at_once_provision_once(sessionmaker, second_sessionmaker, hubspot, gateway):
    rid = await _approved(sessionmaker)
    hubspot.latency = 0.4  # both attempts are in flight at the same time
    outcomes = await asyncio.gather(
        svc.provision_request(sessionmaker, gateway, rid, actor=JUAN, now=lambda: NOW, notices=NOTICES),
        svc.provision_request(second_sessionmaker, gateway, rid, actor=DANIEL, now=lambda: NOW, notices=NOTICES),
    )
    assert hubspot.count("POST", USERS) == 1
    assert sum(u["email"] == "laura@sensedigital.co" for u in hubspot.users.values()) == 1
    [done] = [o for o in outcomes if o is not None]  # the other found the claim taken and did nothing
    assert done.ok and done.created
    async with sessionmaker() as s:
        r = await s.get(AccessRequest, rid)
        assert r.hubspot_user_id == done.user_id and (r.claim_token, r.claimed_until) == (None, None)
        actions = list((await s.execute(select(AuditLog.action))).scalars())
        assert actions.count("acceso.hubspot_ok") == 1
        # the requester is told once
        dms = list((await s.execute(select(OutboxMessage).where(OutboxMessage.dedupe_key == svc.dm_key(rid, "hubspot")))).scalars())
        assert len(dms) == 1 and dms[0].target_id == 7001


async def test_a_click_racing_the_retry_job_provisions_once(sessionmaker, second_sessionmaker, hubspot, gateway):
    rid = await _approved(sessionmaker)
    hubspot.latency = 0.4
    done, click = await asyncio.gather(
        svc.retry_unprovisioned(sessionmaker, gateway, now=lambda: NOW, notices=NOTICES),
        svc.provision_request(second_sessionmaker, gateway, rid, actor=JUAN, now=lambda: NOW, notices=NOTICES),
    )
    assert hubspot.count("POST", USERS) == 1
    assert len(done) + (click is not None) == 1


async def test_an_expired_claim_is_taken_again(sessionmaker, hubspot, gateway):
    rid = await _approved(sessionmaker)
    # a process claimed the request and died (kill -9) before recording anything
    async with sessionmaker() as s:
        assert await svc.claim_provisioning(s, rid, "dead-process", NOW)
        await s.commit()
    # while the claim holds, nobody provisions, and the retry job does not even list it
    later = NOW + svc.CLAIM_TTL - timedelta(seconds=1)
    assert await svc.provision_request(sessionmaker, gateway, rid, actor=JUAN, now=lambda: later) is None
    async with sessionmaker() as s:
        assert await svc.unprovisioned(s, now=later) == []
        assert await svc.claim_provisioning(s, rid, "other", later) is False
    assert hubspot.count("POST", USERS) == 0 and await claim_of(sessionmaker, rid) == ("dead-process", NOW + svc.CLAIM_TTL)
    # once it expired, the retry job takes it again and provisions
    expired = NOW + svc.CLAIM_TTL
    done = await svc.retry_unprovisioned(sessionmaker, gateway, now=lambda: expired, notices=NOTICES)
    assert [(r, o.ok) for r, o in done] == [(rid, True)]
    assert hubspot.count("POST", USERS) == 1 and await claim_of(sessionmaker, rid) == (None, None)


async def test_a_claim_is_released_when_the_call_fails(sessionmaker, hubspot, gateway):
    rid = await _approved(sessionmaker)
    hubspot.seat_limit = 0
    out = await svc.provision_request(sessionmaker, gateway, rid, actor=JUAN, now=lambda: NOW)
    assert not out.ok and await claim_of(sessionmaker, rid) == (None, None)
    hubspot.seat_limit = None
    out = await svc.provision_request(sessionmaker, gateway, rid, actor=JUAN, now=lambda: NOW)  # «Reintentar» at once
    assert out.ok


async def test_a_released_claim_is_not_someone_elses(sessionmaker):
    rid = await _approved(sessionmaker)
    async with sessionmaker() as s:
        assert await svc.claim_provisioning(s, rid, "old", NOW)
        assert await svc.claim_provisioning(s, rid, "new", NOW + svc.CLAIM_TTL)  # old expired: taken
        assert await svc.release_claim(s, rid, "old") is False  # the late first holder frees nothing
        await s.commit()
    assert (await claim_of(sessionmaker, rid))[0] == "new"


# --- the requester's DMs, queued with the change -------------------------------------------------------
async def outbox_rows(sm):
    async with sm() as s:
        return list((await s.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())


async def test_rejection_queues_the_dm_with_the_decision(sessionmaker):
    t = await create(sessionmaker)
    async with sessionmaker() as s:
        await svc.decide_access(s, t.request.id, False, actor=DANIEL, now=NOW, reason="No es tu correo @everyone",
                                notices=NOTICES)
        await s.rollback()  # nothing committed: nothing queued
    assert await outbox_rows(sessionmaker) == []
    async with sessionmaker() as s:
        await svc.decide_access(s, t.request.id, False, actor=DANIEL, now=NOW, reason="No es tu correo @everyone",
                                notices=NOTICES)
        await s.commit()
    [row] = await outbox_rows(sessionmaker)
    assert (row.target, row.target_id, row.status, row.next_attempt_at) == ("dm", 7001, "pendiente", NOW)
    assert "No es tu correo" in row.payload["content"] and "@everyone" not in row.payload["content"]
    fallback = row.payload["fallback"]
    assert "<@7001>" in fallback["content"] and "#1" in fallback["content"] and "Laura Gómez" in fallback["content"]


async def test_approval_dm_is_queued_late_and_completed_by_the_follow_up(sessionmaker, hubspot, gateway):
    t = await create(sessionmaker)
    rid = t.request.id
    async with sessionmaker() as s:
        await svc.decide_access(s, rid, True, actor=JUAN, now=NOW, notices=NOTICES)
        await s.commit()
    [row] = await outbox_rows(sessionmaker)
    # written with the decision: due after the grace, in case the approver's process dies now
    assert row.next_attempt_at == NOW + svc.APPROVAL_DM_GRACE and "se están activando" in row.payload["content"]
    out = await svc.complete_approval(sessionmaker, gateway, rid, actor=JUAN, now=lambda: NOW, notices=NOTICES,
                                      role=(True, None))
    assert out.ok
    [row] = await outbox_rows(sessionmaker)  # one DM, with both outcomes, due now
    assert row.next_attempt_at == NOW
    assert "Ya tienes el rol «KAM»" in row.payload["content"] and "quedó creado" in row.payload["content"]
    async with sessionmaker() as s:
        assert "acceso.rol" in list((await s.execute(select(AuditLog.action))).scalars())


async def test_approval_dm_already_sent_gets_a_hubspot_dm(sessionmaker, hubspot, gateway):
    t = await create(sessionmaker)
    rid = t.request.id
    async with sessionmaker() as s:
        await svc.decide_access(s, rid, True, actor=JUAN, now=NOW, notices=NOTICES)
        await s.commit()
        await s.execute(update(OutboxMessage).values(status="enviado", attempts=1))  # it left as written
        await s.commit()
    await svc.complete_approval(sessionmaker, gateway, rid, actor=JUAN, now=lambda: NOW, notices=NOTICES,
                                role=(True, None))
    rows = await outbox_rows(sessionmaker)
    assert [r.dedupe_key for r in rows] == [svc.dm_key(rid, "aprobada"), svc.dm_key(rid, "hubspot")]


async def test_decided_by_someone_else_queues_nothing(sessionmaker):
    t = await create(sessionmaker)
    await decide(sessionmaker, t.request.id, True)
    async with sessionmaker() as s:
        d = await svc.decide_access(s, t.request.id, False, actor=DANIEL, now=NOW, reason="tarde", notices=NOTICES)
        await s.commit()
    assert not d.decided and await outbox_rows(sessionmaker) == []
