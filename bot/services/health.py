"""The program's health in one object: what ``/admin estado`` and ``ventas-ops estado`` show.

:func:`gather` reads the database (and asks HubSpot once); :mod:`bot.texts.health` renders it. To add a
line, add a field here and its line in ``bot.texts.health.render``.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.enums import ApprovalStatus, OutboxStatus
from bot.domain.health import ExportLine, PendingKind, Status
from bot.services import backup, outbox, statements
from db.models import Approval, ExportRun, JobRun, OutboxMessage

log = logging.getLogger(__name__)

HUBSPOT_PROBE_SECONDS = 15.0


def _aware(dt: datetime | None) -> datetime | None:
    return dt.replace(tzinfo=UTC) if dt is not None and dt.tzinfo is None else dt


async def _database_size(session: AsyncSession, url: str) -> int | None:
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        p = Path(u.database or "")
        files = [p, p.with_name(p.name + "-wal")]
        return sum(f.stat().st_size for f in files if f.is_file()) if p.is_file() else None
    return int((await session.execute(select(func.pg_database_size(func.current_database())))).scalar_one())


async def probe_hubspot(hubspot: Any) -> str:
    if hubspot is None:
        return "desactivado"
    try:
        await asyncio.wait_for(hubspot.list_owners(), HUBSPOT_PROBE_SECONDS)
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable", shown with its cause
        return " ".join(f"{type(exc).__name__}: {exc}".split())[:160]
    return "ok"


async def gather(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime, *, version: str, started_at: datetime | None,
    hubspot: Any, database_url: str, export_days: int = 7, backups_path: Path | None = None,
    tz: ZoneInfo | None = None, export_time: time | None = None,
) -> Status:
    status = Status(version=version, now=now, started_at=started_at)
    probe = asyncio.create_task(probe_hubspot(hubspot))
    try:
        async with sessionmaker() as session:
            runs = (await session.execute(
                select(ExportRun).order_by(ExportRun.export_date.desc(), ExportRun.attempt.desc()).limit(export_days * 3)
            )).scalars().all()
            seen: set[date] = set()
            for r in runs:  # the latest attempt of each of the last dates
                if r.export_date in seen or len(seen) >= export_days:
                    continue
                seen.add(r.export_date)
                status.exports.append(ExportLine(r.export_date, r.attempt, r.status, _aware(r.finished_at),
                                                 r.deals_count, r.error))
            pending = (await session.execute(
                select(func.count(), func.min(OutboxMessage.created_at)).where(OutboxMessage.status == OutboxStatus.PENDIENTE)
            )).one()
            status.outbox_pending, status.outbox_oldest = int(pending[0]), _aware(pending[1])
            status.held = await outbox.held_summary(session)
            if tz is not None and export_time is not None:
                status.statement_waiting = await statements.monthly_statement_waiting(session, now, tz, export_time)
            rows = (await session.execute(
                select(Approval.kind, func.count(), func.min(Approval.created_at))
                .where(Approval.status == ApprovalStatus.PENDIENTE).group_by(Approval.kind).order_by(Approval.kind)
            )).all()
            status.pending = [PendingKind(k, int(n), o) for k, n, oldest in rows
                              if (o := _aware(oldest)) is not None]  # (a group always has an oldest row)
            status.last_backup = _aware((await session.execute(
                select(func.max(JobRun.ran_at)).where(JobRun.job == "backup")
            )).scalar_one())
            status.database_bytes = await _database_size(session, database_url)
        if backups_path is not None:
            status.backup = backup.last_backup(backups_path)
    finally:
        status.hubspot = await probe
    return status


async def database_answers(sessionmaker: async_sessionmaker[AsyncSession], timeout: float = 3.0) -> bool:
    """True when the database answers a query on the schema within ``timeout`` seconds."""
    async def ping() -> None:
        async with sessionmaker() as session:
            await session.execute(select(func.count()).select_from(ExportRun))

    try:
        await asyncio.wait_for(ping(), timeout)
    except Exception as exc:  # noqa: BLE001 - any failure is "does not answer"
        log.warning("Health check: the database does not answer (%s: %s)", type(exc).__name__, exc)
        return False
    return True
