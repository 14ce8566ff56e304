"""The bot exactly as ``python -m bot bot`` runs it, plus a fault hook for crash tests.

``VENTAS_TEST_HOLD_CARDS=deal``: every deal card is posted but its message id is never recorded
(the recording waits forever), so a test can kill -9 the process inside the window between the two,
deterministically. Run with ``python -m tests.e2e.held_cards_bot bot`` (``BotProcess(module=...)``).
"""

from __future__ import annotations

import os
from typing import Any

from bot.services import deals
from tests.e2e.holds import forever, run_bot


async def _never_recorded(*_args: Any, **_kwargs: Any) -> None:
    await forever()


def install() -> None:
    if os.environ.get("VENTAS_TEST_HOLD_CARDS") == "deal":
        deals.set_card = _never_recorded  # type: ignore[assignment]


if __name__ == "__main__":
    install()
    run_bot()
