"""Registering a deal: the rules (client served by the KAM, type and service, renewal window, late
advance, duplicates) checked before anything is written, then the deal, its approvals, its ledger
line and the audit rows in one transaction.

Use cases take an ``AsyncSession`` and never commit: the caller owns the transaction so the deal,
its approvals, its ledger line and the audit rows land together. Refusals are
:class:`DealRefused` (a ``DomainError``) whose text quotes the rule.

Decisions are taken once: the approval row moves out of ``pendiente`` with a conditional
``UPDATE … WHERE status='pendiente'`` and only the transaction whose update hit a row applies
the consequences; anyone else is told who decided and when.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Insert, Select, String, bindparam, exists, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert

from bot.domain.commission import commission, rate_label
from bot.domain.dates import format_date, parse_user_date
from bot.domain.enums import (
    CLOSED_DEAL_STATUSES,
    ApprovalKind,
    ApprovalStatus,
    DealStatus,
    DealType,
    HubSpotCheck,
    ProofStatus,
    Service,
    SupportStatus,
)
from bot.domain.errors import DomainError
from bot.domain.money import format_cop, parse_cop
from bot.domain.text import md
from bot.domain.validation import parse_hubspot_deal_ref, parse_row_id
from bot.services import commissions as ledger
from bot.services import directory, outbox, referrals, renewals, support
from bot.services.deals.common import DealRefused, local_now, services_text
from bot.services.proofs import StoredProof
from bot.texts import deals as T
from db import audit
from db.audit import Actor
from db.models import Approval, Client, ClientAssignment, ClientService, Deal, Member, SupportRequest

log = logging.getLogger(__name__)


# --- registration ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RegistrationRequest:
    discord_id: int
    client: str
    deal_type: str
    service: str
    total: str
    advance: str
    advance_date: str | None = None
    hubspot: str | None = None
    interaction_id: int | None = None
    interaction_token: str | None = None  # kept until the KAM is told "registrado"


@dataclass(slots=True)
class CheckedDeal:
    """A registration that passed every rule (not yet stored)."""

    member: Member
    client: Client
    deal_type: DealType
    service: Service
    total: int
    advance: int
    advance_date: date
    is_late: bool
    export_date: date | None
    hubspot_deal_id: str | None
    commission: int
    disputed: list[Deal] = field(default_factory=list)
    support_waiting: bool = True  # accepted /pedir-apoyo help may be waiting to be linked to this deal


@dataclass(slots=True)
class Registration:
    deal: Deal
    checked: CheckedDeal | None
    created: bool  # False: the interaction had already registered it (idempotent replay)
    approvals: list[Approval] = field(default_factory=list)
    referral_flagged: bool = False  # the admins were told (outbox) the client's company was referred


def late_status(advance_date: date, now: datetime, tz: ZoneInfo, export_time: time) -> tuple[bool, date | None]:
    """Whether the export that should carry this advance date already ran, and when it ran.

    The export at ``export_time`` of day D carries the advance dates of D-1.
    """
    local = local_now(now, tz)
    today = local.date()
    export_date = advance_date + timedelta(days=1)
    if export_date < today or (export_date == today and local.time() >= export_time):
        return True, export_date
    return False, None


async def renewal_window_check(
    session: AsyncSession, member: Member, client: Client, service: Service, advance_date: date, now: datetime,
    tz: ZoneInfo, *, window_days: int,
) -> None:
    """Raise :class:`DealRefused` unless ``member`` has an open renewal window for ``client``
    (declared with /intencion-renovacion, not expired, released or blocked)."""

    today = now.astimezone(tz).date()
    text = await renewals.window_refusal(session, member.id, client.id, client.name, today, window_days=window_days)
    if text:
        raise DealRefused(text, field="tipo")


async def _resolve_member(session: AsyncSession, discord_id: int) -> Member:
    member = await directory.get_member(session, discord_id)
    if member is not None and not member.active:
        raise DealRefused(T.MEMBER_INACTIVE)
    if member is None:
        # unknown people serve no client: answered with the own-clients rule below
        return Member(id=-1, discord_id=discord_id, name="", active=True)
    return member


@dataclass(frozen=True, slots=True)
class _Found:
    member: Member
    client: Client
    serving: bool  # the member serves the client now (an open assignment)
    services: set[str]  # the client's services now
    support_waiting: bool  # accepted /pedir-apoyo help waits to be linked to this KAM's next deal
    hubspot_taken: bool  # an open registration already names the HubSpot deal looked for


@functools.cache
def _lookup_statement(by_id: bool) -> Select[Any]:
    """Built once (per way of naming the client): building a statement of this size costs about as
    much CPU as running it."""
    which = Client.id == bindparam("client_id") if by_id else Client.name_key == bindparam("client_key")
    serving = exists().where(
        ClientAssignment.client_id == Client.id, ClientAssignment.member_id == Member.id,
        ClientAssignment.ended_at.is_(None),
    )
    services = (
        select(func.aggregate_strings(ClientService.service, "\n"))
        .where(ClientService.client_id == Client.id, ClientService.ended_at.is_(None))
        .scalar_subquery()
    )
    waiting = exists().where(
        SupportRequest.member_id == Member.id, SupportRequest.client_id == Client.id,
        SupportRequest.status == SupportStatus.ACEPTADA, SupportRequest.deal_id.is_(None),
    )
    taken = exists().where(  # "= NULL" when no HubSpot deal is named: false
        Deal.hubspot_deal_id == bindparam("hubspot_id", type_=String), Deal.status.not_in(CLOSED_DEAL_STATUSES),
    )
    return (
        select(Member, Client, serving.label("serving"), services.label("services"), waiting.label("waiting"),
               taken.label("taken"))
        .select_from(Member)
        .join(Client, which)  # one row each side: the member by Discord id, the client by id or name
        .where(Member.discord_id == bindparam("discord_id"))
    )


async def _lookup(session: AsyncSession, discord_id: int, client_value: str, hubspot_id: str | None) -> _Found | None:
    """What the rules need from the database, in one statement (each statement costs about a
    millisecond of CPU, and a burst of registrations pays it 50 times over). None when the member or
    the client is not found: the caller then goes step by step (:func:`directory.find_client` also
    tries a row id as a name) for the exact refusal."""
    value = (client_value or "").strip()
    if not value:
        return None
    row_id = parse_row_id(value) if value.isascii() and value.isdigit() else None
    params: dict[str, Any] = {"discord_id": discord_id, "hubspot_id": hubspot_id}
    if row_id is not None:
        params["client_id"] = row_id
    else:
        params["client_key"] = directory.client_key(value)
    row = (await session.execute(_lookup_statement(row_id is not None), params)).first()
    if row is None:
        return None
    member, client, serving, services, waiting, taken = row
    return _Found(member, client, bool(serving), set(services.split("\n")) if services else set(), bool(waiting),
                  bool(taken))


def _hubspot_ref_or_none(text: str | None) -> str | None:
    """The HubSpot deal id the request names, looked for along with the rest; a malformed reference
    is refused later, in the rules' order."""
    try:
        return parse_hubspot_deal_ref(text) if text and text.strip() else None
    except DomainError:
        return None


