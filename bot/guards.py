"""Role guards for commands and buttons: refuse in Spanish and audit-log the attempt."""

from __future__ import annotations

import discord

from bot import permissions
from bot.app import VentasOpsBot
from bot.errors import UserCheckFailure
from bot.texts import general as T
from db.audit import Actor, record


def actor_of(user: discord.abc.User) -> Actor:
    return Actor(user.id, getattr(user, "display_name", None) or user.name)


async def require_role(interaction: discord.Interaction[VentasOpsBot], *role_specs: str, action: str) -> None:
    """Raise :class:`UserCheckFailure` unless the user has one of the roles.

    A refusal writes an ``acceso.denegado`` audit row (its own short transaction), so wrong-role
    attempts on buttons and admin commands leave a trace while changing nothing else.
    """
    if permissions.has_any_role(interaction.user, role_specs):
        return
    bot = interaction.client
    async with bot.sessionmaker() as session:
        record(
            session,
            actor_of(interaction.user),
            "acceso.denegado",
            "interaction",
            interaction.id,
            after={"action": action, "required": list(role_specs)},
        )
        await session.commit()
    raise UserCheckFailure(T.MISSING_ROLE.format(roles=" o ".join(f"«{r}»" for r in role_specs)))
