"""Time as a parameter: the engine asks a Clock, tests advance a FakeClock and never sleep."""

from __future__ import annotations

import asyncio
import time
from typing import Protocol


class Clock(Protocol):
    def now_ms(self) -> int:
        """Wall-clock time in epoch milliseconds."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` (a FakeClock returns at once)."""
        ...


class SystemClock:
    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class FakeClock:
    """A clock that moves only when told; ``sleep`` advances it instead of waiting."""

    def __init__(self, start_ms: int = 1_767_225_600_000) -> None:  # 2026-01-01T00:00:00Z
        self._now_ms = start_ms

    def now_ms(self) -> int:
        return self._now_ms

    def advance(self, ms: int) -> None:
        self._now_ms += ms

    async def sleep(self, seconds: float) -> None:
        self._now_ms += int(seconds * 1000)
        await asyncio.sleep(0)


async def wait_for_event(event: asyncio.Event, timeout_s: float) -> None:
    """Wait until ``event`` is set or ``timeout_s`` of real time passed (work from elsewhere)."""
    if event.is_set():
        return
    try:
        async with asyncio.timeout(timeout_s):  # in this task: wait_for would start another
            await event.wait()
    except TimeoutError:
        pass
