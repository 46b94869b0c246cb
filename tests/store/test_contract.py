"""The store contract, one suite on every backend: what the engine relies on, state by state."""

from __future__ import annotations

import asyncio

import pytest

from engine import lifecycle, retry
from engine.outcomes import Outcome
from engine.store import IllegalAction, StepNotFound, Store, TaskNotFound, open_store
from engine.store.base import AmbiguousPrefix, AttemptResult
from tests.store.support import T0, failure, plan, success


async def states(store: Store, task_uuid: str) -> dict[str, str]:
    task = await store.get_task(task_uuid)
    return {s["name"]: s["current_state"] for s in task["steps"]}


async def test_create_is_idempotent_on_the_identity_hash(store: Store) -> None:
    first = plan(identity="same")
    assert await store.create_task(first, T0) == (first.task_uuid, True)
    again = plan(identity="same")
    assert await store.create_task(again, T0 + 5) == (first.task_uuid, False)
    assert len(await store.list_tasks(None, None, 10)) == 1
    task = await store.get_task(first.task_uuid)
    assert task["status"] == "pending" and task["total_steps"] == 2
    assert task["execution_status"] == "has_ready_steps"
    assert [a["to_state"] for a in await store.task_audit(first.task_uuid)] == ["pending"]


async def test_a_claim_counts_an_attempt_and_hands_over_context_and_ancestors(
    store: Store,
) -> None:
    made = plan({"a": (), "b": ("a",), "c": ("b",)}, context={"cart": [1, 2]})
    await store.create_task(made, T0)
    [a] = await store.claim_ready("w1", T0, 5, 1000)
    assert (a.name, a.attempts, a.run_count, a.context) == ("a", 1, 1, {"cart": [1, 2]})
    assert await store.claim_ready("w2", T0, 5, 1000) == []  # b waits for a
    stored, next_claims, _ = await store.finish_attempts([success(a, {"x": 1})], T0 + 1, "w1", 4)
    assert stored == [True] and [c.name for c in next_claims] == ["b"]
    [b] = next_claims
    _, [c], _ = await store.finish_attempts([success(b, {"y": 2})], T0 + 2, "w1", 4)
    assert c.dependency_results == {
        "b": {"success": True, "result": {"y": 2}, "metadata": {}},
        "a": {"success": True, "result": {"x": 1}, "metadata": {}},
    }
    await store.finish_attempts([success(c)], T0 + 3, "w1")
    task = await store.get_task(made.task_uuid)
    assert task["status"] == "complete" and task["completion_percentage"] == 100.0
    assert task["completed_at"] == T0 + 3
    assert not await store.has_live_work()


async def test_claims_are_atomic_across_connections(db, store: Store) -> None:
    for n in range(12):
        await store.create_task(plan({"only": ()}, context={"n": n}), T0)
    others = [await open_store(str(db)) for _ in range(3)]

    async def claim_all(worker: str, s: Store) -> list[str]:
        mine: list[str] = []
        while True:
            batch = await s.claim_ready(worker, T0, 2, 1000)
            mine += [c.step_uuid for c in batch]
            if not batch and await s.next_ready_at() is None:
                return mine

    try:
        batches = await asyncio.gather(
            *(claim_all(f"w{i}", s) for i, s in enumerate([store, *others]))
        )
    finally:
        for other in others:
            await other.close()
    claimed = [uuid for batch in batches for uuid in batch]
    assert len(claimed) == 12 and len(set(claimed)) == 12
    assert await store.claim_ready("late", T0, 5, 1000) == []


async def test_a_stale_attempt_result_is_discarded(store: Store) -> None:
    made = plan({"only": ()})
    await store.create_task(made, T0)
    [first] = await store.claim_ready("w1", T0, 1, 1000)
    assert await store.recover_expired(T0 + 1001, "w2") == 1  # w1's lease ran out
    [second] = await store.claim_ready("w2", T0 + 1200, 1, 1000)  # after the backoff
    assert (second.attempts, second.run_count) == (2, 2)
    stored, _, _ = await store.finish_attempts([success(first)], T0 + 1300, "w1")
    assert stored == [False]
    stored, _, _ = await store.finish_attempts([success(second)], T0 + 1300, "w2")
    assert stored == [True]
    audit = await store.step_audit(made.task_uuid, "only")
    assert [(r["to_state"], r["by"], r["attempt"]) for r in audit] == [
        ("pending", "tests", 0),
        ("in_progress", "w1", 1),
        ("waiting_for_retry", "w2", 1),
        ("in_progress", "w2", 2),
        ("complete", "w2", 2),
    ]
    assert audit[2]["metadata"]["error_code"] == "worker_lost"


