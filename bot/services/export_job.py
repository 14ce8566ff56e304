"""The daily export job end to end: claim the date, build the files, enqueue the audit post, the
summary and the "¿olvidaste registrar?" DMs in the same transaction that marks the run done.

Used by the scheduler (cron at EXPORT_TIME and a catch-up at start), ``/admin exportar`` and
``ventas-ops export``. Discord is not needed: the posts are Discord embed objects as plain data, and
they and their files (XLSX, CSV, chart, by path) go through the outbox, which the bot delivers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.blocking import run_blocking
from bot.clock import Clock
from bot.config import Settings
from bot.domain.dates import format_date
from bot.domain.enums import DealType, ExportTrigger
from bot.domain.text import count_of, md
from bot.services import export as ex
from bot.services import outbox
from bot.services.summary import APPROVAL_LABELS, TYPE_ORDER, DailySummary, build_summary, render_chart
from bot.texts import export as T
from db.models import ExportRun, Member

log = logging.getLogger(__name__)

GREEN, ORANGE = 0x2ECC71, 0xE67E22  # discord.Colour.green() / .orange()
Embed = dict[str, Any]  # a Discord embed object (what ``discord.Embed.to_dict`` gives)


class Kickable(Protocol):
    """The outbox worker, as far as the job is concerned: told to deliver soon after a commit."""

    def kick(self) -> None: ...


def embed(title: str, *, description: str | None = None, color: int = GREEN) -> Embed:
    out: Embed = {"type": "rich", "title": title, "color": color, "fields": []}
    if description is not None:
        out["description"] = description
    return out


def add_field(e: Embed, name: str, value: str) -> None:
    e["fields"].append({"name": name, "value": value, "inline": False})


@dataclass
class ExportOutcome:
    export_date: date
    status: str  # hecha, ya_hecha, fallida
    result: ex.ExportResult | None = None
    run: ExportRun | None = None
    error: str | None = None


def _cop(n: int) -> str:
    sign = "-" if n < 0 else ""
    return f"{sign}$ {abs(n):,}".replace(",", ".")


def _age(delta: timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    if hours >= 48:
        return f"{hours // 24} días"
    if hours >= 1:
        return f"{hours} h"
    return f"{max(int(delta.total_seconds() // 60), 0)} min"


def _lines(items: list[str], limit: int = 8) -> str:
    if not items:
        return T.NONE
    shown = items[:limit]
    if len(items) > limit:
        shown.append(T.MORE.format(n=len(items) - limit))
    text = "\n".join(shown)
    return text[:1020]


def build_embed(result: ex.ExportResult, summary: DailySummary) -> Embed:
    day = format_date(result.export_date)
    title = (
        T.POST_TITLE_FORCED.format(attempt=result.attempt, date=day) if result.forced else T.POST_TITLE.format(date=day)
    )
    post = embed(
        title,
        description=T.POST_DESC.format(deals=count_of(result.deals_count, *T.DEALS_EXPORTED),
                                       findings=count_of(result.findings_count, *T.FINDINGS)),
        color=ORANGE if result.forced else GREEN,
    )
    audit = [
        T.AUDIT_LINE.format(label=T.CATEGORY_LABELS[c], count=result.findings[c])
        for c in T.CATEGORY_LABELS
        if result.findings.get(c)
    ]
    add_field(post, T.FIELD_AUDIT, _lines(audit, 14))
    by_type = [
        T.BY_TYPE_LINE.format(label=DealType(t).label, count=summary.by_type[t][0], total=_cop(summary.by_type[t][1]))
        for t in TYPE_ORDER
        if t in summary.by_type
    ]
    add_field(post, T.FIELD_BY_TYPE, _lines(by_type))
    add_field(
        post,
        T.FIELD_COMMISSIONS.format(month=summary.month_start.strftime("%m/%Y")),
        T.COMMISSIONS_LINE.format(
            pending=_cop(summary.commissions_pending),
            earned=_cop(summary.commissions_earned),
            reversed=_cop(summary.commissions_reversed),
        ),
    )
    approvals = [
        T.APPROVALS_LINE.format(label=APPROVAL_LABELS.get(k, k), count=c, age=_age(age)) for k, c, age in summary.approvals
    ]
    add_field(post, T.FIELD_APPROVALS, _lines(approvals))
    if result.hubspot_calls:
        post["footer"] = {"text": T.POST_FOOTER_HUBSPOT.format(calls=result.hubspot_calls)}
    return post


def summary_fields(summary: DailySummary, lead_sla_hours: int) -> list[tuple[str, str]]:
    leads = [T.LEAD_LINE.format(company=md(c), age=_age(a)) for c, a in summary.leads_past_sla]
    renewals = [
        T.RENEWAL_LINE.format(
            client=md(c), kam=md(k), deadline=format_date(dl)
        )
        for c, k, dl in summary.renewals_ending
    ]
    return [
        (T.FIELD_LEADS.format(hours=lead_sla_hours), _lines(leads)),
        (T.FIELD_RENEWALS, _lines(renewals)),
    ]


async def perform_export(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    d: date,
    now: datetime,
    trigger: str,
    forced: bool = False,
    gateway: Any = None,
    progress: Callable[[int], None] | None = None,
    digest: bool = False,
) -> ExportOutcome:
    """Export one date. With ``digest`` (a catch-up of several days) the day's post waits to be
    folded with the other days' into one post (:func:`post_catch_up`)."""
    tz = settings.tz
    async with sessionmaker() as session:
        run = await ex.claim_run(session, d, trigger=trigger, forced=forced, now=now)
    if run is None:
        return ExportOutcome(d, "ya_hecha")
    chart_path = Path(settings.export_dir) / d.isoformat() / f"resumen-{d.isoformat()}.png"

    async def summary_and_chart() -> tuple[DailySummary, Path]:
        # independent of HubSpot: built while the export pages through it; the chart is drawn
        # in a thread (matplotlib's first draw takes seconds and must not block the event loop)
        async with sessionmaker() as session:
            summary = await build_summary(session, d, now, tz, lead_sla_hours=settings.lead_sla_hours)
        return summary, await run_blocking(render_chart, summary, chart_path)

    side = asyncio.create_task(summary_and_chart())
    try:
        result = await ex.run_export(
            sessionmaker, export_dir=Path(settings.export_dir), tz=tz, d=d, run=run, now=now,
            gateway=gateway, progress=progress, csv_delimiter=settings.csv_delimiter,
        )
        summary, chart = await side
        result.files["chart"] = str(chart)
        post = build_embed(result, summary)
        for name, value in summary_fields(summary, settings.lead_sla_hours):
            add_field(post, name, value)
        files = [outbox.OutFile(p, Path(p).name) for p in (result.files["xlsx"], result.files["csv"], str(chart))]
        async with sessionmaker() as session:
            await ex.finish_run(session, run, result, now)
            facts = {"date": d.isoformat(), "deals": result.deals_count, "findings": result.findings_count,
                     "xlsx": result.files["xlsx"]}
            await outbox.enqueue(
                session, f"export:{d.isoformat()}:{run.attempt}", embeds=[post], files=files, now=now,
                for_digest=facts if digest else None,
            )
            if result.forgotten_by_member:
                members = {
                    m.id: m
                    for m in (
                        await session.execute(select(Member).where(Member.id.in_(list(result.forgotten_by_member))))
                    ).scalars()
                }
                for member_id, names in result.forgotten_by_member.items():
                    m = members.get(member_id)
                    if m is None:
                        continue
                    shown = ", ".join(f"«{md(n)}»" for n in names[:10])
                    if len(names) > 10:
                        shown += " " + T.MORE.format(n=len(names) - 10)
                    await outbox.enqueue(
                        session,
                        f"olvido:{d.isoformat()}:{member_id}",
                        content=(T.FORGOT_DM_ONE if len(names) == 1 else T.FORGOT_DM).format(
                            name=m.name, count=len(names), date=format_date(d), deals=shown
                        )[:1990],
                        user_id=m.discord_id,
                        now=now,
                    )
            await session.commit()
        log.info("Export %s attempt %s: %d deals, %d findings", d, run.attempt, result.deals_count, result.findings_count)
        return ExportOutcome(d, "hecha", result, run)
    except Exception as exc:
        side.cancel()
        log.exception("Export of %s failed", d)
        async with sessionmaker() as session:
            await ex.fail_run(session, run, f"{type(exc).__name__}: {exc}", now)
            await session.commit()
        return ExportOutcome(d, "fallida", None, run, f"{type(exc).__name__}: {exc}")


