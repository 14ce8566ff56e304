"""``python -m tests.e2e.held_bot bot``: the bot exactly as ``python -m bot bot``, with one test-only
fault hook: with ``VENTAS_TEST_HOLD_AFTER=N``, every ``/registrar-negocio`` answer after the first N
waits forever — the deal is committed and its card posted, the "registrado" never leaves — so that a
test can kill -9 the process at exactly that point (issue 25: confirmations lost to a crash). With
``VENTAS_TEST_HOLD_DECISIONS=1``, every answer to a deal-card button waits forever the same way, and so
does the outbox's delivery of a decision's DMs (``decision:<approval>:<n>``): the decision and its queued
DMs are committed, nothing else happens (issue 17: decision DMs lost to a crash). Without that second
hold the outbox worker, kicked by the decision's commit, could deliver the DM before the test looks."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import bot.interactions
import bot.outbox_worker

HOLD_AFTER = int(os.environ.get("VENTAS_TEST_HOLD_AFTER", "-1"))
HOLD_DECISIONS = os.environ.get("VENTAS_TEST_HOLD_DECISIONS") == "1"
_real_send_ephemeral = bot.interactions.send_ephemeral
_answered = 0


async def _held_send_ephemeral(interaction: Any, content: Any, **kwargs: Any) -> None:
    global _answered
    command = getattr(interaction, "command", None)
    if HOLD_AFTER >= 0 and command is not None and command.qualified_name == "registrar-negocio":
        _answered += 1
        if _answered > HOLD_AFTER:
            await asyncio.Event().wait()  # until the test's kill -9
    data = getattr(interaction, "data", None) or {}
    if HOLD_DECISIONS and str(data.get("custom_id", "")).startswith("deal:"):
        await asyncio.Event().wait()  # until the test's kill -9
    await _real_send_ephemeral(interaction, content, **kwargs)


_real_deliver = bot.outbox_worker.OutboxWorker._deliver


async def _held_deliver(self: Any, row: Any) -> bool:
    if HOLD_DECISIONS and str(row.dedupe_key or "").startswith("decision:"):
        await asyncio.Event().wait()  # until the test's kill -9
    return await _real_deliver(self, row)


bot.outbox_worker.OutboxWorker._deliver = _held_deliver
# the cogs bind ``send_ephemeral`` when their extension is loaded, after this assignment
bot.interactions.send_ephemeral = _held_send_ephemeral

if __name__ == "__main__":
    from tests import timetravel

    timetravel.start()  # on the suite's date, like every bot subprocess
    from bot.cli import app

    app(prog_name="ventas-ops")
