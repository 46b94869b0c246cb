"""An idle worker's wait: until it is woken, or until the poll interval has passed."""

from __future__ import annotations

import asyncio
import time

from engine.clock import wait_for_event


async def test_it_returns_when_the_event_is_set() -> None:
    event = asyncio.Event()
    asyncio.get_running_loop().call_later(0.02, event.set)
    start = time.monotonic()
    await wait_for_event(event, 5)
    assert event.is_set() and time.monotonic() - start < 1


async def test_it_returns_after_the_timeout_leaving_the_event_clear() -> None:
    event = asyncio.Event()
    start = time.monotonic()
    await wait_for_event(event, 0.05)
    assert 0.04 <= time.monotonic() - start < 1
    assert not event.is_set()


async def test_a_set_event_returns_at_once_and_the_waiter_can_still_be_cancelled() -> None:
    event = asyncio.Event()
    event.set()
    await asyncio.wait_for(wait_for_event(event, 5), 0.5)
    waiting = asyncio.create_task(wait_for_event(asyncio.Event(), 5))
    await asyncio.sleep(0.01)
    waiting.cancel()
    try:
        await waiting
    except asyncio.CancelledError:
        pass
    assert waiting.cancelled()
