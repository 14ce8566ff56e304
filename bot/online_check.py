"""``ventas-ops check-config --online``: connects to everything the bot needs and says what is wrong.

Database (connects, migration state), Discord over REST only (login, the guild, the channel, each role, the
bot's permissions: the same :func:`bot.guild_check.check_guild` the start-up uses) and HubSpot (the token
and its scopes). Each result is a :class:`OnlineCheck` with the fix when it fails."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import aiohttp
import discord

from bot.app import quiet_voice_warnings
from bot.config import Settings
from bot.discord_api import apply_api_base
from bot.guild_check import check_guild
from bot.startup import database_error, discord_error
from db import migrate
from db.engine import make_engine

HUBSPOT_API = "https://api.hubapi.com"
REQUIRED_SCOPES = (
    "crm.objects.deals.read", "crm.objects.deals.write", "crm.objects.contacts.read", "crm.objects.contacts.write",
    "crm.objects.companies.read", "crm.objects.companies.write", "crm.objects.owners.read",
)
PROVISIONING_SCOPES = ("settings.users.read", "settings.users.write")


@dataclass(frozen=True)
class OnlineCheck:
    area: str
    name: str
    ok: bool
    detail: str
    config: bool = True  # a failure the configuration fixes (else a service is unreachable)


async def check_database(settings: Settings) -> list[OnlineCheck]:
    try:
        engine = make_engine(settings.database_url)
    except Exception as exc:  # noqa: BLE001 - classified into one line
        return [OnlineCheck("Base de datos", "DATABASE_URL", False, str(database_error(exc, settings.database_url)))]
    try:
        revs = await asyncio.wait_for(migrate.current(engine), 15)
    except Exception as exc:  # noqa: BLE001 - classified into one line
        err = database_error(exc, settings.database_url)
        return [OnlineCheck("Base de datos", "DATABASE_URL", False, str(err), config=err.code == 2)]
    finally:
        await engine.dispose()
    head = migrate.history()[0][0]
    state = "sin migrar (el bot la migra al arrancar)" if not revs else \
        f"revisión {', '.join(revs)}" + ("" if revs == (head,) else " (el bot aplica las migraciones pendientes al arrancar)")
    known = {r for r, _, _ in migrate.history()}
    unknown = [r for r in revs if r not in known]
    if unknown:
        return [OnlineCheck("Base de datos", "DATABASE_URL", False,
                            f"la base está en la revisión {', '.join(unknown)}, que esta versión no conoce: instale la "
                            "versión del bot que la creó")]
    return [OnlineCheck("Base de datos", "DATABASE_URL", True, f"conecta; {state}")]


async def check_discord(settings: Settings) -> list[OnlineCheck]:
    apply_api_base(settings.discord_api_base)
    quiet_voice_warnings()
    client = discord.Client(intents=discord.Intents(guilds=True))  # REST only; no gateway
    out: list[OnlineCheck] = []
    try:
        try:
            await client.login(settings.discord_token.get_secret_value())
        except Exception as exc:
            err = discord_error(exc, settings.discord_guild_id)
            if err is None:
                raise
            return [OnlineCheck("Discord", "DISCORD_TOKEN", False, str(err), config=err.code == 2)]
        out.append(OnlineCheck("Discord", "DISCORD_TOKEN", True, f"conectado como {client.user}"))
        try:
            guild = await client.fetch_guild(settings.discord_guild_id)
        except (discord.Forbidden, discord.NotFound):
            return [*out, OnlineCheck("Discord", "DISCORD_GUILD_ID", False,
                                      f"el bot no está en el servidor {settings.discord_guild_id}: corrija el id o "
                                      "invite el bot (README, «Creating the Discord application»)")]
        out.append(OnlineCheck("Discord", "DISCORD_GUILD_ID", True, f"«{guild.name}»"))
        channels = await guild.fetch_channels()
        assert client.user is not None
        me = await guild.fetch_member(client.user.id)
        for c in check_guild(guild, channels, guild.roles, me, settings):
            out.append(OnlineCheck("Discord", c.name, c.ok, c.detail))
        return out
    except (aiohttp.ClientError, OSError, TimeoutError, discord.HTTPException) as exc:
        err = discord_error(exc, settings.discord_guild_id)
        return [*out, OnlineCheck("Discord", "DISCORD_API_BASE", False, str(err or exc), config=False)]
    finally:
        await client.close()


async def check_hubspot(settings: Settings) -> list[OnlineCheck]:
    if settings.hubspot_access_token is None:
        return [OnlineCheck("HubSpot", "HUBSPOT_ACCESS_TOKEN", True, "vacío: HubSpot desactivado")]
    token = settings.hubspot_access_token.get_secret_value()
    base = (settings.hubspot_api_base or HUBSPOT_API).rstrip("/")
    headers = {"Authorization": f"Bearer {token}"}
    timeout = aiohttp.ClientTimeout(total=max(5.0, settings.hubspot_timeout_seconds))
    try:
        async with aiohttp.ClientSession(timeout=timeout) as http:
            async with http.get(f"{base}/crm/v3/owners", params={"limit": "1"}, headers=headers) as resp:
                if resp.status == 401:
                    return [OnlineCheck("HubSpot", "HUBSPOT_ACCESS_TOKEN", False,
                                        "HubSpot rechazó el token: copie el de la app privada (Configuración → "
                                        "Integraciones → Apps privadas)")]
                if resp.status >= 500:
                    return [OnlineCheck("HubSpot", "HUBSPOT_API_BASE", False,
                                        f"HubSpot respondió {resp.status}; intente más tarde", config=False)]
            async with http.post(f"{base}/oauth/v2/private-apps/get/access-token-info", json={"tokenKey": token},
                                 headers=headers) as resp:
                scopes = set((await resp.json()).get("scopes", [])) if resp.status == 200 else None
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        return [OnlineCheck("HubSpot", "HUBSPOT_API_BASE", False,
                            f"no se pudo conectar con HubSpot ({type(exc).__name__}: {exc}): revise la red",
                            config=False)]
    out = [OnlineCheck("HubSpot", "HUBSPOT_ACCESS_TOKEN", True, "token aceptado")]
    if scopes is None:
        return [*out, OnlineCheck("HubSpot", "Alcances", True, "no se pudieron leer (token que no es de app privada)")]
    needed = REQUIRED_SCOPES + (PROVISIONING_SCOPES if settings.hubspot_provision_users else ())
    missing = [s for s in needed if s not in scopes]
    return [*out, OnlineCheck("HubSpot", "Alcances", not missing, "todos" if not missing else
                              f"faltan {', '.join(missing)}: agréguelos en la app privada (pestaña Alcances) "
                              "y copie el token nuevo")]


async def run_checks(settings: Settings) -> list[OnlineCheck]:
    db, dc, hs = await asyncio.gather(check_database(settings), check_discord(settings), check_hubspot(settings))
    return [*db, *dc, *hs]


def render(checks: list[OnlineCheck]) -> list[str]:
    width = max(len(c.name) for c in checks)
    return [f"{'✓' if c.ok else '✗'} {c.area:<13} {c.name.ljust(width)}  {c.detail}" for c in checks]
