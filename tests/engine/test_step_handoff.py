"""The step a result's write claims runs next in the finished step's own task; steps that can
run side by side still get tasks of their own, and a cancellation is never passed on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.api import Engine, open_engine
from engine.clock import FakeClock
from tasker_core.step_handler.functional import step_handler
from tests.engine.support import DATA, HANDLERS


def _template(name: str, steps: dict[str, list[str]]) -> str:
    lines = [f"name: {name}", "namespace_name: testing", "version: 1.0.0", "steps:"]
    for step, after in steps.items():
        lines += [f"  - name: {step}", "    handler: { callable: testing_where_am_i }"]
        lines += [f"    dependencies: [{', '.join(after)}]"] if after else []
    return "\n".join(lines) + "\n"


TEMPLATES = {
    "line": {"one": [], "two": ["one"], "three": ["two"], "four": ["three"]},
    "fork": {"start": [], "left": ["start"], "right": ["start"], "join": ["left", "right"]},
    "self_cancel": {"cancels_itself": [], "then": ["cancels_itself"], "last": ["then"]},
}


class Seen:
    """Which task ran each step, and which steps were running at the same time."""

    def __init__(self) -> None:
        self.task: dict[str, int] = {}
        self.running: set[str] = set()
        self.overlapped: set[frozenset[str]] = set()


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[Engine]:
    folder = tmp_path / "templates"
    folder.mkdir()
    for name, steps in TEMPLATES.items():
        (folder / f"{name}.yaml").write_text(_template(name, steps))
    async with open_engine(
        tmp_path / "tasker.db", templates=[DATA, folder], handlers=HANDLERS, clock=FakeClock()
    ) as eng:
        yield eng


@pytest.fixture
def seen(engine: Engine) -> Iterator[Seen]:
    seen = Seen()

    @step_handler("testing_where_am_i")
    async def where_am_i(context: Any) -> dict[str, Any]:
        name = context.step_name
        seen.task[name] = id(asyncio.current_task())
        seen.overlapped |= {frozenset((name, other)) for other in seen.running}
        seen.running.add(name)
        try:
            if name == "cancels_itself":  # a cancellation left pending as the step ends
                me = asyncio.current_task()
                assert me is not None
                me.cancel()
                return {}
            if name in ("left", "right", "then"):
                await asyncio.sleep(0.02)  # a step that waits: a pending cancel would hit it
            return {}
        finally:
            seen.running.discard(name)

    engine.registry.register("testing_where_am_i", where_am_i)
    yield seen
    engine.registry.unregister("testing_where_am_i")


async def _run(engine: Engine, name: str) -> tuple[str, str]:
    """The task's status once settled, and its uuid."""
    worker = engine.worker(concurrency=4)
    running = asyncio.create_task(worker.run())
    try:
        made = await engine.create_task(name, "testing", {})
        return await engine.wait_for_task(made.task_uuid, timeout_s=10), made.task_uuid
    finally:
        worker.stop()
        await running
        assert worker.running_count == 0


async def test_a_line_of_steps_runs_in_one_task(engine: Engine, seen: Seen) -> None:
    assert (await _run(engine, "line"))[0] == "complete"
    assert len(set(seen.task.values())) == 1
    assert list(seen.task) == ["one", "two", "three", "four"]


async def test_steps_made_ready_together_still_run_side_by_side(engine: Engine, seen: Seen) -> None:
    assert (await _run(engine, "fork"))[0] == "complete"
    assert seen.task["left"] != seen.task["right"]
    assert frozenset(("left", "right")) in seen.overlapped
    assert seen.task["start"] in (seen.task["left"], seen.task["right"])  # one was handed on


async def test_a_cancellation_pending_as_a_step_ends_is_not_passed_on(
    engine: Engine, seen: Seen
) -> None:
    status, task_uuid = await _run(engine, "self_cancel")
    assert status == "complete"
    assert seen.task["then"] != seen.task["cancels_itself"]  # handed to a task of its own
    task = await engine.get_task(task_uuid)
    assert [s["attempts"] for s in task["steps"]] == [1, 1, 1]
