"""Routing of modal submissions by their ``custom_id``, the way ``DynamicItem`` routes button clicks.

discord.py 2.7 keeps the modals it sent in memory, keyed by ``custom_id`` alone, and drops a
submission it does not find there (``ViewStore.dispatch_modal``: "Modal interaction referencing
unknown custom_id ... Discarding"). That loses work three ways: after a restart, after the modal's
timeout, and when two approvers open the same per-object modal (the second replaces the first, the
first submission uses it up, the second gets no answer). So the bot never lets discord.py keep a
modal (:meth:`bot.ui.PersistentModal.open` stops it before sending) and routes every submission
here instead: ``Client.dispatch('interaction')`` reaches :meth:`VentasOpsBot.on_interaction` for
every interaction, known or not. Each modal class names a ``template`` (a regex over the
``custom_id``, e.g. ``bill-done:(?P<id>\\d+)``) and rebuilds itself from the match; its
``submit`` (called by ``on_submit``, :class:`bot.ui.PersistentModal`) re-reads the state from the database, so it
answers whoever submits, whenever.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping
from typing import Any, ClassVar, Protocol

import discord

log = logging.getLogger(__name__)


class RoutedModal(Protocol):
    __modal_template__: ClassVar[re.Pattern[str] | None]

    @classmethod
    def from_match(cls, match: re.Match[str]) -> discord.ui.Modal: ...


class ModalRouter:
    def __init__(self) -> None:
        self._routes: dict[re.Pattern[str], type[RoutedModal]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def add(self, *classes: type[RoutedModal]) -> None:
        for cls in classes:
            if cls.__modal_template__ is None:
                raise TypeError(f"{cls.__name__} has no template")
            self._routes[cls.__modal_template__] = cls

    def remove(self, *classes: type[RoutedModal]) -> None:
        for cls in classes:
            if cls.__modal_template__ is not None:
                self._routes.pop(cls.__modal_template__, None)

    def dispatch(self, interaction: discord.Interaction) -> bool:
        """Hand a modal submission to the modal class whose template matches; False when none does."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return False
        data: Mapping[str, Any] = interaction.data or {}  # a union of TypedDicts, one per interaction type
        custom_id = str(data.get("custom_id", ""))
        for pattern, cls in self._routes.items():
            match = pattern.fullmatch(custom_id)
            if match is None:
                continue
            modal = cls.from_match(match)
            modal.stop()
            # discord.py has no public way to feed a submission to a modal this process did not
            # send; ``_dispatch_submit`` is what its ViewStore calls: it reads the text inputs and
            # uploads into the modal's items, then runs interaction_check, on_submit / on_error.
            task = modal._dispatch_submit(interaction, data.get("components", []), data.get("resolved", {}))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return True
        return False
