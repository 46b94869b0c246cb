"""The grid's rows (``Store.task_grid``): one flat row per step, grouped into tasks.

SQL-free, so both backends shape their answer the same way: each selects ``GRID_COLUMNS``
(newest task first, each task's steps in position order) and hands the rows here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

GRID_COLUMNS = (  # in the order grid_tasks unpacks them
    "task_uuid",
    "status",
    "created_at",
    "step_name",
    "template_step",
    "state",
    "attempts",
    "error_code",
    "error_type",
)


def grid_tasks(rows: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
    """``[{task_uuid, status, created_at, steps: [{name, template_step, current_state,
    attempts, error_code, error_type}]}]`` in the rows' order (a task's rows are adjacent)."""
    tasks: list[dict[str, Any]] = []
    for task_uuid, status, created_at, name, template_step, state, attempts, code, kind in rows:
        if not tasks or tasks[-1]["task_uuid"] != task_uuid:
            tasks.append(
                {"task_uuid": task_uuid, "status": status, "created_at": created_at, "steps": []}
            )
        tasks[-1]["steps"].append(
            {
                "name": name,
                "template_step": template_step or name,
                "current_state": state,
                "attempts": attempts,
                "error_code": code,
                "error_type": kind,
            }
        )
    return tasks
