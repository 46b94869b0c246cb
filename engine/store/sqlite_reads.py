"""The SQLite store's reads: task views in Tasker's TaskResponse shape, audits, counts, feed."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from engine import retry
from engine.ids import short_id
from engine.states import SATISFIES_DEPENDENCIES, StepState
from engine.store.base import AmbiguousPrefix, StoreError, TaskNotFound

TASK_LIST_COLUMNS = (
    "task_uuid, namespace, name, version, status, initiator, source_system, reason,"
    " total_steps, completed_steps, failed_steps, created_at, updated_at, completed_at"
)


class ReadMixin:
    async def _call(self, fn: Any, *args: Any) -> Any: ...  # provided by SqliteStore

    async def template_definition(self, template_id: str) -> str:
        return await self._call(_template_definition, template_id)

    async def resolve_task_uuid(self, prefix: str) -> str:
        return await self._call(_resolve_task_uuid, prefix)

    async def get_task(self, task_uuid: str) -> dict[str, Any]:
        return await self._call(_get_task, task_uuid)

    async def list_tasks(
        self, namespace: str | None, status: str | None, limit: int, offset: int = 0
    ) -> list[dict[str, Any]]:
        return await self._call(_list_tasks, namespace, status, limit, offset)

    async def task_summaries(self, task_uuids: list[str]) -> list[dict[str, Any]]:
        return await self._call(_task_summaries, list(task_uuids))

    async def step_audit(self, task_uuid: str, step_name: str) -> list[dict[str, Any]]:
        return await self._call(_step_audit, task_uuid, step_name)

    async def task_audit(self, task_uuid: str) -> list[dict[str, Any]]:
        return await self._call(_task_audit, task_uuid)

    async def task_counts(self) -> dict[str, int]:
        return await self._call(_task_counts)

    async def next_ready_at(self) -> int | None:
        return await self._call(
            lambda cx: cx.execute(
                "SELECT MIN(ready_at) FROM steps WHERE ready_at IS NOT NULL"
            ).fetchone()[0]
        )

    async def has_live_work(self) -> bool:
        """True while any step is running, runnable or waiting for a retry."""
        return await self._call(_has_live_work)

    async def change_cursor(self) -> int:
        return await self._call(
            lambda cx: cx.execute("SELECT COALESCE(MAX(change_seq), 0) FROM tasks").fetchone()[0]
        )

    async def changed_tasks(self, cursor: int) -> tuple[int, list[str]]:
        return await self._call(_changed_tasks, cursor)


def _template_definition(cx: sqlite3.Connection, template_id: str) -> str:
    row = cx.execute(
        "SELECT definition FROM templates WHERE template_id = ?", (template_id,)
    ).fetchone()
    if row is None:
        raise StoreError(f"template {template_id[:12]} is not in the database")
    return row[0]


def _resolve_task_uuid(cx: sqlite3.Connection, text: str) -> str:
    """The one task whose uuid starts or ends with ``text`` (the CLI and console show the tail)."""
    wanted = text.strip().lower()
    if not wanted or any(c not in "0123456789abcdef-" for c in wanted):
        raise TaskNotFound(
            f"'{text}' is not a task uuid, nor its first or last characters (hex digits and -)"
        )
    if len(wanted) == 36:  # a whole uuid: one indexed lookup, no scan
        row = cx.execute("SELECT task_uuid FROM tasks WHERE task_uuid = ?", (wanted,)).fetchone()
        if row is None:
            raise TaskNotFound(f"no task {wanted}; list tasks with 'tasker task list'")
        return row[0]
    starts = cx.execute(
        "SELECT task_uuid FROM tasks WHERE task_uuid >= ? AND task_uuid < ? LIMIT 6",
        (wanted, wanted + "\uffff"),
    ).fetchall()
    # A tail has no index to use; scanning the primary key's index is a few ms at 100k tasks.
    ends = cx.execute(
        "SELECT task_uuid FROM tasks WHERE substr(task_uuid, -?) = ? LIMIT 6",
        (len(wanted), wanted),
    ).fetchall()
    found = sorted({r[0] for r in (*starts, *ends)})
    if not found:
        raise TaskNotFound(
            f"no task matches '{text}' (start or end of a uuid); list tasks with 'tasker task list'"
        )
    if len(found) > 1:
        raise AmbiguousPrefix(_ambiguity(text, found))
    return found[0]


def _ambiguity(text: str, found: list[str]) -> str:
    """One line naming the matches by their tails, which tell them apart."""
    count = str(len(found)) if len(found) <= 5 else "more than 5"
    tails = ", ".join(f"…{short_id(uuid)}" for uuid in found[:5])
    return f"'{text}' matches {count} tasks ({tails}); give one of these tails or more characters"


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _step_view(row: sqlite3.Row) -> dict[str, Any]:
    policy = retry.RetryPolicy.from_json(json.loads(row["retry_policy"]))
    attempts = row["attempts"]
    return {
        "step_uuid": row["step_uuid"],
        "name": row["name"],
        "current_state": row["state"],
        "attempts": attempts,
        "max_attempts": row["max_attempts"],
        "retryable": bool(row["retryable"]),
        "retry_eligible": retry.retry_eligible(policy, attempts),
        "next_retry_at": row["next_retry_at"]
        if row["state"] == StepState.WAITING_FOR_RETRY
        else None,
        "last_attempted_at": row["last_attempted_at"],
        "started_at": row["started_at"],
        "finished_at": row["finished_at"],
        "dependencies": json.loads(row["dependencies"]),
        "handler": row["handler_callable"],
        "results": _loads(row["results"]),
        "error": _loads(row["error"]),
        "backoff_ms": row["backoff_ms"],
        "backoff_rule": row["backoff_rule"],
        "retry": policy.to_json(),
        "timeout_seconds": row["timeout_ms"] / 1000,
        "cancel_requested": bool(row["cancel_requested"]),
    }


def _task_view(row: sqlite3.Row) -> dict[str, Any]:
    total, done = row["total_steps"], row["completed_steps"]
    return {
        "task_uuid": row["task_uuid"],
        "name": row["name"],
        "namespace": row["namespace"],
        "version": row["version"],
        "status": row["status"],
        "total_steps": total,
        "completed_steps": done,
        "failed_steps": row["failed_steps"],
        "completion_percentage": round(done / total * 100, 2) if total else 100.0,
        "initiator": row["initiator"],
        "source_system": row["source_system"],
        "reason": row["reason"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "completed_at": row["completed_at"],
    }


def _execution_status(steps: list[dict[str, Any]], now_ready: bool) -> str:
    states = [s["current_state"] for s in steps]
    if StepState.ERROR in states:
        return "blocked_by_failures"
    if now_ready:
        return "has_ready_steps"
    if StepState.IN_PROGRESS in states:
        return "processing"
    if steps and all(s in SATISFIES_DEPENDENCIES for s in states):
        return "all_complete"
    return "waiting_for_dependencies"


def _get_task(cx: sqlite3.Connection, task_uuid: str) -> dict[str, Any]:
    row = cx.execute("SELECT * FROM tasks WHERE task_uuid = ?", (task_uuid,)).fetchone()
    if row is None:
        raise TaskNotFound(f"no task {task_uuid}; list tasks with 'tasker task list'")
    step_rows = cx.execute(
        "SELECT * FROM steps WHERE task_uuid = ? ORDER BY position", (task_uuid,)
    ).fetchall()
    steps = [_step_view(r) for r in step_rows]
    ready = any(r["ready_at"] is not None and r["state"] == StepState.PENDING for r in step_rows)
    view = _task_view(row)
    view.update(
        execution_status=_execution_status(steps, ready),
        context=json.loads(row["context"]),
        identity_hash=row["identity_hash"],
        idempotency_key=row["idempotency_key"],
        template_id=row["template_id"],
        steps=steps,
    )
    return view


def _list_tasks(
    cx: sqlite3.Connection, namespace: str | None, status: str | None, limit: int, offset: int
) -> list[dict[str, Any]]:
    where, params = [], []
    if namespace:
        where.append("namespace = ?")
        params.append(namespace)
    if status:
        where.append("status = ?")
        params.append(status)
    sql = f"SELECT {TASK_LIST_COLUMNS} FROM tasks"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY created_at DESC LIMIT ? OFFSET ?"
    return [_task_view(r) for r in cx.execute(sql, (*params, limit, offset))]


SUMMARY_CHUNK = 500  # well under SQLite's limit on bound parameters


def _task_summaries(cx: sqlite3.Connection, task_uuids: list[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for start in range(0, len(task_uuids), SUMMARY_CHUNK):
        chunk = task_uuids[start : start + SUMMARY_CHUNK]
        marks = ",".join("?" * len(chunk))
        sql = f"SELECT {TASK_LIST_COLUMNS} FROM tasks WHERE task_uuid IN ({marks})"
        rows += [_task_view(r) for r in cx.execute(sql, chunk)]
    return rows


def _audit_row(row: sqlite3.Row) -> dict[str, Any]:
    view = {k: row[k] for k in ("from_state", "to_state", "at", "by", "reason")}
    view["metadata"] = _loads(row["metadata"])
    return view


def _step_audit(cx: sqlite3.Connection, task_uuid: str, step_name: str) -> list[dict[str, Any]]:
    rows = cx.execute(
        "SELECT * FROM step_transitions WHERE task_uuid = ? AND step_name = ? ORDER BY id",
        (task_uuid, step_name),
    ).fetchall()
    return [{**_audit_row(r), "step_name": r["step_name"], "attempt": r["attempt"]} for r in rows]


def _task_audit(cx: sqlite3.Connection, task_uuid: str) -> list[dict[str, Any]]:
    rows = cx.execute(
        "SELECT * FROM task_transitions WHERE task_uuid = ? ORDER BY id", (task_uuid,)
    ).fetchall()
    return [_audit_row(r) for r in rows]


def _task_counts(cx: sqlite3.Connection) -> dict[str, int]:
    return {r[0]: r[1] for r in cx.execute("SELECT status, COUNT(*) FROM tasks GROUP BY status")}


def _has_live_work(cx: sqlite3.Connection) -> bool:
    row = cx.execute(
        "SELECT EXISTS (SELECT 1 FROM steps WHERE ready_at IS NOT NULL)"
        " OR EXISTS (SELECT 1 FROM steps WHERE state = 'in_progress')"
    ).fetchone()
    return bool(row[0])


def _changed_tasks(cx: sqlite3.Connection, cursor: int) -> tuple[int, list[str]]:
    rows = cx.execute(
        "SELECT task_uuid, change_seq FROM tasks WHERE change_seq > ? ORDER BY change_seq"
        " LIMIT 5000",
        (cursor,),
    ).fetchall()
    if not rows:
        return cursor, []
    return rows[-1][1], [r[0] for r in rows]