async def check_registration(
    session: AsyncSession,
    req: RegistrationRequest,
    *,
    now: datetime,
    tz: ZoneInfo,
    export_time: time,
    rate: Decimal,
    hubspot_required: bool,
    window_days: int,
) -> CheckedDeal:
    """Every rule that can be checked from the request and the database. Raises :class:`DealRefused`
    (or another ``DomainError`` from the parsers) with the rule in Spanish."""
    has: set[str] | None
    found = await _lookup(session, req.discord_id, req.client, _hubspot_ref_or_none(req.hubspot))
    if found is not None:  # the usual case, in one statement
        member, client, serving, has, support_waiting = (
            found.member, found.client, found.serving, found.services, found.support_waiting
        )
        if not member.active:
            raise DealRefused(T.MEMBER_INACTIVE)
    else:  # someone or something unknown: step by step, for the exact refusal
        member = await _resolve_member(session, req.discord_id)
        if not (req.client or "").strip():
            raise DealRefused(T.CLIENT_MISSING, field="cliente")
        named = await directory.find_client(session, req.client)
        if named is None:
            raise DealRefused(T.CLIENT_UNKNOWN.format(value=md(req.client.strip()[:100])), field="cliente")
        client = named
        serving = member.id != -1 and await directory.serves(session, member.id, client.id)
        has, support_waiting = None, True

    # own clients only
    if not serving:
        raise DealRefused(T.CLIENT_NOT_YOURS.format(client=md(client.name)), field="cliente")
    if not client.active:
        raise DealRefused(T.CLIENT_INACTIVE.format(client=md(client.name)), field="cliente")

    # type and service
    try:
        deal_type = DealType(req.deal_type)
    except ValueError:
        raise DealRefused(T.TYPE_UNKNOWN.format(value=md(str(req.deal_type)[:40])), field="tipo") from None
    try:
        service = Service.parse(req.service)
    except DomainError:
        raise
    except ValueError:
        raise DealRefused(T.SERVICE_UNKNOWN.format(value=md(str(req.service)[:40])), field="servicio") from None
    if has is None:
        has = await directory.services_of(session, client.id)
    if deal_type is DealType.CROSS_SALE and service.value in has:
        raise DealRefused(
            T.CROSS_SALE_HAS_SERVICE.format(client=md(client.name), service=service.label), field="servicio"
        )
    if deal_type is DealType.UP_SALE and service.value not in has:
        raise DealRefused(
            T.UP_SALE_MISSING_SERVICE.format(
                client=md(client.name), service=service.label, services=services_text(has)
            ),
            field="servicio",
        )

    # amounts
    total = parse_cop(req.total, field="valor-total")
    advance = parse_cop(req.advance, field="anticipo")
    if advance > total:
        raise DealRefused(
            T.ADVANCE_GT_TOTAL.format(advance=format_cop(advance), total=format_cop(total)), field="anticipo"
        )

    # advance date
    today = local_now(now, tz).date()
    advance_date = (
        parse_user_date(req.advance_date, today, field="fecha-anticipo")
        if req.advance_date and req.advance_date.strip()
        else today
    )
    if advance_date > today:
        raise DealRefused(T.DATE_FUTURE.format(date=format_date(advance_date)), field="fecha-anticipo")
    is_late, export_date = late_status(advance_date, now, tz, export_time)

    if deal_type is DealType.RENOVACION:
        await renewal_window_check(session, member, client, service, advance_date, now, tz, window_days=window_days)

    # HubSpot deal: required when enabled, registered once
    hubspot_id: str | None = None
    if req.hubspot and req.hubspot.strip():
        hubspot_id = parse_hubspot_deal_ref(req.hubspot)
    elif hubspot_required:
        raise DealRefused(T.HUBSPOT_REQUIRED, field="negocio-hubspot")
    disputed: list[Deal] = []
    if hubspot_id and (found is None or found.hubspot_taken):
        others = list(
            (
                await session.execute(
                    select(Deal)
                    .where(Deal.hubspot_deal_id == hubspot_id, Deal.status.not_in(CLOSED_DEAL_STATUSES))
                    .order_by(Deal.id)
                )
            ).scalars()
        )
        mine = [d for d in others if d.member_id == member.id]
        if mine:
            raise DealRefused(
                T.HUBSPOT_DUPLICATE_SAME.format(hubspot_id=hubspot_id, deal_id=mine[0].id), field="negocio-hubspot"
            )
        disputed = others

    return CheckedDeal(
        member=member,
        client=client,
        deal_type=deal_type,
        service=service,
        total=total,
        advance=advance,
        advance_date=advance_date,
        is_late=is_late,
        export_date=export_date,
        hubspot_deal_id=hubspot_id,
        commission=commission(total, rate),
        disputed=disputed,
        support_waiting=support_waiting,
    )


