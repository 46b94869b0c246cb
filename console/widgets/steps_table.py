"""The steps of the selected task: state, attempts, error, retry countdown and its reason."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import DataTable

from console.formatting import (
    NOT_CREATED,
    attempts_text,
    backoff_text,
    duration_text,
    error_class,
    retry_countdown_text,
    step_state_text,
)
from console.masking import masked_text

# Narrow, always-useful columns first; the message (shown whole in the step pane) last.
COLUMNS = (
    ("step", "step"),
    ("state", "state"),
    ("attempts", "attempts"),
    ("duration", "duration"),
    ("error", "error"),
    ("retry", "next retry"),
    ("rule", "delay rule"),
    ("message", "message"),
)
MESSAGE_WIDTH = 48


def delay_rule(step: dict[str, Any]) -> str:
    """The engine's own account of the delay, or one rebuilt from the step's retry policy."""
    if step.get("current_state") not in ("waiting_for_retry", "error"):
        return ""
    if step.get("backoff_rule"):
        return str(step["backoff_rule"])
    if step.get("current_state") != "waiting_for_retry":
        return ""
    error = step.get("error") or {}
    return backoff_text(step.get("retry"), step.get("attempts") or 0, error.get("retry_after"))


def step_duration_ms(step: dict[str, Any], now_ms: int) -> int | None:
    started = step.get("started_at")
    if started is None:
        return None
    finished = step.get("finished_at")
    if finished is None and step.get("current_state") != "in_progress":
        return None
    return (finished or now_ms) - started


def step_cells(step: dict[str, Any], now_ms: int, secrets: tuple[str, ...] = ()) -> tuple[Any, ...]:
    state = step.get("current_state", NOT_CREATED)
    if state == NOT_CREATED:
        dim = Text(step["name"], style="dim")
        return (dim, step_state_text(state), "", "", "", "", "", "")
    error = step.get("error") or {}
    message = masked_text(str(error.get("message") or ""), secrets)
    if len(message) > MESSAGE_WIDTH:
        message = message[: MESSAGE_WIDTH - 1] + "…"
    klass = error_class(error)
    error_text = Text(klass, style="bold red" if klass == "PERMANENT" else "yellow")
    if error.get("error_code"):
        error_text.append(f" {error['error_code']}", style="")
    return (
        step["name"],
        step_state_text(state),
        attempts_text(step.get("attempts") or 0, step.get("max_attempts") or 0),
        duration_text(step_duration_ms(step, now_ms)),
        error_text,
        Text(retry_countdown_text(step.get("next_retry_at"), now_ms), style="bold yellow"),
        delay_rule(step),
        message,
    )


class StepsTable(DataTable):
    """One row per step (named key), updated in place as the task moves."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", **kwargs)
        self.steps: dict[str, dict[str, Any]] = {}
        self._shown: dict[str, tuple[Any, ...]] = {}
        self.task_uuid: str | None = None
        self.secrets: tuple[str, ...] = ()  # context values masked in messages

    def on_mount(self) -> None:
        self._add_columns()

    def _add_columns(self) -> None:
        for key, label in COLUMNS:
            self.add_column(label, key=key)

    def _start_over(self) -> None:
        """Empty, with columns as narrow as their labels: widths follow the task shown."""
        self.clear(columns=True)
        self._add_columns()
        self._shown = {}

    @property
    def selected_step(self) -> str | None:
        if not self.row_count:
            return None
        return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value

    def show(
        self,
        task_uuid: str,
        steps: list[dict[str, Any]],
        now_ms: int,
        secrets: tuple[str, ...] | None = None,
    ) -> None:
        if secrets is not None:
            self.secrets = secrets
        if task_uuid != self.task_uuid or [s["name"] for s in steps] != list(self._shown):
            self._start_over()
            self.task_uuid = task_uuid
        self.steps = {s["name"]: s for s in steps}
        for step in steps:
            cells = step_cells(step, now_ms, self.secrets)
            old = self._shown.get(step["name"])
            if old is None:
                self.add_row(*cells, key=step["name"])
            else:
                for (column, _), before, after in zip(COLUMNS, old, cells, strict=True):
                    if before != after:
                        self.update_cell(step["name"], column, after, update_width=True)
            self._shown[step["name"]] = cells

    def tick(self, now_ms: int) -> None:
        """Move the retry countdowns and running durations on."""
        live = ("waiting_for_retry", "in_progress")
        if any(step.get("current_state") in live for step in self.steps.values()):
            self.show(self.task_uuid or "", list(self.steps.values()), now_ms)

    def reset(self) -> None:
        self._start_over()
        self.steps = {}
        self.task_uuid = None
