"""Base of the errors whose text a user reads (Spanish)."""

from __future__ import annotations


class DomainError(ValueError):
    """Invalid input or a broken rule; ``str(err)`` is the Spanish message, ``field`` the option."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
