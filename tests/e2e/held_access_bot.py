"""``python -m tests.e2e.held_access_bot bot``: the bot exactly as ``python -m bot bot``, except that
every answer to an access request's reason modal (``acc-reason:<id>``) waits forever, and so does the
outbox's delivery of a decision's DM (``acceso:<id>:aprobada|rechazada``): the rejection and its queued
DM are committed, nothing else happens — so a test can kill -9 the process at exactly that point
(issue 17: access-request DMs lost to a crash). Without the second hold the outbox worker, kicked by the
decision's commit, could deliver the DM before the test looks, and there would be no crash to survive."""

from __future__ import annotations

import asyncio
from typing import Any

import bot.interactions
import bot.outbox_worker

_real_send_ephemeral = bot.interactions.send_ephemeral


async def _held_send_ephemeral(interaction: Any, content: Any, **kwargs: Any) -> None:
    data = getattr(interaction, "data", None) or {}
    if str(data.get("custom_id", "")).startswith("acc-reason:"):
        await asyncio.Event().wait()  # until the test's kill -9
    await _real_send_ephemeral(interaction, content, **kwargs)


_real_deliver = bot.outbox_worker.OutboxWorker._deliver


async def _held_deliver(self: Any, row: Any) -> bool:
    if str(row.dedupe_key or "").endswith((":aprobada", ":rechazada")):
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
