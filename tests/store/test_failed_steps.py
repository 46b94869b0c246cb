"""The store contract of ``failed_steps``, on every backend: which failures are outstanding,
and which the handled view adds."""

from __future__ import annotations

from engine.store import Store
from tests.store.support import T0, failure, plan, success


def _by_task(rows: list[dict]) -> dict[str, dict]:
    return {r["task_uuid"]: r for r in rows}


async def test_outstanding_failures_are_the_open_tasks_steps_that_carry_an_error(
    store: Store,
) -> None:
    blocked, retrying, fine, given_up = plan(), plan(), plan(), plan()
    for made in (blocked, retrying, fine, given_up):
        await store.create_task(made, T0)
    claimed = {c.task_uuid: c for c in await store.claim_ready("w", T0, 10, 1000)}
    await store.finish_attempts(
        [
            failure(claimed[blocked.task_uuid], T0, retryable=False),
            failure(claimed[retrying.task_uuid], T0),
            success(claimed[fine.task_uuid]),
            failure(claimed[given_up.task_uuid], T0, retryable=False),
        ],
        T0 + 1,
        "w",
    )
    await store.task_action(given_up.task_uuid, "give_up", T0 + 2, "ann", "customer left")

    rows = _by_task(await store.failed_steps())
    assert set(rows) == {blocked.task_uuid, retrying.task_uuid}
    row = rows[blocked.task_uuid]
    assert (row["namespace"], row["template"], row["step_name"]) == ("testing", "by_hand", "first")
    assert (row["step_state"], row["task_status"], row["has_error"]) == (
        "error",
        "blocked_by_failures",
        True,
    )
    assert row["error"]["error_type"] == "retryable_error"
    assert row["error"]["message"] == "gateway timeout"
    assert row["error"]["retryable"] is False
    assert (row["attempts"], row["max_attempts"], row["failed_at"]) == (1, 3, T0 + 1)
    assert rows[retrying.task_uuid]["step_state"] == "waiting_for_retry"

    # Resolving the blocked step handles its failure: gone from the outstanding ones.
    await store.step_action(blocked.task_uuid, "first", "resolve", T0 + 3, "ann", "by hand")
    assert set(_by_task(await store.failed_steps())) == {retrying.task_uuid}

    handled = _by_task(await store.failed_steps(include_handled=True))
    assert set(handled) == {blocked.task_uuid, retrying.task_uuid, given_up.task_uuid}
    resolved = handled[blocked.task_uuid]
    assert (resolved["step_state"], resolved["has_error"]) == ("resolved_manually", False)
    assert resolved["error"]["message"] == "gateway timeout"  # from the audit row
    assert resolved["failed_at"] == T0 + 1
    assert handled[given_up.task_uuid]["task_status"] == "error"
