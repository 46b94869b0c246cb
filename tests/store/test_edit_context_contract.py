"""``Store.edit_context`` on every backend: the new context, its audit row, one transaction."""

from __future__ import annotations

import pytest

from engine.search_query import parse
from engine.store import IllegalAction, Store, TaskNotFound
from tests.store.support import T0, plan


async def test_the_new_context_is_stored_with_its_audit_row_and_claims_read_it(
    store: Store,
) -> None:
    made = plan({"a": ()}, context={"email": "old@example.com"})
    await store.create_task(made, T0)
    cursor, _ = await store.changed_tasks(0)
    diff = {"context_diff": ['~ $.email: "old@example.com" → "new@example.com"']}
    await store.edit_context(
        made.task_uuid, {"email": "new@example.com"}, T0 + 5, "alice", "typo", diff
    )
    task = await store.get_task(made.task_uuid)
    assert task["context"] == {"email": "new@example.com"}
    assert task["updated_at"] == T0 + 5
    last = (await store.task_audit(made.task_uuid))[-1]
    assert (last["from_state"], last["to_state"]) == ("pending", "pending")
    assert (last["by"], last["reason"], last["metadata"]) == ("alice", "typo", diff)
    assert made.task_uuid in (await store.changed_tasks(cursor))[1], "the console sees it"
    [claimed] = await store.claim_ready("w1", T0 + 6, 5, 1000)
    assert claimed.context == {"email": "new@example.com"}


async def test_a_finished_or_missing_task_is_refused_and_unchanged(store: Store) -> None:
    made = plan({"a": ()}, context={"n": 1})
    await store.create_task(made, T0)
    await store.task_action(made.task_uuid, "cancel", T0 + 1, "alice", "dup")
    with pytest.raises(IllegalAction, match="is cancelled; only an unfinished task"):
        await store.edit_context(made.task_uuid, {"n": 2}, T0 + 2, "alice", "r", {})
    assert (await store.get_task(made.task_uuid))["context"] == {"n": 1}
    with pytest.raises(TaskNotFound):
        await store.edit_context("no-such-task", {"n": 2}, T0 + 2, "alice", "r", {})


async def test_search_finds_the_task_by_its_new_context_not_the_old(store: Store) -> None:
    made = plan({"a": ()}, context={"email": "old@example.com"})
    await store.create_task(made, T0)
    await store.edit_context(made.task_uuid, {"email": "new@example.com"}, T0 + 5, "a", "r", {})
    found = await store.search_tasks(parse("ctx.email:new@example.com"), 10)
    assert [t["task_uuid"] for t in found["tasks"]] == [made.task_uuid]
    assert (await store.search_tasks(parse("old@example.com"), 10))["total"] == 0
