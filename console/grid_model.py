"""The grid's model: the newest tasks of a template as rows, its steps as columns.

Pure: ``Engine.task_grid`` rows in, a ``Grid`` out. A step created at run time folds into the
column of the template step it came from (a batch's clones into their worker step), so one
column holds one question ("did process_payment fail?") whatever the batch size. A task that
never created a step (a decision chose another branch) shows ``not_created`` there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from console.formatting import NOT_CREATED

# Which state a folded cell shows when its steps differ: the one an operator must see first.
FOLD_ORDER = (
    "error",
    "waiting_for_retry",
    "in_progress",
    "enqueued",
    "pending",
    "cancelled",
    "resolved_manually",
    "complete",
)
FAILED = "error"


@dataclass(frozen=True)
class GridCell:
    """One task's steps of one template step, folded."""

    state: str
    steps: tuple[dict[str, Any], ...] = ()

    @property
    def failed(self) -> bool:
        return self.state == FAILED

    @property
    def error_code(self) -> str | None:
        """The error code of the first step shown in the cell's state that has one."""
        for step in self.steps:
            if step["current_state"] == self.state and step.get("error_code"):
                return str(step["error_code"])
        return None

    @property
    def error_type(self) -> str | None:
        for step in self.steps:
            if step["current_state"] == self.state and step.get("error_type"):
                return str(step["error_type"])
        return None

    def states_summary(self) -> str:
        """``3 steps: 2 complete, 1 error`` for a folded cell; ``""`` for a single step."""
        if len(self.steps) < 2:
            return ""
        counts = Counter(s["current_state"] for s in self.steps)
        parts = ", ".join(f"{counts[s]} {s}" for s in sorted(counts, key=fold_rank))
        return f"{len(self.steps)} steps: {parts}"


@dataclass(frozen=True)
class GridRow:
    task_uuid: str
    status: str
    created_at: int
    cells: tuple[GridCell, ...]


@dataclass(frozen=True)
class Grid:
    columns: tuple[str, ...]
    rows: tuple[GridRow, ...]

    def failures(self, column: int) -> int:
        """How many of the rows failed in this column."""
        return sum(1 for row in self.rows if row.cells[column].failed)

    def first_failure(self) -> tuple[int, int]:
        """(row, column) of the newest task's first failed cell, counting the task column as
        column 0, so a table's cursor starts there; (0, 1) when nothing failed."""
        for row, task in enumerate(self.rows):
            for column, cell in enumerate(task.cells):
                if cell.failed:
                    return row, column + 1
        return 0, 1

    def column_count_text(self, column: int) -> str:
        """``✗12/40``: failed in 12 of the 40 tasks shown."""
        return f"✗{self.failures(column)}/{len(self.rows)}"


def fold_rank(state: str) -> int:
    return FOLD_ORDER.index(state) if state in FOLD_ORDER else len(FOLD_ORDER)


def folded_state(states: Iterable[str]) -> str:
    """The state a cell of these steps shows: the first of FOLD_ORDER among them."""
    return min(states, key=fold_rank, default=NOT_CREATED)


def grid_columns(template_steps: Sequence[str], tasks: Sequence[dict[str, Any]]) -> list[str]:
    """The template's steps in its order, then any other template step the tasks name (a
    template version that had more steps), in the order first met."""
    columns = list(template_steps)
    for task in tasks:
        for step in task["steps"]:
            column = step.get("template_step") or step["name"]
            if column not in columns:
                columns.append(column)
    return columns


def build_grid(tasks: Sequence[dict[str, Any]], template_steps: Sequence[str]) -> Grid:
    columns = grid_columns(template_steps, tasks)
    rows = []
    for task in tasks:
        by_column: dict[str, list[dict[str, Any]]] = {}
        for step in task["steps"]:
            by_column.setdefault(step.get("template_step") or step["name"], []).append(step)
        cells = tuple(
            GridCell(
                folded_state(s["current_state"] for s in by_column.get(column, [])),
                tuple(by_column.get(column, [])),
            )
            for column in columns
        )
        rows.append(GridRow(task["task_uuid"], task["status"], task["created_at"], cells))
    return Grid(tuple(columns), tuple(rows))


def rows_that_fit(height: int, chrome: int = 8, least: int = 5, most: int = 200) -> int:
    """How many task rows a screen ``height`` lines tall shows below the grid's header,
    legend, column titles, status line and footer (``chrome`` lines)."""
    return max(least, min(most, height - chrome))
