"""The ``ventas-ops`` command line (Spanish: the operators are Sense's staff).

Every command reads its settings from one home (``--env-file`` / ``VENTAS_OPS_HOME`` / the project folder,
see :mod:`bot.home`); failures print one line and exit 2 (configuration) or 3 (a service unreachable).

Each command imports the heavy parts it needs inside its function (Alembic, the ORM models, discord.py, the
HubSpot client, openpyxl and matplotlib through the services: seconds each), so that ``--help`` and the
commands that need none of them start fast; those lines say ``# lazy: see module docstring``.
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Coroutine
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import typer
import typer.rich_utils
from typer._click import core as _click_core

from bot.blocking import run_blocking
from bot.cli_tasks import clientes_importar_task, monthly_task, outbox_task
from bot.cli_tasks import fail as _fail
from bot.clock import SystemClock
from bot.config import ConfigError, OfflineSettings, Settings, load_settings, mask_url_password
from bot.domain.dates import format_date
from bot.domain.errors import DomainError
from bot.home import Home, resolve_home
from bot.lease import lease_for
from bot.services import backup as bk
from bot.startup import StartupError, database_phase
from bot.texts import cli as T
from bot.version import version
from db.engine import make_engine, make_sessionmaker

T_ = TypeVar("T_")

# Spanish help: panel titles and the --help line (typer has no translation hook for the latter)
typer.rich_utils.ARGUMENTS_PANEL_TITLE = "Argumentos"
typer.rich_utils.OPTIONS_PANEL_TITLE = "Opciones"
typer.rich_utils.COMMANDS_PANEL_TITLE = "Comandos"
_get_help_option = _click_core.Command.get_help_option


def _spanish_help_option(self: Any, ctx: Any) -> Any:
    opt = _get_help_option(self, ctx)
    if opt is not None:
        opt.help = "Muestra esta ayuda y termina."
        opt.metavar = ""
    return opt


_click_core.Command.get_help_option = _spanish_help_option  # type: ignore[method-assign]

FLAG: dict[str, Any] = {"metavar": ""}  # no <bool> marker next to a flag in --help

app = typer.Typer(help="ventas-ops: el bot de Ventas desde Operaciones.", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Base de datos: migraciones, respaldos.", no_args_is_help=True)
app.add_typer(db_app, name="db")
clientes_app = typer.Typer(help="Directorio de clientes y KAMs.", no_args_is_help=True)
app.add_typer(clientes_app, name="clientes")
report_app = typer.Typer(help="Reportes.", no_args_is_help=True)
app.add_typer(report_app, name="reporte")

_state: dict[str, Home] = {}


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"ventas-ops {version()}")
        raise typer.Exit()


@app.callback()
def main(
    env_file: Path = typer.Option(None, "--env-file", metavar="ARCHIVO",
                                  help="El .env a leer; su carpeta es la casa de datos, exports y la base SQLite. "
                                       "Por defecto $VENTAS_OPS_HOME/.env o el .env del proyecto."),
    _version: bool = typer.Option(False, "--version", callback=_show_version, is_eager=True,
                                  help="Muestra la versión y termina.", **FLAG),
) -> None:
    """ventas-ops: el bot de Ventas desde Operaciones."""
    _state["home"] = resolve_home(env_file)


def _home() -> Home:
    return _state.get("home") or resolve_home()


def _settings() -> Settings:
    try:
        return load_settings(_home())
    except ConfigError as exc:
        raise _fail(T.CONFIG_ERROR.format(error=exc), 2) from None


def _offline() -> OfflineSettings:
    """For the commands that never talk to Discord (no DISCORD_TOKEN needed)."""
    try:
        return load_settings(_home(), discord=False)
    except ConfigError as exc:
        raise _fail(T.CONFIG_ERROR.format(error=exc), 2) from None


def _run(coro: Coroutine[Any, Any, T_], settings: OfflineSettings | None = None) -> T_:
    """``asyncio.run`` with start-up failures as one line and exit code 2/3; anything else one line and
    exit 1 (the traceback only with LOG_LEVEL=DEBUG)."""
    try:
        return asyncio.run(coro)
    except StartupError as exc:
        if settings is not None and settings.log_level == "DEBUG":
            traceback.print_exception(exc)
        raise _fail(str(exc), exc.code) from None
    except DomainError as exc:  # a refusal of the program's rules: its Spanish message is the line
        raise _fail(str(exc), 1) from None
    except KeyboardInterrupt:
        raise typer.Exit(code=130) from None
    except (typer.Exit, SystemExit):
        raise
    except Exception as exc:  # noqa: BLE001 - any other failure: one line and exit 1
        if settings is not None and settings.log_level == "DEBUG":
            traceback.print_exception(exc)
        one = " ".join(str(exc).split())[:300]
        raise _fail(T.UNEXPECTED.format(kind=type(exc).__name__, error=one), 1) from None


def _db_shown(settings: OfflineSettings) -> str:
    return mask_url_password(settings.database_url)


@app.command()
def bot() -> None:
    """Arranca el bot de Discord (migra la base de datos primero)."""
    settings = _settings()
    from bot.runner import run_bot  # imports discord.py: only for the commands that run the bot

    _run(run_bot(settings), settings)


@app.command("check-config")
def check_config(
    online: bool = typer.Option(False, "--online", help="Además se conecta: base de datos, Discord (servidor, canal, "
                                "roles, permisos del bot) y HubSpot (token y alcances).", **FLAG),
) -> None:
    """Valida la configuración y la muestra con los secretos ocultos."""
    settings = _settings()
    masked = settings.masked()
    width = max(len(k) for k in masked)
    for key, value in masked.items():
        typer.echo(f"{key.ljust(width)}  {value}")
    if not online:
        typer.echo(T.CONFIG_OK.format(env_file=_home().env_file_shown()))
        return
    from bot.online_check import render, run_checks  # imports discord.py and the HubSpot client

    checks = _run(run_checks(settings), settings)
    typer.echo("")
    for line in render(checks):
        typer.echo(line)
    bad = [c for c in checks if not c.ok]
    if bad:
        raise _fail(T.ONLINE_BAD.format(n=len(bad)), 2 if all(c.config for c in bad) else 3)
    typer.echo(T.ONLINE_OK)


@app.command("estado")
def estado() -> None:
    """Estado del programa: exportaciones, cola de envíos, aprobaciones pendientes, HubSpot, base de datos."""
    settings = _offline()
    _run(_estado(settings), settings)


async def _estado(settings: OfflineSettings) -> None:
    from bot.runner import build_hubspot  # lazy: see module docstring
    from bot.services import health  # lazy: see module docstring
    from bot.texts import health as HT  # lazy: see module docstring

    with database_phase(settings.database_url):
        engine = make_engine(settings.database_url)
        try:
            status = await health.gather(make_sessionmaker(engine), SystemClock().now(), version=version(),
                                         started_at=None, hubspot=build_hubspot(settings),
                                         database_url=settings.database_url, backups_path=settings.backups_path,
                                         tz=settings.tz, export_time=settings.export_time)
        finally:
            await engine.dispose()
    for line in HT.render(status, tz=settings.tz, markdown=False):
        typer.echo(line)


async def _migrate(settings: OfflineSettings, action: str, revision: str) -> None:
    from db import migrate  # lazy: see module docstring

    with database_phase(settings.database_url):
        engine = make_engine(settings.database_url)
        try:
            if action == "upgrade":
                await migrate.upgrade(engine, revision, commission_rate=settings.commission_rate)
            else:
                await migrate.downgrade(engine, revision)
        finally:
            await engine.dispose()


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("heads", metavar="REVISION", help="Por defecto la última.")) -> None:
    """Aplica las migraciones hasta REVISION."""
    settings = _offline()
    _run(_migrate(settings, "upgrade", revision), settings)
    typer.echo(T.DB_UPGRADED.format(db=_db_shown(settings), revision=revision))


@db_app.command("downgrade")
def db_downgrade(revision: str = typer.Argument(..., metavar="REVISION", help="Por ejemplo 0001, o base.")) -> None:
    """Revierte las migraciones hasta REVISION (vea db history)."""
    settings = _offline()
    _run(_migrate(settings, "downgrade", revision), settings)
    typer.echo(T.DB_DOWNGRADED.format(db=_db_shown(settings), revision=revision))


@db_app.command("current")
def db_current() -> None:
    """Muestra en qué revisión está la base de datos."""
    from db import migrate  # lazy: see module docstring

    settings = _offline()

    async def current() -> tuple[str, ...]:
        with database_phase(settings.database_url):
            engine = make_engine(settings.database_url)
            try:
                return await migrate.current(engine)
            finally:
                await engine.dispose()

    revs = _run(current(), settings)
    db = _db_shown(settings)
    if not revs:
        typer.echo(T.DB_CURRENT_NONE.format(db=db))
        return
    head = migrate.history()[0][0]
    mark = T.DB_HEAD if revs == (head,) else T.DB_BEHIND
    typer.echo(T.DB_CURRENT.format(db=db, revision=", ".join(revs)) + mark)


@db_app.command("history")
def db_history() -> None:
    """Lista las migraciones, de la más nueva a la más vieja."""
    from db import migrate  # lazy: see module docstring

    for rev, down, doc in migrate.history():
        typer.echo(f"{down or 'base'} -> {rev}  {doc}")


@db_app.command("backup")
def db_backup(keep: int = typer.Option(None, help="Cuántos respaldos conservar (por defecto BACKUP_KEEP).")) -> None:
    """Respaldo completo (base de datos + archivos de DATA_DIR + manifiesto) en BACKUP_DIR, verificado."""
    s = _offline()
    try:
        result = asyncio.run(_backup(s, keep or s.backup_keep))
    except bk.BackupError as exc:
        raise _fail(f"respaldo fallido: {exc}", 1) from None
    m = result.manifest
    typer.echo(f"Respaldo escrito y verificado: {result.path} ({sum(m['counts'].values())} filas, "
               f"{len(m['files'])} archivos de DATA_DIR)")
    if m["missing_files"]:
        typer.echo(f"Aviso: la base menciona {len(m['missing_files'])} archivos que no están en DATA_DIR: "
                   + ", ".join(m["missing_files"][:10]), err=True)


async def _backup(s: OfflineSettings, keep: int) -> bk.BackupResult:
    engine = make_engine(s.database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            referenced = await bk.referenced_files(session)
    except Exception:  # noqa: BLE001 - an unreadable database is reported by the backup itself
        referenced = []
    finally:
        await engine.dispose()
    return await run_blocking(bk.backup, s.database_url, s.data_dir, s.backups_path, SystemClock().now(),
                              keep, referenced)


@db_app.command("restore")
def db_restore(file: Path = typer.Argument(..., help="Un respaldo hecho por 'db backup' o el respaldo nocturno.")) -> None:
    """Restaura un respaldo: la base (la anterior se conserva con otro nombre), los archivos y las migraciones.
    Se niega mientras el bot esté en marcha sobre esta base."""
    settings = _offline()
    try:
        result = asyncio.run(_restore(settings, file))
    except bk.NotAnArchive as exc:
        raise _fail(str(exc), 2) from None
    except bk.BackupError as exc:
        raise _fail(f"restauración fallida: {exc}", 1) from None
    if result is None:
        raise typer.Exit(code=2)
    typer.echo(f"Restaurado {file} en {result.database} ({sum(result.manifest['counts'].values())} filas, "
               f"{result.files_restored} archivos escritos en DATA_DIR); migraciones al día.")
    for kept in result.kept:
        typer.echo(f"  lo reemplazado se conserva en: {kept}")


async def _restore(s: OfflineSettings, file: Path) -> bk.RestoreResult | None:
    from db import migrate  # lazy: see module docstring

    await run_blocking(bk.verify, file)  # not an archive: refused before anything else
    lease = lease_for(s.database_url)
    if not await lease.try_acquire():
        holder = lease.holder()
        typer.echo(T.PREFIX + "el bot está en marcha sobre esta base de datos"
                   + (f" (proceso {holder})" if holder else "")
                   + "; detenlo (y su instancia en espera) antes de restaurar. No se cambió nada.", err=True)
        return None
    try:
        result = await run_blocking(bk.restore, file, s.database_url, s.data_dir, s.backups_path, SystemClock().now())
        engine = make_engine(s.database_url)
        try:
            await migrate.upgrade(engine, commission_rate=s.commission_rate)
        finally:
            await engine.dispose()
    finally:
        await lease.release()
    return result


outbox_app = typer.Typer(help="Mensajes que el bot no pudo entregar (retenidos).", no_args_is_help=True)
app.add_typer(outbox_app, name="outbox")


@outbox_app.command("retenidos")
def outbox_retenidos() -> None:
    """Lista los mensajes retenidos y por qué."""
    asyncio.run(outbox_task(_offline(), resend=False))


@outbox_app.command("reenviar")
def outbox_reenviar() -> None:
    """Devuelve los mensajes retenidos a la cola (corrige antes la causa); el bot en marcha los entrega."""
    asyncio.run(outbox_task(_offline(), resend=True))


@app.command("export")
def export_cmd(
    fecha: str = typer.Option(None, "--fecha", metavar="AAAA-MM-DD",
                              help="Fecha de anticipo a exportar; por defecto ayer (en TIMEZONE)."),
    forzar: bool = typer.Option(False, "--forzar", help="Exporta de nuevo aunque la fecha ya se haya exportado "
                                "(queda marcada como reexportación).", **FLAG),
) -> None:
    """Exportación diaria de una fecha (el mismo código que la tarea de las 06:00 y /admin exportar)."""
    settings = _offline()
    _run(_export(settings, fecha, forzar), settings)


async def _export(settings: OfflineSettings, fecha: str | None, forzar: bool) -> None:
    from bot.runner import build_hubspot  # lazy: see module docstring
    from bot.services.export import export_date_for  # lazy: see module docstring
    from bot.services.export_job import perform_export  # lazy: see module docstring
    from db import migrate  # lazy: see module docstring

    now = SystemClock().now()
    if fecha:
        try:
            d = date.fromisoformat(fecha)
        except ValueError:
            raise _fail(T.BAD_DATE, 2) from None
    else:
        d = export_date_for(now, settings.tz)
    if d > export_date_for(now, settings.tz):
        raise _fail(T.FUTURE_DATE, 2)
    with database_phase(settings.database_url):
        engine = make_engine(settings.database_url)
        await migrate.upgrade(engine, commission_rate=settings.commission_rate)
    gateway = build_hubspot(settings)
    try:
        with typer.progressbar(length=0, label=T.EXPORTING.format(d=format_date(d)), show_pos=True) as bar:

            def progress(n: int) -> None:
                bar.length = (bar.length or 0) + n
                bar.update(n)

            outcome = await perform_export(
                make_sessionmaker(engine), settings, d=d, now=now, trigger="cli", forced=forzar,  # type: ignore[arg-type]
                gateway=gateway, progress=progress,
            )
    finally:
        if gateway is not None:
            await gateway.aclose()
        await engine.dispose()
    shown = format_date(d)
    if outcome.status == "ya_hecha":
        typer.echo(T.ALREADY_EXPORTED.format(d=shown))
        return
    if outcome.status == "fallida":
        raise _fail(T.EXPORT_FAILED.format(error=outcome.error), 1)
    r = outcome.result
    assert r is not None
    typer.echo(T.EXPORT_DONE.format(d=shown, deals=r.deals_count, findings=r.findings_count, calls=r.hubspot_calls))
    for kind, path in r.files.items():
        typer.echo(f"  {kind}: {path}")
    typer.echo(T.EXPORT_QUEUED)


@report_app.command("mensual")
def monthly_report_cmd(
    mes: str = typer.Option(None, "--mes", metavar="AAAA-MM", help="Mes; por defecto el anterior (en TIMEZONE)."),
    salida: Path = typer.Option(None, "--salida", metavar="ARCHIVO",
                                help="Dónde escribir el XLSX; por defecto EXPORT_DIR/reportes/comisiones-AAAA-MM.xlsx."),
) -> None:
    """Liquidación mensual de comisiones (una hoja por KAM y una de totales): el mismo archivo que el bot
    envía a los administradores el primer día hábil del mes."""
    settings = _offline()
    _run(monthly_task(settings, mes, salida), settings)


@clientes_app.command("importar")
def clientes_importar(
    file: Path = typer.Argument(..., metavar="ARCHIVO", help="CSV o libro de Excel (.xlsx) con la plantilla de examples/clientes.xlsx o .csv."),
    aplicar: bool = typer.Option(False, "--aplicar", help="Aplica la importación (por defecto solo la vista "
                                 "previa, sin escribir nada).", **FLAG),
) -> None:
    """Importa clientes y KAMs desde un CSV o un .xlsx: vista previa con conteos; --aplicar para escribirlo."""
    settings = _offline()
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise _fail(T.CANNOT_READ.format(file=file, error=exc.strerror), 2) from None
    raise typer.Exit(code=_run(clientes_importar_task(settings, data, file, aplicar), settings))
