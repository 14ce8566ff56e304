"""Deals: registration rules, approvals (audit, COO, attribution), cancellation, HubSpot checks.

Use cases take an ``AsyncSession`` and never commit: the caller owns the transaction so the deal,
its approvals, its ledger line and the audit rows land together. Refusals are
:class:`DealRefused` (a ``DomainError``) whose text quotes the rule.

Decisions are taken once: the approval row moves out of ``pendiente`` with a conditional
``UPDATE … WHERE status='pendiente'`` and only the transaction whose update hit a row applies
the consequences; anyone else is told who decided and when.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.commission import commission, rate_label
from bot.domain.dates import format_date, parse_user_date
from bot.domain.enums import (
    CLOSED_DEAL_STATUSES,
    ApprovalKind,
    ApprovalStatus,
    BillingStatus,
    DealStatus,
    DealType,
    HubSpotCheck,
    ProofStatus,
    Service,
)
from bot.domain.errors import DomainError
from bot.domain.money import format_cop, parse_cop
from bot.domain.reconciliation import reconcile
from bot.domain.text import md
from bot.domain.validation import parse_hubspot_deal_ref
from bot.services import commissions as ledger
from bot.services import directory, outbox, support
from bot.services.proofs import StoredProof
from bot.texts import deals as T
from db.audit import Actor, record
from db.models import Approval, BillingRequest, Client, Deal, Member, SupportRequest

log = logging.getLogger(__name__)

# button action → (approval kind, approve?)
ACTIONS: dict[str, tuple[str, bool]] = {
    "audit_ok": (ApprovalKind.AUDITORIA, True),
    "audit_no": (ApprovalKind.AUDITORIA, False),
    "coo_ok": (ApprovalKind.COO, True),
    "coo_no": (ApprovalKind.COO, False),
    "attr_new": (ApprovalKind.ATRIBUCION, True),  # the new registration gets the sale
    "attr_keep": (ApprovalKind.ATRIBUCION, False),  # the earlier registration keeps it
}


class DealRefused(DomainError):
    """A registration or a decision that breaks a rule; nothing was changed."""


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


@dataclass(slots=True)
class Registration:
    deal: Deal
    checked: CheckedDeal | None
    created: bool  # False: the interaction had already registered it (idempotent replay)
    approvals: list[Approval] = field(default_factory=list)


def local_now(now: datetime, tz: ZoneInfo) -> datetime:
    return now.astimezone(tz)


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
    from bot.services import renewals

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
    member = await _resolve_member(session, req.discord_id)

    # own clients only
    if not (req.client or "").strip():
        raise DealRefused(T.CLIENT_MISSING, field="cliente")
    client = await directory.find_client(session, req.client)
    if client is None:
        raise DealRefused(T.CLIENT_UNKNOWN.format(value=md(req.client.strip()[:100])), field="cliente")
    if member.id == -1 or not await directory.serves(session, member.id, client.id):
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
    if hubspot_id:
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
    """Check every rule again (inside the write transaction) and store the deal, its approvals,
    the pending ledger line and the audit rows. Idempotent on ``req.interaction_id``."""
    if req.interaction_id is not None:
        existing = await find_by_interaction(session, req.interaction_id)
        if existing is not None:
            return Registration(existing, None, created=False)
    c = await check_registration(
        session, req, now=now, tz=tz, export_time=export_time, rate=rate, hubspot_required=hubspot_enabled,
        window_days=window_days,
    )
    deal = Deal(
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
    session.add(deal)
    await session.flush()

    kinds = [ApprovalKind.AUDITORIA]
    if c.deal_type is DealType.UP_SALE:
        kinds.append(ApprovalKind.COO)
    approvals: list[Approval] = []
    for kind in kinds:
        approvals.append(Approval(kind=kind, status=ApprovalStatus.PENDIENTE, deal_id=deal.id, requested_by_id=c.member.id))
    if c.disputed:
        approvals.append(
            Approval(
                kind=ApprovalKind.ATRIBUCION,
                status=ApprovalStatus.PENDIENTE,
                deal_id=deal.id,
                related_deal_id=c.disputed[0].id,
                requested_by_id=c.member.id,
            )
        )
    for a in approvals:
        a.created_at = a.updated_at = now
        session.add(a)
    await ledger.open_pending(
        session,
        deal,
        T.LEDGER_COMMISSION.format(rate=rate_label(rate), deal_id=deal.id, client=c.client.name),
        now,
    )
    await session.flush()
    await support.link_to_deal(session, c.member.id, c.client.id, deal.id)
    if c.deal_type == DealType.RENOVACION:
        from bot.services import renewals

        await renewals.close_by_renewal_deal(session, c.member.id, c.client.id, deal.id, actor)
    record(
        session,
        actor,
        "negocio.registrar",
        "deal",
        deal.id,
        after=deal_snapshot(deal) | {"approvals": [a.kind for a in approvals], "disputes": [d.id for d in c.disputed]},
    )
    return Registration(deal, c, created=True, approvals=approvals)


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


def services_text(services: set[str]) -> str:
    return ", ".join(Service.label_of(s) for s in sorted(services)) or T.NO_SERVICES


# --- decisions ------------------------------------------------------------------------------
@dataclass(slots=True)
class Decision:
    decided: bool  # False: someone else decided first (see ``approval``)
    approval: Approval
    deal: Deal
    approve: bool = False
    earned: int = 0  # commission earned by this decision
    rejected: bool = False  # the deal was rejected by this decision
    other_deal: Deal | None = None  # attribution: the registration on the other side
    other_clawback: int = 0
    other_status_before: str | None = None


async def get_approval(session: AsyncSession, deal_id: int, kind: str) -> Approval | None:
    return (
        await session.execute(
            select(Approval).where(Approval.deal_id == deal_id, Approval.kind == kind).order_by(Approval.id.desc())
        )
    ).scalars().first()


async def approvals_of(session: AsyncSession, deal_id: int) -> list[Approval]:
    return list(
        (await session.execute(select(Approval).where(Approval.deal_id == deal_id).order_by(Approval.id))).scalars()
    )


async def decide(
    session: AsyncSession,
    deal_id: int,
    action: str,
    *,
    actor: Actor,
    now: datetime,
    reason: str | None = None,
) -> Decision:
    """Take the decision behind a card button (or the web panel's form), once.

    The one entry point for both: when this call decided, the KAMs' DMs are queued in the outbox in
    the caller's transaction (:func:`queue_decision_dms`), so the commit that stores the decision
    stores its DMs too and the outbox worker delivers them, whoever decided and whatever happens after."""
    out = await _take_decision(session, deal_id, action, actor=actor, now=now, reason=reason)
    if out.decided:
        await queue_decision_dms(session, out, ACTIONS[action][0], now)
    return out


async def _take_decision(
    session: AsyncSession,
    deal_id: int,
    action: str,
    *,
    actor: Actor,
    now: datetime,
    reason: str | None,
) -> Decision:
    kind, approve = ACTIONS[action]
    # the conditional update comes first so SQLite takes the write lock before anything is read
    res = await session.execute(
        update(Approval)
        .where(
            Approval.deal_id == deal_id,
            Approval.kind == kind,
            Approval.status == ApprovalStatus.PENDIENTE,
            exists().where(Deal.id == deal_id, Deal.status == DealStatus.PENDIENTE),
        )
        .values(
            status=ApprovalStatus.APROBADA if approve else ApprovalStatus.RECHAZADA,
            decided_by_discord_id=actor.discord_id,
            decided_by_name=actor.name[:200],
            decided_at=now,
            reason=reason,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    deal = (
        await session.execute(select(Deal).where(Deal.id == deal_id).execution_options(populate_existing=True))
    ).scalar_one_or_none()
    if deal is None:
        raise DealRefused(T.DEAL_GONE.format(deal_id=deal_id))
    approval = (
        await session.execute(
            select(Approval)
            .where(Approval.deal_id == deal_id, Approval.kind == kind)
            .order_by(Approval.id.desc())
            .execution_options(populate_existing=True)
        )
    ).scalars().first()
    if approval is None:
        raise DealRefused(T.NOTHING_TO_DECIDE.format(deal_id=deal_id))
    if res.rowcount != 1:
        if approval.status == ApprovalStatus.PENDIENTE:  # the deal itself is closed
            raise DealRefused(T.DEAL_CLOSED.format(deal_id=deal_id, status=T.STATUS_STATES.get(deal.status, deal.status)))
        return Decision(decided=False, approval=approval, deal=deal, approve=approve)

    out = Decision(decided=True, approval=approval, deal=deal, approve=approve)
    record(
        session,
        actor,
        f"aprobacion.{'aprobar' if approve else 'rechazar'}",
        "approval",
        approval.id,
        before={"status": ApprovalStatus.PENDIENTE, "kind": kind, "deal_id": deal_id},
        after={"status": approval.status, "reason": reason},
    )
    if approve:
        if kind == ApprovalKind.AUDITORIA:
            deal.proof_status = ProofStatus.VERIFICADO
        if kind == ApprovalKind.ATRIBUCION and approval.related_deal_id:
            other = await session.get(Deal, approval.related_deal_id)
            if other is not None and other.status not in CLOSED_DEAL_STATUSES:
                out.other_deal = other
                out.other_status_before = other.status
                out.other_clawback = await _close_deal(
                    session, other, DealStatus.ANULADO, T.ATTR_NEW_ACK.format(deal_id=deal.id, other_id=other.id),
                    actor=actor, now=now,
                )
        out.earned = await _maybe_earn(session, deal, actor=actor, now=now)
    else:
        if kind == ApprovalKind.AUDITORIA:
            deal.proof_status = ProofStatus.RECHAZADO
        text = reason or (
            T.ATTR_KEEP_ACK.format(deal_id=deal.id, other_id=approval.related_deal_id)
            if kind == ApprovalKind.ATRIBUCION
            else ""
        )
        await _close_deal(session, deal, DealStatus.RECHAZADO, text, actor=actor, now=now)
        out.rejected = True
        if kind == ApprovalKind.ATRIBUCION and approval.related_deal_id:
            out.other_deal = await session.get(Deal, approval.related_deal_id)
    deal.updated_at = now
    return out


def decision_dms(decision: Decision, kind: str, v: DealView, other: DealView | None) -> list[tuple[int, str]]:
    """(discord id, text) of each DM a decision sends to the KAMs concerned."""
    client = md(v.client.name)
    kind_label = T.KIND_LABELS.get(kind, kind)
    hs = v.deal.hubspot_deal_id or ""
    out: list[tuple[int, str]] = []
    if kind == ApprovalKind.ATRIBUCION:
        winner, loser = (v, other) if decision.approve else (other, v)
        if winner is not None:
            out.append((winner.member.discord_id, T.DM_ATTR_WON.format(hubspot_id=hs, deal_id=winner.deal.id)))
        if loser is not None:
            out.append((loser.member.discord_id, T.DM_ATTR_LOST.format(
                hubspot_id=hs, deal_id=loser.deal.id, status=T.STATUS_STATES.get(loser.deal.status, loser.deal.status))))
        if decision.earned and winner is v:
            out.append((v.member.discord_id, T.DM_EARNED.format(
                deal_id=v.deal.id, client=client, commission=format_cop(decision.earned))))
    elif decision.rejected:
        out.append((v.member.discord_id, T.DM_REJECTED.format(
            deal_id=v.deal.id, client=client, who=T.APPROVERS_AFTER_BY.get(kind, kind_label),
            reason=md(decision.approval.reason or ""))))
    elif decision.earned:
        out.append((v.member.discord_id, T.DM_EARNED.format(
            deal_id=v.deal.id, client=client, commission=format_cop(decision.earned))))
    else:
        out.append((v.member.discord_id, T.DM_APPROVED_STEP.format(
            who=T.APPROVERS.get(kind, kind_label), deal_id=v.deal.id, client=client)))
    return out


async def queue_decision_dms(session: AsyncSession, decision: Decision, kind: str, now: datetime) -> None:
    """Queue the decision's DMs in the caller's transaction; one key per decided approval, so each
    DM is delivered once."""
    v = await load_view(session, decision.deal.id)
    other = await load_view(session, decision.other_deal.id) if decision.other_deal else None
    if v is None:
        return
    for n, (user_id, text) in enumerate(decision_dms(decision, kind, v, other)):
        await outbox.enqueue(session, f"decision:{decision.approval.id}:{n}", content=text, user_id=user_id, now=now)


async def _maybe_earn(session: AsyncSession, deal: Deal, *, actor: Actor, now: datetime) -> int:
    """Approve the deal and earn its commission when every approval it needs is given."""
    pending = (
        await session.execute(
            select(Approval.id).where(Approval.deal_id == deal.id, Approval.status != ApprovalStatus.APROBADA).limit(1)
        )
    ).first()
    if pending is not None:
        return 0
    res = await session.execute(
        update(Deal)
        .where(Deal.id == deal.id, Deal.status == DealStatus.PENDIENTE)
        .values(status=DealStatus.APROBADO, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if res.rowcount != 1:
        return 0
    deal.status = DealStatus.APROBADO
    earned = await ledger.settle_earned(session, deal.id, now)
    record(
        session, actor, "negocio.aprobar", "deal", deal.id,
        before={"status": DealStatus.PENDIENTE}, after={"status": DealStatus.APROBADO, "commission": earned},
    )
    return earned


async def _close_deal(
    session: AsyncSession, deal: Deal, status: str, reason: str, *, actor: Actor, now: datetime
) -> int:
    """Reject or cancel a deal: close its pending approvals and settle its ledger. Returns the
    amount clawed back (earned deals only)."""
    before = deal.status
    deal.status = status
    deal.cancel_reason = reason or None
    deal.updated_at = now
    await session.execute(
        update(Approval)
        .where(Approval.deal_id == deal.id, Approval.status == ApprovalStatus.PENDIENTE)
        .values(status=ApprovalStatus.CANCELADA, decided_at=now, decided_by_name=actor.name[:200],
                decided_by_discord_id=actor.discord_id, reason=reason or None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    clawback = 0
    if before == DealStatus.APROBADO:
        clawback = await ledger.claw_back(
            session, deal, T.LEDGER_CLAWBACK.format(deal_id=deal.id, reason=reason), now
        )
    else:
        await ledger.settle_rejected(session, deal.id, now)
    record(
        session, actor, "negocio.rechazar" if status == DealStatus.RECHAZADO else "negocio.anular", "deal", deal.id,
        before={"status": before}, after={"status": status, "reason": reason, "clawback": clawback},
    )
    return clawback


@dataclass(slots=True)
class Cancellation:
    deal: Deal
    status_before: str
    clawback: int


async def cancel_deal(
    session: AsyncSession, deal_id: int, reason: str, *, actor: Actor, now: datetime
) -> Cancellation:
    """``/admin negocio anular``: cancel a pending or earned deal; an earned one gets a clawback."""
    reason = (reason or "").strip()
    if not reason:
        raise DealRefused(T.CANCEL_REASON_REQUIRED, field="motivo")
    # take the write lock first (see decide)
    res = await session.execute(
        update(Deal)
        .where(Deal.id == deal_id, Deal.status.not_in(CLOSED_DEAL_STATUSES))
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    )
    deal = (
        await session.execute(select(Deal).where(Deal.id == deal_id).execution_options(populate_existing=True))
    ).scalar_one_or_none()
    if deal is None:
        raise DealRefused(T.DEAL_GONE.format(deal_id=deal_id))
    if res.rowcount != 1:
        raise DealRefused(
            T.CANCEL_ALREADY.format(deal_id=deal_id, status=T.STATUS_STATES.get(deal.status, deal.status))
        )
    before = deal.status
    clawback = await _close_deal(session, deal, DealStatus.ANULADO, reason, actor=actor, now=now)
    return Cancellation(deal, before, clawback)


# --- HubSpot verification -------------------------------------------------------------------
def compare_with_hubspot(deal: Deal, member: Member, h: Any) -> tuple[str, dict[str, Any]]:
    """(hubspot_check, findings) for a registered deal and what HubSpot returned (None = missing)."""
    if h is None:
        return HubSpotCheck.NO_ENCONTRADO, {"no_encontrado": True}
    findings: dict[str, Any] = {}
    if getattr(h, "archived", False):
        findings["archivado"] = True
    amount = getattr(h, "amount", None)
    amount_int = None if amount is None else int(Decimal(str(amount)).to_integral_value())
    owner = getattr(h, "owner_id", None)
    owner = None if owner in (None, "") else str(owner)
    adv = getattr(h, "advance_date", None)
    if isinstance(adv, datetime):
        adv = adv.date()
    diff = reconcile(local_amount=deal.total_value, local_owner=member.hubspot_owner_id,
                     local_advance_date=deal.advance_date, hubspot_amount=amount_int, hubspot_owner=owner,
                     hubspot_advance_date=adv)
    if diff.amount:
        findings["monto"] = {"hubspot": amount_int, "local": deal.total_value}
    if diff.owner:
        findings["owner"] = {"hubspot": owner, "local": member.hubspot_owner_id}
    if diff.advance_date:
        findings["fecha_anticipo"] = {
            "hubspot": adv.isoformat() if isinstance(adv, date) else adv,
            "local": deal.advance_date.isoformat(),
        }
    return (HubSpotCheck.DIFERENCIAS if findings else HubSpotCheck.OK), findings


async def verify_deal(
    sessionmaker: async_sessionmaker[AsyncSession], gateway: Any, deal_id: int, *, now: Callable[[], datetime],
) -> str | None:
    """Check one deal against HubSpot and store the result (committed); returns the new
    ``hubspot_check``, or None when there is nothing to check. No database connection is held
    while HubSpot is asked. Raises :class:`~bot.hubspot.gateway.HubSpotUnavailable` when HubSpot
    cannot answer: the deal stays ``pendiente`` and the HubSpot queue tries again later."""
    async with sessionmaker() as session:
        deal = await session.get(Deal, deal_id)
        if deal is None or not deal.hubspot_deal_id or gateway is None:
            return None
        hubspot_id = deal.hubspot_deal_id
    h = await gateway.get_deal(hubspot_id)
    async with sessionmaker() as session:
        deal = await session.get(Deal, deal_id)
        if deal is None or deal.hubspot_deal_id != hubspot_id:
            return None
        member = await session.get(Member, deal.member_id)
        assert member is not None
        check, findings = compare_with_hubspot(deal, member, h)
        if check != deal.hubspot_check or findings != deal.hubspot_findings:
            before = {"hubspot_check": deal.hubspot_check, "hubspot_findings": deal.hubspot_findings}
            deal.hubspot_check = check
            deal.hubspot_findings = findings or None
            deal.updated_at = now()
            record(
                session, Actor.system("hubspot"), "negocio.verificar_hubspot", "deal", deal.id,
                before=before, after={"hubspot_check": check, "hubspot_findings": findings or None},
            )
            await session.commit()
    return check


async def pending_verifications(session: AsyncSession, after_id: int = 0, limit: int = 50) -> list[int]:
    """The HubSpot queue's deals: checks still ``pendiente``, oldest first, ids above ``after_id``."""
    return list(
        (
            await session.execute(
                select(Deal.id)
                .where(Deal.hubspot_check == HubSpotCheck.PENDIENTE, Deal.hubspot_deal_id.is_not(None), Deal.id > after_id)
                .order_by(Deal.id)
                .limit(limit)
            )
        ).scalars()
    )


# --- reading ---------------------------------------------------------------------------------
@dataclass(slots=True)
class DealView:
    """Everything the card and the lists need, read in one go."""

    deal: Deal
    member: Member
    client: Client
    approvals: list[Approval]
    billing: list[BillingRequest] = field(default_factory=list)  # proformas / payment links done
    support: list[SupportRequest] = field(default_factory=list)  # accepted help (/pedir-apoyo) noted on it


async def load_view(session: AsyncSession, deal_id: int) -> DealView | None:
    deal = (
        await session.execute(select(Deal).where(Deal.id == deal_id).execution_options(populate_existing=True))
    ).scalar_one_or_none()
    if deal is None:
        return None
    member = await session.get(Member, deal.member_id)
    client = await session.get(Client, deal.client_id)
    assert member is not None and client is not None
    done = (
        await session.execute(
            select(BillingRequest)
            .where(BillingRequest.deal_id == deal_id, BillingRequest.status == BillingStatus.HECHA)
            .order_by(BillingRequest.id)
            .execution_options(populate_existing=True)
        )
    ).scalars()
    return DealView(deal, member, client, await approvals_of(session, deal_id), list(done),
                    await support.for_deal(session, deal_id))


async def deals_of(
    session: AsyncSession, member_id: int, limit: int | None = 15, *, offset: int = 0, status: str | None = None,
    month: tuple[int, int] | None = None,
) -> tuple[list[DealView], int]:
    """The member's deals, newest first: ``limit`` of them from ``offset`` (None: all), only those in
    ``status`` and with their advance date in ``month`` (year, month) when given; and how many match."""
    from sqlalchemy import func

    where = [Deal.member_id == member_id]
    if status is not None:
        where.append(Deal.status == status)
    if month is not None:
        year, m = month
        where += [Deal.advance_date >= date(year, m, 1),
                  Deal.advance_date < (date(year + 1, 1, 1) if m == 12 else date(year, m + 1, 1))]
    total = (await session.execute(select(func.count()).select_from(Deal).where(*where))).scalar_one()
    q = select(Deal).where(*where).order_by(Deal.id.desc()).offset(offset)
    deals = list((await session.execute(q.limit(limit) if limit is not None else q)).scalars())
    member = await session.get(Member, member_id)
    clients: dict[int, Client] = {}
    approvals: dict[int, list[Approval]] = {d.id: [] for d in deals}
    for k in range(0, len(deals), 500):  # bounded IN lists (the XLSX reads every deal)
        chunk = deals[k : k + 500]
        client_ids = {d.client_id for d in chunk} - clients.keys()
        if client_ids:
            clients.update((c.id, c) for c in (await session.execute(select(Client).where(Client.id.in_(client_ids)))).scalars())
        rows = await session.execute(
            select(Approval).where(Approval.deal_id.in_([d.id for d in chunk])).order_by(Approval.id))
        for a in rows.scalars():
            approvals[a.deal_id].append(a)  # type: ignore[index]
    out = [DealView(d, member, clients[d.client_id], approvals[d.id]) for d in deals]  # type: ignore[arg-type]
    return out, int(total)


async def deals_without_card(session: AsyncSession, limit: int = 50, created_before: datetime | None = None) -> list[int]:
    """Pending deals whose card was never posted (the process stopped between commit and post, or
    Discord refused the post). ``created_before`` leaves out deals whose card may be on its way."""
    q = (
        select(Deal.id)
        .where(Deal.status == DealStatus.PENDIENTE, Deal.card_message_id.is_(None),
               *([Deal.created_at < created_before] if created_before is not None else []))
        .order_by(Deal.id)
        .limit(limit)
    )
    return list((await session.execute(q)).scalars())


async def set_card(session: AsyncSession, deal_id: int, channel_id: int, message_id: int) -> str | None:
    """Store where the card is; returns the deal's HubSpot check as it is now (a verification may
    have landed while the card was being posted, too early to edit it)."""
    await session.execute(
        update(Deal).where(Deal.id == deal_id).values(card_channel_id=channel_id, card_message_id=message_id)
    )
    return (await session.execute(select(Deal.hubspot_check).where(Deal.id == deal_id))).scalar_one_or_none()


# --- confirmations a crash prevented ---------------------------------------------------------------
@dataclass(slots=True)
class Unconfirmed:
    deal_id: int
    discord_id: int
    interaction_token: str | None
    created_at: datetime


async def mark_confirmed(session: AsyncSession, deal_id: int, now: datetime) -> bool:
    """The KAM saw "registrado": forget the token. False when it was already marked (by the other path)."""
    res = await session.execute(
        update(Deal).where(Deal.id == deal_id, Deal.confirmed_at.is_(None))
        .values(confirmed_at=now, interaction_token=None)
    )
    return res.rowcount == 1  # type: ignore[attr-defined]


async def unconfirmed_deals(session: AsyncSession, created_before: datetime, limit: int = 500) -> list[Unconfirmed]:
    """Deals stored from an interaction whose "registrado" never reached the KAM (the process stopped
    between the commit and the answer). ``created_before``: the start of this process, so that a
    registration this process is answering right now is left alone."""
    rows = await session.execute(
        select(Deal.id, Member.discord_id, Deal.interaction_token, Deal.created_at)
        .join(Member, Member.id == Deal.member_id)
        .where(Deal.confirmed_at.is_(None), Deal.interaction_id.is_not(None), Deal.created_at < created_before)
        .order_by(Deal.id)
        .limit(limit)
    )
    return [Unconfirmed(*r) for r in rows]


async def confirm_late(session: AsyncSession, deal_id: int, *, how: str, now: datetime) -> bool:
    """Mark a confirmation sent after a restart (``how``: "respuesta", the original answer edited, or
    "md", a DM queued in the same transaction) with its audit row; False when already marked."""
    if not await mark_confirmed(session, deal_id, now):
        return False
    record(session, Actor.system("confirmación tras reinicio"), "negocio.confirmar", "deal", deal_id,
           after={"how": how})
    return True


async def recorded_cards(session: AsyncSession, deal_ids: list[int]) -> dict[int, int | None]:
    """The stored card message id of each deal (None: not recorded)."""
    q = select(Deal.id, Deal.card_message_id).where(Deal.id.in_(deal_ids))
    return {i: m for i, m in (await session.execute(q)).all()}
