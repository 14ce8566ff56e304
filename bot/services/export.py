"""The daily export: the previous day's deals, reconciled with HubSpot, to XLSX/CSV, with an
audit post and the daily summary. Exactly once per date (the ``export_runs`` ledger); forced
re-exports get a new attempt number and are labelled as such.

Memory stays flat in the number of HubSpot deals: HubSpot is read page by page (keyset paging in
the gateway) and every finding is written to the files as it is found; only the day's registered
deals and a few counters are held.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import joinedload

from bot.domain.dates import format_date, format_datetime
from bot.domain.enums import ApprovalKind, ApprovalStatus, DealStatus, DealType, ExportStatus, HubSpotCheck, Service
from bot.domain.money import format_cop
from bot.domain.reconciliation import reconcile
from bot.hubspot.gateway import HubSpotGateway, HubSpotUnavailable
from bot.services.workbooks import Book, Column, CsvTable, Kind
from bot.texts import export as T
from db.audit import Actor, record
from db.engine import rowcount
from db.models import Approval, Deal, ExportRun, Member

log = logging.getLogger(__name__)

STALE_RUN = timedelta(minutes=15)
CATCH_UP_DAYS = 7


# ---- dates ------------------------------------------------------------------------------------
def local_today(now: datetime, tz: ZoneInfo) -> date:
    return now.astimezone(tz).date()


def export_date_for(now: datetime, tz: ZoneInfo) -> date:
    """The date the export running at ``now`` covers: yesterday in Bogotá."""
    return local_today(now, tz) - timedelta(days=1)


def export_instant(d: date, tz: ZoneInfo, at: time) -> datetime:
    """When the export of date ``d`` is due: the next day at ``at`` local time."""
    return datetime.combine(d + timedelta(days=1), at, tzinfo=tz)


def due_dates(now: datetime, tz: ZoneInfo, at: time, done: set[date], first_run: date | None) -> list[date]:
    """Export dates whose time has come and that have no finished run, oldest first, at most
    ``CATCH_UP_DAYS`` back and never before the first run ever (a new install does not export
    the week before it existed)."""
    latest = export_date_for(now, tz)
    if now < export_instant(latest, tz, at):
        if first_run is None:
            return []  # a new install before today's export time: nothing is due yet
        latest -= timedelta(days=1)
    oldest = latest - timedelta(days=CATCH_UP_DAYS - 1)
    oldest = max(oldest, first_run) if first_run is not None else latest
    out, d = [], oldest
    while d <= latest:
        if d not in done:
            out.append(d)
        d += timedelta(days=1)
    return out


# ---- the run ledger -----------------------------------------------------------------------------
async def claim_run(
    session: AsyncSession, d: date, *, trigger: str, forced: bool, now: datetime
) -> ExportRun | None:
    """Take the right to export ``d``: None when it is done (or running) and not forced."""
    runs = list(
        (await session.execute(select(ExportRun).where(ExportRun.export_date == d).order_by(ExportRun.attempt))).scalars()
    )
    if not forced:
        if any(r.status == ExportStatus.HECHA for r in runs):
            return None
        first = runs[0] if runs else None
        if first is not None:
            # a failed run, or one left "en_curso" by a crash, is taken over
            stale = first.status == ExportStatus.FALLIDA or first.started_at < now - STALE_RUN
            if not stale:
                return None
            res = await session.execute(
                update(ExportRun)
                .where(ExportRun.id == first.id, ExportRun.status == first.status, ExportRun.started_at == first.started_at)
                .values(status=ExportStatus.EN_CURSO, started_at=now, trigger=trigger, error=None)
            )
            await session.commit()
            if rowcount(res) != 1:
                return None
            await session.refresh(first)
            return first
    attempt = (max((r.attempt for r in runs), default=0) + 1) if forced else 1
    run = ExportRun(export_date=d, attempt=attempt, forced=forced and attempt > 1, trigger=trigger, started_at=now)
    session.add(run)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        return None
    return run


async def finished_run(session: AsyncSession, d: date) -> ExportRun | None:
    """The first finished («hecha») run of the export of ``d``, if any."""
    found = await session.execute(
        select(ExportRun).where(ExportRun.export_date == d, ExportRun.status == ExportStatus.HECHA).order_by(ExportRun.attempt)
    )
    return found.scalars().first()


async def finished_dates(session: AsyncSession) -> tuple[set[date], date | None]:
    done = set((await session.execute(select(ExportRun.export_date).where(ExportRun.status == ExportStatus.HECHA))).scalars())
    first = (await session.execute(select(func.min(ExportRun.export_date)))).scalar_one_or_none()
    return done, first


# ---- reconciliation -------------------------------------------------------------------------------
@dataclass
class Finding:
    category: str
    deal_id: int | None = None
    hubspot_deal_id: str | None = None
    kam: str = ""
    client: str = ""
    detail: str = ""
    local_amount: int | None = None
    hubspot_amount: int | None = None


@dataclass
class ExportResult:
    export_date: date
    attempt: int
    forced: bool
    deals_count: int = 0
    findings: Counter[str] = field(default_factory=Counter)
    files: dict[str, str] = field(default_factory=dict)
    hubspot_calls: int = 0
    forgotten_by_member: dict[int, list[str]] = field(default_factory=dict)

    @property
    def findings_count(self) -> int:
        return sum(self.findings.values())


_DEAL_SPEC = [  # kind, width, summed in the totals row
    (Kind.INT, 8, False), (Kind.DATE, 14, False), (Kind.DATETIME, 19, False), (Kind.TEXT, 24, False),
    (Kind.TEXT, 30, False), (Kind.TEXT, 13, False), (Kind.TEXT, 18, False), (Kind.MONEY, 16, True),
    (Kind.MONEY, 16, True), (Kind.MONEY, 19, True), (Kind.TEXT, 12, False), (Kind.TEXT, 9, False),
    (Kind.TEXT, 17, False), (Kind.TEXT, 38, False), (Kind.TEXT, 13, False),
]
_FINDING_SPEC = [
    (Kind.TEXT, 38, False), (Kind.INT, 11, False), (Kind.TEXT, 17, False), (Kind.TEXT, 24, False),
    (Kind.TEXT, 30, False), (Kind.TEXT, 60, False), (Kind.MONEY, 17, False), (Kind.MONEY, 16, False),
]
DEAL_COLUMNS = [Column(h, k, w, help_, total) for (h, help_), (k, w, total) in zip(T.DEAL_COLUMNS, _DEAL_SPEC, strict=True)]
FINDING_COLUMNS = [Column(h, k, w, help_, total)
                   for (h, help_), (k, w, total) in zip(T.FINDING_COLUMNS, _FINDING_SPEC, strict=True)]


class _Writers:
    """The XLSX (write-only: deals, findings, «Cómo leer») and the two CSV files, fed row by row."""

    def __init__(self, folder: Path, d: date, tz: ZoneInfo, delimiter: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        stamp = d.isoformat()
        self.xlsx_path = folder / f"negocios-{stamp}.xlsx"
        self.csv_path = folder / f"negocios-{stamp}.csv"
        self.findings_csv_path = folder / f"hallazgos-{stamp}.csv"
        self.book = Book(tz)
        self.deals = self.book.table(T.SHEET_DEALS, DEAL_COLUMNS)
        self.findings = self.book.table(T.SHEET_FINDINGS, FINDING_COLUMNS)
        self.csv_deals, self._csv_deals_f = CsvTable.open(self.csv_path, DEAL_COLUMNS, delimiter=delimiter, tz=tz)
        self.csv_findings, self._csv_findings_f = CsvTable.open(
            self.findings_csv_path, FINDING_COLUMNS, delimiter=delimiter, tz=tz)

    def deal(self, values: list[Any]) -> None:
        self.deals.append(values)
        self.csv_deals.append(values)

    def finding(self, f: Finding) -> None:
        values = [
            T.CATEGORY_LABELS.get(f.category, f.category), f.deal_id, f.hubspot_deal_id, f.kam, f.client, f.detail,
            f.local_amount, f.hubspot_amount,
        ]
        self.findings.append(values)
        self.csv_findings.append(values)

    def close(self) -> None:
        self.findings.close([(T.FINDINGS_TOTAL.format(n=self.findings.rows), {})])
        self.book.save(self.xlsx_path)
        self._csv_deals_f.close()
        self._csv_findings_f.close()


async def read_ahead(source: Any, depth: int = 1) -> AsyncIterator[Any]:
    """Iterate ``source`` while it already fetches the next ``depth`` items (pages) in the background,
    so reconciling and writing one page overlaps the HTTP request for the next one."""
    queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue(maxsize=depth)

    async def produce() -> None:
        try:
            async for item in source:
                await queue.put(("item", item))
            await queue.put(("end", None))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            await queue.put(("error", exc))

    task = asyncio.create_task(produce())
    try:
        while True:
            kind, value = await queue.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


def _fmt_date(d: date | None) -> str:
    return format_date(d) if d else "—"


async def _deals_for(session: AsyncSession, d: date, since: datetime | None) -> list[Deal]:
    """Deals with advance date ``d`` plus late registrations made since the previous run."""
    base = select(Deal).options(joinedload(Deal.member), joinedload(Deal.client))
    on_day = list((await session.execute(base.where(Deal.advance_date == d).order_by(Deal.id))).scalars())
    late_q = base.where(Deal.is_late.is_(True), Deal.advance_date < d)
    if since is not None:
        late_q = late_q.where(Deal.created_at >= since)
    late = list((await session.execute(late_q.order_by(Deal.id))).scalars())
    seen = {x.id for x in on_day}
    return on_day + [x for x in late if x.id not in seen]


async def _pending_approvals(session: AsyncSession, deal_ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    for i in range(0, len(deal_ids), 500):
        rows = await session.execute(
            select(Approval.deal_id, Approval.kind).where(
                Approval.deal_id.in_(deal_ids[i : i + 500]), Approval.status == ApprovalStatus.PENDIENTE
            )
        )
        for deal_id, kind in rows:
            if deal_id is not None:  # always (the query filters on deal_id); for the type checker
                out[deal_id].append(kind)
    return out


async def run_export(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    export_dir: Path,
    tz: ZoneInfo,
    d: date,
    run: ExportRun,
    now: datetime,
    gateway: Any = None,
    commission_label: str = "",
    progress: Callable[[int], None] | None = None,
    csv_delimiter: str = ";",
) -> ExportResult:
    """Build the files for ``d``. The caller claimed ``run`` and finishes it (see :func:`finish_run`)."""
    result = ExportResult(export_date=d, attempt=run.attempt, forced=run.forced)
    folder = export_dir / d.isoformat()
    writers = _Writers(folder, d, tz, csv_delimiter)
    try:
        async with sessionmaker() as session:
            prev = (
                await session.execute(
                    select(func.max(ExportRun.started_at)).where(ExportRun.status == ExportStatus.HECHA, ExportRun.id != run.id)
                )
            ).scalar_one_or_none()
            deals = await _deals_for(session, d, prev)
            pending = await _pending_approvals(session, [x.id for x in deals])
            owners = {
                m.hubspot_owner_id: m
                for m in (await session.execute(select(Member).where(Member.hubspot_owner_id.is_not(None)))).scalars()
                if m.hubspot_owner_id is not None  # always (the query filters on it); for the type checker
            }

        by_hubspot: dict[str, Deal] = {x.hubspot_deal_id: x for x in deals if x.hubspot_deal_id}
        seen_hubspot: set[str] = set()
        clean: set[int] = {x.id for x in deals}

        def add(f: Finding) -> None:
            writers.finding(f)
            result.findings[f.category] += 1
            if f.deal_id is not None and f.category not in {"coincide", "tardio"}:
                clean.discard(f.deal_id)

        # local checks
        for x in deals:
            who, client = x.member.name, x.client.name
            if x.proof_path is None:
                add(Finding("sin_comprobante", x.id, x.hubspot_deal_id, who, client))
            if x.status == DealStatus.RECHAZADO:
                add(Finding("comprobante_rechazado", x.id, x.hubspot_deal_id, who, client, x.cancel_reason or ""))
            if pending.get(x.id):
                add(Finding("aprobacion_pendiente", x.id, x.hubspot_deal_id, who, client,
                            T.DETAIL_APPROVALS.format(kinds=", ".join(sorted(ApprovalKind.label_of(k) for k in pending[x.id])))))
            if x.is_late:
                created = format_datetime(x.created_at, tz)
                add(Finding("tardio", x.id, x.hubspot_deal_id, who, client,
                            T.DETAIL_LATE.format(created=created, advance=_fmt_date(x.advance_date))))

        # HubSpot, page by page
        hubspot_ok = gateway is not None
        if gateway is not None:
            # every request made (a lookup may take two, a retry is one more, the last empty search page
            # counts too); read_ahead's task inherits the counter
            with HubSpotGateway.counting() as made:
                try:
                    async for page in read_ahead(gateway.search_deals_by_advance_date(d)):
                        ids = [h.id for h in page]
                        async with sessionmaker() as session:
                            local_rows = (
                                await session.execute(
                                    select(Deal).options(joinedload(Deal.member)).where(Deal.hubspot_deal_id.in_(ids))
                                )
                            ).scalars()
                            local_by_id = {r.hubspot_deal_id: r for r in local_rows}
                        for h in page:
                            seen_hubspot.add(h.id)
                            local = by_hubspot.get(h.id) or local_by_id.get(h.id)
                            if local is None:
                                owner = owners.get(h.owner_id or "")
                                add(Finding("no_registrado", None, h.id, owner.name if owner else "", "",
                                            T.DETAIL_UNREGISTERED.format(name=h.name or h.id, owner=h.owner_id or "—"),
                                            None, h.amount))
                                if owner is not None:
                                    result.forgotten_by_member.setdefault(owner.id, []).append(h.name or h.id)
                                continue
                            _compare(local, h, d, add, owners)
                        if progress:
                            progress(len(page))
                    # registered deals of the day HubSpot did not list under this date
                    for hid, local in by_hubspot.items():
                        if hid in seen_hubspot:
                            continue
                        h = await gateway.get_deal(hid)
                        who, client = local.member.name, local.client.name
                        if h is None:
                            add(Finding("no_en_hubspot", local.id, hid, who, client,
                                        T.DETAIL_NOT_FOUND.format(hubspot_id=hid), local.total_value))
                        elif h.archived:
                            add(Finding("archivado_en_hubspot", local.id, hid, who, client,
                                        T.DETAIL_ARCHIVED.format(hubspot_id=hid), local.total_value, h.amount))
                        else:
                            _compare(local, h, d, add, owners)
                except HubSpotUnavailable:
                    hubspot_ok = False
                    log.warning("HubSpot unavailable during the export of %s", d)
                    for x in deals:
                        add(Finding("hubspot_no_disponible", x.id, x.hubspot_deal_id, x.member.name, x.client.name,
                                    T.DETAIL_UNAVAILABLE))
                result.hubspot_calls = made.value
            for x in deals:
                if not x.hubspot_deal_id:
                    add(Finding("sin_negocio_hubspot", x.id, None, x.member.name, x.client.name))

        # deal rows and the matched findings
        for x in deals:
            if hubspot_ok and x.id in clean and x.hubspot_deal_id:
                add(Finding("coincide", x.id, x.hubspot_deal_id, x.member.name, x.client.name, "",
                            x.total_value))
            writers.deal([
                x.id, x.advance_date, x.created_at, x.member.name, x.client.name, DealType.label_of(x.deal_type),
                Service.label_of(x.service), x.total_value, x.advance_amount, x.commission_estimate,
                DealStatus.label_of(x.status), T.YES if x.is_late else T.NO, x.hubspot_deal_id,
                HubSpotCheck.label_of(x.hubspot_check), T.PROOF_OK if x.proof_path else T.PROOF_MISSING,
            ])
        result.deals_count = len(deals)
    finally:
        writers.close()
    result.files = {
        "xlsx": str(writers.xlsx_path),
        "csv": str(writers.csv_path),
        "hallazgos_csv": str(writers.findings_csv_path),
    }
    return result


def _compare(local: Deal, h: Any, d: date, add: Callable[[Finding], None], owners: dict[str, Member]) -> None:
    """The export's side of the one reconciliation rule (the deal card uses the same one)."""
    who, client = local.member.name, local.client.name if local.client is not None else ""
    diff = reconcile(local_amount=local.total_value, local_owner=local.member.hubspot_owner_id,
                     local_advance_date=local.advance_date, hubspot_amount=h.amount, hubspot_owner=h.owner_id,
                     hubspot_advance_date=h.advance_date)
    if diff.amount:
        remote_amount = T.EMPTY_IN_HUBSPOT if h.amount is None else format_cop(h.amount)
        add(Finding("diferencia_valor", local.id, h.id, who, client,
                    T.DETAIL_AMOUNT.format(local=format_cop(local.total_value), remote=remote_amount), local.total_value, h.amount))
    if diff.owner:
        remote = owners.get(h.owner_id) if h.owner_id else None
        shown = remote.name if remote else (h.owner_id or T.EMPTY_IN_HUBSPOT)
        add(Finding("diferencia_responsable", local.id, h.id, who, client,
                    T.DETAIL_OWNER.format(remote=shown, local=who)))
    if diff.advance_date:
        remote_date = T.EMPTY_IN_HUBSPOT if h.advance_date is None else _fmt_date(h.advance_date)
        add(Finding("diferencia_fecha", local.id, h.id, who, client,
                    T.DETAIL_DATE.format(local=_fmt_date(local.advance_date), remote=remote_date)))


async def finish_run(session: AsyncSession, run: ExportRun, result: ExportResult, now: datetime) -> None:
    """Mark the run done (same transaction as the outbox posts the caller enqueues)."""
    run = await session.merge(run)
    run.status = ExportStatus.HECHA
    run.finished_at = now
    run.deals_count = result.deals_count
    run.findings_count = result.findings_count
    run.hubspot_calls = result.hubspot_calls
    run.files = dict(result.files)
    record(
        session,
        Actor.system("exportación"),
        "exportacion.hecha",
        "export_run",
        run.id,
        after={"date": result.export_date.isoformat(), "attempt": run.attempt, "deals": result.deals_count,
               "findings": dict(result.findings)},
    )


async def fail_run(session: AsyncSession, run: ExportRun, error: str, now: datetime) -> None:
    run = await session.merge(run)
    run.status = ExportStatus.FALLIDA
    run.finished_at = now
    run.error = error[:2000]
    record(session, Actor.system("exportación"), "exportacion.fallida", "export_run", run.id,
           after={"date": run.export_date.isoformat(), "error": error[:500]})
