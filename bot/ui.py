"""Persistent buttons and modals shared by the extensions (bot/exts).

A card's buttons are ``discord.ui.DynamicItem``s whose custom_id carries the action and the row id
(``<prefix>:<action>:<id>``); they are registered in each cog's ``setup`` and every click re-reads
the state from the database, so they keep working after a restart. Modals work the same way
(:class:`PersistentModal`, routed by :mod:`bot.modals`): a submission is answered after a restart,
after any delay, and when another approver got there first.

discord.py types a click or a submission as ``Interaction[Client]`` (its ``callback`` and ``on_submit``
are generic over any client), so the bases here narrow it once to ``Interaction[VentasOpsBot]``
(:func:`bot.app.ventas_interaction`) and hand it to :meth:`ActionButton.handle` and
:meth:`PersistentModal.submit`, which the extensions implement with ``interaction.client`` typed.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

import discord

from bot.app import VentasOpsBot, ventas_interaction
from bot.interactions import report_error


class ActionButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"(?!)"):
    """Base of ``<PREFIX>:<action>:<id>`` buttons. Subclasses set ``PREFIX``, ``LABELS`` (action →
    label and style), their own ``template`` (groups ``action`` and ``id``) and :meth:`handle`; ``ID_TYPE``
    is ``str`` for buttons keyed by a token instead of a row id. The base template never matches."""

    PREFIX: ClassVar[str] = ""
    LABELS: ClassVar[dict[str, tuple[str, discord.ButtonStyle]]] = {}
    ID_TYPE: ClassVar[Callable[[str], Any]] = int
    # what a click does, ``handler(interaction, action, target_id)``: set by the extension that owns the
    # clicks (see :func:`on_click`), so a card (bot.cards) draws its buttons without importing it
    HANDLER: ClassVar[Callable[[discord.Interaction[VentasOpsBot], str, Any], Awaitable[None]] | None] = None

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

    async def handle(self, interaction: discord.Interaction[VentasOpsBot]) -> None:
        handler = type(self).HANDLER
        if handler is None:
            raise NotImplementedError(f"{type(self).__name__}: no extension handles these clicks")
        await handler(interaction, self.action, self.target_id)

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await self.handle(ventas_interaction(interaction))
        except Exception as exc:  # noqa: BLE001 - every failure gets a Spanish answer
            await report_error(interaction, exc)


def on_click(
    button: type[ActionButton], handler: Callable[[discord.Interaction[VentasOpsBot], str, Any], Awaitable[None]] | None
) -> None:
    """Make ``handler`` answer the clicks of ``button`` (an extension's ``setup``; None in ``teardown``)."""
    button.HANDLER = handler


class PersistentModal(discord.ui.Modal):
    """A modal whose submission is routed by its custom_id (:mod:`bot.modals`), not kept in memory.

    Subclasses pass ``template=`` (a regex over the custom_id, fully matched) and implement
    :meth:`from_match` (rebuild the same modal from the custom_id: the items' custom_ids must be
    the same) and :meth:`submit`, which must re-read the state from the database. Register the
    classes with ``bot.modals.add(...)`` in the cog's ``setup``; open with :meth:`open`.
    """

    __modal_template__: ClassVar[re.Pattern[str] | None] = None

    def __init_subclass__(cls, *, template: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if template is not None:
            cls.__modal_template__ = re.compile(template)

    def __init__(self, *, title: str, custom_id: str) -> None:
        super().__init__(title=title, custom_id=custom_id, timeout=None)
        template = type(self).__modal_template__
        if template is None or template.fullmatch(custom_id) is None:
            raise ValueError(f"custom_id {custom_id!r} does not match {type(self).__name__}'s template")

    @classmethod
    def from_match(cls, match: re.Match[str]) -> PersistentModal:
        raise NotImplementedError

    async def open(self, interaction: discord.Interaction) -> None:
        """Send the modal without letting discord.py keep it: its store is keyed by custom_id alone,
        so a second approver's modal would replace the first; the router answers every submission."""
        self.stop()
        await interaction.response.send_modal(self)

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        await self.submit(ventas_interaction(interaction))

    async def submit(self, interaction: discord.Interaction[VentasOpsBot]) -> None:
        """What the submission does (``on_submit`` with the bot's own interaction type)."""
        raise NotImplementedError

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any] | None = None, /
    ) -> None:
        # discord.py calls a modal's on_error without ``item`` but types BaseView's with it (Rapptz/discord.py
        # #9816, "as designed"): the optional third argument fits both signatures
        await report_error(interaction, error)
