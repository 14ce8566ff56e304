"""A cog base for features with cards and detached modals (:mod:`bot.modals`): it routes the modal
submissions and posts the cards a crash or a Discord refusal left unposted (once at start-up, then
whenever the periodic cards job calls :meth:`CardsCog.repost_cards`)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, ClassVar

import discord
from discord.ext import commands

from bot import modals

log = logging.getLogger(__name__)


async def post_once(posting: set[int], row_id: int, post: Callable[[], Awaitable[bool]]) -> bool:
    """Run ``post`` unless the same row's card is already being posted in this process (the command
    and the start-up repost can race); ``post`` must itself skip a row whose card is stored."""
    if row_id in posting:
        return True
    posting.add(row_id)
    try:
        return await post()
    finally:
        posting.discard(row_id)


class CardsCog(commands.Cog):
    """Subclasses set ``MODALS`` (custom_id prefix → submit handler), ``missing_cards(session, before)``
    (ids without a card) and ``post_one(bot, id)``."""

    MODALS: ClassVar[dict[str, modals.Handler]] = {}
    missing_cards: ClassVar[Callable[[Any, datetime], Awaitable[list[int]]]]
    post_one: ClassVar[Callable[[Any, int], Awaitable[bool]]]

    def __init__(self, bot: Any) -> None:
        self.bot = bot
        self._cards_checked = False

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        await modals.dispatch_submit(interaction, self.MODALS)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        if not self._cards_checked:  # once per process
            self._cards_checked = True
            await self.repost_cards()

    async def repost_cards(self, created_before: datetime | None = None) -> None:
        try:
            async with self.bot.sessionmaker() as session:
                ids = await type(self).missing_cards(session, created_before or self.bot.clock.now())
            for row_id in ids:
                await type(self).post_one(self.bot, row_id)
        except Exception:  # noqa: BLE001 - start-up and the job must go on
            log.exception("Posting missing %s cards failed", type(self).__name__)
