"""Schema version 7, for both backends: each step's count of unmet dependencies, and an index
of a task's steps by state and readiness, so a finished step's task is re-evaluated from what
changed (``engine.incremental``) instead of from all of its steps.

Each ``*_migration`` returns the migration's SQL; the backends' ``MIGRATIONS`` lists append
it. The ``*_count`` statements alone (re)count every step's unmet dependencies.
"""

from __future__ import annotations

_INDEX = "CREATE INDEX steps_by_task_state ON steps(task_uuid, state, ready_at);"
_COLUMN = "ALTER TABLE steps ADD COLUMN unmet_dependencies INTEGER NOT NULL DEFAULT 0;"


def sqlite_count() -> str:
    """Count every SQLite step's dependencies that are not complete or resolved."""
    return """
    UPDATE steps SET unmet_dependencies = json_array_length(steps.dependencies) - (
        SELECT COUNT(*) FROM json_each(steps.dependencies) AS d
        JOIN steps AS parent ON parent.task_uuid = steps.task_uuid AND parent.name = d.value
        WHERE parent.state IN ('complete', 'resolved_manually'));
    """


def postgres_count() -> str:
    """The same count on PostgreSQL."""
    return """
    UPDATE steps SET unmet_dependencies = json_array_length(steps.dependencies::json) - (
        SELECT COUNT(*) FROM json_array_elements_text(steps.dependencies::json) AS d(name)
        JOIN steps AS parent ON parent.task_uuid = steps.task_uuid AND parent.name = d.name
        WHERE parent.state IN ('complete', 'resolved_manually'));
    """


def sqlite_migration() -> str:
    """The SQLite upgrade: the column, counted for the steps there are, and the index."""
    return f"{_COLUMN}\n{sqlite_count()}\n{_INDEX}\n"


def postgres_migration() -> str:
    """The PostgreSQL upgrade: the same column, count and index."""
    return f"{_COLUMN}\n{postgres_count()}\n{_INDEX}\n"
