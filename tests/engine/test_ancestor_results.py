"""A step's ancestors' results: read from their stored text only when its handler asks, and its
own, so what one handler does to them changes nothing another step sees."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from engine.ancestor_results import AncestorResults
from engine.api import Engine, open_engine
from engine.handlers.context import StepContext
from tasker_core.step_handler.functional import step_handler
from tests.engine.support import DATA, HANDLERS

FORK = """\
name: fork
namespace_name: testing
version: 1.0.0
steps:
  - { name: start, handler: { callable: testing_ancestors } }
  - { name: changes_it, handler: { callable: testing_ancestors }, dependencies: [start] }
  - { name: reads_it, handler: { callable: testing_ancestors }, dependencies: [start] }
"""


def _context(results: AncestorResults) -> StepContext:
    return StepContext("t", "s", "step", "h", {}, results, {}, {}, 0, 3)


def test_nothing_is_parsed_until_asked_for() -> None:
    results = AncestorResults({"fine": '{"n": 1}', "broken": "{not json"})
    context = _context(results)
    assert sorted(context.get_dependency_result_keys()) == ["broken", "fine"]
    assert "broken" in results and len(results) == 2
    assert context.get_dependency_result("fine") == {"n": 1}  # the broken one is never read
    assert context.get_dependency_result("missing") is None
    with pytest.raises(json.JSONDecodeError):
        context.get_dependency_result("broken")


def test_each_step_parses_its_own_copy() -> None:
    texts = {"start": '{"items": [1, 2]}'}
    one, other = _context(AncestorResults(texts)), _context(AncestorResults(texts))
    one.get_dependency_result("start")["items"].append(99)
    assert other.get_dependency_result("start") == {"items": [1, 2]}
    assert one.dependency_results["start"]["result"] == {"items": [1, 2, 99]}  # its own, kept
    assert isinstance(other.dependency_results, dict)
    assert other.dependency_results == {
        "start": {"success": True, "result": {"items": [1, 2]}, "metadata": {}}
    }


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[Engine]:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "fork.yaml").write_text(FORK)
    async with open_engine(
        tmp_path / "tasker.db", templates=[DATA, folder], handlers=HANDLERS
    ) as eng:
        yield eng


async def test_a_handler_changing_its_ancestors_results_changes_nothing_a_sibling_sees(
    engine: Engine,
) -> None:
    changed = asyncio.Event()

    @step_handler("testing_ancestors")
    async def handler(context: Any) -> dict[str, Any]:
        if context.step_name == "start":
            return {"items": [1, 2]}
        if context.step_name == "changes_it":
            context.get_dependency_result("start")["items"].append(99)
            changed.set()
            return {}
        await asyncio.wait_for(changed.wait(), 5)  # claimed in the same write as changes_it
        return {"saw": context.get_dependency_result("start")["items"]}

    engine.registry.register("testing_ancestors", handler)
    worker = engine.worker(concurrency=4)
    running = asyncio.create_task(worker.run())
    try:
        made = await engine.create_task("fork", "testing", {})
        assert await engine.wait_for_task(made.task_uuid, timeout_s=10) == "complete"
    finally:
        worker.stop()
        await running
        engine.registry.unregister("testing_ancestors")
    task = await engine.get_task(made.task_uuid)
    steps = {step["name"]: step for step in task["steps"]}
    assert steps["reads_it"]["results"] == {"saw": [1, 2]}
    assert steps["start"]["results"] == {"items": [1, 2]}