async def find_by_interaction(session: AsyncSession, interaction_id: int) -> Deal | None:
    return (await session.execute(select(Deal).where(Deal.interaction_id == interaction_id))).scalar_one_or_none()


async def register(
    session: AsyncSession,
    req: RegistrationRequest,
    proof: StoredProof | None,
    *,
    actor: Actor,
    now: datetime,
    tz: ZoneInfo,
    export_time: time,
    rate: Decimal,
    hubspot_enabled: bool,
    window_days: int,
) -> Registration:
    """Check every rule (in the transaction that writes) and store the deal, its approvals, the
    pending ledger line and the audit rows. Idempotent on ``req.interaction_id``."""
    if req.interaction_id is not None:
        existing = await find_by_interaction(session, req.interaction_id)
        if existing is not None:
            return Registration(existing, None, created=False)
    c = await check_registration(
        session, req, now=now, tz=tz, export_time=export_time, rate=rate, hubspot_required=hubspot_enabled,
        window_days=window_days,
    )
    return await register_checked(session, req, c, proof, actor=actor, now=now, tz=tz, rate=rate,
                                  hubspot_enabled=hubspot_enabled)


async def register_checked(
    session: AsyncSession,
    req: RegistrationRequest,
    c: CheckedDeal,
    proof: StoredProof | None,
    *,
    actor: Actor,
    now: datetime,
    tz: tzinfo,
    rate: Decimal,
    hubspot_enabled: bool,
) -> Registration:
    """:func:`register` once ``c`` passed :func:`check_registration` in this same session (the caller
    stores the proof in between, so a refused registration stores nothing)."""
    return (await register_all(session, [ToWrite(req, c, proof, actor)], now=now, tz=tz, rate=rate,
                               hubspot_enabled=hubspot_enabled))[0]


