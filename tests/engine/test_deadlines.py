"""Handler time limits on one timer behave as ``asyncio.timeout`` does, call by call."""

from __future__ import annotations

import asyncio
import time

import pytest

from engine.deadlines import Deadlines


async def test_a_call_past_its_limit_is_cancelled_and_raises_timeout() -> None:
    deadlines = Deadlines()
    start = time.monotonic()
    with pytest.raises(TimeoutError):
        async with deadlines.limit(0.05):
            await asyncio.sleep(5)
    assert 0.04 <= time.monotonic() - start < 1


async def test_a_call_within_its_limit_returns_and_leaves_nothing_behind() -> None:
    deadlines = Deadlines()
    async with deadlines.limit(0.05):
        await asyncio.sleep(0)
    await asyncio.sleep(0.1)  # past the limit: the timer finds nothing to cancel
    assert not deadlines._live and deadlines._timer is None


async def test_calls_side_by_side_each_end_at_their_own_limit() -> None:
    deadlines = Deadlines()
    start = time.monotonic()
    ended: dict[str, float] = {}

    async def call(name: str, limit: float, takes: float) -> str:
        try:
            async with deadlines.limit(limit):
                await asyncio.sleep(takes)
        except TimeoutError:
            ended[name] = time.monotonic() - start
            return "timed out"
        ended[name] = time.monotonic() - start
        return "done"

    long_first = asyncio.create_task(call("long", 0.3, 5))
    await asyncio.sleep(0.01)  # a shorter limit comes after a longer one
    results = await asyncio.gather(long_first, call("short", 0.05, 5), call("quick", 0.5, 0.01))
    assert list(results) == ["timed out", "timed out", "done"]
    assert 0.04 <= ended["short"] < 0.25 <= ended["long"] < 1
    assert not deadlines._live


async def test_a_cancellation_from_elsewhere_passes_through() -> None:
    deadlines = Deadlines()

    async def call() -> None:
        async with deadlines.limit(5):
            await asyncio.sleep(5)

    running = asyncio.create_task(call())
    await asyncio.sleep(0.01)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    assert not deadlines._live
