"""Access requests: creation (one open request per person), the decision, the cards' records, and the
requester's DMs queued in the outbox with each change. The package docstring
(:mod:`bot.services.access`) explains the transactions, the concurrency and the provisioning claims."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import validation
from bot.domain.dates import format_datetime
from bot.domain.enums import ApprovalKind, ApprovalStatus, OutboxStatus
from bot.domain.errors import DomainError
from bot.domain.text import md
from bot.services import directory, outbox
from bot.texts import access as T
from db.audit import Actor, record
from db.engine import rowcount
from db.models import AccessRequest, Approval, Member, OutboxMessage

log = logging.getLogger(__name__)

# Approval.kind of the requests handled here (AccessRequest.status takes ApprovalStatus values)
KINDS = (ApprovalKind.USUARIO_HUBSPOT, ApprovalKind.PROFORMA)

# Requests older than this (APPROVAL_REMINDER_HOURS) are reminded, then at most once every REMIND_EVERY.
REMIND_AFTER_HOURS = 24
REMIND_EVERY = timedelta(hours=24)

# The approval DM is queued with the decision but due this late: the approver's process rewrites it
# with the role and HubSpot outcome and makes it due at once; after a crash it leaves as written.
APPROVAL_DM_GRACE = timedelta(minutes=2)


class AccessRefused(DomainError):
    """A refused access request or decision; ``str()`` is the Spanish message. Nothing changed."""


# --- requests ---------------------------------------------------------------------------------
async def insert_once(session: AsyncSession, stmt: Any) -> bool:
    """Run a conditional ``INSERT … SELECT … WHERE NOT EXISTS``; False when the row already exists.

    SQLite serializes writers, so the NOT EXISTS alone decides there. On PostgreSQL two concurrent
    transactions can both pass it: the partial unique index then refuses the later one, whose
    transaction is rolled back (nothing of it is kept) so the caller can read the winner and refuse.
    """
    try:
        res = await session.execute(stmt)
    except IntegrityError:
        await session.rollback()
        return False
    return rowcount(res) == 1


def validate_emails(sense_email: str, gmail: str, domain: str) -> tuple[str, str]:
    """Both e-mails normalized, or a :class:`DomainError` naming the bad one."""
    return validation.validate_domain_email(sense_email, domain), validation.validate_gmail(gmail)


@dataclass(slots=True)
class AccessTicket:
    request: AccessRequest
    approval: Approval


async def pending_request(session: AsyncSession, discord_id: int) -> AccessRequest | None:
    q = (
        select(AccessRequest)
        .where(AccessRequest.discord_id == discord_id, AccessRequest.status == ApprovalStatus.PENDIENTE)
        .order_by(AccessRequest.id)
        .execution_options(populate_existing=True)
    )
    return (await session.execute(q)).scalars().first()


async def latest_approved(session: AsyncSession, discord_id: int) -> AccessRequest | None:
    q = (
        select(AccessRequest)
        .where(AccessRequest.discord_id == discord_id, AccessRequest.status == ApprovalStatus.APROBADA)
        .order_by(AccessRequest.id.desc())
    )
    return (await session.execute(q)).scalars().first()


async def approval_of(session: AsyncSession, request_id: int) -> Approval | None:
    q = (
        select(Approval)
        .where(Approval.access_request_id == request_id, Approval.kind == ApprovalKind.USUARIO_HUBSPOT)
        .order_by(Approval.id.desc())
        .execution_options(populate_existing=True)
    )
    return (await session.execute(q)).scalars().first()


async def create_access_request(
    session: AsyncSession,
    *,
    discord_id: int,
    name: str,
    sense_email: str,
    gmail: str,
    domain: str,
    is_kam: bool,
    actor: Actor,
    now: datetime,
    tz: Any = None,
) -> AccessTicket:
    """Validate and store a request and its approval. Refusals raise :class:`DomainError`."""
    sense, gm = validate_emails(sense_email, gmail, domain)
    name = (name or "").strip()[:200] or str(discord_id)
    # 1. the conditional insert first: one open request per person, even under concurrency
    open_for_user = exists().where(AccessRequest.discord_id == discord_id, AccessRequest.status == ApprovalStatus.PENDIENTE)
    stmt = insert(AccessRequest).from_select(
        ["discord_id", "name", "sense_email", "gmail", "status", "created_at", "updated_at"],
        select(
            literal(discord_id), literal(name), literal(sense), literal(gm), literal(ApprovalStatus.PENDIENTE),
            literal(now, AccessRequest.created_at.type), literal(now, AccessRequest.updated_at.type),
        ).where(~open_for_user),
    )
    if not await insert_once(session, stmt):
        existing = await pending_request(session, discord_id)
        since = format_datetime(existing.created_at if existing else None, tz) if tz else "—"
        raise AccessRefused(T.ACCESS_PENDING.format(request_id=existing.id if existing else "?", since=since))
    req = await pending_request(session, discord_id)
    assert req is not None
    # 2. the rest of the rules (a refusal rolls the insert back)
    if is_kam:
        done = await latest_approved(session, discord_id)
        if done is not None:
            when = format_datetime(done.updated_at, tz) if tz else "—"
            raise AccessRefused(T.ACCESS_ALREADY.format(request_id=done.id, when=when))
    owner = (await session.execute(select(Member).where(Member.sense_email == sense))).scalar_one_or_none()
    if owner is not None and owner.discord_id != discord_id:
        raise AccessRefused(T.ACCESS_EMAIL_TAKEN.format(email=sense), field="correo-sense")
    other = (
        await session.execute(
            select(AccessRequest.id).where(
                AccessRequest.sense_email == sense,
                AccessRequest.status == ApprovalStatus.PENDIENTE,
                AccessRequest.discord_id != discord_id,
            )
        )
    ).first()
    if other is not None:
        raise AccessRefused(T.ACCESS_EMAIL_PENDING_OTHER.format(email=sense), field="correo-sense")
    member = await directory.get_member(session, discord_id)
    approval = Approval(
        kind=ApprovalKind.USUARIO_HUBSPOT,
        status=ApprovalStatus.PENDIENTE,
        access_request_id=req.id,
        requested_by_id=member.id if member else None,
        created_at=now,
        updated_at=now,
    )
    session.add(approval)
    await session.flush()
    record(
        session, actor, "acceso.solicitar", "access_request", req.id,
        after={"sense_email": sense, "gmail": gm, "approval_id": approval.id},
    )
    return AccessTicket(req, approval)


# --- what provisioning a HubSpot user gave (bot.services.access.provisioning), told in the DMs ------
@dataclass(frozen=True, slots=True)
class ProvisionOutcome:
    ok: bool
    user_id: str | None = None
    created: bool = False
    error: str | None = None  # Spanish, shown on the card



# --- the requester's DMs (through the outbox) ---------------------------------------------------
@dataclass(frozen=True, slots=True)
class Notices:
    """What the requester's DMs name: the KAM role, the sales channel, and whether approved
    requests get their HubSpot user from the bot (else the approvers create it by hand)."""

    role_kam: str
    sales_channel: str
    provisioning: bool


def dm_key(request_id: int, what: str) -> str:
    return f"acceso:{request_id}:{what}"


async def queue_dm(
    session: AsyncSession, req: AccessRequest, what: str, text: str, notice: str, now: datetime,
    *, due: datetime | None = None,
) -> OutboxMessage:
    """Queue a DM to the requester in the caller's transaction (once per request and ``what``). If
    their DMs are closed, the outbox worker posts ``notice`` in the sales channel, mentioning them
    (the only person it can ping); the DM itself is held and retried like any refused DM."""
    row = await outbox.enqueue(
        session, dm_key(req.id, what), content=text[:2000], user_id=req.discord_id, now=now,
        fallback=T.ACCESS_CHANNEL_NOTICE.format(user_id=req.discord_id, name=md(req.name), text=notice)[:2000],
    )
    if due is not None and row.status == OutboxStatus.PENDIENTE and row.attempts == 0:
        row.next_attempt_at = due
    return row


def hs_line(notices: Notices, email: str, outcome: ProvisionOutcome | None) -> str:
    if not notices.provisioning:
        return T.DM_HS_MANUAL.format(email=email)
    if outcome is None or not outcome.ok:
        return T.DM_HS_PENDING.format(email=email)
    return (T.DM_HS_CREATED if outcome.created else T.DM_HS_LINKED).format(email=email)


def approval_text(
    req: AccessRequest, who: str, notices: Notices, role: tuple[bool, str | None] | None,
    outcome: ProvisionOutcome | None,
) -> str:
    """The approval DM; ``role`` None: the grant's outcome is not known (written with the decision)."""
    if role is None:
        role_line = T.DM_ROLE_PENDING.format(role=notices.role_kam, channel=notices.sales_channel)
    elif role[0]:
        role_line = T.DM_ROLE_OK.format(role=notices.role_kam, channel=notices.sales_channel)
    else:
        role_line = T.DM_ROLE_FAIL.format(channel=notices.sales_channel)
    return "\n".join((T.DM_ACCESS_APPROVED.format(who=md(who), request_id=req.id), role_line,
                      hs_line(notices, req.sense_email, outcome), T.DM_ACCESS_NEXT))