@dataclass(frozen=True, slots=True)
class ToWrite:
    """One registration that passed :func:`check_registration`, to be written by :func:`register_all`."""

    req: RegistrationRequest
    checked: CheckedDeal
    proof: StoredProof | None
    actor: Actor
    referral_lead: int | None = None  # a lead of the client's company referred by someone else: flagged


async def register_all(
    session: AsyncSession, items: list[ToWrite], *, now: datetime, tz: tzinfo, rate: Decimal, hubspot_enabled: bool,
    admin_role: str = "Admin ventas-ops",
) -> list[Registration]:
    """Write checked registrations in the caller's transaction: each deal, its approvals, the pending
    ledger line and the audit row, and the referral flag of those that carry one.

    Plain INSERTs, one per table for all of ``items`` (the deals' returning their ids, in order), not
    the ORM's unit of work: this is the path a burst of KAMs waits on, the writes are one at a time
    (SQLite has one writer), and each statement is a trip to the database and back through a busy
    event loop. The returned ``deal`` and ``approvals`` are the rows as written, not attached to the
    session."""
    deal_values = [_deal_values(it, now, rate, hubspot_enabled) for it in items]
    insert_deal, insert_approvals = _write_statements()
    if len(items) > 1 and all(v["interaction_id"] is not None for v in deal_values):  # a burst from Discord
        ids_of = {row.interaction_id: row.id for row in await session.execute(insert_deal, deal_values)}
        ids = [ids_of[v["interaction_id"]] for v in deal_values]
    else:  # one by one: no other key to match the returned ids with
        ids = [(await session.execute(insert_deal, v)).scalar_one() for v in deal_values]
    deals = [Deal(id=i, **v) for i, v in zip(ids, deal_values, strict=True)]
    approval_rows = [_approval_rows(it.checked, deal.id, now) for it, deal in zip(items, deals, strict=True)]
    await session.execute(insert_approvals, [row for rows in approval_rows for row in rows])
    await ledger.open_pending(session, [
        (deal, T.LEDGER_COMMISSION.format(rate=rate_label(rate), deal_id=deal.id, client=it.checked.client.name))
        for it, deal in zip(items, deals, strict=True)
    ], now)
    out, audit_rows = [], []
    for it, deal, rows in zip(items, deals, approval_rows, strict=True):
        c = it.checked
        if c.support_waiting:
            await support.link_to_deal(session, c.member.id, c.client.id, deal.id)
        if c.deal_type == DealType.RENOVACION:
            await renewals.close_by_renewal_deal(session, c.member.id, c.client.id, deal.id, it.actor)
        approvals = [Approval(**row) for row in rows]
        after = deal_snapshot(deal) | {"approvals": [a.kind for a in approvals], "disputes": [d.id for d in c.disputed]}
        audit_rows.append(audit.values(it.actor, "negocio.registrar", "deal", deal.id, after=after))
        await _queue_dispute_dms(session, c, deal.id, now)
        flagged = it.referral_lead is not None
        if it.referral_lead is not None:  # rare: its audit row and outbox DM through the ORM
            await referrals.flag_lead_conflict(session, it.referral_lead, c.client.name, c.member.id, tz=tz,
                                               now=now, deal_id=deal.id, admin_role=admin_role)
        out.append(Registration(deal, c, created=True, approvals=approvals, referral_flagged=flagged))
    await session.execute(audit.INSERT, audit_rows)
    return out


