"""Commission statements (``/mis-comisiones``, the monthly payroll file) and the program report
(``/admin reporte``: month to date against the previous month, and the referral funnel).

Which month a ledger line belongs to: its ``settled_at`` in the bot's TIMEZONE when it was settled (earned,
rejected, lead rewards, clawbacks), else its ``created_at`` (pending lines). So a month's statement
is what was earned, lost or reversed *in* that month, which is what payroll pays; a commission
registered in October and approved in November is in November's statement.

Totals: ``pendiente`` (registered, waiting for approvals), ``ganada`` (deal commissions and lead
rewards earned), ``rechazada`` (shown, never paid), ``reversada`` (clawbacks, negative) and
``neto = ganada + reversada``: what the month pays.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from statistics import median
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.blocking import run_blocking
from bot.domain.business_days import next_business_day
from bot.domain.commission import rate_label
from bot.domain.dates import MONTHS, month_bounds_utc, month_label, previous_month, start_of_day_bogota
from bot.domain.enums import CommissionKind, CommissionState, LeadStatus
from bot.domain.money import format_cop
from bot.domain.sales import SALE_STATUSES
from bot.services.charts import money_axis, png_bytes, pyplot, show_empty
from bot.services.workbooks import Book, Column, Kind
from bot.texts import deals as DT
from bot.texts import reports as T
from db.models import Client, CommissionEntry, Deal, JobRun, Lead, Member

MONTHLY_JOB = "reporte-mensual"

@dataclass(frozen=True, slots=True)
class Line:
    when: datetime
    kind: str
    state: str
    amount: int
    reference: str  # "Negocio #12 · Panadería" / "Lead #3 · Ferretería"
    how: str  # "6 % de $ 12.000.000", "Lead bueno", "Reverso del negocio #12"


@dataclass(slots=True)
class Statement:
    member: Member
    year: int
    month: int
    lines: list[Line] = field(default_factory=list)

    def total(self, *, kinds: tuple[str, ...], state: str) -> int:
        return sum(x.amount for x in self.lines if x.kind in kinds and x.state == state)

    @property
    def pending(self) -> int:
        return self.total(kinds=(CommissionKind.COMISION,), state=CommissionState.PENDIENTE)

    @property
    def earned(self) -> int:
        return self.total(kinds=(CommissionKind.COMISION, CommissionKind.REFERIDO), state=CommissionState.GANADA)

    @property
    def rejected(self) -> int:
        return self.total(kinds=(CommissionKind.COMISION,), state=CommissionState.RECHAZADA)

    @property
    def reversed(self) -> int:
        return sum(x.amount for x in self.lines if x.kind == CommissionKind.REVERSO)

    @property
    def net(self) -> int:
        return self.earned + self.reversed


async def _lines(session: AsyncSession, member_ids: list[int] | None, year: int, month: int, *, tz: ZoneInfo
                 ) -> dict[int, list[Line]]:
    start, end = month_bounds_utc(year, month, tz=tz)  # the month as the bot's TIMEZONE reads it
    when = func.coalesce(CommissionEntry.settled_at, CommissionEntry.created_at)
    q = (
        select(CommissionEntry, Deal, Lead, Client)
        .outerjoin(Deal, Deal.id == CommissionEntry.deal_id)
        .outerjoin(Lead, Lead.id == CommissionEntry.lead_id)
        .outerjoin(Client, Client.id == Deal.client_id)
        .where(when >= start, when < end)
        .order_by(when, CommissionEntry.id)
    )
    if member_ids is not None:
        q = q.where(CommissionEntry.member_id.in_(member_ids))
    out: dict[int, list[Line]] = defaultdict(list)
    for entry, deal, lead, client in (await session.execute(q)).all():
        if deal is not None:
            reference = T.REF_DEAL.format(deal_id=deal.id, client=client.name if client else "—")
        elif lead is not None:
            reference = T.REF_LEAD.format(lead_id=lead.id, company=lead.company)
        else:
            reference = "—"
        if entry.kind == CommissionKind.COMISION and deal is not None:
            # the rate the deal was registered with, not today's COMMISSION_RATE
            how = T.HOW_COMMISSION.format(rate=rate_label(deal.commission_rate), total=format_cop(deal.total_value))
        elif entry.kind == CommissionKind.REVERSO:
            how = T.HOW_CLAWBACK.format(deal_id=entry.deal_id)
        else:
            how = entry.description
        out[entry.member_id].append(Line(
            when=entry.settled_at or entry.created_at, kind=entry.kind, state=entry.state, amount=entry.amount,
            reference=reference, how=how))
    return out


async def statement(session: AsyncSession, member: Member, year: int, month: int, *, tz: ZoneInfo) -> Statement:
    lines = await _lines(session, [member.id], year, month, tz=tz)
    return Statement(member, year, month, lines.get(member.id, []))


async def monthly_statements(session: AsyncSession, year: int, month: int, *, tz: ZoneInfo) -> list[Statement]:
    """A statement for every member with a ledger line in the month, by name."""
    lines = await _lines(session, None, year, month, tz=tz)
    if not lines:
        return []
    members = (await session.execute(select(Member).where(Member.id.in_(lines)))).scalars()
    return sorted((Statement(m, year, month, lines[m.id]) for m in members), key=lambda s: (s.member.name.lower(), s.member.id))


# --- XLSX (bot.services.workbooks) -------------------------------------------------------------------
LINE_COLUMNS = [
    Column(h, k, w, help_, False)
    for (h, help_), (k, w) in zip(T.XLSX_COLUMNS, ((Kind.DATETIME, 17), (Kind.TEXT, 11), (Kind.TEXT, 30),
                                                   (Kind.TEXT, 26), (Kind.TEXT, 24), (Kind.MONEY, 15)), strict=True)
]
TOTAL_COLUMNS = [
    Column(h, k, w, help_, k == Kind.MONEY)
    for (h, help_), (k, w) in zip(T.XLSX_TOTAL_COLUMNS, ((Kind.TEXT, 24), (Kind.TEXT, 13), (Kind.TEXT, 28))
                                  + ((Kind.MONEY, 15),) * 5, strict=True)
]


def _line_row(x: Line) -> list[object]:
    return [x.when, CommissionKind.label_of(x.kind), x.reference, x.how, CommissionState.label_of(x.state), x.amount]


def _write_statement(book: Book, st: Statement, *, name: str, explain_as: str | None = None) -> None:
    rows = [_line_row(x) for x in st.lines]
    footer = [(T.TOTAL_PENDING, st.pending), (T.TOTAL_EARNED, st.earned), (T.TOTAL_REJECTED, st.rejected),
              (T.TOTAL_REVERSED, st.reversed), (T.TOTAL_NET, st.net)]
    table = book.table(name, LINE_COLUMNS, explain_as=explain_as,
                       heading=T.XLSX_TITLE.format(name=st.member.name, month=month_label(st.year, st.month)),
                       fit=rows + [["", "", "", "", label, value] for label, value in footer])
    for row in rows:
        table.append(row)
    table.close([(label, {5: value}) for label, value in footer], label_column=4)


def statement_xlsx(st: Statement, *, tz: ZoneInfo) -> bytes:
    """``/mis-comisiones``' file: one sheet with the month's lines and the totals by state."""
    book = Book(tz)
    _write_statement(book, st, name=T.XLSX_SHEET_MINE)
    return book.save()  # type: ignore[return-value]


def payroll_xlsx(statements: list[Statement], year: int, month: int, *, tz: ZoneInfo) -> bytes:
    """A totals sheet first (one row per KAM, suited to payroll), then one sheet per KAM."""
    book = Book(tz)
    rows = [[st.member.name, st.member.cedula, st.member.sense_email, st.pending, st.earned, st.rejected, st.reversed,
             st.net] for st in statements]
    totals = book.table(T.XLSX_SHEET_TOTALS, TOTAL_COLUMNS, heading=T.XLSX_PAYROLL_TITLE.format(
        month=month_label(year, month)), fit=rows)
    for row in rows:
        totals.append(row)
    totals.close()
    for st in statements:
        _write_statement(book, st, name=st.member.name, explain_as=T.XLSX_SHEET_EACH)
    return book.save()  # type: ignore[return-value]


def payroll_filename(year: int, month: int) -> str:
    return f"comisiones-{year}-{month:02d}.xlsx"


async def write_payroll(session: AsyncSession, export_dir: Path, year: int, month: int,
                        path: Path | None = None, *, tz: ZoneInfo) -> tuple[Path, list[Statement]]:
    """The month's payroll XLSX written (atomically) to ``path``, default
    ``EXPORT_DIR/reportes/comisiones-YYYY-MM.xlsx``: what the bot DMs the admins and the CLI writes."""
    statements = await monthly_statements(session, year, month, tz=tz)
    data = await run_blocking(payroll_xlsx, statements, year, month, tz=tz)
    path = path or Path(export_dir) / "reportes" / payroll_filename(year, month)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path, statements


# --- the program report ------------------------------------------------------------------------------
@dataclass(slots=True)
class Period:
    label: str
    start: date
    end: date  # inclusive
    deals: int = 0
    value: int = 0
    commissions: int = 0
    by_type: dict[str, list[int]] = field(default_factory=dict)  # type -> [deals, value, commission]
    by_kam: dict[str, list[int]] = field(default_factory=dict)


@dataclass(slots=True)
class Funnel:
    referred: int = 0
    good: int = 0  # bueno or vendido
    sold: int = 0
    bad: int = 0
    hours_to_qualify: list[float] = field(default_factory=list)
    by_referrer: dict[str, list[int]] = field(default_factory=dict)  # name -> [referred, good, sold]

    @property
    def good_rate(self) -> float:
        return self.good / self.referred if self.referred else 0.0

    @property
    def sold_rate(self) -> float:
        return self.sold / self.referred if self.referred else 0.0

    @property
    def median_hours(self) -> float | None:
        return median(self.hours_to_qualify) if self.hours_to_qualify else None


@dataclass(slots=True)
class Report:
    current: Period
    previous: Period
    funnel: Funnel


COUNTED = SALE_STATUSES  # rejected and cancelled deals are not sales (the daily summary uses the same rule)


async def _period(session: AsyncSession, label: str, start: date, end: date) -> Period:
    """Deals, value and commissions by type and by KAM name, summed in the database on the covering index
    ``ix_deals_sales`` (no deal row is read): once by type and once by KAM, joined to the members' names
    only after summing, so what comes back is a row per type and per KAM, not per deal."""
    p = Period(label, start, end)
    counted = (Deal.status.in_(COUNTED), Deal.advance_date >= start, Deal.advance_date <= end)
    sums = (func.count(), func.sum(Deal.total_value), func.sum(Deal.commission_estimate))
    by_type = select(Deal.deal_type, *sums).where(*counted).group_by(Deal.deal_type).order_by(Deal.deal_type)
    for deal_type, n, value, commission in (await session.execute(by_type)).all():
        n, value, commission = int(n), int(value or 0), int(commission or 0)
        p.by_type[deal_type] = [n, value, commission]
        p.deals += n
        p.value += value
        p.commissions += commission
    per_member = select(Deal.member_id, *(x.label(k) for x, k in zip(sums, ("n", "value", "commission"), strict=True))
                        ).where(*counted).group_by(Deal.member_id).subquery()
    by_kam = (select(Member.name, per_member.c.n, per_member.c.value, per_member.c.commission)
              .join(per_member, per_member.c.member_id == Member.id).order_by(Member.name, Member.id))
    for name, n, value, commission in (await session.execute(by_kam)).all():
        row = p.by_kam.setdefault(name, [0, 0, 0])  # KAMs sharing a name share a row
        row[0] += int(n)
        row[1] += int(value or 0)
        row[2] += int(commission or 0)
    return p


async def _funnel(session: AsyncSession, start: date, end: date, *, tz: ZoneInfo) -> Funnel:
    """The leads referred in [start, end] counted in the database by referrer name and status; only the
    qualified ones come back one by one (their creation and qualification instants, for the median)."""
    f = Funnel()
    referred = (Lead.created_at >= start_of_day_bogota(start, tz=tz),
                Lead.created_at < start_of_day_bogota(end + timedelta(days=1), tz=tz))
    rows = (await session.execute(
        select(Member.name, Lead.status, func.count(), func.min(Lead.created_at))
        .join(Member, Member.id == Lead.referrer_id)
        .where(*referred)
        .group_by(Member.name, Lead.status)
    )).all()
    # referrers in the order of their first referral of the period, as when the leads were read one by
    # one in time order (the report's ranking keeps that order between equal counts)
    first: dict[str, datetime] = {}
    for name, _status, _n, created in rows:
        first[name] = min(first.get(name, created), created)
    for name in sorted(first, key=lambda k: (first[k], k)):
        f.by_referrer[name] = [0, 0, 0]
    for name, status, n, _first in rows:
        n = int(n)
        row = f.by_referrer[name]
        f.referred += n
        row[0] += n
        if status in (LeadStatus.BUENO, LeadStatus.VENDIDO):
            f.good += n
            row[1] += n
        if status == LeadStatus.VENDIDO:
            f.sold += n
            row[2] += n
        if status == LeadStatus.MALO:
            f.bad += n
    qualified = await session.execute(
        select(Lead.created_at, Lead.qualified_at).where(*referred, Lead.qualified_at.is_not(None))
        .order_by(Lead.created_at, Lead.id)
    )
    f.hours_to_qualify = [(q - c).total_seconds() / 3600 for c, q in qualified if q is not None]
    return f


async def program_report(session: AsyncSession, today: date, *, tz: ZoneInfo) -> Report:
    """Month to date (by advance date) against the same days of the previous month; the referral
    funnel of the leads referred this month (``today`` and the month's instants in ``tz``, the bot's TIMEZONE)."""
    start = today.replace(day=1)
    py, pm = previous_month(today.year, today.month)
    pstart = date(py, pm, 1)
    last_of_previous = start - timedelta(days=1)
    pend = pstart.replace(day=min(today.day, last_of_previous.day))  # 31 March → 1–28 February
    current = await _period(session, T.PERIOD.format(month=MONTHS[today.month - 1], day=today.day), start, today)
    previous = await _period(session, T.PERIOD.format(month=MONTHS[pm - 1], day=pend.day), pstart, pend)
    return Report(current, previous, await _funnel(session, start, today, tz=tz))


def comparison_png(r: Report) -> bytes:
    """Value by type and by KAM, this month to date against the previous month's same days."""
    fig, (ax1, ax2) = pyplot().subplots(1, 2, figsize=(12, 4.8), dpi=100)
    fig.suptitle(T.CHART_COMPARISON)
    for ax, key, title in ((ax1, "by_type", T.CHART_BY_TYPE), (ax2, "by_kam", T.CHART_BY_KAM)):
        cur, prev = getattr(r.current, key), getattr(r.previous, key)
        labels = sorted(set(cur) | set(prev), key=lambda k: -(cur.get(k, [0, 0])[1]))[:10]
        ax.set_title(title)
        if not labels:
            show_empty(ax, T.CHART_EMPTY)
            continue
        names = [DT.TYPE_LABELS.get(k, k)[:18] for k in labels]
        ys = range(len(labels))
        ax.barh([y + 0.2 for y in ys], [cur.get(k, [0, 0])[1] for k in labels], height=0.4, label=r.current.label,
                color="#5865F2")
        ax.barh([y - 0.2 for y in ys], [prev.get(k, [0, 0])[1] for k in labels], height=0.4, label=r.previous.label,
                color="#B9BBBE")
        ax.set_yticks(list(ys), names)
        ax.invert_yaxis()
        money_axis(ax)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return png_bytes(fig)


