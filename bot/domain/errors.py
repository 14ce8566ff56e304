"""Errors whose text a user reads. ``str(err)`` is the Spanish (es-CO) message shown to the person;
``err.field`` names the slash-command option it is about (e.g. ``"valor-total"``), or ``None``."""

from __future__ import annotations


class DomainError(ValueError):
    """Invalid input or a broken rule; ``str(err)`` is the Spanish message, ``field`` the option."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class MoneyError(DomainError):
    """An amount of pesos that cannot be accepted."""


class DateError(DomainError):
    """A date that cannot be understood or does not exist."""


class InputError(DomainError):
    """Any other refused input: identity numbers, e-mails, phones, free text, references, choices."""


class UserError(Exception):
    """Refusal with a Spanish message for the user. Nothing was changed. (Here, not in :mod:`bot.errors`,
    so that the use cases raise it without importing discord.)"""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


__all__ = ["DateError", "DomainError", "InputError", "MoneyError", "UserError"]
