"""Failover: two bot processes on one database, the active one killed with kill -9 in each trial;
prints the standby's takeover time (kill → answering users) and the duplicated / lost items.

    uv run python bench/failover.py [TRIALS]          # SQLite file
    DATABASE_URL=postgresql+asyncpg://… uv run python bench/failover.py   # an empty PostgreSQL database
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.failover_trial import run_trials


async def main() -> None:
    trials = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    with tempfile.TemporaryDirectory() as tmp:
        fig = await run_trials(Path(tmp), trials, url=os.environ.get("DATABASE_URL") or None)
    s = fig.takeover_seconds
    print(f"trials (kill -9 of the active instance, standby takes over): {fig.trials}")
    print(f"takeover seconds: p50 {statistics.median(s):.1f}, max {max(s):.1f} "
          f"(all: {', '.join(f'{x:.1f}' for x in s)})")
    print(f"registrations acknowledged {fig.registrations_acknowledged}, deals stored {fig.deals_stored}, "
          f"card clicks decided {fig.clicks_decided}")
    print(f"duplicated items: {fig.duplicated}; lost items: {fig.lost}")


if __name__ == "__main__":
    asyncio.run(main())
