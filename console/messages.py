"""Messages that cross widgets: what the engine workers fetched, and what an action did."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from textual.message import Message


@dataclass
class TasksRefreshed(Message):
    """The task list (all rows, or only the changed ones) and the counts per state."""

    rows: list[dict[str, Any]]
    counts: dict[str, int]
    complete: bool
    changed: set[str] = field(default_factory=set)
    cursor: int = 0

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, TasksRefreshed) and self.complete


@dataclass
class TaskLoaded(Message):
    """The selected task in full, with its steps."""

    task: dict[str, Any]


@dataclass
class StepAuditLoaded(Message):
    """The transition history of one step."""

    task_uuid: str
    step_name: str
    transitions: list[dict[str, Any]]
    events: list[dict[str, Any]] = field(default_factory=list)  # the domain events it published


@dataclass
class ActionSucceeded(Message):
    """An operator action went through; ``text`` says what happened."""

    text: str
    task_uuid: str | None = None


@dataclass
class ActionFailed(Message):
    """The engine refused an action or a request; ``text`` is one line saying why."""

    text: str


@dataclass
class SearchFound(Message):
    """What a search of the database found for ``query``: ``found`` as
    ``Engine.search_tasks`` gives it, or ``problem`` (one line) when it could not search."""

    query: str
    found: dict[str, Any] | None = None
    problem: str | None = None
