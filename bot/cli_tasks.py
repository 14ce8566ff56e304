"""The work behind some ``ventas-ops`` commands (held outbox items, the monthly report, the directory
import), apart from the command definitions in :mod:`bot.cli`.

As in :mod:`bot.cli`, each task imports the heavy parts it needs (Alembic, the ORM models, the services
that load openpyxl) inside its function, so that ``ventas-ops --help`` and the other commands do not pay for
them; those lines say ``# lazy: see module docstring``."""

from __future__ import annotations

import contextlib
import getpass
from pathlib import Path

import typer

from bot.clock import SystemClock
from bot.config import OfflineSettings
from bot.domain.dates import format_datetime, parse_month, previous_month, today_bogota
from bot.domain.errors import DomainError
from bot.domain.money import format_cop
from bot.startup import database_phase
from bot.texts import cli as T
from bot.texts import directory as XT
from bot.texts import outbox as OT
from db.engine import make_engine, make_sessionmaker


def fail(message: str, code: int) -> typer.Exit:
    """One line on stderr and the exit code (raise what it returns)."""
    typer.echo(T.PREFIX + message, err=True)
    return typer.Exit(code=code)

async def outbox_task(offline: OfflineSettings, *, resend: bool) -> None:
    from bot.services import outbox as ob  # lazy: see module docstring
    from db import migrate  # lazy: see module docstring
    from db.audit import Actor  # lazy: see module docstring

    engine = make_engine(offline.database_url)
    try:
        await migrate.upgrade(engine, commission_rate=offline.commission_rate)
        async with make_sessionmaker(engine)() as session:
            rows = await ob.held(session)
            if resend:
                ids = await ob.release_held(session, Actor(None, f"cli:{getpass.getuser()}"), SystemClock().now())
                await session.commit()
    finally:
        await engine.dispose()
    if not rows:
        typer.echo(OT.CLI_HELD_NONE)
        return
    for r in rows:
        since = format_datetime(r.held_at, offline.tz) if r.held_at else "—"
        typer.echo(OT.CLI_HELD_LINE.format(id=r.id, key=r.dedupe_key, since=since, reason=r.held_reason or r.last_error))
    if resend:
        typer.echo(OT.CLI_RESENT.format(count=len(ids)))



async def monthly_task(settings: OfflineSettings, mes: str | None, salida: Path | None) -> None:
    from bot.services.statements import write_payroll  # lazy: see module docstring
    from db import migrate  # lazy: see module docstring

    today = today_bogota(SystemClock().now(), tz=settings.tz)
    try:
        year, month = parse_month(mes, today) if mes else previous_month(today.year, today.month)
    except DomainError as exc:
        raise fail(T.MONTH_BAD.format(error=exc), 2) from None
    with database_phase(settings.database_url):
        engine = make_engine(settings.database_url)
        await migrate.upgrade(engine, commission_rate=settings.commission_rate)
    try:
        async with make_sessionmaker(engine)() as session:
            path, statements = await write_payroll(session, settings.export_dir, year, month, salida,
                                                     tz=settings.tz)
    finally:
        await engine.dispose()
    typer.echo(T.PAYROLL_DONE.format(path=path, kams=len(statements), net=format_cop(sum(s.net for s in statements))))



async def clientes_importar_task(settings: OfflineSettings, data: bytes, file: Path, aplicar: bool) -> int:
    from bot.services import directory_import as imp  # lazy: see module docstring
    from bot.services.directory_sync import directory_writes  # lazy: see module docstring
    from db import migrate  # lazy: see module docstring
    from db.audit import Actor  # lazy: see module docstring

    filename = file.name
    parsed = imp.parse(data, email_domain=settings.sense_email_domain)
    with database_phase(settings.database_url):
        engine = make_engine(settings.database_url)
        await migrate.upgrade(engine, commission_rate=settings.commission_rate)
    try:
        sessionmaker = make_sessionmaker(engine)
        # --aplicar: the directory's write claim, shared with the bot's imports and syncs (another process)
        writes = (directory_writes(sessionmaker, "importacion-cli", now=SystemClock().now()) if aplicar
                  else contextlib.nullcontext())
        async with writes, sessionmaker() as session:
            plan = await imp.plan(session, parsed)
            if plan.ok and aplicar and plan.counts.changes:
                await imp.apply(session, Actor(None, f"cli:{getpass.getuser()}"), plan, now=SystemClock().now(),
                                filename=filename)
                await session.commit()
    finally:
        await engine.dispose()
    counts = imp.render_counts(plan.counts).replace("**", "")
    rows = len(parsed.rows)
    if not plan.ok:
        text, _ = imp.render_errors(plan.errors, limit=1_000_000)
        typer.echo(XT.IMPORT_BAD_ROWS.format(filename=filename, n=len(plan.errors), errors=text).replace("**", ""), err=True)
        return 1
    if not plan.counts.changes:
        typer.echo(XT.IMPORT_NOTHING_TO_DO.format(filename=filename, rows=rows, counts=counts).replace("**", ""))
    elif aplicar:
        typer.echo(XT.IMPORT_DONE.format(filename=filename, rows=rows, counts=counts).replace("**", ""))
    else:
        typer.echo(XT.CLI_PREVIEW.format(filename=filename, rows=rows, counts=counts, path=file))
    return 0
