"""The lease keeper renews from its own thread while the loop answers or is blocked for less
than the longest time limit of the running steps; past that it lets the leases run out."""

from __future__ import annotations

import asyncio

from engine.clock import FakeClock
from engine.lease_keeper import LeaseKeeper


class Holder:
    worker_id = "w1"
    lease_ms = 1000

    def __init__(self) -> None:
        self.flagged_steps: list[set[str]] = []

    def leased(self) -> list[str]:
        return ["a", "b"]

    def longest_time_limit_s(self) -> float:
        return 30.0

    def step_of(self, task: asyncio.Task[object] | None) -> str | None:
        return None

    def flagged(self, step_uuids: set[str]) -> None:
        self.flagged_steps.append(step_uuids)


class Renewer:
    def __init__(self, flagged: set[str]) -> None:
        self.calls: list[tuple[str, list[str], int]] = []
        self._flagged = flagged

    def renew(self, worker_id: str, step_uuids: list[str], lease_until_ms: int) -> set[str]:
        self.calls.append((worker_id, step_uuids, lease_until_ms))
        return self._flagged

    def close(self) -> None:
        pass


async def test_renews_while_the_loop_is_blocked_for_less_than_the_longest_limit() -> None:
    holder, renewer, clock = Holder(), Renewer({"b"}), FakeClock()
    keeper = LeaseKeeper(holder, renewer, clock, asyncio.get_running_loop(), 0.5)
    keeper._renew(["a", "b"], blocked_s=0.0)
    keeper._renew(["a", "b"], blocked_s=29.0)
    assert renewer.calls == [("w1", ["a", "b"], clock.now_ms() + 1000)] * 2
    await asyncio.sleep(0)  # the flagged steps are handed to the loop
    assert holder.flagged_steps == [{"b"}, {"b"}]


async def test_a_loop_blocked_past_the_longest_limit_lets_the_leases_run_out() -> None:
    holder, renewer = Holder(), Renewer(set())
    keeper = LeaseKeeper(holder, renewer, FakeClock(), asyncio.get_running_loop(), 0.5)
    keeper._renew(["a", "b"], blocked_s=31.0)
    assert renewer.calls == []
    keeper._renew(["a", "b"], blocked_s=0.0)  # the loop answers again: renewals resume
    assert len(renewer.calls) == 1