async def test_retry_waits_for_its_backoff_then_runs_again(store: Store) -> None:
    made = plan({"only": ()})
    await store.create_task(made, T0)
    [claimed] = await store.claim_ready("w", T0, 1, 1000)
    await store.finish_attempts([failure(claimed, T0 + 10)], T0 + 10, "w")
    task = await store.get_task(made.task_uuid)
    assert task["status"] == "waiting_for_retry"
    step = task["steps"][0]
    assert step["next_retry_at"] == T0 + 110 and step["backoff_ms"] == 100
    assert await store.next_ready_at() == T0 + 110
    assert await store.claim_ready("w", T0 + 109, 1, 1000) == []
    [again] = await store.claim_ready("w", T0 + 110, 1, 1000)
    assert again.attempts == 2


async def test_retry_now_brings_a_waiting_retry_forward_audited(store: Store) -> None:
    made = plan({"only": ()})
    await store.create_task(made, T0)
    [claimed] = await store.claim_ready("w", T0, 1, 1000)
    with pytest.raises(IllegalAction, match="retry-now needs a step waiting for its retry"):
        await store.step_action(made.task_uuid, "only", "retry_now", T0 + 5, "ann", "now")
    await store.finish_attempts([failure(claimed, T0 + 10)], T0 + 10, "w")
    assert await store.claim_ready("w", T0 + 20, 1, 1000) == []  # due at T0 + 110
    await store.step_action(made.task_uuid, "only", "retry_now", T0 + 20, "ann", "customer waits")
    task = await store.get_task(made.task_uuid)
    step = task["steps"][0]
    assert (step["current_state"], step["next_retry_at"], step["attempts"]) == (
        "waiting_for_retry",
        T0 + 20,
        1,
    )
    assert step["error"] is not None, "the attempt's error stays until the next attempt"
    assert await store.next_ready_at() == T0 + 20
    audit = await store.step_audit(made.task_uuid, "only")
    last = audit[-1]
    assert (last["from_state"], last["to_state"], last["by"], last["reason"]) == (
        "waiting_for_retry",
        "waiting_for_retry",
        "ann",
        "customer waits",
    )
    assert last["metadata"] == {"action": "retry_now", "was_due_at": T0 + 110}
    assert last["attempt"] == 1
    [again] = await store.claim_ready("w", T0 + 20, 1, 1000)
    assert again.attempts == 2 and again.run_count == 2
    with pytest.raises(IllegalAction, match="is in_progress; retry-now needs a step waiting"):
        await store.step_action(made.task_uuid, "only", "retry_now", T0 + 21, "ann", "again")


async def test_a_lease_renewer_renews_from_a_thread_of_its_own(store: Store) -> None:
    """The worker's lease keeper: its own connection, on its own thread, the same contract."""
    made = plan({"a": (), "b": ()})
    await store.create_task(made, T0)
    claimed = await store.claim_ready("w1", T0, 2, 1000)
    uuids = [c.step_uuid for c in claimed]
    renewer = store.lease_renewer()
    assert renewer is not None
    try:
        assert await asyncio.to_thread(renewer.renew, "w1", uuids, T0 + 5000) == set()
        assert await asyncio.to_thread(renewer.renew, "intruder", uuids, T0 + 99_000) == set()
        assert await store.recover_expired(T0 + 4999, "w2") == 0  # renewed to T0 + 5000
        await store.task_action(made.task_uuid, "cancel", T0 + 10, "ops", "customer left")
        assert await asyncio.to_thread(renewer.renew, "w1", uuids, T0 + 6000) == set(uuids)
    finally:
        await asyncio.to_thread(renewer.close)
    assert await store.recover_expired(T0 + 6001, "w2") == 2  # not renewed past T0 + 6000


