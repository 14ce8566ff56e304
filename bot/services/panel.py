"""Read models of the web panel (bot/web): queues, a KAM's deals with filters, a deal's timeline and the
admins' dashboard. Decisions are not here: the panel calls :func:`bot.services.deals.decide` like the
card buttons do (the same audit row, the same DMs queued to the KAM). Every query is bounded (paginated or aggregated) so that the pages stay fast with tens
of thousands of deals (``bench/web.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.dates import previous_month, start_of_day_bogota
from bot.domain.enums import ApprovalStatus, DealStatus
from bot.domain.validation import fold_text
from bot.services import deals as deal_svc
from db.models import Approval, AuditLog, Client, CommissionEntry, Deal, ExportRun, Lead, Member

PAGE_SIZE = 20
AUDIT_PAGE_SIZE = 50
DENSE_ACTION = 1000  # audit-log search: above this many matching rows, scan newest first (see audit_log)


@dataclass(slots=True)
class Page:
    items: list[Any]
    total: int  # with ``counted=False``: only a lower bound
    page: int
    size: int
    more: bool = False
    counted: bool = True

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages if self.counted else self.more


@dataclass(slots=True)
class QueueItem:
    approval: Approval
    deal: Deal
    member: Member
    client: Client


def month_range(year: int, month: int) -> tuple[date, date]:
    """[first day, first day of the next month)."""
    return date(year, month, 1), (date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1))


async def review_queue(session: AsyncSession, kind: str, page: int = 1, size: int = PAGE_SIZE) -> Page:
    """Deals waiting for ``kind`` (auditoría / COO), oldest request first."""
    where = (Approval.kind == kind, Approval.status == ApprovalStatus.PENDIENTE, Deal.status == DealStatus.PENDIENTE)
    total = (await session.execute(
        select(func.count()).select_from(Approval).join(Deal, Deal.id == Approval.deal_id).where(*where)
    )).scalar_one()
    rows = (await session.execute(
        select(Approval, Deal, Member, Client)
        .join(Deal, Deal.id == Approval.deal_id)
        .join(Member, Member.id == Deal.member_id)
        .join(Client, Client.id == Deal.client_id)
        .where(*where)
        .order_by(Approval.created_at, Approval.id)
        .offset((page - 1) * size)
        .limit(size)
    )).all()
    return Page([QueueItem(a, d, m, c) for a, d, m, c in rows], int(total), page, size)


async def member_deals(
    session: AsyncSession, member_id: int, *, status: str | None = None, month: tuple[int, int] | None = None,
    deal_type: str | None = None, page: int = 1, size: int = PAGE_SIZE,
) -> Page:
    """A member's deals, newest first, filtered by state, advance-date month and type."""
    where: list[Any] = [Deal.member_id == member_id]
    if status:
        where.append(Deal.status == status)
    if deal_type:
        where.append(Deal.deal_type == deal_type)
    if month:
        start, end = month_range(*month)
        where += [Deal.advance_date >= start, Deal.advance_date < end]
    total = (await session.execute(select(func.count()).select_from(Deal).where(*where))).scalar_one()
    rows = (await session.execute(
        select(Deal, Client).join(Client, Client.id == Deal.client_id).where(*where)
        .order_by(Deal.id.desc()).offset((page - 1) * size).limit(size)
    )).all()
    return Page([(d, c) for d, c in rows], int(total), page, size)


@dataclass(frozen=True, slots=True)
class Event:
    when: datetime
    what: str  # registrado, auditoria, coo, atribucion, comision, estado
    status: str
    who: str | None = None
    detail: str | None = None
    amount: int | None = None


async def timeline(session: AsyncSession, view: deal_svc.DealView) -> list[Event]:
    """Registered → each approval (asked, decided) → the ledger lines (earned / rejected / reversed)."""
    d = view.deal
    out = [Event(d.created_at, "registrado", d.status, view.member.name)]
    for a in view.approvals:
        out.append(Event(a.created_at, a.kind, ApprovalStatus.PENDIENTE))
        if a.decided_at is not None:
            out.append(Event(a.decided_at, a.kind, a.status, a.decided_by_name, a.reason))
    entries = (await session.execute(
        select(CommissionEntry).where(CommissionEntry.deal_id == d.id).order_by(CommissionEntry.id)
    )).scalars()
    for e in entries:
        out.append(Event(e.settled_at or e.created_at, "comision", e.state, None, e.description, e.amount))
    return sorted(out, key=lambda e: e.when)


# --- the admins' dashboard -----------------------------------------------------------------------------
@dataclass(slots=True)
class FunnelMonth:
    year: int
    month: int
    referred: int = 0
    good: int = 0
    sold: int = 0
    bad: int = 0