async def _queue_dispute_dms(session: AsyncSession, c: CheckedDeal, deal_id: int, now: datetime) -> None:
    """Tell each KAM whose open registration names the same HubSpot deal that someone else registered
    it: an outbox DM of the registration's transaction (rare: a statement only when there is one)."""
    for other in c.disputed:
        discord_id = await session.scalar(select(Member.discord_id).where(Member.id == other.member_id))
        if discord_id:
            await outbox.enqueue(session, f"disputa:{deal_id}:{other.id}", user_id=discord_id, now=now,
                                 content=T.DM_UNREGISTERED_DISPUTE.format(hubspot_id=c.hubspot_deal_id, deal_id=other.id))


def _deal_values(it: ToWrite, now: datetime, rate: Decimal, hubspot_enabled: bool) -> dict[str, Any]:
    c, proof, req = it.checked, it.proof, it.req
    return dict(
        member_id=c.member.id,
        client_id=c.client.id,
        deal_type=c.deal_type.value,
        service=c.service.value,
        total_value=c.total,
        advance_amount=c.advance,
        advance_date=c.advance_date,
        commission_estimate=c.commission,
        commission_rate=rate,
        status=DealStatus.PENDIENTE,
        is_late=c.is_late,
        hubspot_deal_id=c.hubspot_deal_id,
        hubspot_check=HubSpotCheck.PENDIENTE if (hubspot_enabled and c.hubspot_deal_id) else HubSpotCheck.DESACTIVADO,
        proof_path=proof.relative_path if proof else None,
        proof_sha256=proof.sha256 if proof else None,
        proof_filename=proof.filename if proof else None,
        proof_content_type=proof.content_type if proof else None,
        proof_status=ProofStatus.RECIBIDO if proof else ProofStatus.PENDIENTE,
        interaction_id=req.interaction_id,
        interaction_token=req.interaction_token,
        confirmed_at=None if req.interaction_id is not None else now,  # nobody waits for an answer
        created_at=now,
        updated_at=now,
    )


def _approval_rows(c: CheckedDeal, deal_id: int, now: datetime) -> list[dict[str, Any]]:
    kinds = [ApprovalKind.AUDITORIA]
    if c.deal_type is DealType.UP_SALE:
        kinds.append(ApprovalKind.COO)
    rows = [dict(kind=kind, status=ApprovalStatus.PENDIENTE, deal_id=deal_id, related_deal_id=None,
                 requested_by_id=c.member.id, created_at=now, updated_at=now) for kind in kinds]
    if c.disputed:
        rows.append(dict(kind=ApprovalKind.ATRIBUCION, status=ApprovalStatus.PENDIENTE, deal_id=deal_id,
                         related_deal_id=c.disputed[0].id, requested_by_id=c.member.id, created_at=now, updated_at=now))
    return rows


@functools.cache
def _write_statements() -> tuple[ReturningInsert[tuple[int, int | None]], Insert]:
    """The deals' INSERT (returning each id with its interaction: one multi-row statement, whose rows
    may come back in any order) and the approvals', on the tables."""
    deals, approvals = Deal.__table__, Approval.__table__
    return insert(deals).returning(deals.c.id, deals.c.interaction_id), insert(approvals)  # type: ignore[arg-type]


def deal_snapshot(deal: Deal) -> dict[str, Any]:
    return {
        "member_id": deal.member_id,
        "client_id": deal.client_id,
        "deal_type": deal.deal_type,
        "service": deal.service,
        "total_value": deal.total_value,
        "advance_amount": deal.advance_amount,
        "advance_date": deal.advance_date.isoformat(),
        "commission_estimate": deal.commission_estimate,
        "status": deal.status,
        "is_late": deal.is_late,
        "hubspot_deal_id": deal.hubspot_deal_id,
        "proof_sha256": deal.proof_sha256,
    }
