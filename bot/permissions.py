"""Role and channel checks. Roles and the channel are configured by name or id."""

from __future__ import annotations

from collections.abc import Iterable

import discord


def _matches(role: discord.Role, spec: str) -> bool:
    spec = spec.strip()
    return (spec.isdigit() and role.id == int(spec)) or role.name.casefold() == spec.casefold()


def has_role(user: discord.abc.User | discord.Member, spec: str) -> bool:
    roles: Iterable[discord.Role] = getattr(user, "roles", ())
    return any(_matches(r, spec) for r in roles)


def has_any_role(user: discord.abc.User | discord.Member, specs: Iterable[str]) -> bool:
    return any(has_role(user, s) for s in specs)


def find_role(guild: discord.Guild, spec: str) -> discord.Role | None:
    return next((r for r in guild.roles if _matches(r, spec)), None)


def find_channel(guild: discord.Guild, spec: str) -> discord.TextChannel | None:
    spec = spec.strip().lstrip("#")
    for ch in guild.text_channels:
        if (spec.isdigit() and ch.id == int(spec)) or ch.name == spec:
            return ch
    return None


def is_channel(channel: discord.abc.Snowflake | None, spec: str) -> bool:
    """True for the configured channel itself and for threads inside it."""
    if channel is None:
        return False
    spec = spec.strip().lstrip("#")
    candidates = [channel]
    parent = getattr(channel, "parent", None)
    if parent is not None:
        candidates.append(parent)
    for ch in candidates:
        if spec.isdigit() and ch.id == int(spec):
            return True
        if getattr(ch, "name", None) == spec:
            return True
    return False
