"""Which Discord message is an object's card: its nonce and the custom ids of its buttons.

A card is posted with a stable nonce (``deal-card-12``): Discord returns the message it created
for the same author and nonce in the past few minutes instead of creating a second one. Beyond
that window a card is recognised by its buttons, whose custom ids are ``<prefix>:<action>:<id>``
(see :mod:`bot.ui`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

NONCE_MAX_LENGTH = 25  # Discord's limit for a string nonce


def button_target(custom_id: str | None) -> tuple[str, int] | None:
    """``(prefix, object id)`` of a card button's custom id ``<prefix>:<action>:<id>``; None otherwise."""
    parts = (custom_id or "").split(":")
    if len(parts) != 3 or not parts[2].isdigit():
        return None
    return parts[0], int(parts[2])


@dataclass(frozen=True)
class CardKey:
    kind: str  # deal, lead, renewal, access, billing: the nonce's first word
    prefix: str  # the custom-id prefix of the card's buttons
    object_id: int

    @property
    def nonce(self) -> str:
        nonce = f"{self.kind}-card-{self.object_id}"
        if len(nonce) > NONCE_MAX_LENGTH:
            raise ValueError(f"card nonce {nonce!r} is longer than {NONCE_MAX_LENGTH} characters")
        return nonce

    def owns(self, custom_id: str | None) -> bool:
        """True for a button of this card, whatever its action."""
        return button_target(custom_id) == (self.prefix, self.object_id)

    def owns_any(self, custom_ids: Iterable[str | None]) -> bool:
        return any(self.owns(c) for c in custom_ids)
