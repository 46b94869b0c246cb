"""Group commit with several writes in flight: a store that runs writes side by side
(``concurrent_writes``, PostgreSQL) gets up to that many at once, each taking what waits when
it starts; a store without it (SQLite) gets one at a time, the rest grouped behind it."""

from __future__ import annotations

import asyncio

from engine import lifecycle
from engine.clock import FakeClock
from engine.group_commit import GroupCommit
from engine.states import StepState
from engine.store.base import AttemptResult, Finished


class SlowStore:
    """Holds every write until released; records the batches and the most in flight."""

    def __init__(self, concurrent_writes: int | None) -> None:
        if concurrent_writes is not None:
            self.concurrent_writes = concurrent_writes
        self.release = asyncio.Event()
        self.batches: list[list[str]] = []
        self.in_flight = 0
        self.most_in_flight = 0

    async def finish_attempts(self, results, now_ms, by, claim_limit, lease_ms) -> Finished:
        self.batches.append([r.step_uuid for r in results])
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        await self.release.wait()
        self.in_flight -= 1
        return Finished([True] * len(results), [], {})


def _result(n: int) -> AttemptResult:
    decision = lifecycle.Decision(StepState.COMPLETE, "attempt succeeded", {})
    return AttemptResult(f"step-{n}", 1, decision)


def _commits(store: SlowStore) -> GroupCommit:
    return GroupCommit(
        store,  # type: ignore[arg-type]
        FakeClock(),
        "w1",
        30_000,
        reserve_slots=lambda n: 0,
        release_slots=lambda n: None,
        start=lambda step: None,
        settled=lambda step_uuid: None,
    )


async def _submit_five(store: SlowStore) -> list[bool]:
    commits = _commits(store)
    submitted = []
    for n in range(5):  # one after another, each once the writes before it are under way
        submitted.append(asyncio.create_task(commits.submit(_result(n))))
        for _ in range(3):
            await asyncio.sleep(0)
    store.release.set()
    stored = await asyncio.gather(*submitted)
    await commits.flush()
    return stored


async def test_a_store_that_writes_side_by_side_gets_that_many_writes_at_once() -> None:
    store = SlowStore(concurrent_writes=2)
    assert await _submit_five(store) == [True] * 5
    assert store.most_in_flight == 2
    # The first two results each started a write; the three that came while both were in
    # flight went together in the next one.
    assert store.batches == [["step-0"], ["step-1"], ["step-2", "step-3", "step-4"]]


async def test_a_store_that_writes_one_at_a_time_groups_what_waits_behind_it() -> None:
    store = SlowStore(concurrent_writes=None)
    assert await _submit_five(store) == [True] * 5
    assert store.most_in_flight == 1
    assert store.batches == [["step-0"], ["step-1", "step-2", "step-3", "step-4"]]


async def test_a_result_submitted_as_the_last_write_ends_gets_a_write_of_its_own() -> None:
    # A writer that has finished is forgotten by its done-callback, a turn of the loop later;
    # a result submitted in between must get a write of its own, not wait for that writer.
    for concurrent_writes in (None, 2):
        store = SlowStore(concurrent_writes)
        store.release.set()
        commits = _commits(store)
        finished = asyncio.create_task(asyncio.sleep(0))
        await finished
        commits._writers.update([finished] * 2)  # done, not yet forgotten
        assert await asyncio.wait_for(commits.submit(_result(1)), 2) is True
        assert store.batches == [["step-1"]]
        await asyncio.wait_for(commits.flush(), 2)
