"""The HubSpot queue on its own: in-memory sources standing in for the database."""

from __future__ import annotations

import asyncio

from bot.hubspot.gateway import HubSpotUnavailable
from bot.hubspot.queue import HubSpotQueue


class Source:
    """Pending ids (the "database"); ``run`` removes an id once done, like a verified deal."""

    def __init__(self, ids, *, fail=(), down=False, delay=0.0):
        self.ids = sorted(ids)
        self.fail = set(fail)
        self.down = down
        self.delay = delay
        self.started: list[int] = []
        self.in_flight = 0
        self.most_in_flight = 0

    async def pending(self, after_id, limit):
        return [i for i in self.ids if i > after_id][:limit]

    async def run(self, item):
        self.started.append(item)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay)
            if self.down:
                raise HubSpotUnavailable("down")
            if item in self.fail:
                raise ValueError("HubSpot refused this one")
            self.ids.remove(item)
        finally:
            self.in_flight -= 1


async def test_a_burst_is_done_oldest_first_with_bounded_concurrency():
    src = Source(range(1, 121), delay=0.01)
    q = HubSpotQueue(concurrency=3, batch=50)
    q.register("deals", src.pending, src.run)
    done = await q.run_pass()
    assert done == {"deals": list(range(1, 121))}
    assert src.started == list(range(1, 121))  # started in order, batch after batch
    assert src.most_in_flight == 3 and src.ids == []


async def test_an_item_hubspot_refuses_does_not_hold_up_the_others_and_waits_its_turn():
    src = Source([1, 2, 3], fail={2})
    q = HubSpotQueue(concurrency=1, retry_failed_after=3600)
    q.register("deals", src.pending, src.run)
    assert await q.run_pass() == {"deals": [1, 3]}
    assert q.healthy and src.ids == [2]
    src.started.clear()
    assert await q.run_pass() == {"deals": []} and src.started == []  # not retried before its time
    q._failed.clear()  # noqa: SLF001 - its time has come
    src.fail.clear()
    assert await q.run_pass() == {"deals": [2]}


async def test_the_worker_waits_for_the_burst_then_backs_off_during_an_outage():
    src = Source([1, 2], down=True)
    q = HubSpotQueue(concurrency=4, quiet=0.05, backoff_min=2.0, backoff_max=2.0, idle_interval=3600)
    q.register("deals", src.pending, src.run)
    q.start()
    try:
        q.kick()
        await q.wait_idle(5)
        assert not q.healthy and src.started[:1] == [1]
        tried = len(src.started)
        for _ in range(5):  # kicks during an outage do not shorten the 2 s back-off …
            q.kick()
        await asyncio.sleep(0.2)  # (a kick would have started a pass after the 0.05 s quiet period)
        assert len(src.started) == tried
        src.down = False  # … which ends with a probe of the oldest, then the rest
        for _ in range(500):
            if not src.ids:
                break
            await asyncio.sleep(0.02)
        assert src.ids == [] and q.healthy and q.outages == 0
        src.ids = [3]
        q.kick()  # healthy again: a kick wakes the worker (after the quiet period)
        await q.wait_idle(5)
        assert src.ids == [] and src.started[-1] == 3
    finally:
        await q.stop()
    assert q._task is None  # noqa: SLF001 - stopped


async def test_items_wait_while_answers_are_being_served():
    """``yield_to`` (the bot's Foreground.wait_quiet) is awaited before each item: a pass that is
    running when a burst of registrations arrives starts no new HubSpot work until they are answered."""
    from bot.background import Foreground

    gate = Foreground(max_wait=30)
    src = Source(range(1, 7))
    q = HubSpotQueue(concurrency=2, yield_to=gate.wait_quiet)
    q.register("deals", src.pending, src.run)
    with gate.serving():
        task = asyncio.create_task(q.run_pass())
        await asyncio.sleep(0.1)
        assert src.started == []  # nothing started while an answer is being served
    done = await asyncio.wait_for(task, 5)
    assert done == {"deals": [1, 2, 3, 4, 5, 6]} and src.started == [1, 2, 3, 4, 5, 6]
