"""The daily summary (SPEC §4) and the month-to-date chart."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.business_days import add_business_days
from bot.domain.enums import (
    ApprovalKind,
    ApprovalStatus,
    CommissionKind,
    CommissionState,
    DealType,
    LeadStatus,
    RenewalStatus,
)
from bot.domain.sales import SALE_STATUSES
from bot.services.charts import money_axis, png_bytes, pyplot, show_empty
from bot.texts import export as T
from db.models import Approval, Client, CommissionEntry, Deal, Lead, Member, RenewalIntent

TYPE_ORDER = tuple(DealType)
APPROVAL_LABELS: dict[str, str] = {
    ApprovalKind.AUDITORIA: "Auditoría de pago",
    ApprovalKind.COO: "COO (up sales)",
    ApprovalKind.ATRIBUCION: "Disputas de atribución",
    ApprovalKind.USUARIO_HUBSPOT: "Usuarios de HubSpot",
    ApprovalKind.PROFORMA: "Proformas / links de pago",
}


@dataclass
class DailySummary:
    day: date
    month_start: date
    by_type: dict[str, tuple[int, int]] = field(default_factory=dict)
    commissions_pending: int = 0
    commissions_earned: int = 0
    commissions_reversed: int = 0
    approvals: list[tuple[str, int, timedelta]] = field(default_factory=list)
    leads_past_sla: list[tuple[str, timedelta]] = field(default_factory=list)
    renewals_ending: list[tuple[str, str, date]] = field(default_factory=list)
    mtd_by_kam: list[tuple[str, int]] = field(default_factory=list)
    mtd_by_type: list[tuple[str, int]] = field(default_factory=list)


def _start_of(d: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(d, time(0), tzinfo=tz)


async def build_summary(
    session: AsyncSession, d: date, now: datetime, tz: ZoneInfo, *, lead_sla_hours: int
) -> DailySummary:
    month_start = d.replace(day=1)
    s = DailySummary(day=d, month_start=month_start)
    live = Deal.status.in_(SALE_STATUSES)  # rejected and cancelled deals are not sales

    rows = await session.execute(
        select(Deal.deal_type, func.count(), func.coalesce(func.sum(Deal.total_value), 0))
        .where(Deal.advance_date == d, live)
        .group_by(Deal.deal_type)
    )
    s.by_type = {t: (int(c), int(v)) for t, c, v in rows}

    since = _start_of(month_start, tz)
    until = _start_of(d + timedelta(days=1), tz)
    commission_rows = await session.execute(
        select(CommissionEntry.kind, CommissionEntry.state, func.coalesce(func.sum(CommissionEntry.amount), 0))
        .where(CommissionEntry.created_at >= since, CommissionEntry.created_at < until)
        .group_by(CommissionEntry.kind, CommissionEntry.state)
    )
    for kind, state, amount in commission_rows:
        if kind == CommissionKind.REVERSO or state == CommissionState.REVERSADA:
            s.commissions_reversed += int(amount)
        elif state == CommissionState.PENDIENTE:
            s.commissions_pending += int(amount)
        elif state == CommissionState.GANADA:
            s.commissions_earned += int(amount)

    approval_rows = await session.execute(
        select(Approval.kind, func.count(), func.min(Approval.created_at))
        .where(Approval.status == ApprovalStatus.PENDIENTE)
        .group_by(Approval.kind)
    )
    s.approvals = sorted(((k, int(c), now - oldest) for k, c, oldest in approval_rows), key=lambda r: -r[2])

    cutoff = now - timedelta(hours=lead_sla_hours)
    lead_rows = await session.execute(
        select(Lead.company, Lead.created_at).where(Lead.status == LeadStatus.NUEVO, Lead.created_at <= cutoff).order_by(Lead.created_at)
    )
    s.leads_past_sla = [(company, now - created) for company, created in lead_rows]

    today = now.astimezone(tz).date()
    try:
        horizon = add_business_days(today, 1)
    except ImportError:  # pragma: no cover - the domain package always ships it
        horizon = today + timedelta(days=1)
    renewal_rows = await session.execute(
        select(Client.name, Member.name, RenewalIntent.deadline)
        .join(Client, Client.id == RenewalIntent.client_id)
        .join(Member, Member.id == RenewalIntent.member_id)
        .where(RenewalIntent.status == RenewalStatus.ABIERTA, RenewalIntent.deadline <= horizon)
        .order_by(RenewalIntent.deadline)
    )
    s.renewals_ending = [(c, k, dl) for c, k, dl in renewal_rows]

    kam_rows = await session.execute(
        select(Member.name, func.sum(Deal.total_value))
        .join(Member, Member.id == Deal.member_id)
        .where(Deal.advance_date >= month_start, Deal.advance_date <= d, live)
        .group_by(Member.name)
        .order_by(func.sum(Deal.total_value).desc())
    )
    s.mtd_by_kam = [(n, int(v)) for n, v in kam_rows]
    type_rows = await session.execute(
        select(Deal.deal_type, func.sum(Deal.total_value))
        .where(Deal.advance_date >= month_start, Deal.advance_date <= d, live)
        .group_by(Deal.deal_type)
    )
    s.mtd_by_type = [(DealType.label_of(t), int(v)) for t, v in type_rows]
    return s


def warm_up_charts() -> None:
    """Import matplotlib and build its font cache (seconds, once per process). The bot does this in
    a thread after its start-up catch-up so the first 06:00 export does not pay for it."""
    plt = pyplot()
    fig = plt.figure(figsize=(1, 1))
    fig.text(0.5, 0.5, "ñ $ 1.234")
    fig.canvas.draw()
    plt.close(fig)


def render_chart(summary: DailySummary, path: Path) -> Path:
    """A PNG with two bar charts (month to date by KAM and by type)."""
    fig, (ax1, ax2) = pyplot().subplots(1, 2, figsize=(11, 4.5), dpi=100)
    month = summary.month_start.strftime("%m/%Y")
    fig.suptitle(T.CHART_TITLE.format(month=month))
    for ax, data, title in ((ax1, summary.mtd_by_kam[:12], T.CHART_BY_KAM), (ax2, summary.mtd_by_type, T.CHART_BY_TYPE)):
        ax.set_title(title)
        if data:
            labels = [n[:18] for n, _ in data]
            ax.barh(labels[::-1], [v for _, v in data][::-1], color="#5865F2")
            money_axis(ax)
        else:
            show_empty(ax, T.CHART_EMPTY)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png_bytes(fig))
    return path
