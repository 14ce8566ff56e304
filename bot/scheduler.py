"""Scheduled work (APScheduler, in TIMEZONE). The database is the source of truth: every job is
idempotent and also runs at start-up, so what was missed while the bot was down happens once.

The one scheduler of the bot. It imports services only: a job whose body needs Discord (cards,
reminders in the channel) is provided by its extension, which registers it in ``bot.job_bodies``
under the job's name when it loads (see :func:`provided`); while that extension is not loaded the
job does nothing."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.blocking import run_blocking
from bot.services import backup as bk
from bot.services.directory_sync import DirectoryBusy, sync_once
from bot.services.export_job import export_tick
from db.audit import Actor
from db.models import JobRun

log = logging.getLogger(__name__)

Job = Callable[[Any], Awaitable[Any]]


async def claim_job(bot: Any, job: str, run_key: str, details: dict[str, Any] | None = None) -> bool:
    """Exactly-once marker: True for the first caller of (job, run_key), False afterwards."""
    async with bot.sessionmaker() as session:
        session.add(JobRun(job=job, run_key=run_key, ran_at=bot.clock.now(), details=details))
        try:
            await session.commit()
        except IntegrityError:
            return False
    return True


async def job_done(bot: Any, job: str, run_key: str) -> bool:
    async with bot.sessionmaker() as session:
        found = await session.execute(select(JobRun.id).where(JobRun.job == job, JobRun.run_key == run_key))
        return found.first() is not None


async def daily_backup(bot: Any) -> None:
    """The nightly backup archive (database + DATA_DIR files), verified, once a day. A failure (e.g.
    PostgreSQL without pg_dump on the PATH) is logged as an error with what to do and retried at the
    next start or the next night; ``ultimo-respaldo.json`` in BACKUP_DIR records it either way."""
    s = bot.settings
    today = bot.clock.now().astimezone(s.tz).date().isoformat()
    if await job_done(bot, "backup", today):
        return
    async with bot.sessionmaker() as session:
        referenced = await bk.referenced_files(session)
    try:
        result = await run_blocking(
            bk.backup, s.database_url, s.data_dir, s.backups_path, bot.clock.now(), s.backup_keep, referenced
        )
    except bk.BackupError as exc:
        log.error("Nightly backup FAILED: %s", exc)
        return
    m = result.manifest
    await claim_job(bot, "backup", today, {"archive": str(result.path), "verified": result.verified})
    log.info("Backup written and verified: %s (%d rows, %d files; %d referenced files missing)",
             result.path, sum(m["counts"].values()), len(m["files"]), len(m["missing_files"]))


async def directory_sync_job(bot: Any) -> None:
    """Once a day, at EXPORT_TIME beside the export (its own job: the export never waits for HubSpot's
    company pages): the client directory from HubSpot companies (when enabled). A failure is logged
    and retried at the next hourly tick."""
    if getattr(bot, "hubspot", None) is None:
        return
    today = bot.clock.now().astimezone(bot.settings.tz).date().isoformat()
    if await job_done(bot, "directorio-hubspot", today):
        return
    try:
        res = await sync_once(bot.sessionmaker, bot.hubspot, Actor.system("sincronización HubSpot"), now=bot.clock.now())
    except DirectoryBusy:
        # an import (or another process's sync) holds the directory: expected, and retried next hour
        log.info("Daily directory sync skipped: the directory is busy with an import or another sync; "
                 "retried at the next hourly tick")
        return
    except Exception:
        log.exception("Daily directory sync from HubSpot failed; the export goes on")
        return
    await claim_job(bot, "directorio-hubspot", today, {"conflicts": len(res.conflicts)})
    log.info("Directory synced from HubSpot: %s companies, %s conflicts", res.companies, len(res.conflicts))


async def export_job(bot: Any) -> None:
    await export_tick(bot.sessionmaker, bot.settings, bot.hubspot, getattr(bot, "outbox", None), bot.clock)


class Jobs:
    def __init__(self, bot: Any) -> None:
        self.bot = bot
        self.scheduler = AsyncIOScheduler(timezone=bot.settings.tz)
        self.jobs: dict[str, Job] = {}

    def _wrap(self, name: str, fn: Job) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            try:
                await fn(self.bot)
            except Exception:
                log.exception("Job %s failed", name)

        return run

    def add_cron(self, name: str, fn: Job, *, hour: int, minute: int) -> None:
        self.jobs[name] = fn
        self.scheduler.add_job(self._wrap(name, fn), CronTrigger(hour=hour, minute=minute, timezone=self.scheduler.timezone),
                               id=name, name=name, coalesce=True, max_instances=1, misfire_grace_time=3600)

    def add_interval(self, name: str, fn: Job, *, seconds: float) -> None:
        self.jobs[name] = fn
        self.scheduler.add_job(self._wrap(name, fn), IntervalTrigger(seconds=seconds), id=name, name=name,
                               coalesce=True, max_instances=1)

    async def run_now(self, name: str) -> None:
        await self._wrap(name, self.jobs[name])()

    def start(self) -> None:
        self.scheduler.start()

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)


def provided(name: str) -> Job:
    """The job ``name`` whose body an extension registers in ``bot.job_bodies`` (looked up at each
    run: nothing happens while the extension is not loaded)."""

    async def run(bot: Any) -> None:
        body = bot.job_bodies.get(name)
        if body is not None:
            await body(bot)

    return run


CARD_GRACE = 120  # seconds a fresh row's own card post may still be on its way


async def cards_job(bot: Any) -> None:
    """Post the cards Discord refused or a crash skipped (the start-up pass does it once; this
    catches refusals while running)."""
    cutoff = bot.clock.now() - timedelta(seconds=CARD_GRACE)
    for repost in list(bot.card_reposts.values()):  # registered by the extensions that own cards
        await repost(created_before=cutoff)


def default_jobs(bot: Any) -> Jobs:
    s = bot.settings
    jobs = Jobs(bot)
    jobs.add_cron("exportacion", export_job, hour=s.export_time.hour, minute=s.export_time.minute)
    jobs.add_interval("exportacion-pendiente", export_job, seconds=3600)  # catch-up safety net
    jobs.add_cron("directorio", directory_sync_job, hour=s.export_time.hour, minute=s.export_time.minute)
    jobs.add_interval("directorio-pendiente", directory_sync_job, seconds=3600)  # retried until done today
    jobs.add_cron("respaldo", daily_backup, hour=3, minute=0)
    jobs.add_interval("referidos", provided("referidos"), seconds=300)  # lead SLA, cards, HubSpot sync
    jobs.add_interval("renovaciones", provided("renovaciones"), seconds=60)  # reminders and expiries
    jobs.add_interval("aprobaciones", provided("aprobaciones"), seconds=900)  # access/proforma reminders, provisioning
    jobs.add_interval("tarjetas", cards_job, seconds=300)  # cards Discord refused to take
    # payroll statement on the 1st business day at EXPORT_TIME (the job itself checks the day; a run the
    # bot missed is caught up at start and by the next day's run)
    jobs.add_cron("reporte-mensual", provided("reporte-mensual"), hour=s.export_time.hour, minute=s.export_time.minute)
    jobs.add_interval("dudas", provided("dudas"), seconds=300)  # /duda SLA reminders and escalations
    return jobs
