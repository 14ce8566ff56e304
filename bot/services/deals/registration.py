"""Registering a deal: the rules (client served by the KAM, type and service, renewal window, late
advance, duplicates) checked before anything is written (:func:`check_registration`); the deal, its
approvals, its ledger line and the audit rows are then written in one transaction by
:mod:`bot.services.deals.inserts`.

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
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, String, bindparam, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.commission import commission
from bot.domain.dates import format_date, parse_user_date
from bot.domain.enums import (
    CLOSED_DEAL_STATUSES,
    DealType,
    Service,
    SupportStatus,
)
from bot.domain.errors import DomainError
from bot.domain.money import format_cop, parse_cop
from bot.domain.text import md
from bot.domain.validation import parse_hubspot_deal_ref, parse_row_id
from bot.services import directory, renewals
from bot.services.deals.common import DealRefused, local_now, services_text
from bot.texts import deals as T
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
