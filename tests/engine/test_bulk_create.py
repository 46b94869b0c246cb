"""Creating many tasks at once gives what creating them one by one gives, in one write."""

from __future__ import annotations

import pytest

from engine.api import Engine, EngineError


def without_ids(task: dict) -> dict:
    """A task view with what differs between two tasks of the same content left out."""
    ignored = {"task_uuid", "identity_hash", "context", "step_uuid"}
    view = {k: v for k, v in task.items() if k not in ignored}
    view["steps"] = [{k: v for k, v in s.items() if k not in ignored} for s in task["steps"]]
    return view


async def test_bulk_tasks_match_tasks_created_one_by_one(engine: Engine) -> None:
    single = await engine.create_task("flaky_chain", "testing", {"n": 0}, initiator="importer")
    made = await engine.create_tasks(
        "flaky_chain", "testing", [{"n": 1}, {"n": 2}, {"n": 0}], initiator="importer"
    )
    assert [created for _, created in made] == [True, True, False]
    assert made[2][0] == single.task["task_uuid"], "a duplicate gives the existing task"
    for uuid, _ in made[:2]:
        task = await engine.get_task(uuid)
        assert without_ids(task) == without_ids(single.task)
        assert [r["to_state"] for r in await engine.task_audit(uuid)] == ["pending"]
    assert len(await engine.list_tasks(limit=10)) == 3
    await engine.run_until_idle()
    assert {t["status"] for t in await engine.list_tasks(limit=10)} == {"complete"}


async def test_a_bad_context_refuses_the_whole_batch(engine: Engine) -> None:
    with pytest.raises(EngineError, match="the context must be a JSON object"):
        await engine.create_tasks("flaky_chain", "testing", [{"n": 1}, ["not", "an", "object"]])  # type: ignore[list-item]
    assert await engine.list_tasks(limit=10) == []
