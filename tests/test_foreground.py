"""bot.background.Foreground: follow-up work waits while an answer is being served, and never for
longer than max_wait."""

from __future__ import annotations

import asyncio

import pytest

from bot.background import Foreground


async def test_follow_up_waits_until_every_answer_is_served() -> None:
    gate = Foreground(max_wait=30)
    order: list[str] = []

    async def follow_up() -> None:
        await gate.wait_quiet()
        order.append("card")

    with gate.serving():
        with gate.serving():
            task = asyncio.create_task(follow_up())
            await asyncio.sleep(0.05)
            order.append("answer 1")
        await asyncio.sleep(0.05)
        order.append("answer 2")
    await asyncio.wait_for(task, 5)
    assert order == ["answer 1", "answer 2", "card"]
    assert gate.serving_now == 0


async def test_an_error_while_serving_releases_the_gate_and_the_wait_is_bounded() -> None:
    gate = Foreground(max_wait=0.2)
    with pytest.raises(RuntimeError), gate.serving():
        raise RuntimeError("refused")
    await asyncio.wait_for(gate.wait_quiet(), 0.05)  # quiet again at once
    with gate.serving():  # a stream that never ends delays the follow-up work, it does not starve it
        await asyncio.wait_for(gate.wait_quiet(), 5)
        assert gate.serving_now == 1


async def test_follow_ups_start_after_the_answers_and_run_a_few_at_a_time() -> None:
    gate = Foreground(max_wait=30, follow_ups=2)
    running = most = 0

    async def card() -> None:
        nonlocal running, most
        async with gate.follow_up():
            running += 1
            most = max(most, running)
            await asyncio.sleep(0.02)
            running -= 1

    with gate.serving():
        tasks = [asyncio.create_task(card()) for _ in range(6)]
        await asyncio.sleep(0.05)
        assert most == 0  # a card waits while a registration is being answered
    await asyncio.wait_for(asyncio.gather(*tasks), 5)
    assert most == 2
