"""Proforma invoices and payment links requested for a registered deal (seed: «De requerir una
factura proforma o un link de pago Daniel Valcarcel y Juan Diego Dillmann tendrán accesos…»).

Use cases take an ``AsyncSession`` and never commit. Like :mod:`bot.services.access`, each write
starts with its conditional statement so concurrent submissions or clicks never both win.

A decision queues the requester's DM (with the PDF, when there is one) and, for a done request, the
reply on the deal card in the outbox, in the decision's own transaction: a crash right after the
commit loses nothing, and the outbox worker posts a notice in the sales channel (pinging only them)
when their DMs are closed.

The billing approval is linked through ``Approval.billing_request_id`` only, never
``Approval.deal_id``: a deal's own approvals decide whether its commission is earned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import exists, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.dates import format_datetime
from bot.domain.enums import CLOSED_DEAL_STATUSES, ApprovalKind, ApprovalStatus, BillingKind, BillingStatus
from bot.domain.errors import DomainError
from bot.domain.money import format_cop, parse_cop
from bot.domain.text import md
from bot.domain.validation import clean_user_text, parse_row_id
from bot.services import outbox, proofs
from bot.services.access import insert_once
from bot.texts import access as T
from bot.texts import deals as DT
from db.audit import Actor, record
from db.engine import rowcount
from db.models import Approval, BillingRequest, Client, Deal, Member, OutboxMessage

KINDS = tuple(BillingKind)
URL_RE = re.compile(r"^https?://[^\s<>\"']{3,990}$", re.IGNORECASE)


class BillingRefused(DomainError):
    """A refused billing request or decision; ``str()`` is the Spanish message. Nothing changed."""


@dataclass(frozen=True, slots=True)
class DealChoice:
    id: int
    label: str


async def deal_choices(session: AsyncSession, discord_id: int, query: str = "", limit: int = 25) -> list[DealChoice]:
    """The caller's open deals, newest first, filtered by id or client name."""
    q = (
        select(Deal.id, Deal.total_value, Client.name)
        .join(Member, Member.id == Deal.member_id)
        .join(Client, Client.id == Deal.client_id)
        .where(Member.discord_id == discord_id, Deal.status.not_in(CLOSED_DEAL_STATUSES))
        .order_by(Deal.id.desc())
        .limit(200)
    )

    needle = (query or "").strip().lstrip("#").casefold()
    out = []
    for deal_id, total, client in (await session.execute(q)).all():
        if needle and needle not in str(deal_id) and needle not in client.casefold():
            continue
        out.append(DealChoice(deal_id, f"#{deal_id} · {client} · {format_cop(total)}"[:100]))
        if len(out) >= limit:
            break
    return out


def parse_deal_id(value: str | int) -> int | None:
    return parse_row_id(value)


@dataclass(slots=True)
class BillingTicket:
    request: BillingRequest
    approval: Approval
    deal: Deal
    client: Client
    member: Member


