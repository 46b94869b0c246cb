"""Steps created while a task runs (decision branches, batch clones) keep the counts a finished
step's task is re-evaluated from: at the end of each flow, on each backend, the stored rows are
what a re-evaluation of the whole task makes of them, and a batch's parallelism holds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from engine.api import Engine, open_engine
from engine.clock import FakeClock
from tests.backends import rows
from tests.engine.test_decisions_and_batches import FLOWS, HANDLERS, run
from tests.store.test_incremental_readiness import assert_as_evaluated

FLOWS_TO_RUN = [
    ("routed_approval", {"route": ["manager_approval", "finance_review"]}, "complete"),
    ("nested_decisions", {"route": ["left", "inner"], "inner_route": ["deep_b"]}, "complete"),
    ("batch_parallelism", {"items": 35, "batch_size": 5}, "complete"),
    ("batch_isolate", {"items": 30, "batch_size": 10, "fail_batches": ["001"]}, None),
    ("batch_continue_on_failure", {"items": 30, "batch_size": 10, "fail_batches": ["002"]}, None),
]


@pytest.fixture
async def engine(db: str | Path) -> AsyncIterator[Engine]:
    async with open_engine(db, templates=[FLOWS], handlers=HANDLERS, clock=FakeClock()) as eng:
        yield eng


@pytest.mark.parametrize(("name", "context", "status"), FLOWS_TO_RUN)
async def test_a_flow_that_creates_steps_ends_as_a_whole_evaluation_would(
    engine: Engine, db: str | Path, name: str, context: dict, status: str | None
) -> None:
    task = await run(engine, name, context, concurrency=8)
    if status is not None:
        assert task["status"] == status
    assert_as_evaluated(db, task["task_uuid"], engine.clock.now_ms())


async def test_clones_that_fail_and_retry_keep_to_the_parallelism(
    engine: Engine, db: str | Path
) -> None:
    context = {"items": 35, "batch_size": 5, "crash_after": 3}  # every clone retries once
    task = await run(engine, "batch_parallelism", context, concurrency=8)
    assert task["status"] == "complete"
    assert_as_evaluated(db, task["task_uuid"], engine.clock.now_ms())
    moves = rows(
        db,
        "SELECT from_state, to_state FROM step_transitions WHERE task_uuid = ?"
        " AND step_name LIKE 'process_%' ORDER BY id",
        (task["task_uuid"],),
    )
    assert [to for _, to in moves].count("waiting_for_retry") == 7
    out, most = 0, 0
    for from_state, to_state in moves:
        # a clone is out from its claim until it completes (a retry keeps its place)
        out += (to_state == "in_progress" and from_state == "pending") - (to_state == "complete")
        most = max(most, out)
    assert most == 2
