"""``python -m tests.e2e.held_bot bot``: the bot exactly as ``python -m bot bot``, with one test-only
fault hook: with ``VENTAS_TEST_HOLD_AFTER=N``, every ``/registrar-negocio`` answer after the first N
waits forever — the deal is committed and its card posted, the "registrado" never leaves — so that a
test can kill -9 the process at exactly that point (issue 25: confirmations lost to a crash). With
``VENTAS_TEST_HOLD_DECISIONS=1``, every answer to a deal-card button waits forever the same way, and so
does the outbox's delivery of a decision's DMs (``decision:<approval>:<n>``): the decision and its queued
DMs are committed, nothing else happens (issue 17: decision DMs lost to a crash). Without that second
hold the outbox worker, kicked by the decision's commit, could deliver the DM before the test looks."""

from __future__ import annotations

import os
from typing import Any

from tests.e2e.holds import custom_id_starts, hold_answers, hold_deliveries, run_bot

HOLD_AFTER = int(os.environ.get("VENTAS_TEST_HOLD_AFTER", "-1"))
HOLD_DECISIONS = os.environ.get("VENTAS_TEST_HOLD_DECISIONS") == "1"
_answered = 0
_decision_click = custom_id_starts("deal:")


def _held(interaction: Any) -> bool:
    global _answered
    command = getattr(interaction, "command", None)
    if HOLD_AFTER >= 0 and command is not None and command.qualified_name == "registrar-negocio":
        _answered += 1
        if _answered > HOLD_AFTER:
            return True
    return HOLD_DECISIONS and _decision_click(interaction)


hold_answers(_held)
if HOLD_DECISIONS:
    hold_deliveries(lambda key: key.startswith("decision:"))

if __name__ == "__main__":
    run_bot()