async def test_leases_renew_only_for_their_owner_and_report_cancel_requests(store: Store) -> None:
    made = plan({"a": (), "b": ()})
    await store.create_task(made, T0)
    claimed = await store.claim_ready("w1", T0, 2, 1000)
    uuids = [c.step_uuid for c in claimed]
    assert await store.renew_leases("w1", uuids, T0 + 5000) == set()
    assert await store.renew_leases("intruder", uuids, T0 + 99_000) == set()
    assert await store.recover_expired(T0 + 4999, "w2") == 0
    await store.task_action(made.task_uuid, "cancel", T0 + 10, "ops", "customer left")
    assert await store.renew_leases("w1", uuids, T0 + 6000) == set(uuids)
    stored, _, _ = await store.finish_attempts([success(c) for c in claimed], T0 + 20, "w1")
    assert stored == [True, True]
    assert set((await states(store, made.task_uuid)).values()) == {"cancelled"}
    assert (await store.get_task(made.task_uuid))["status"] == "cancelled"


async def test_operator_actions_are_checked_audited_and_move_the_task_on(store: Store) -> None:
    made = plan()
    await store.create_task(made, T0)
    [first] = await store.claim_ready("w", T0, 1, 1000)
    await store.finish_attempts([failure(first, T0, retryable=False)], T0 + 1, "w")
    assert (await store.get_task(made.task_uuid))["status"] == "blocked_by_failures"
    assert await store.claim_ready("w", T0 + 2, 5, 1000) == []
    with pytest.raises(IllegalAction, match="reset-step needs a step in error"):
        await store.step_action(made.task_uuid, "second", "reset", T0 + 3, "ann", "why")
    with pytest.raises(StepNotFound, match="its steps: first, second"):
        await store.step_action(made.task_uuid, "third", "reset", T0 + 3, "ann", "why")
    await store.step_action(
        made.task_uuid, "first", "complete", T0 + 4, "ann", "done by hand", {"ok": True}
    )
    [second] = await store.claim_ready("w", T0 + 5, 5, 1000)
    assert second.dependency_results["first"]["result"] == {"ok": True}
    audit = await store.step_audit(made.task_uuid, "first")
    assert audit[-1]["by"] == "ann" and audit[-1]["metadata"]["manually_completed"] is True
    with pytest.raises(IllegalAction, match="give-up needs a task that is blocked_by_failures"):
        await store.task_action(made.task_uuid, "give_up", T0 + 6, "ann", "no")
    with pytest.raises(TaskNotFound):
        await store.task_action("0" * 36, "cancel", T0, "ann", "no")


async def test_give_up_closes_a_blocked_task_and_nothing_runs_after(store: Store) -> None:
    made = plan()
    await store.create_task(made, T0)
    [first] = await store.claim_ready("w", T0, 1, 1000)
    await store.finish_attempts([failure(first, T0, retryable=False)], T0 + 1, "w")
    await store.task_action(made.task_uuid, "give_up", T0 + 2, "bob", "customer went away")
    assert (await store.get_task(made.task_uuid))["status"] == "error"
    with pytest.raises(IllegalAction, match="step actions need an unfinished task"):
        await store.step_action(made.task_uuid, "first", "reset", T0 + 3, "bob", "retry")
    assert not await store.has_live_work()
    transitions = [(a["from_state"], a["to_state"]) for a in await store.task_audit(made.task_uuid)]
    assert transitions[-1] == ("blocked_by_failures", "error")


async def test_the_change_feed_lists_each_changed_task_after_the_cursor(store: Store) -> None:
    start = await store.change_cursor()
    a, b = plan(), plan()
    await store.create_task(a, T0)
    await store.create_task(b, T0)
    cursor, changed = await store.changed_tasks(start)
    assert changed == [a.task_uuid, b.task_uuid] and cursor == await store.change_cursor()
    assert await store.changed_tasks(cursor) == (cursor, [])
    await store.claim_ready("w", T0, 1, 1000)
    later, changed = await store.changed_tasks(cursor)
    assert later > cursor and len(changed) == 1


async def test_ids_resolve_by_start_or_end_and_ambiguity_is_one_line(store: Store) -> None:
    made = [plan(now_ms=T0) for _ in range(2)]
    for p in made:
        await store.create_task(p, T0)
    uuid = made[0].task_uuid
    assert await store.resolve_task_uuid(uuid) == uuid
    assert await store.resolve_task_uuid(uuid[-8:].upper()) == uuid
    with pytest.raises(AmbiguousPrefix, match="matches 2 tasks"):
        await store.resolve_task_uuid(uuid[:8])
    with pytest.raises(TaskNotFound, match="is not a task uuid"):
        await store.resolve_task_uuid("xyz")


