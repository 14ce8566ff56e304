"""LoopWorker: a kick that arrives while the loop is working is not lost (the outbox worker's round
that queues a closed-DMs notice, or a decision committed during a flush, is followed by another round
at once, not after the idle interval)."""

from __future__ import annotations

import asyncio

from bot.background import LoopWorker


class Counting(LoopWorker):
    def __init__(self) -> None:
        super().__init__()
        self.rounds = 0
        self.working = asyncio.Event()
        self.release = asyncio.Event()

    async def _loop(self) -> None:
        while not self._stopping:
            self.rounds += 1
            if self.rounds == 1:
                self.working.set()
                await self.release.wait()
            await self._nap(3600)


async def test_a_kick_during_a_round_starts_another_round_at_once():
    w = Counting()
    w._start(w._loop(), "prueba")
    try:
        await asyncio.wait_for(w.working.wait(), 5)
        w._wake.set()  # a kick while the first round works
        w.release.set()
        async with asyncio.timeout(5):
            while w.rounds < 2:
                await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        assert w.rounds == 2  # one more round, then asleep again (the kick was used once)
    finally:
        await w.stop()