async def finish_approval(
    session: AsyncSession,
    request_id: int,
    *,
    actor: Actor,
    now: datetime,
    notices: Notices,
    role: tuple[bool, str | None],
    outcome: ProvisionOutcome | None,
) -> None:
    """After the role grant (and provisioning, in its transaction): record the grant and complete the
    approval DM queued with the decision (role and HubSpot outcome), due now. When that DM already
    left as written (the grace ran out), a HubSpot user made since gets its own DM."""
    req = await session.get(AccessRequest, request_id)
    approval = await approval_of(session, request_id)
    if req is None or approval is None:
        return
    record(session, actor, "acceso.rol", "access_request", req.id,
           after={"role": notices.role_kam, "granted": role[0], "error": role[1]})
    text = approval_text(req, approval.decided_by_name or actor.name, notices, role, outcome)
    key = dm_key(req.id, "aprobada")
    row = (await session.execute(select(OutboxMessage).where(OutboxMessage.dedupe_key == key))).scalar_one_or_none()
    if row is None:
        return
    res = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row.id, OutboxMessage.status == OutboxStatus.PENDIENTE, OutboxMessage.attempts == 0)
        .values(payload={**row.payload, "content": text[:2000]}, next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    if rowcount(res) != 1 and outcome is not None and outcome.ok:
        await queue_hubspot_dm(session, req, notices, outcome, now)


async def queue_hubspot_dm(
    session: AsyncSession, req: AccessRequest, notices: Notices, outcome: ProvisionOutcome | None, now: datetime
) -> None:
    """The requester hears that their HubSpot user is ready (a retry succeeded)."""
    if outcome is None or not outcome.ok:
        return
    await queue_dm(session, req, "hubspot", hs_line(notices, req.sense_email, outcome),
                   T.NOTICE_HS_READY.format(request_id=req.id), now)


# --- decisions --------------------------------------------------------------------------------
@dataclass(slots=True)
class AccessDecision:
    decided: bool  # False: someone else decided first (see ``approval``)
    request: AccessRequest
    approval: Approval
    approve: bool = False
    member: Member | None = None


async def decide_access(
    session: AsyncSession,
    request_id: int,
    approve: bool,
    *,
    actor: Actor,
    now: datetime,
    reason: str | None = None,
    notices: Notices | None = None,
) -> AccessDecision:
    """Approve or reject a pending request, once. Approving activates the member and stores the
    e-mails; granting the Discord role and HubSpot provisioning happen after the commit.

    With ``notices``, the requester's DM is queued in this transaction: the rejection with its
    reason, or the approval (due after :data:`APPROVAL_DM_GRACE`, completed by :func:`finish_approval`)."""
    if not approve and not (reason or "").strip():
        raise AccessRefused(T.REASON_REQUIRED, field="motivo")
    new_status = ApprovalStatus.APROBADA if approve else ApprovalStatus.RECHAZADA
    res = await session.execute(
        update(Approval)
        .where(
            Approval.access_request_id == request_id,
            Approval.kind == ApprovalKind.USUARIO_HUBSPOT,
            Approval.status == ApprovalStatus.PENDIENTE,
        )
        .values(
            status=new_status,
            decided_by_discord_id=actor.discord_id,
            decided_by_name=actor.name[:200],
            decided_at=now,
            reason=reason if not approve else None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    req = (
        await session.execute(
            select(AccessRequest).where(AccessRequest.id == request_id).execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    approval = await approval_of(session, request_id)
    if req is None or approval is None:
        raise AccessRefused(T.REQUEST_GONE.format(request_id=request_id))
    if rowcount(res) != 1:
        return AccessDecision(False, req, approval, approve)
    before = req.status
    req.status = new_status
    req.updated_at = now
    out = AccessDecision(True, req, approval, approve)
    record(
        session, actor, f"aprobacion.{'aprobar' if approve else 'rechazar'}", "approval", approval.id,
        before={"status": ApprovalStatus.PENDIENTE, "kind": ApprovalKind.USUARIO_HUBSPOT, "access_request_id": request_id},
        after={"status": new_status, "reason": reason if not approve else None},
    )
    record(
        session, actor, "acceso.aprobar" if approve else "acceso.rechazar", "access_request", req.id,
        before={"status": before}, after={"status": new_status, "reason": reason if not approve else None},
    )
    if approve:
        owner = (await session.execute(select(Member).where(Member.sense_email == req.sense_email))).scalar_one_or_none()
        if owner is not None and owner.discord_id != req.discord_id:
            raise AccessRefused(T.ACCESS_EMAIL_TAKEN.format(email=req.sense_email))
        member = await directory.ensure_member(session, req.discord_id, req.name, actor)
        snapshot = {"active": member.active, "sense_email": member.sense_email, "gmail": member.gmail}
        member.active = True
        member.sense_email = req.sense_email
        member.gmail = req.gmail
        member.updated_at = now
        if approval.requested_by_id is None:
            approval.requested_by_id = member.id
        record(
            session, actor, "miembro.activar", "member", member.id,
            before=snapshot, after={"active": True, "sense_email": req.sense_email, "gmail": req.gmail},
            reference=f"access_request:{req.id}",
        )
        out.member = member
    if notices is not None:
        if approve:
            await queue_dm(session, req, "aprobada", approval_text(req, actor.name, notices, None, None),
                           T.NOTICE_APPROVED.format(request_id=req.id), now, due=now + APPROVAL_DM_GRACE)
        else:
            await queue_dm(session, req, "rechazada",
                           T.DM_ACCESS_REJECTED.format(request_id=req.id, who=md(actor.name), reason=md(reason or "")),
                           T.NOTICE_REJECTED.format(request_id=req.id), now)
    return out


async def set_card(session: AsyncSession, request_id: int, channel_id: int, message_id: int) -> None:
    await session.execute(
        update(Approval)
        .where(Approval.access_request_id == request_id, Approval.kind == ApprovalKind.USUARIO_HUBSPOT)
        .values(card_channel_id=channel_id, card_message_id=message_id)
        .execution_options(synchronize_session=False)
    )


async def recorded_cards(session: AsyncSession, request_ids: list[int], kind: str = ApprovalKind.USUARIO_HUBSPOT) -> dict[int, int | None]:
    """The stored card message id of each access (or, with ``kind=ApprovalKind.PROFORMA``, billing) request."""
    column = Approval.access_request_id if kind == ApprovalKind.USUARIO_HUBSPOT else Approval.billing_request_id
    q = select(column, Approval.card_message_id).where(Approval.kind == kind, column.in_(request_ids))
    return {i: m for i, m in (await session.execute(q)).all() if i is not None}


async def requests_without_card(
    session: AsyncSession, kind: str = ApprovalKind.USUARIO_HUBSPOT, limit: int = 50, created_before: datetime | None = None
) -> list[int]:
    """Pending access (or, with ``kind=ApprovalKind.PROFORMA``, billing) requests whose card a crash or a Discord
    refusal left unposted; ``created_before`` leaves out requests whose card may be on its way."""
    column = Approval.access_request_id if kind == ApprovalKind.USUARIO_HUBSPOT else Approval.billing_request_id
    q = (
        select(column)
        .where(Approval.kind == kind, Approval.status == ApprovalStatus.PENDIENTE, Approval.card_message_id.is_(None),
               *([Approval.created_at < created_before] if created_before is not None else []))
        .order_by(Approval.id)
        .limit(limit)
    )
    return [r for r in (await session.execute(q)).scalars() if r is not None]
