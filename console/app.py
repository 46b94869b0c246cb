"""The console application: composition only; screens and widgets do the work."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.screen import Screen

from console.host import WorkerControl
from console.messages import ActionSucceeded
from console.screens.failures import FAILURES_PALETTE, FailuresScreen
from console.screens.help import HelpScreen
from console.screens.main import MainScreen
from engine.labels import default_operator
from engine.literal import visible

TOAST_LIMIT = 300  # characters of a toast: a 10 kB error message would cover the screen

# (action on the main screen, palette title, what it does)
PALETTE = (
    ("filter", "Search tasks", "Find tasks by context value, code:, step:, state:, ctx.KEY:"),
    ("sort", "Sort tasks", "Sort the task list by the next column"),
    ("new_task", "New task", "Create a task from a template with a JSON context"),
    ("retry_step", "Retry step", "Reset the selected failed step, or run a waiting retry now"),
    ("retry_all", "Retry all failed steps", "Reset every failed step of the task"),
    ("resolve_step", "Resolve step manually", "Close the selected step without results"),
    ("complete_step", "Complete step with results", "Close the selected step with JSON results"),
    ("cancel_task", "Cancel task", "Cancel the task and its unfinished steps"),
    ("give_up", "Give up", "Close a task blocked by failures as error"),
    ("edit_context", "Edit context and retry", "Edit the task's context; its failed steps rerun"),
    ("app.failures", "Failures view", "Outstanding failed steps grouped by cause; bulk actions"),
    ("grid", "Grid of recent tasks", "The newest tasks of a template × their steps"),
    ("toggle_reveal", "Reveal / mask secrets", "Show or hide sensitive context values"),
    ("toggle_worker", "Pause / resume worker", "Pause or resume the embedded worker"),
)


class ConsoleApp(App[None]):
    """The operations console over one Engine (and, by default, an embedded worker)."""

    CSS_PATH = Path(__file__).parent / "styles" / "app.tcss"  # absolute: subclasses live elsewhere
    TITLE = "tasker console"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(
        self,
        engine: Any,
        *,
        embedded_worker: WorkerControl | None = None,
        db_label: str = "",
        operator: str | None = None,
        poll_s: float = 0.25,
        tick_s: float = 0.1,
        template_steps: Any = None,
        cursor_blink: bool = True,
    ) -> None:
        super().__init__()
        self.engine = engine
        self.embedded_worker = embedded_worker
        self.db_label = db_label
        self.operator = operator or default_operator()  # the initiator of tasks made here
        self.poll_s = poll_s
        self.tick_s = tick_s
        self.cursor_blink = cursor_blink  # False: steady text cursors (screenshots)
        self._template_steps: dict[tuple[str, str, str], list[tuple[str, list[str]]]] = {}

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """A toast: its text is shown literally (toasts quote step names and engine errors,
        which are task data), never as markup, and clipped to a few lines."""
        super().notify(
            visible(message, multiline=True, limit=TOAST_LIMIT),
            title=visible(title, limit=TOAST_LIMIT),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def get_default_screen(self) -> Screen[Any]:
        return MainScreen()

    def now_ms(self) -> int:
        return int(self.engine.clock.now_ms())

    def wake_worker(self) -> None:
        """After an action that may have made steps runnable: the embedded worker runs its own
        engine, so it would otherwise see them only at its next poll."""
        if self.embedded_worker is not None:
            self.embedded_worker.wake()

    def worker_text(self) -> str:
        worker = self.embedded_worker
        if worker is None:
            return "observing (no embedded worker)"
        state = "paused" if worker.paused else "running"
        return f"embedded worker {state} {worker.running_count}/{worker.concurrency}"

    def template_steps(self, task: dict[str, Any]) -> list[tuple[str, list[str]]]:
        """The task's template steps as (name, dependencies), or [] if it is not loaded."""
        key = (task["namespace"], task["name"], str(task["version"]))
        if not self._template_steps:
            for t in self.engine.templates():
                self._template_steps[(t.namespace_name, t.name, str(t.version))] = [
                    (s.name, list(s.dependencies or [])) for s in t.steps
                ]
        return self._template_steps.get(key, [])

    async def run_action(
        self,
        action: str | Any,
        default_namespace: Any = None,
        namespaces: Any = None,
    ) -> bool:
        """Run an action; when a key's action does not apply (dimmed in the footer), the main
        screen says why instead of the key doing nothing."""
        if await super().run_action(action, default_namespace, namespaces):
            return True
        if isinstance(default_namespace, MainScreen) and isinstance(action, str):
            return default_namespace.explain_refusal(action)
        return False

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_failures(self) -> None:
        """``F``: the failures view; the task it opens is selected in the main screen."""
        if not isinstance(self.screen, FailuresScreen):
            self.push_screen(FailuresScreen(), self._open_task)

    def _open_task(self, task_uuid: str | None) -> None:
        if task_uuid:
            self.screen_stack[0].post_message(ActionSucceeded("opened from failures", task_uuid))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if isinstance(screen, MainScreen):
            for action, title, text in PALETTE:
                yield SystemCommand(title, text, partial(screen.run_action, action))
        if isinstance(screen, FailuresScreen):
            for action, title, text in FAILURES_PALETTE:
                yield SystemCommand(title, text, partial(screen.run_action, action))
        yield SystemCommand("Help", "Every key and the state glyphs", self.action_help)
