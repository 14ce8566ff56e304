"""Persistent buttons shared by the cogs.

A card's buttons are ``discord.ui.DynamicItem``s whose custom_id carries the action and the row id
(``<prefix>:<action>:<id>``); they are registered in each cog's ``setup`` and every click re-reads
the state from the database, so they keep working after a restart.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import discord

from bot.app import report_error


class ActionButton(discord.ui.DynamicItem[discord.ui.Button], template=r"(?!)"):
    """Base of ``<PREFIX>:<action>:<id>`` buttons. Subclasses set ``PREFIX``, ``LABELS`` (action →
    label and style), their own ``template`` (groups ``action`` and ``id``) and :meth:`handle`; ``ID_TYPE``
    is ``str`` for buttons keyed by a token instead of a row id. The base template never matches."""

    PREFIX: ClassVar[str] = ""
    LABELS: ClassVar[dict[str, tuple[str, discord.ButtonStyle]]] = {}
    ID_TYPE: ClassVar[Callable[[str], Any]] = int

    def __init__(self, action: str, target_id: Any) -> None:
        label, style = self.LABELS[action]
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=f"{self.PREFIX}:{action}:{target_id}"))
        self.action = action
        self.target_id = target_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: Any, /
    ) -> ActionButton:
        return cls(match["action"], cls.ID_TYPE(match["id"]))

    async def handle(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        try:
            await self.handle(interaction)
        except Exception as exc:  # noqa: BLE001 - every failure gets a Spanish answer
            await report_error(interaction, exc)
