"""What the bot needs in its Discord server: the sales channel, every configured role, its own
permissions. One pure function over discord.py objects, used at start-up (from the gateway's cache) and
by ``ventas-ops check-config --online`` (from REST)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import discord

from bot.config import OfflineSettings

# Permission attribute → how Discord's UI names it (Spanish client)
CHANNEL_PERMISSIONS = {
    "view_channel": "Ver canal",
    "send_messages": "Enviar mensajes",
    "embed_links": "Insertar enlaces",
    "attach_files": "Adjuntar archivos",
    "read_message_history": "Leer el historial de mensajes",
}
ROLE_SETTINGS = ("role_kam", "role_hubspot_approver", "role_coo", "role_renewals", "role_audit", "role_profiler",
                 "role_admin")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str  # what was found, or what to do when not ok


def _match(obj: discord.abc.Snowflake, name: str, spec: str) -> bool:
    spec = spec.strip().lstrip("#")
    return (spec.isdigit() and obj.id == int(spec)) or name.casefold() == spec.casefold()


def check_guild(
    guild: discord.Guild, channels: Iterable[discord.abc.GuildChannel], roles: Sequence[discord.Role],
    me: discord.Member, settings: OfflineSettings,
) -> list[Check]:
    out: list[Check] = []
    spec = settings.sales_channel
    channel = next((c for c in channels if isinstance(c, discord.TextChannel) and _match(c, c.name, spec)), None)
    if channel is None:
        out.append(Check("SALES_CHANNEL", False,
                         f"no hay un canal de texto «{spec}» en «{guild.name}»: créelo o corrija SALES_CHANNEL"))
    else:
        perms = channel.permissions_for(me)
        missing = [label for attr, label in CHANNEL_PERMISSIONS.items() if not getattr(perms, attr)]
        out.append(Check("SALES_CHANNEL", not missing,
                         f"#{channel.name}" if not missing else
                         f"al bot le falta en #{channel.name}: {', '.join(missing)} (ajuste los permisos del canal)"))
    found: dict[str, discord.Role] = {}
    for field in ROLE_SETTINGS:
        role_spec = getattr(settings, field)
        role = next((r for r in roles if _match(r, r.name, role_spec)), None)
        if role is not None:
            found[field] = role
        out.append(Check(field.upper(), role is not None,
                         f"@{role.name}" if role else f"no existe el rol «{role_spec}» en «{guild.name}»: créelo o corrija {field.upper()}"))
    manage = me.guild_permissions.manage_roles
    out.append(Check("Gestionar roles", manage, "sí" if manage else
                     "el rol del bot necesita el permiso «Gestionar roles» (para dar el rol KAM)"))
    kam = found.get("role_kam")
    if kam is not None:
        above = me.top_role > kam
        out.append(Check("Rol del bot sobre KAM", above,
                         f"@{me.top_role.name} está sobre @{kam.name}" if above else
                         f"arrastre el rol @{me.top_role.name} por encima de @{kam.name} en Ajustes del servidor → Roles"))
    return out


def failures(checks: Iterable[Check]) -> list[Check]:
    return [c for c in checks if not c.ok]