def funnel_png(f: Funnel) -> bytes:
    fig, ax = pyplot().subplots(figsize=(7, 3.6), dpi=100)
    stages = [(T.FUNNEL_REFERRED, f.referred), (T.FUNNEL_GOOD, f.good), (T.FUNNEL_SOLD, f.sold)]
    ax.set_title(T.CHART_FUNNEL)
    if f.referred == 0:
        show_empty(ax, T.CHART_EMPTY)
    else:
        ax.barh([s for s, _ in stages][::-1], [n for _, n in stages][::-1], color=["#57F287", "#FEE75C", "#5865F2"])
        for i, (_, n) in enumerate(stages[::-1]):
            ax.text(n, i, f" {n}", va="center")
        ax.set_xlim(0, max(1, f.referred) * 1.15)
    fig.tight_layout()
    return png_bytes(fig)


def monthly_statement_due(now: datetime, tz: ZoneInfo, at: time) -> tuple[int, int] | None:
    """The month whose payroll statement is due at ``now``: the previous month, from its first
    business day at ``at`` (local time) on; None before that."""
    local = now.astimezone(tz)
    today = local.date()
    due = next_business_day(today.replace(day=1))
    if today < due or (today == due and local.time() < at):
        return None
    return previous_month(today.year, today.month)


async def monthly_statement_waiting(session: AsyncSession, now: datetime, tz: ZoneInfo, at: time) -> tuple[int, int] | None:
    """The month whose statement is due and not sent yet (e.g. nobody in ROLE_ADMIN to receive it):
    for the monthly job and for ``/admin estado``."""
    due = monthly_statement_due(now, tz, at)
    if due is None:
        return None
    key = f"{due[0]}-{due[1]:02d}"
    found = await session.execute(select(JobRun.id).where(JobRun.job == MONTHLY_JOB, JobRun.run_key == key))
    return None if found.first() is not None else due
