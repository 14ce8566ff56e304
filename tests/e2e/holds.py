"""Fault hooks shared by the ``held_*_bot`` modules: each runs the bot exactly as ``python -m bot bot``
does, except that chosen steps wait forever — so a crash test can kill -9 the process at exactly that
point. Install the hooks at import time of the ``held_*`` module, before ``run_bot()``: the extensions
bind ``send_ephemeral`` when they are loaded."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import bot.interactions
import bot.outbox_worker

AnswerHold = Callable[[Any], bool]


async def forever() -> None:
    await asyncio.Event().wait()  # until the test's kill -9


def hold_answers(held: AnswerHold) -> None:
    """Every ephemeral answer to an interaction ``held(interaction)`` selects waits forever (the state
    change it reports is committed before the answer)."""
    real = bot.interactions.send_ephemeral

    async def send_ephemeral(interaction: Any, content: Any, **kwargs: Any) -> None:
        if held(interaction):
            await forever()
        await real(interaction, content, **kwargs)

    bot.interactions.send_ephemeral = send_ephemeral


def custom_id_starts(*prefixes: str) -> AnswerHold:
    """Select the interactions (button clicks, modal submissions) whose custom_id starts with a prefix."""
    return lambda interaction: str((getattr(interaction, "data", None) or {}).get("custom_id", "")).startswith(prefixes)


def hold_deliveries(held: Callable[[str], bool]) -> None:
    """The outbox worker never delivers an item whose dedupe key ``held(key)`` selects. Without this, the
    worker — kicked by the decision's commit — could deliver the DM before the test looks, and there
    would be no crash to survive."""
    real = bot.outbox_worker.OutboxWorker._deliver

    async def deliver(self: Any, row: Any) -> bool:
        if held(str(row.dedupe_key or "")):
            await forever()
        return await real(self, row)

    bot.outbox_worker.OutboxWorker._deliver = deliver


def run_bot() -> None:
    from tests import timetravel  # the suite's date, like every bot subprocess

    timetravel.start()
    from bot.cli import app  # after the hooks, as bot/__main__.py does

    app(prog_name="ventas-ops")