async def create_billing_request(
    session: AsyncSession,
    *,
    discord_id: int,
    deal_ref: str | int,
    kind: str,
    amount: str | int,
    notes: str | None,
    actor: Actor,
    now: datetime,
    tz: Any = None,
) -> BillingTicket:

    if kind not in KINDS:
        raise BillingRefused(T.BILLING_NO_DEAL, field="tipo")
    deal_id = parse_deal_id(deal_ref)
    if deal_id is None:
        raise BillingRefused(T.BILLING_NO_DEAL, field="negocio")
    value = amount if isinstance(amount, int) else parse_cop(amount)
    if value <= 0:
        raise BillingRefused(T.BILLING_AMOUNT_ZERO, field="valor")
    clean_notes = clean_user_text(notes or "")[:1000] or None
    # 1. conditional insert first: one open request per deal and kind; only the deal's owner
    owner_deal = (
        select(Deal.id, Deal.member_id)
        .join(Member, Member.id == Deal.member_id)
        .where(Deal.id == deal_id, Member.discord_id == discord_id)
    ).subquery()
    open_same = exists().where(
        BillingRequest.deal_id == deal_id, BillingRequest.kind == kind, BillingRequest.status == BillingStatus.PENDIENTE
    )
    stmt = insert(BillingRequest).from_select(
        ["deal_id", "member_id", "kind", "amount", "notes", "status", "created_at", "updated_at"],
        select(
            owner_deal.c.id, owner_deal.c.member_id, literal(kind), literal(value),
            literal(clean_notes), literal(BillingStatus.PENDIENTE),
            literal(now, BillingRequest.created_at.type), literal(now, BillingRequest.updated_at.type),
        ).where(~open_same),
    )
    if not await insert_once(session, stmt):
        # either not the caller's deal, or an open request exists
        existing = (
            await session.execute(
                select(BillingRequest)
                .where(BillingRequest.deal_id == deal_id, BillingRequest.kind == kind, BillingRequest.status == BillingStatus.PENDIENTE)
                .order_by(BillingRequest.id)
            )
        ).scalars().first()
        deal = await session.get(Deal, deal_id)
        member = await session.get(Member, deal.member_id) if deal else None
        if existing is not None and member is not None and member.discord_id == discord_id:
            raise BillingRefused(
                T.BILLING_PENDING.format(
                    kind=T.KIND_LABELS[kind].lower(), deal_id=deal_id, request_id=existing.id,
                    since=format_datetime(existing.created_at, tz) if tz else "—",
                )
            )
        raise BillingRefused(T.BILLING_NOT_YOURS.format(deal_id=deal_id), field="negocio")
    req = (
        await session.execute(
            select(BillingRequest)
            .where(BillingRequest.deal_id == deal_id, BillingRequest.kind == kind, BillingRequest.status == BillingStatus.PENDIENTE)
            .order_by(BillingRequest.id.desc())
        )
    ).scalars().first()
    assert req is not None
    deal = await session.get(Deal, deal_id)
    assert deal is not None
    if deal.status in CLOSED_DEAL_STATUSES:
        raise BillingRefused(
            T.BILLING_DEAL_CLOSED.format(deal_id=deal_id, status=DT.STATUS_STATES.get(deal.status, deal.status))
        )
    if value > deal.total_value:
        raise BillingRefused(
            T.BILLING_AMOUNT_TOO_HIGH.format(amount=format_cop(value), deal_id=deal_id, total=format_cop(deal.total_value)),
            field="valor",
        )
    member = await session.get(Member, deal.member_id)
    client = await session.get(Client, deal.client_id)
    assert member is not None and client is not None
    approval = Approval(
        kind=ApprovalKind.PROFORMA, status=ApprovalStatus.PENDIENTE, billing_request_id=req.id, requested_by_id=member.id,
        related_deal_id=deal.id, created_at=now, updated_at=now,
    )
    session.add(approval)
    await session.flush()
    record(
        session, actor, "facturacion.solicitar", "billing_request", req.id,
        after={"deal_id": deal_id, "kind": kind, "amount": value, "notes": clean_notes, "approval_id": approval.id},
    )
    return BillingTicket(req, approval, deal, client, member)


def validate_link(text: str) -> str:
    url = (text or "").strip()
    if not URL_RE.match(url):
        raise BillingRefused(T.BAD_LINK, field="link")
    return url


@dataclass(slots=True)
class BillingDecision:
    decided: bool
    request: BillingRequest
    approval: Approval
    done: bool = False


async def approval_of(session: AsyncSession, request_id: int) -> Approval | None:
    q = (
        select(Approval)
        .where(Approval.billing_request_id == request_id, Approval.kind == ApprovalKind.PROFORMA)
        .order_by(Approval.id.desc())
        .execution_options(populate_existing=True)
    )
    return (await session.execute(q)).scalars().first()


