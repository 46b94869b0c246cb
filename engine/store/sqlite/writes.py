"""The SQLite store's writes: creation, claims, attempt results, recovery, operator actions."""

from __future__ import annotations

import sqlite3
from typing import Any, cast

from engine.states import StepState as S
from engine.states import TaskState as T
from engine.store import moves, new_task_rows, views
from engine.store import operator_actions as actions
from engine.store.base import AttemptResult, ClaimedStep, Finished, TaskPlan
from engine.store.sqlite import attempts, search
from engine.store.sqlite.calls import StoreCalls
from engine.store.sqlite.dynamic import close_creators, save_checkpoint
from engine.store.sqlite.tx import move_step, move_task, reevaluate, touch_task


class WriteMixin(StoreCalls):
    async def create_task(self, plan: TaskPlan, now_ms: int) -> tuple[str, bool]:
        return await self._write_inline(None, _create_task, plan, now_ms)

    async def create_and_claim(
        self, plan: TaskPlan, now_ms: int, worker_id: str, limit: int, lease_ms: int
    ) -> tuple[str, bool, list[ClaimedStep]]:
        task_uuid, created, claims = await self._write_inline(
            None, _create_and_claim, plan, now_ms, worker_id, limit, lease_ms
        )
        return task_uuid, created, attempts.claimed_steps(claims)

    async def claim_ready(
        self, worker_id: str, now_ms: int, limit: int, lease_ms: int
    ) -> list[ClaimedStep]:
        if limit <= 0:
            return []
        claims = await self._write_inline(
            attempts.any_ready, attempts.claim_ready, worker_id, now_ms, limit, lease_ms
        )
        return attempts.claimed_steps(claims)

    async def finish_attempts(
        self,
        results: list[AttemptResult],
        now_ms: int,
        by: str,
        claim_limit: int = 0,
        lease_ms: int = 30_000,
    ) -> Finished:
        return _finished(
            await self._write_inline(
                None, attempts.finish_attempts, results, now_ms, by, claim_limit, lease_ms
            )
        )

    def finish_attempts_now(
        self,
        results: list[AttemptResult],
        now_ms: int,
        by: str,
        claim_limit: int = 0,
        lease_ms: int = 30_000,
    ) -> Finished | None:
        """``finish_attempts`` at once, without awaiting anything; None when that cannot be
        (another connection holds the write lock, or the database is in memory)."""
        done = self._write_now(attempts.finish_attempts, results, now_ms, by, claim_limit, lease_ms)
        return None if done is None else _finished(done)

    async def renew_leases(
        self, worker_id: str, step_uuids: list[str], lease_until_ms: int
    ) -> set[str]:
        if not step_uuids:
            return set()
        return await self._write(extend_leases, worker_id, step_uuids, lease_until_ms)

    async def recover_expired(self, now_ms: int, by: str) -> int:
        expired = await self._call(  # a cheap read first: most checks find nothing
            lambda cx: cx.execute(
                "SELECT 1 FROM steps WHERE state = 'in_progress' AND lease_expires_at < ? LIMIT 1",
                (now_ms,),
            ).fetchone()
        )
        return await self._write(_recover_expired, now_ms, by) if expired else 0

    async def step_action(
        self,
        task_uuid: str,
        step_name: str,
        action: str,
        now_ms: int,
        by: str,
        reason: str,
        results: dict[str, Any] | None = None,
    ) -> None:
        act = actions.StepAction(task_uuid, step_name, action, now_ms, by, reason, results)
        await self._write(_step_action, act)

    async def task_action(
        self, task_uuid: str, action: str, now_ms: int, by: str, reason: str
    ) -> None:
        await self._write(_task_action, task_uuid, action, now_ms, by, reason)

    async def save_checkpoint(
        self, step_uuid: str, run_count: int, checkpoint: dict[str, Any], now_ms: int
    ) -> bool:
        return await self._write(save_checkpoint, step_uuid, run_count, checkpoint, now_ms)


def _finished(written: tuple[list[bool], list[attempts.Claim], dict[str, T]]) -> Finished:
    """What ``attempts.finish_attempts`` wrote, its claims made into handler input (after the
    commit, not under the lock)."""
    stored, claims, states = written
    return Finished(stored, attempts.claimed_steps(claims), states)


def _create_and_claim(
    cx: sqlite3.Connection, plan: TaskPlan, now: int, worker_id: str, limit: int, lease_ms: int
) -> tuple[str, bool, list[attempts.Claim]]:
    task_uuid, created = _create_task(cx, plan, now)
    return task_uuid, created, attempts.claim_ready(cx, worker_id, now, limit, lease_ms)