async def test_lists_counts_and_summaries(store: Store) -> None:
    older, newer = plan(now_ms=T0), plan(now_ms=T0 + 1)
    await store.create_task(older, T0)
    await store.create_task(newer, T0 + 1)
    listed = await store.list_tasks(None, None, 10)
    assert [t["task_uuid"] for t in listed] == [newer.task_uuid, older.task_uuid]
    assert await store.list_tasks("testing", "pending", 1, offset=1) == listed[1:]
    assert await store.list_tasks("elsewhere", None, 10) == []
    assert await store.task_counts() == {"pending": 2}
    summaries = await store.task_summaries([older.task_uuid, "0" * 36])
    assert summaries == [listed[1]]
    assert await store.template_definition(older.template_id) == older.template_definition


async def test_a_task_reads_the_same_in_the_list_the_summaries_and_its_own_view(
    store: Store,
) -> None:
    made = plan({"a": (), "b": ("a",)}, context={"n": 1})
    await store.create_task(made, T0)
    [a] = await store.claim_ready("w1", T0, 5, 1000)
    await store.finish_attempts([success(a)], T0 + 1, "w1")  # half done: 50 %
    full = await store.get_task(made.task_uuid)
    [listed] = await store.list_tasks(None, None, 10)
    [summary] = await store.task_summaries([made.task_uuid])
    assert listed == summary
    assert listed == {key: full[key] for key in listed}
    assert list(listed) == [key for key in full if key in listed]  # the same key order
    assert listed["completion_percentage"] == 50.0 and listed["completed_steps"] == 1


async def test_results_checked_as_text_are_stored_as_that_text(store: Store) -> None:
    """Text as UTF-8, not escapes (what json_limits.stored_text makes), reads back the same."""
    made = plan({"a": (), "b": ("a",)})
    await store.create_task(made, T0)
    [a] = await store.claim_ready("w1", T0, 5, 1000)
    results = {"name": "café ☕"}
    outcome = Outcome.success(results, results_text='{"name":"café ☕"}')
    decision = lifecycle.decide(
        a.attempts, outcome, retry.RetryPolicy.from_json(a.retry_policy), T0
    )
    assert decision.results_text == '{"name":"café ☕"}'
    finished = AttemptResult(a.step_uuid, a.run_count, decision)
    _, [b], _ = await store.finish_attempts([finished], T0 + 1, "w1", 4)
    assert b.dependency_results["a"]["result"] == results
    task = await store.get_task(made.task_uuid)
    assert {s["name"]: s["results"] for s in task["steps"]}["a"] == results


async def test_one_write_stores_results_of_many_tasks_each_re_evaluated(store: Store) -> None:
    """A group commit: one task completes, one moves on to its next step, one is blocked."""
    done, going, failing = (plan({"only": ()}), plan(), plan())
    for made in (done, going, failing):
        await store.create_task(made, T0)
    claimed = {c.task_uuid: c for c in await store.claim_ready("w1", T0, 3, 30_000)}
    assert set(claimed) == {done.task_uuid, going.task_uuid, failing.task_uuid}
    results = [
        success(claimed[done.task_uuid]),
        success(claimed[going.task_uuid], {"x": 1}),
        failure(claimed[failing.task_uuid], T0 + 5, retryable=False),
    ]
    stored, next_claims, _ = await store.finish_attempts(results, T0 + 5, "w1", 4)
    assert stored == [True, True, True]
    assert [(c.task_uuid, c.name) for c in next_claims] == [(going.task_uuid, "second")]
    assert next_claims[0].dependency_results["first"]["result"] == {"x": 1}
    views = {t: await store.get_task(t) for t in claimed}
    summary = {t: (v["status"], v["completed_steps"], v["failed_steps"]) for t, v in views.items()}
    assert summary == {
        done.task_uuid: ("complete", 1, 0),
        going.task_uuid: ("steps_in_process", 1, 0),
        failing.task_uuid: ("blocked_by_failures", 0, 1),
    }
    assert await states(store, failing.task_uuid) == {"first": "error", "second": "pending"}
    audit = await store.task_audit(done.task_uuid)
    assert (audit[-1]["to_state"], audit[-1]["reason"]) == ("complete", "step only complete")