async def decide_billing(
    session: AsyncSession,
    request_id: int,
    done: bool,
    *,
    actor: Actor,
    now: datetime,
    url: str | None = None,
    file_path: str | None = None,
    note: str | None = None,
    reason: str | None = None,
    data_dir: Path,
) -> BillingDecision:
    """Mark a request done (with a link, a stored PDF or both) or rejected (with a reason), once,
    and queue the requester's DM about it in the same transaction (:func:`queue_decision_dm`).

    ``file_path`` is relative to ``data_dir`` (see :func:`bot.services.proofs.store`)."""

    if done:
        url = validate_link(url) if url is not None and url.strip() else None
        if url is None and not file_path:
            raise BillingRefused(T.DONE_NOTHING, field="link")
        note = clean_user_text(note or "")[:500] or None
    else:
        reason = clean_user_text(reason or "")[:500]
        if not reason:
            raise BillingRefused(T.REASON_REQUIRED, field="motivo")
    res = await session.execute(
        update(Approval)
        .where(Approval.billing_request_id == request_id, Approval.kind == ApprovalKind.PROFORMA, Approval.status == ApprovalStatus.PENDIENTE)
        .values(
            status=ApprovalStatus.APROBADA if done else ApprovalStatus.RECHAZADA,
            decided_by_discord_id=actor.discord_id,
            decided_by_name=actor.name[:200],
            decided_at=now,
            reason=note if done else reason,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    req = (
        await session.execute(
            select(BillingRequest).where(BillingRequest.id == request_id).execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    approval = await approval_of(session, request_id)
    if req is None or approval is None:
        raise BillingRefused(T.REQUEST_GONE.format(request_id=request_id))
    if rowcount(res) != 1:
        return BillingDecision(False, req, approval, done)
    before = req.status
    req.status = BillingStatus.HECHA if done else BillingStatus.RECHAZADA
    if done:
        req.result_url = url
        req.result_path = file_path
    req.updated_at = now
    record(
        session, actor, f"aprobacion.{'aprobar' if done else 'rechazar'}", "approval", approval.id,
        before={"status": ApprovalStatus.PENDIENTE, "kind": ApprovalKind.PROFORMA, "billing_request_id": request_id},
        after={"status": approval.status, "reason": approval.reason},
    )
    record(
        session, actor, "facturacion.hecha" if done else "facturacion.rechazar", "billing_request", req.id,
        before={"status": before},
        after={"status": req.status, "result_url": req.result_url, "result_path": req.result_path, "reason": reason},
    )
    if done:
        # noted on the deal's history too (the deal card has no slot for it yet)
        record(
            session, actor, "negocio.documento_cobro", "deal", req.deal_id,
            after={"billing_request_id": req.id, "kind": req.kind, "amount": req.amount, "url": url,
                   "file": file_path},
        )
    await queue_decision_dm(session, req, actor=actor, now=now, note=note, reason=reason, data_dir=data_dir)
    if done:
        await queue_card_reply(session, req, actor=actor, now=now, data_dir=data_dir)
    return BillingDecision(True, req, approval, done)


def billing_filename(r: Any) -> str:
    """The name the requester (and the deal card) sees for a request's stored PDF."""
    return f"{'proforma' if r.kind == BillingKind.PROFORMA else 'cobro'}-negocio-{r.deal_id}-solicitud-{r.id}.pdf"


def dm_key(request_id: int, what: str) -> str:
    return f"cobro:{request_id}:{what}"


def result_files(req: BillingRequest, data_dir: Path) -> list[outbox.OutFile]:
    """The stored PDF of a done request, attached by absolute path under ``data_dir`` (a
    content-addressed file that is never removed)."""
    if not req.result_path:
        return []
    return [outbox.OutFile(str(proofs.absolute(data_dir, req.result_path).resolve()), billing_filename(req))]


async def queue_card_reply(
    session: AsyncSession, req: BillingRequest, *, actor: Actor, now: datetime, data_dir: Path
) -> OutboxMessage:
    """Queue the reply on the deal's card that carries a done request's link and/or PDF, in the
    decision's transaction (once per request). The outbox worker finds the card when it delivers."""
    kind = T.KIND_LABELS.get(req.kind, req.kind)
    text = T.DEAL_CARD_REPLY.format(kind=kind, deal_id=req.deal_id, amount=format_cop(req.amount), who=md(actor.name),
                                    url=f"\n{req.result_url}" if req.result_url else "")
    return await outbox.enqueue(session, dm_key(req.id, "tarjeta"), content=text[:2000], files=result_files(req, data_dir),
                                reply_to=outbox.ReplyTo("deal", req.deal_id), now=now)


async def queue_decision_dm(
    session: AsyncSession,
    req: BillingRequest,
    *,
    actor: Actor,
    now: datetime,
    note: str | None,
    reason: str | None,
    data_dir: Path,
) -> OutboxMessage:
    """Queue the requester's DM about a decided request (once per request), in the caller's
    transaction: the link and/or the stored PDF (attached by absolute path under ``data_dir``, a
    content-addressed file that is never removed) and the note, or the rejection's reason. With
    their DMs closed, the outbox worker posts a short notice in the sales channel instead, which
    mentions them (only them) and carries neither link nor reason; the DM is held and retried."""
    member = await session.get(Member, req.member_id)
    deal = await session.get(Deal, req.deal_id)
    client = await session.get(Client, deal.client_id) if deal is not None else None
    assert member is not None and client is not None
    kind = T.KIND_LABELS.get(req.kind, req.kind)
    files: list[outbox.OutFile] = []
    if req.status == BillingStatus.HECHA:
        what = "hecha"
        lines = [req.result_url] if req.result_url else []
        if req.result_path:
            lines.append(T.DONE_FILE_LINE.format(filename=billing_filename(req)))
        files = result_files(req, data_dir)
        text = T.DM_BILLING_DONE.format(
            kind_lower=kind.lower(), deal_id=req.deal_id, client=md(client.name), amount=format_cop(req.amount),
            who=md(actor.name), url="\n".join(lines), note=T.DM_BILLING_NOTE.format(note=md(note)) if note else "",
        )
        notice = T.NOTICE_BILLING_DONE.format(request_id=req.id, kind=kind.lower())
    else:
        what = "rechazada"
        text = T.DM_BILLING_REJECTED.format(
            request_id=req.id, kind_lower=kind.lower(), deal_id=req.deal_id, client=md(client.name),
            who=md(actor.name), reason=md(reason or ""),
        )
        notice = T.NOTICE_BILLING_REJECTED.format(request_id=req.id, kind=kind.lower())
    return await outbox.enqueue(
        session, dm_key(req.id, what), content=text[:2000], files=files, user_id=member.discord_id, now=now,
        fallback=T.ACCESS_CHANNEL_NOTICE.format(user_id=member.discord_id, name=md(member.name), text=notice)[:2000],
    )


@dataclass(slots=True)
class BillingView:
    request: BillingRequest
    approval: Approval | None
    deal: Deal
    client: Client
    member: Member


async def load_view(session: AsyncSession, request_id: int) -> BillingView | None:
    req = await session.get(BillingRequest, request_id, populate_existing=True)
    if req is None:
        return None
    deal = await session.get(Deal, req.deal_id)
    member = await session.get(Member, req.member_id)
    if deal is None or member is None:
        return None
    client = await session.get(Client, deal.client_id)
    assert client is not None
    return BillingView(req, await approval_of(session, request_id), deal, client, member)


async def set_card(session: AsyncSession, request_id: int, channel_id: int, message_id: int) -> None:
    await session.execute(
        update(Approval)
        .where(Approval.billing_request_id == request_id, Approval.kind == ApprovalKind.PROFORMA)
        .values(card_channel_id=channel_id, card_message_id=message_id)
        .execution_options(synchronize_session=False)
    )


def check_pdf(filename: str | None, content_type: str | None, size: int | None, max_bytes: int) -> Any:
    """The attachment's metadata if it is a PDF within the size limit, else :class:`BillingRefused`."""

    try:
        meta = proofs.check_meta(filename, content_type, size, max_bytes)
    except proofs.ProofRefused as exc:
        raise BillingRefused(str(exc), field="pdf") from exc
    if meta.ext != "pdf":
        raise BillingRefused(T.DONE_NOT_PDF, field="pdf")
    return meta
