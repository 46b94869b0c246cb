"""What the screens need of the console app, as Protocols.

The screens type the app they run in as ``ConsoleHost``, never as ``console.app.ConsoleApp``:
the app imports its screens, and the screens import only this module, so there is no circle
(an import-linter contract keeps it so). ``ConsoleApp`` satisfies ``ConsoleHost`` by shape.
"""

from __future__ import annotations

from typing import Any, Protocol


class WorkerControl(Protocol):
    """What the console needs of an embedded worker (engine.embedded.EmbeddedWorker)."""

    concurrency: int

    @property
    def paused(self) -> bool: ...
    @property
    def running_count(self) -> int: ...
    def pause(self) -> None: ...
    def resume(self) -> None: ...
    def wake(self) -> None: ...


class ConsoleHost(Protocol):
    """The app as its screens see it: the data it reads, who acts, and its clock."""

    engine: Any  # an Engine, or a RemoteEngine over Tasker's REST API (console.data)
    embedded_worker: WorkerControl | None
    db_label: str
    operator: str
    poll_s: float
    tick_s: float

    def now_ms(self) -> int: ...
    def worker_text(self) -> str: ...
    def wake_worker(self) -> None: ...
    def template_steps(self, task: dict[str, Any]) -> list[tuple[str, list[str]]]: ...
    def push_screen(self, screen: Any, callback: Any = None) -> Any: ...