async def funnel_by_month(session: AsyncSession, today: date, months: int = 6, *, tz: ZoneInfo) -> list[FunnelMonth]:
    """Leads referred in each of the last ``months`` months (calendar months in ``tz``, the bot's TIMEZONE),
    by their status now."""
    out: list[FunnelMonth] = []
    y, m = today.year, today.month
    for _ in range(months):
        out.append(FunnelMonth(y, m))
        y, m = previous_month(y, m)
    out.reverse()
    if not out:
        return out
    bounds = [start_of_day_bogota(month_range(fm.year, fm.month)[0], tz=tz) for fm in out]
    bounds.append(start_of_day_bogota(month_range(out[-1].year, out[-1].month)[1], tz=tz))
    # one statement for every month: each lead gets the index of its month, then (month, status) is
    # counted in the database (the subquery keeps PostgreSQL's GROUP BY on a plain column)
    month_of = case(*((Lead.created_at < bounds[i + 1], literal_column(str(i))) for i in range(months)))
    leads = (
        select(month_of.label("month"), Lead.status.label("status"))
        .where(Lead.created_at >= bounds[0], Lead.created_at < bounds[-1])
        .subquery()
    )
    rows = (await session.execute(
        select(leads.c.month, leads.c.status, func.count()).group_by(leads.c.month, leads.c.status)
    )).all()
    for i, status, n in rows:
        fm, n = out[int(i)], int(n)
        fm.referred += n
        if status in ("bueno", "vendido"):
            fm.good += n
        if status == "vendido":
            fm.sold += n
        if status == "malo":
            fm.bad += n
    return out


@dataclass(slots=True)
class SlaBreaches:
    leads: list[tuple[Lead, str]] = field(default_factory=list)  # (lead, referrer name), oldest first
    leads_total: int = 0
    approvals: list[tuple[str, int, datetime]] = field(default_factory=list)  # (kind, count, oldest)


async def sla_breaches(session: AsyncSession, now: datetime, *, lead_sla_hours: int, approval_hours: int,
                       limit: int = 20) -> SlaBreaches:
    """Leads not qualified within the SLA and decisions waiting longer than the reminder delay."""
    out = SlaBreaches()
    lead_where = (Lead.status == "nuevo", Lead.created_at <= now - timedelta(hours=lead_sla_hours))
    out.leads_total = int((await session.execute(select(func.count()).select_from(Lead).where(*lead_where))).scalar_one())
    out.leads = [(lead, name) for lead, name in (await session.execute(
        select(Lead, Member.name).join(Member, Member.id == Lead.referrer_id).where(*lead_where)
        .order_by(Lead.created_at, Lead.id).limit(limit)
    )).all()]
    rows = (await session.execute(
        select(Approval.kind, func.count(), func.min(Approval.created_at))
        .where(Approval.status == ApprovalStatus.PENDIENTE, Approval.created_at <= now - timedelta(hours=approval_hours))
        .group_by(Approval.kind).order_by(Approval.kind)
    )).all()
    out.approvals = [(k, int(n), oldest) for k, n, oldest in rows]
    return out


async def export_runs(session: AsyncSession, limit: int = 30) -> list[ExportRun]:
    return list((await session.execute(select(ExportRun).order_by(ExportRun.id.desc()).limit(limit))).scalars())


async def export_run(session: AsyncSession, run_id: int) -> ExportRun | None:
    return await session.get(ExportRun, run_id)


def export_file(run: ExportRun, key: str, export_dir: Path) -> Path | None:
    """The file ``key`` of an export run, only when it lies inside ``export_dir`` and exists."""
    name = (run.files or {}).get(key)
    if not name:
        return None
    return contained(Path(name), export_dir)


def contained(path: Path, root: Path) -> Path | None:
    root = root.resolve()
    p = (path if path.is_absolute() else root / path).resolve()
    if not p.is_relative_to(root) or not p.is_file():
        return None
    return p


def statement_files(export_dir: Path) -> list[Path]:
    """The monthly payroll statements written so far, newest first."""
    folder = export_dir / "reportes"
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.glob("comisiones-*.xlsx") if p.is_file()), reverse=True)


async def audit_log(session: AsyncSession, query: str | None, page: int = 1, size: int = AUDIT_PAGE_SIZE) -> Page:
    """The audit log, newest first. ``query``: digits find an object id or a person's Discord id; text
    finds actions starting with it (``negocio.``, ``aprobacion.rechazar``) and the people whose name
    contains it (case- and accent-insensitively, through the members). Every branch is an indexed look-up,
    so the search stays fast on a long log; there is no total count (``Page.more`` says if there is more)."""
    q = (query or "").strip()
    where: list[Any] = []
    if q.isdigit() and len(q) <= 19:
        where.append(or_(AuditLog.entity_id == q, AuditLog.actor_discord_id == int(q)))
    elif q:
        action = q.casefold()
        folded = fold_text(q)
        ids = [d for d, name in (await session.execute(select(Member.discord_id, Member.name))).all()
               if folded in fold_text(name)]
        top = action + "\U0010ffff"
        by_action = and_(AuditLog.action >= action, AuditLog.action < top)
        dense = (await session.execute(select(func.count()).where(by_action))).scalar_one() > DENSE_ACTION
        if dense and not ids:
            # many rows match: walking the log newest first (no index on the expression) fills a page at
            # once, where the index would fetch and sort every match
            by_action = and_(func.lower(AuditLog.action) >= action, func.lower(AuditLog.action) < top)
        where.append(or_(by_action, AuditLog.actor_discord_id.in_(ids)) if ids else by_action)
    rows = list((await session.execute(
        select(AuditLog).where(*where).order_by(AuditLog.id.desc()).offset((page - 1) * size).limit(size + 1)
    )).scalars())
    return Page(rows[:size], (page - 1) * size + len(rows), page, size, more=len(rows) > size, counted=False)