def _create_task(cx: sqlite3.Connection, plan: TaskPlan, now: int) -> tuple[str, bool]:
    cx.execute(new_task_rows.TEMPLATE_INSERT, new_task_rows.template_row(plan, now))
    inserted = cx.execute(
        "INSERT INTO tasks (task_uuid, template_id, namespace, name, version, status,"
        " initiator, source_system, reason, identity_hash, idempotency_key, total_steps,"
        " created_at, updated_at, change_seq) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
        " (SELECT COALESCE(MAX(change_seq), 0) + 1 FROM tasks))"
        " ON CONFLICT (identity_hash) DO NOTHING",
        new_task_rows.task_row(plan, now),
    ).rowcount
    if not inserted:
        row = cx.execute(
            "SELECT task_uuid FROM tasks WHERE identity_hash = ?", (plan.identity_hash,)
        ).fetchone()
        return row[0], False
    cx.execute(new_task_rows.CONTEXT_INSERT, new_task_rows.context_row(plan))
    search.index_task(cx, plan.task_uuid, plan.context, plan.initiator)
    by = new_task_rows.created_by(plan)
    cx.execute(new_task_rows.CREATED_TRANSITION_INSERT, new_task_rows.created_transition(plan, now))
    # The first re-evaluation, worked out from the plan: the steps go in ready as it says.
    first = moves.created_readiness(plan, now)
    cx.executemany(
        "INSERT INTO steps (step_uuid, task_uuid, name, position, handler_callable,"
        " dependencies, state, max_attempts, retryable, retry_policy, timeout_ms,"
        " created_at, updated_at, ready_at, unmet_dependencies)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            (
                s.step_uuid,
                plan.task_uuid,
                s.name,
                s.position,
                s.handler_callable,
                s.dependencies_json,
                S.PENDING.value,
                s.max_attempts,
                int(s.retryable),
                s.retry_policy_json,
                s.timeout_ms,
                now,
                now,
                first.ready_at.get(s.step_uuid),
                first.unmet.get(s.step_uuid, 0),
            )
            for s in plan.steps
        ],
    )
    cx.executemany(
        "INSERT INTO step_transitions (task_uuid, step_uuid, step_name, from_state,"
        " to_state, attempt, at, by, reason) VALUES (?,?,?,?,?,?,?,?,?)",
        [
            (plan.task_uuid, s.step_uuid, s.name, None, S.PENDING.value, 0, now, by, "step created")
            for s in plan.steps
        ],
    )
    cx.executemany(
        "INSERT INTO step_edges (task_uuid, from_step, to_step) VALUES (?,?,?)",
        [(plan.task_uuid, parent, child) for parent, child in new_task_rows.edges(plan)],
    )
    if first.task_state is not T.PENDING:  # nothing to run (no steps): the task moves on
        reevaluate(cx, plan.task_uuid, now, by, "task created")
    return plan.task_uuid, True


def extend_leases(
    cx: sqlite3.Connection, worker_id: str, step_uuids: list[str], until: int
) -> set[str]:
    marks = ",".join("?" * len(step_uuids))
    cx.execute(
        f"UPDATE steps SET lease_expires_at = ? WHERE step_uuid IN ({marks})"
        " AND claimed_by = ? AND state = 'in_progress'",
        (until, *step_uuids, worker_id),
    )
    rows = cx.execute(
        f"SELECT step_uuid FROM steps WHERE step_uuid IN ({marks})"
        " AND (cancel_requested = 1 OR state != 'in_progress')",
        step_uuids,
    ).fetchall()
    return {r[0] for r in rows}


def _recover_expired(cx: sqlite3.Connection, now: int, by: str) -> int:
    rows = cx.execute(
        "SELECT * FROM steps WHERE state = 'in_progress' AND lease_expires_at < ?", (now,)
    ).fetchall()
    for row in rows:
        attempts.apply_decision(cx, row, moves.lost_worker_decision(row, now), now, by)
    return len(rows)


def task_row(cx: sqlite3.Connection, task_uuid: str) -> sqlite3.Row:
    task = cx.execute("SELECT * FROM tasks WHERE task_uuid = ?", (task_uuid,)).fetchone()
    if task is None:
        raise views.no_task(task_uuid)
    return cast(sqlite3.Row, task)


def _step_action(cx: sqlite3.Connection, act: actions.StepAction) -> None:
    task_uuid = act.task_uuid
    actions.check_task_open(task_uuid, task_row(cx, task_uuid)["status"])
    row = cx.execute(
        "SELECT * FROM steps WHERE task_uuid = ? AND name = ?", (task_uuid, act.step_name)
    ).fetchone()
    if row is None:
        names = cx.execute(
            "SELECT name FROM steps WHERE task_uuid = ? ORDER BY position", (task_uuid,)
        )
        raise actions.no_step(act, (r[0] for r in names))
    move = actions.step_move(row, act)
    move_step(
        cx, row, move.to_state, act.now, act.by, act.reason, metadata=move.metadata, **move.columns
    )
    if act.closes_creator:
        with actions.outcome_checked():
            close_creators(
                cx, task_uuid, [(act.step_name, act.results)], act.now, act.by, strict=True
            )
    reevaluate(cx, task_uuid, act.now, act.by, act.reevaluation_reason)


def _task_action(
    cx: sqlite3.Connection, task_uuid: str, action: str, now: int, by: str, reason: str
) -> None:
    state = T(task_row(cx, task_uuid)["status"])
    to_state = actions.task_target(task_uuid, state, action)
    if to_state is T.CANCELLED:
        cx.execute(
            "UPDATE steps SET cancel_requested = 1 WHERE task_uuid = ? AND state = 'in_progress'",
            (task_uuid,),
        )
        steps = cx.execute("SELECT * FROM steps WHERE task_uuid = ?", (task_uuid,)).fetchall()
        for row in actions.steps_to_cancel(steps):
            move_step(cx, row, S.CANCELLED, now, by, reason, ready_at=None)
    move_task(cx, task_uuid, state, to_state, now, by, reason)
    cx.execute("UPDATE steps SET ready_at = NULL WHERE task_uuid = ?", (task_uuid,))
    touch_task(cx, task_uuid, now, failed=actions.failed_after(action))
