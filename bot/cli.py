"""The ``ventas-ops`` command line."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import typer

from bot.config import ConfigError, Settings, load_settings

app = typer.Typer(help="ventas-ops: el bot de Ventas desde Operaciones.", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database commands.", no_args_is_help=True)
app.add_typer(db_app, name="db")
clientes_app = typer.Typer(help="Client directory (clientes y KAMs).", no_args_is_help=True)
app.add_typer(clientes_app, name="clientes")


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        typer.echo(f"ventas-ops: configuration error: {exc}", err=True)
        raise typer.Exit(code=2) from None


@app.command()
def bot() -> None:
    """Run the Discord bot (migrates the database first)."""
    settings = _settings()
    from bot.runner import run_bot

    try:
        asyncio.run(run_bot(settings))
    except KeyboardInterrupt:
        pass


@app.command("check-config")
def check_config() -> None:
    """Validate the settings and print them with secrets masked."""
    settings = _settings()
    width = max(len(k) for k in settings.masked())
    for key, value in settings.masked().items():
        typer.echo(f"{key.ljust(width)}  {value}")
    typer.echo("OK: configuration is valid.")


def _offline_settings():  # noqa: ANN202 - a local pydantic model
    """The database and directory commands need only DATABASE_URL (and SENSE_EMAIL_DOMAIN), not the
    Discord token."""
    from pydantic_settings import BaseSettings, SettingsConfigDict

    class DbSettings(BaseSettings):
        model_config = SettingsConfigDict(env_file=".env", extra="ignore")
        database_url: str = Settings.model_fields["database_url"].default
        sense_email_domain: str = Settings.model_fields["sense_email_domain"].default

    return DbSettings()


def _db_url() -> str:
    return _offline_settings().database_url


async def _migrate(action: str, revision: str) -> None:
    from db import migrate
    from db.engine import make_engine

    engine = make_engine(_db_url())
    try:
        if action == "upgrade":
            await migrate.upgrade(engine, revision)
        else:
            await migrate.downgrade(engine, revision)
    finally:
        await engine.dispose()


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("heads")) -> None:
    """Apply migrations up to REVISION (default head)."""
    asyncio.run(_migrate("upgrade", revision))
    typer.echo(f"Database upgraded to {revision}.")


@db_app.command("downgrade")
def db_downgrade(revision: str = typer.Argument(...)) -> None:
    """Revert migrations down to REVISION (e.g. base)."""
    asyncio.run(_migrate("downgrade", revision))
    typer.echo(f"Database downgraded to {revision}.")


def main() -> None:  # pragma: no cover - console entry
    sys.exit(app())


@db_app.command("backup")
def db_backup(keep: int = typer.Option(14, help="How many backups to keep.")) -> None:
    """Online backup of the SQLite database into DATA_DIR/backups (pruned to --keep)."""
    from bot.clock import SystemClock
    from bot.services import backup as bk

    settings_db = _db_url()
    data_dir = Path(os.environ.get("DATA_DIR", "data"))
    try:
        path = bk.backup(settings_db, data_dir / "backups", SystemClock().now(), keep=keep)
    except bk.BackupError as exc:
        typer.echo(f"ventas-ops: {exc}", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(f"Backup written: {path}")


@db_app.command("restore")
def db_restore(file: Path = typer.Argument(..., help="A backup file made by 'db backup' or the daily job.")) -> None:
    """Replace the database with a backup (stop the bot first)."""
    from bot.services import backup as bk

    try:
        target = bk.restore(file, _db_url())
    except bk.BackupError as exc:
        typer.echo(f"ventas-ops: {exc}", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(f"Restored {file} into {target} (the previous file is kept as {target.name}.before-restore).")


@app.command("export")
def export_cmd(
    fecha: str = typer.Option(None, "--fecha", help="Advance-payment date to export (YYYY-MM-DD); default yesterday in TIMEZONE."),
    forzar: bool = typer.Option(False, "--forzar", help="Export again even if the date was already exported (labelled as a re-export)."),
) -> None:
    """Run the daily export for one date (the same code as the 06:00 job and /admin exportar)."""
    settings = _settings()
    asyncio.run(_export(settings, fecha, forzar))


async def _export(settings: Settings, fecha: str | None, forzar: bool) -> None:
    from datetime import date

    from bot.clock import SystemClock
    from bot.export_runner import perform_export
    from bot.runner import build_hubspot
    from bot.services.export import export_date_for
    from db import migrate
    from db.engine import make_engine, make_sessionmaker

    now = SystemClock().now()
    if fecha:
        try:
            d = date.fromisoformat(fecha)
        except ValueError:
            typer.echo("ventas-ops: --fecha must be YYYY-MM-DD", err=True)
            raise typer.Exit(code=2) from None
    else:
        d = export_date_for(now, settings.tz)
    if d > export_date_for(now, settings.tz):
        typer.echo("ventas-ops: only a day that has ended can be exported (up to yesterday)", err=True)
        raise typer.Exit(code=2)
    engine = make_engine(settings.database_url)
    try:
        await migrate.upgrade(engine)
        with typer.progressbar(length=0, label=f"Exporting {d.isoformat()}", show_pos=True) as bar:

            def progress(n: int) -> None:
                bar.length = (bar.length or 0) + n
                bar.update(n)

            outcome = await perform_export(
                make_sessionmaker(engine), settings, d=d, now=now, trigger="cli", forced=forzar,
                gateway=build_hubspot(settings), progress=progress,
            )
    finally:
        await engine.dispose()
    if outcome.status == "ya_hecha":
        typer.echo(f"{d.isoformat()} was already exported; use --forzar to export it again.")
        return
    if outcome.status == "fallida":
        typer.echo(f"Export failed: {outcome.error}", err=True)
        raise typer.Exit(code=1)
    r = outcome.result
    assert r is not None
    typer.echo(f"{d.isoformat()}: {r.deals_count} deals, {r.findings_count} findings, {r.hubspot_calls} HubSpot calls")
    for kind, path in r.files.items():
        typer.echo(f"  {kind}: {path}")
    typer.echo("The post is queued in the outbox; the bot delivers it.")


report_app = typer.Typer(help="Reports.", no_args_is_help=True)
app.add_typer(report_app, name="reporte")


@report_app.command("mensual")
def monthly_report_cmd(
    mes: str = typer.Option(None, "--mes", help="Month (YYYY-MM); default the previous month in TIMEZONE."),
    salida: Path = typer.Option(None, "--salida", help="Where to write the XLSX; default EXPORT_DIR/reportes/comisiones-YYYY-MM.xlsx."),
) -> None:
    """Write the monthly commission statement (one sheet per KAM and a totals sheet): the same file the
    bot sends the admins on the first business day of the month."""
    settings = _settings()
    asyncio.run(_monthly(settings, mes, salida))


async def _monthly(settings: Settings, mes: str | None, salida: Path | None) -> None:
    from bot.clock import SystemClock
    from bot.domain.dates import parse_month, previous_month, today_bogota
    from bot.domain.errors import DomainError
    from bot.services.statements import write_payroll
    from db import migrate
    from db.engine import make_engine, make_sessionmaker

    today = today_bogota(SystemClock().now())
    try:
        year, month = parse_month(mes, today) if mes else previous_month(today.year, today.month)
    except DomainError as exc:
        typer.echo(f"ventas-ops: --mes: {exc}", err=True)
        raise typer.Exit(code=2) from None
    engine = make_engine(settings.database_url)
    try:
        await migrate.upgrade(engine)
        async with make_sessionmaker(engine)() as session:
            path, statements = await write_payroll(session, settings.export_dir, year, month,
                                                   settings.commission_rate, salida)
    finally:
        await engine.dispose()
    typer.echo(f"{path} ({len(statements)} KAM, neto {sum(s.net for s in statements)} COP)")


@clientes_app.command("importar")
def clientes_importar(
    file: Path = typer.Argument(..., help="CSV or Excel workbook (.xlsx) with the template of examples/clientes.xlsx / .csv."),
    aplicar: bool = typer.Option(False, "--aplicar", help="Apply the import (default: preview only, nothing written)."),
) -> None:
    """Import clients and KAMs from a CSV or .xlsx: a preview with counts by default, --aplicar to write it."""
    from bot.domain.errors import DomainError

    try:
        data = file.read_bytes()
    except OSError as exc:
        typer.echo(f"ventas-ops: cannot read {file}: {exc.strerror}", err=True)
        raise typer.Exit(code=2) from None
    try:
        code = asyncio.run(_clientes_importar(data, file.name, aplicar, str(file)))
    except DomainError as exc:
        typer.echo(f"ventas-ops: {exc}", err=True)
        raise typer.Exit(code=1) from None
    raise typer.Exit(code=code)


async def _clientes_importar(data: bytes, filename: str, aplicar: bool, path: str = "ARCHIVO") -> int:
    import getpass

    from bot.clock import SystemClock
    from bot.services import directory_import as imp
    from bot.texts import directory as T
    from db import migrate
    from db.audit import Actor
    from db.engine import make_engine, make_sessionmaker

    settings = _offline_settings()
    parsed = imp.parse(data, email_domain=settings.sense_email_domain)
    engine = make_engine(settings.database_url)
    try:
        await migrate.upgrade(engine)
        async with make_sessionmaker(engine)() as session:
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
        typer.echo(T.IMPORT_BAD_ROWS.format(filename=filename, n=len(plan.errors), errors=text).replace("**", ""), err=True)
        return 1
    if not plan.counts.changes:
        typer.echo(T.IMPORT_NOTHING_TO_DO.format(filename=filename, rows=rows, counts=counts).replace("**", ""))
    elif aplicar:
        typer.echo(T.IMPORT_DONE.format(filename=filename, rows=rows, counts=counts).replace("**", ""))
    else:
        typer.echo(T.CLI_PREVIEW.format(filename=filename, rows=rows, counts=counts, path=path))
    return 0
