"""HubSpot user provisioning for approved access requests: claimed in the database, called outside any
transaction, recorded (with the requester's DM) in a second short one. See :mod:`bot.services.access`."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.enums import ApprovalStatus
from bot.hubspot.gateway import HubSpotError, HubSpotSeatLimit, HubSpotUnavailable
from bot.services import directory
from bot.services.access.requests import (
    Notices,
    finish_approval,
    queue_hubspot_dm,
)
from bot.texts import access as T
from db.audit import Actor, record
from db.models import AccessRequest

log = logging.getLogger(__name__)

# A provisioning claim lasts this long: far beyond a HubSpot call with its retries, so only a claim
# whose process died is ever taken again.
CLAIM_TTL = timedelta(minutes=10)


# --- HubSpot provisioning ----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ProvisionOutcome:
    ok: bool
    user_id: str | None = None
    created: bool = False
    error: str | None = None  # Spanish, shown on the card


def split_name(name: str) -> tuple[str | None, str | None]:
    parts = (name or "").split()
    if not parts:
        return None, None
    return parts[0], (" ".join(parts[1:]) or None)


async def call_provision(gateway: Any, email: str, name: str) -> ProvisionOutcome:
    """Ask HubSpot for the user; every failure becomes a Spanish error, never an exception."""
    first, last = split_name(name)
    try:
        user_id, created = await gateway.provision_user(email, first_name=first, last_name=last)
    except HubSpotSeatLimit:
        return ProvisionOutcome(False, error=T.HS_SEAT_LIMIT)
    except HubSpotUnavailable as exc:
        return ProvisionOutcome(False, error=T.HS_UNAVAILABLE.format(detail=str(exc)[:200] or type(exc).__name__))
    except HubSpotError as exc:
        return ProvisionOutcome(False, error=T.HS_API_ERROR.format(detail=str(exc)[:300] or type(exc).__name__))
    except Exception as exc:
        log.exception("HubSpot provisioning of %s failed unexpectedly", email)
        return ProvisionOutcome(False, error=T.HS_API_ERROR.format(detail=type(exc).__name__))
    return ProvisionOutcome(True, user_id=str(user_id), created=bool(created))


async def record_provision(
    session: AsyncSession, request_id: int, outcome: ProvisionOutcome, *, actor: Actor, now: datetime
) -> AccessRequest | None:
    """Store the outcome on the request (and the user id on the member)."""
    req = (
        await session.execute(
            select(AccessRequest).where(AccessRequest.id == request_id).execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if req is None:
        return None
    before = {"hubspot_user_id": req.hubspot_user_id, "provisioning_error": req.provisioning_error}
    if outcome.ok:
        req.hubspot_user_id = outcome.user_id
        req.provisioning_error = None
        member = await directory.get_member(session, req.discord_id)
        if member is not None:
            member.hubspot_user_id = outcome.user_id
            member.updated_at = now
    else:
        req.provisioning_error = outcome.error
    req.updated_at = now
    record(
        session, actor, "acceso.hubspot_" + ("ok" if outcome.ok else "error"), "access_request", req.id,
        before=before,
        after={"hubspot_user_id": req.hubspot_user_id, "created": outcome.created, "error": outcome.error},
    )
    return req


def needs_provisioning(req: AccessRequest, hubspot_enabled: bool) -> bool:
    return hubspot_enabled and req.status == ApprovalStatus.APROBADA and not req.hubspot_user_id


async def claim_provisioning(
    session: AsyncSession, request_id: int, token: str, now: datetime, ttl: timedelta = CLAIM_TTL
) -> bool:
    """Take the request's provisioning for ``ttl``: one conditional UPDATE, which hits the row only
    while it needs a HubSpot user and nobody holds an unexpired claim. The caller commits."""
    res = await session.execute(
        update(AccessRequest)
        .where(
            AccessRequest.id == request_id,
            AccessRequest.status == ApprovalStatus.APROBADA,
            AccessRequest.hubspot_user_id.is_(None),
            or_(AccessRequest.claimed_until.is_(None), AccessRequest.claimed_until <= now),
        )
        .values(claim_token=token, claimed_until=now + ttl)
        .execution_options(synchronize_session=False)
    )
    return res.rowcount == 1


async def release_claim(session: AsyncSession, request_id: int, token: str) -> bool:
    """Give the claim back (only ours: an expired claim another process took stays theirs)."""
    res = await session.execute(
        update(AccessRequest)
        .where(AccessRequest.id == request_id, AccessRequest.claim_token == token)
        .values(claim_token=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    return res.rowcount == 1


OnOutcome = Callable[[AsyncSession, AccessRequest, ProvisionOutcome], Awaitable[None]]


async def provision_request(
    sessionmaker: async_sessionmaker[AsyncSession],
    gateway: Any,
    request_id: int,
    *,
    actor: Actor,
    now: Any,
    notices: Notices | None = None,
    on_outcome: OnOutcome | None = None,
) -> ProvisionOutcome | None:
    """Claim → call HubSpot (outside any transaction) → record and release. None when nothing is
    needed or another process holds the claim (it provisions, and tells).

    ``now`` is a zero-argument callable (the bot clock's ``now``). In the recording transaction
    ``on_outcome`` runs, or by default (with ``notices``) the requester's DM of a ready user is queued."""
    if gateway is None:
        return None
    token = uuid.uuid4().hex
    async with sessionmaker() as session:
        if not await claim_provisioning(session, request_id, token, now()):
            return None
        req = await session.get(AccessRequest, request_id)
        assert req is not None
        email, name = req.sense_email, req.name
        await session.commit()
    try:
        outcome = await call_provision(gateway, email, name)
    except BaseException:  # cancelled (shutdown): free the request for the next attempt
        async with sessionmaker() as session:
            await release_claim(session, request_id, token)
            await session.commit()
        raise
    async with sessionmaker() as session:
        req = await record_provision(session, request_id, outcome, actor=actor, now=now())
        if not await release_claim(session, request_id, token):
            log.warning("The provisioning claim of access request %s expired during the HubSpot call", request_id)
        if req is not None:
            if on_outcome is not None:
                await on_outcome(session, req, outcome)
            elif notices is not None:
                await queue_hubspot_dm(session, req, notices, outcome, now())
        await session.commit()
    return outcome


async def complete_approval(
    sessionmaker: async_sessionmaker[AsyncSession],
    gateway: Any,
    request_id: int,
    *,
    actor: Actor,
    now: Any,
    notices: Notices,
    role: tuple[bool, str | None],
) -> ProvisionOutcome | None:
    """After an approval was committed and the role granted (or not): provision the HubSpot user
    under the claim, and complete the approval DM in the transaction that records the outcome."""

    async def finish(session: AsyncSession, _req: AccessRequest, outcome: ProvisionOutcome | None) -> None:
        await finish_approval(session, request_id, actor=actor, now=now(), notices=notices, role=role, outcome=outcome)

    outcome = await provision_request(sessionmaker, gateway if notices.provisioning else None, request_id,
                                      actor=actor, now=now, notices=notices, on_outcome=finish)
    if outcome is None:
        async with sessionmaker() as session:
            await finish(session, None, None)  # type: ignore[arg-type]
            await session.commit()
    return outcome


async def retry_unprovisioned(
    sessionmaker: async_sessionmaker[AsyncSession], gateway: Any, *, now: Any, notices: Notices | None = None
) -> list[tuple[int, ProvisionOutcome]]:
    """The retry job: provision the approved requests a crash left without a HubSpot user (each
    under its claim, so a click on «Reintentar» or another process at the same time is harmless)."""
    if gateway is None:
        return []
    async with sessionmaker() as session:
        ids = await unprovisioned(session, now=now())
    done = []
    for request_id in ids:
        outcome = await provision_request(sessionmaker, gateway, request_id, actor=Actor.system("reintento"),
                                          now=now, notices=notices)
        if outcome is not None:
            done.append((request_id, outcome))
    return done


async def unprovisioned(session: AsyncSession, limit: int = 20, now: datetime | None = None) -> list[int]:
    """Approved requests still without a HubSpot user and without a recorded error (a crash hit
    between the approval and the call): the tick retries them on its own. With ``now``, those
    whose claim is held (someone is provisioning them) are left out."""
    q = (
        select(AccessRequest.id)
        .where(
            AccessRequest.status == ApprovalStatus.APROBADA,
            AccessRequest.hubspot_user_id.is_(None),
            AccessRequest.provisioning_error.is_(None),
            *([or_(AccessRequest.claimed_until.is_(None), AccessRequest.claimed_until <= now)] if now is not None else []),
        )
        .order_by(AccessRequest.id)
        .limit(limit)
    )
    return list((await session.execute(q)).scalars())
