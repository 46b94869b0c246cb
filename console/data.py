"""What the console needs of its data: the calls it makes of ``engine.api.Engine``.

Two backends satisfy it: the local ``Engine`` (a database file or URL) and ``RemoteEngine``
(``console.remote``: a Tasker orchestration server over HTTP). Screens call only these.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol


class SearchUnavailable(Exception):
    """The data source cannot search task contents; ``str()`` says what it can do instead."""


class ClockLike(Protocol):
    def now_ms(self) -> int: ...


class StepLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def dependencies(self) -> list[str]: ...


class TemplateLike(Protocol):
    @property
    def namespace_name(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def description(self) -> str | None: ...
    @property
    def input_schema(self) -> dict[str, Any] | None: ...
    @property
    def steps(self) -> Sequence[StepLike]: ...


class CreatedLike(Protocol):
    @property
    def task_uuid(self) -> str: ...
    @property
    def created(self) -> bool: ...


Task = dict[str, Any]


class ImpactLike(Protocol):
    """What an action will do (``engine.impact.Impact``), as preview lines."""

    def lines(self) -> list[str]: ...


class ConsoleData(Protocol):
    @property
    def clock(self) -> ClockLike: ...
    def templates(self) -> Sequence[TemplateLike]: ...
    async def list_tasks(
        self,
        namespace: str | None = None,
        status: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Task]: ...
    async def task_summaries(self, task_uuids: list[str], /) -> list[Task]: ...
    async def task_counts(self) -> dict[str, int]: ...
    async def task_grid(self, namespace: str, name: str, limit: int = 40) -> list[Task]: ...
    async def search_tasks(self, query: str, limit: int = 1000) -> dict[str, Any]:
        """As ``Engine.search_tasks``; raises SearchUnavailable where it cannot search."""
        ...

    async def change_cursor(self) -> int: ...
    async def changes_since(self, cursor: int, /) -> tuple[int, list[str]]: ...
    async def get_task(self, uuid: str, /) -> Task: ...
    async def step_audit(self, task_uuid: str, step_name: str, /) -> list[Task]: ...
    async def create_task(
        self,
        name: str,
        namespace: str,
        context: dict[str, Any] | None = None,
        version: str | None = None,
        initiator: str | None = None,
        source_system: str | None = None,
        reason: str | None = None,
        idempotency_key: str | None = None,
    ) -> CreatedLike: ...
    async def reset_step(
        self, task: str, step: str, reason: str, by: str | None = None
    ) -> Task: ...
    async def retry_now(self, task: str, step: str, reason: str, by: str | None = None) -> Task: ...
    async def resolve_step(
        self, task: str, step: str, reason: str, by: str | None = None
    ) -> Task: ...
    async def complete_step(
        self, task: str, step: str, results: dict[str, Any], reason: str, by: str | None = None
    ) -> Task: ...
    async def cancel_task(
        self, task: str, reason: str | None = None, by: str | None = None
    ) -> Task: ...
    async def give_up(
        self, task: str, reason: str | None = None, by: str | None = None
    ) -> Task: ...
    async def impact(
        self, task: str, action: str, step: str | None = None, results: Any = None
    ) -> ImpactLike: ...
    async def edit_context(
        self, task: str, context: Any, reason: str, by: str | None = None
    ) -> Any: ...
    # the failures view (engine.failure_actions; over HTTP, tasker serve's console routes)
    async def failures(self, include_handled: bool = False) -> list[Task]: ...
    async def failure_preview(self, action: str, targets: Sequence[tuple[str, str]]) -> Task: ...
    async def act_on_failures(
        self,
        action: str,
        targets: Sequence[tuple[str, str]],
        reason: str,
        by: str | None = None,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> Task: ...