async def export_tick(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    gateway: Any,
    outbox_worker: Kickable | None,
    clock: Clock,
    trigger: str = ExportTrigger.SCHEDULE,
) -> list[ExportOutcome]:
    """Run every export that is due and not done (the cron job and the start-up catch-up), then tell
    ``outbox_worker`` (when there is one) to deliver what they queued."""
    now = clock.now()
    async with sessionmaker() as session:
        done, first = await ex.finished_dates(session)
    outcomes = []
    dates = ex.due_dates(now, settings.tz, settings.export_time, done, first)
    for d in dates:
        outcomes.append(
            await perform_export(sessionmaker, settings, d=d, now=now, trigger=trigger, gateway=gateway,
                                 digest=len(dates) > 1)
        )
    # also after a crash between a catch-up's days and its post
    async with sessionmaker() as session:
        await post_catch_up(session, now)
        await session.commit()
    if outcomes and outbox_worker is not None:
        outbox_worker.kick()
    return outcomes


async def post_catch_up(session: AsyncSession, now: datetime) -> None:
    """Fold the posts of the days a catch-up exported into one post: a line per day with deals or
    findings (its XLSX attached, up to Discord's 10 files), the empty days on one line, and the
    latest day's current-state fields (month's commissions, approvals, leads, renewals)."""
    rows = await outbox.take_for_digest(session)
    if not rows:
        return
    days = sorted(((r.payload["digest"], r) for r in rows), key=lambda fr: fr[0]["date"])
    facts = [f for f, _r in days]
    first, last = (format_date(date.fromisoformat(facts[i]["date"])) for i in (0, -1))
    latest = days[-1][1].payload
    post = embed(T.CATCHUP_TITLE.format(first=first, last=last), description=T.CATCHUP_DESC)
    busy = [f for f in facts if f["deals"] or f["findings"]]
    lines = [T.CATCHUP_DAY_LINE.format(date=format_date(date.fromisoformat(f["date"])), deals=f["deals"],
                                       findings=f["findings"]) for f in busy]
    empty = [date.fromisoformat(f["date"]).strftime("%d/%m") for f in facts if f not in busy]
    if empty:
        lines.append(T.CATCHUP_EMPTY_LINE.format(dates=", ".join(empty)))
    add_field(post, T.FIELD_CATCHUP_DAYS, _lines(lines, 14))
    for field in (latest.get("embeds") or [{}])[0].get("fields", []):
        if field["name"] not in (T.FIELD_AUDIT, T.FIELD_BY_TYPE):  # per-day fields; the rest is today's state
            add_field(post, field["name"], field["value"])
    chart = [f for f in latest.get("files", []) if f["filename"].endswith(".png")]
    xlsx = [outbox.OutFile(f["xlsx"], Path(f["xlsx"]).name) for f in busy]
    if len(xlsx) > 10 - len(chart):
        xlsx = xlsx[: 10 - len(chart)]
        post["footer"] = {"text": T.CATCHUP_FILES_ELSEWHERE}
    files = xlsx + [outbox.OutFile(f["path"], f["filename"]) for f in chart]
    await outbox.enqueue(session, f"export-resumen:{rows[0].id}:{rows[-1].id}", embeds=[post],
                         files=files, now=now)
