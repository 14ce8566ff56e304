"""kill -9 trials: the bot subprocess killed at a random moment of a burst of 100 registrations and
approvals, then restarted and checked (see tests/e2e/crash_trial.py). Prints the figures.

    uv run python bench/crash.py [TRIALS] [SEED]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.crash_trial import run_trials


async def main() -> None:
    trials = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        fig = await run_trials(Path(tmp), trials, seed_value=seed)
        took = time.perf_counter() - t0
    print(f"trials (kill -9 + restart): {fig.trials} in {took:.0f} s, seed {seed}")
    print(f"registrations: sent {fig.registrations_sent}, acknowledged before the kill {fig.registrations_acknowledged}, "
          f"stored {fig.registrations_stored} (every acknowledged one exactly once, none half written)")
    print(f"approvals: sent {fig.approvals_sent}, acknowledged {fig.approvals_acknowledged} (all stored)")
    print(f"cards posted or adopted at restart for deals the crash left without a recorded one: {fig.cards_reposted}")
    print(f"deals with more than one live card after each restart: {fig.several_cards} "
          f"(total {sum(fig.several_cards)}, must be 0)")
    print(f"pending cards clicked after restart (all worked): {fig.buttons_clicked_after_restart}")
    print(f"kill moments (ms after the burst; answers already seen): "
          f"{list(zip(fig.kill_delays_ms, fig.kill_targets, strict=True))}")


if __name__ == "__main__":
    asyncio.run(main())
