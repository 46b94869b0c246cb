"""The PostgreSQL store's context edit: a task's new context and its audit row, in one
transaction (the task row locked, as every operator action does)."""

from __future__ import annotations

from typing import Any

from engine.store import operator_actions as actions
from engine.store.dialect import POSTGRES
from engine.store.moves import compact_json
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
    audit = actions.context_edit_audit(task_uuid, task["status"], now, by, reason, metadata)
    await tx.run(
        "UPDATE task_contexts SET context = %s WHERE task_uuid = %s",
        (compact_json(context), task_uuid),
    )
    await search.reindex_task(tx, task_uuid, context, task["initiator"])  # found by its new values
    await tx.run(POSTGRES.sql(actions.CONTEXT_EDIT_AUDIT), audit)
    await touch_task(tx, task_uuid, updated_at=now)
