"""The PostgreSQL store's context edit: a task's new context and its audit row, in one
transaction (the task row locked, as every operator action does)."""

from __future__ import annotations

from typing import Any

from engine.ids import short_id
from engine.states import TERMINAL_TASK_STATES
from engine.states import TaskState as T
from engine.store.base import IllegalAction
from engine.store.moves import compact_json, dumps
from engine.store.postgres import search
from engine.store.postgres.tx import Tx, touch_task
from engine.store.postgres.writes import locked_task


async def edit_context(
    tx: Tx,
    task_uuid: str,
    context: dict[str, Any],
    now: int,
    by: str,
    reason: str,
    metadata: dict[str, Any],
) -> None:
    """As ``Store.edit_context``."""
    task = await locked_task(tx, task_uuid)
    status = T(task["status"])
    if status in TERMINAL_TASK_STATES:
        raise IllegalAction(
            f"task {short_id(task_uuid)} is {status}; only an unfinished task's context can change"
        )
    await tx.run(
        "UPDATE task_contexts SET context = %s WHERE task_uuid = %s",
        (compact_json(context), task_uuid),
    )
    await search.reindex_task(tx, task_uuid, context, task["initiator"])  # found by its new values
    await tx.run(
        'INSERT INTO task_transitions (task_uuid, from_state, to_state, at, "by", reason, metadata)'
        " VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (task_uuid, status.value, status.value, now, by, reason, dumps(metadata)),
    )
    await touch_task(tx, task_uuid, updated_at=now)
