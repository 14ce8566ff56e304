"""Start-up failures as one line an operator can act on, with the exit code the README documents:
2 = configuration (fix a setting), 3 = a service unreachable (Discord, the database, HubSpot)."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator

from sqlalchemy.engine import make_url

EXIT_CONFIG = 2
EXIT_UNREACHABLE = 3


class StartupError(Exception):
    """``str()`` is one Spanish line; ``code`` the process exit code."""

    def __init__(self, message: str, code: int = EXIT_CONFIG) -> None:
        super().__init__(message)
        self.code = code


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop(0)
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo += [getattr(e, "orig", None), e.__cause__, e.__context__]


def _first(exc: BaseException, *names: str) -> BaseException | None:
    return next((e for e in _chain(exc) if type(e).__name__ in names), None)


def _short(exc: BaseException, limit: int = 200) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:limit]


def database_error(exc: BaseException, url: str) -> StartupError:
    """Classify an exception raised while connecting to / migrating the database."""
    try:
        u = make_url(url)
        where = f"{u.host or 'localhost'}:{u.port or 5432}/{u.database}" if u.get_backend_name() != "sqlite" \
            else str(u.database)
    except Exception:  # noqa: BLE001 - only for the message
        where = "DATABASE_URL"
    if e := _first(exc, "MigrationRefused"):
        return StartupError(f"migración: {_short(e, 1000)}", EXIT_CONFIG)
    if e := _first(exc, "CommandError"):
        text = _short(e)
        if "Can't locate revision" in text or "No such revision" in text or "not present" in text:
            return StartupError(
                f"revisión de migración desconocida ({text}); vea 'ventas-ops db history' (si la base es de una "
                "versión más nueva del bot, instale esa versión)", EXIT_CONFIG)
        return StartupError(f"migración: {text}", EXIT_CONFIG)
    if _first(exc, "InvalidCatalogNameError"):
        return StartupError(f"la base de datos «{where}» no existe: créela primero (createdb) y vuelva a arrancar",
                            EXIT_CONFIG)
    if _first(exc, "InvalidPasswordError", "InvalidAuthorizationSpecificationError"):
        return StartupError(f"PostgreSQL rechazó el usuario o la clave de DATABASE_URL ({where})", EXIT_CONFIG)
    if _first(exc, "ArgumentError", "NoSuchModuleError"):
        return StartupError(f"DATABASE_URL no es válido ({_short(exc)})", EXIT_CONFIG)
    if e := _first(exc, "OperationalError"):
        if "unable to open database file" in str(e):
            return StartupError(f"no se puede abrir el archivo SQLite «{where}»: revise la ruta y los permisos",
                                EXIT_CONFIG)
    if e := _first(exc, "gaierror", "ConnectionRefusedError", "TimeoutError", "OSError", "ConnectionError",
                   "CannotConnectNowError", "ConnectionDoesNotExistError"):
        return StartupError(f"no se pudo conectar con la base de datos {where} ({_short(e)}): ¿está en marcha "
                            "PostgreSQL y es correcto DATABASE_URL?", EXIT_UNREACHABLE)
    return StartupError(f"error de la base de datos {where}: {_short(exc)}", EXIT_UNREACHABLE)


def discord_error(exc: BaseException, guild_id: int | None = None) -> StartupError | None:
    """Classify an exception raised while logging in to / connecting to Discord (None: not recognised)."""
    # lazy: discord.py costs seconds, and every ``ventas-ops`` command imports this module (its database
    # errors); only the commands that connect to Discord reach this function
    import aiohttp
    import discord

    if isinstance(exc, discord.LoginFailure):
        return StartupError("Discord rechazó DISCORD_TOKEN (incorrecto o revocado): copie uno nuevo en Discord "
                            "Developer Portal → Bot → Reset Token", EXIT_CONFIG)
    if isinstance(exc, discord.PrivilegedIntentsRequired):
        return StartupError("active «Server Members Intent» en Discord Developer Portal → Bot → Privileged Gateway "
                            "Intents", EXIT_CONFIG)
    if isinstance(exc, (discord.Forbidden, discord.NotFound)):
        return StartupError(f"el bot no está en el servidor DISCORD_GUILD_ID={guild_id} (Discord negó el acceso): "
                            "corrija el id o invite el bot con los alcances bot y applications.commands",
                            EXIT_CONFIG)
    if isinstance(exc, discord.ConnectionClosed) and exc.code == 4004:
        return discord_error(discord.LoginFailure(), guild_id)
    if isinstance(exc, discord.ConnectionClosed) and exc.code == 4014:
        return discord_error(discord.PrivilegedIntentsRequired(exc.shard_id), guild_id)
    if isinstance(exc, (aiohttp.ClientError, OSError, TimeoutError, socket.gaierror, discord.GatewayNotFound,
                        discord.ConnectionClosed, discord.DiscordServerError)):
        return StartupError(f"no se pudo conectar con Discord ({_short(exc)}): revise la red, el DNS o el "
                            "cortafuegos", EXIT_UNREACHABLE)
    return None


@contextlib.contextmanager
def database_phase(url: str) -> Iterator[None]:
    try:
        yield
    except StartupError:
        raise
    except Exception as exc:
        raise database_error(exc, url) from exc
