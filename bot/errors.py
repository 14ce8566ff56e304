"""Exceptions whose message a user may read (Spanish)."""

from __future__ import annotations

from discord import app_commands

from bot.domain.errors import UserError

__all__ = ["UserCheckFailure", "UserError"]


class UserCheckFailure(app_commands.CheckFailure):
    """A check (role, channel) failed; the message is Spanish and shown ephemerally."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
