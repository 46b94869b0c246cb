"""The steps of the selected task: state, attempts, error, retry countdown and its reason."""

from __future__ import annotations

from typing import Any, ClassVar, cast

from rich.cells import cell_len
from rich.text import Text
from textual.binding import BindingType
from textual.widgets import DataTable

from console.formatting import (
    NOT_CREATED,
    backoff_text,
    duration_text,
    error_class,
    retry_countdown_text,
    step_state_text,
)
from console.masking import shown_text
from console.widgets.task_table import LIST_BINDINGS
from engine.literal import literal, visible
from engine.retry import attempt_text

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
NAME_WIDTH = 40  # a longer step name is clipped here; the step pane shows it whole
FINISHED_WELL = ("complete", "resolved_manually")


def cell_width(value: Any) -> int:
    return cell_len(value.plain if isinstance(value, Text) else str(value))


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
    return cast(int, (finished or now_ms) - started)


def step_cells(
    step: dict[str, Any], now_ms: int, secrets: tuple[str, ...] = (), reveal: bool = False
) -> tuple[Any, ...]:
    state = step.get("current_state", NOT_CREATED)
    if state == NOT_CREATED:
        dim = literal(step["name"], "dim", limit=NAME_WIDTH)
        return (dim, step_state_text(state), "", "", "", "", "", "")
    error = current_error(step)
    message = literal(shown_text(error.get("message"), reveal, secrets), limit=MESSAGE_WIDTH)
    klass = error_class(error)
    error_text = Text(klass, style="bold red" if klass == "PERMANENT" else "yellow")
    if error.get("error_code"):
        error_text.append(f" {visible(error['error_code'], limit=NAME_WIDTH)}", style="")
    return (
        literal(step["name"], limit=NAME_WIDTH),
        step_state_text(state),
        step_attempt_text(step),
        duration_text(step_duration_ms(step, now_ms)),
        error_text,
        Text(retry_countdown_text(step.get("next_retry_at"), now_ms), style="bold yellow"),
        Text(delay_rule(step)),
        message,
    )


def current_error(step: dict[str, Any]) -> dict[str, Any]:
    """The step's error, unless it finished well since (its history keeps the old one)."""
    if step.get("current_state") in FINISHED_WELL:
        return {}
    return step.get("error") or {}


def step_attempt_text(step: dict[str, Any]) -> str:
    """``2/3``: attempt 2 (numbered as the audit numbers it) of at most 3 (engine.retry)."""
    attempts = step.get("attempts") or 0
    return attempt_text(step.get("attempt", attempts) or 0, attempts, step.get("max_attempts") or 0)


def worker_templates(steps: list[dict[str, Any]]) -> set[str]:
    """Batch worker templates that have clones: never run themselves, so not a row."""
    return {s["template_step"] for s in steps if s.get("template_step", s["name"]) != s["name"]}


class StepsTable(DataTable[Any]):
    """One row per step (named key), updated in place as the task moves."""

    BINDINGS: ClassVar[list[BindingType]] = LIST_BINDINGS

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", **kwargs)
        self.steps: dict[str, dict[str, Any]] = {}
        self._shown: dict[str, tuple[Any, ...]] = {}
        self.task_uuid: str | None = None
        self.secrets: tuple[str, ...] = ()  # the task's secrets, masked in messages
        self.reveal = False  # True: nothing masked (the operator pressed v)
        self._widths: list[int] = []

    def on_mount(self) -> None:
        self._set_columns([cell_len(label) for _, label in COLUMNS])

    def _set_columns(self, widths: list[int]) -> None:
        """Empty the table and size each column: fixed widths, so the table is laid out the
        moment it is filled (widths measured later would depend on when the screen paints)."""
        self.clear(columns=True)
        for (key, label), width in zip(COLUMNS, widths, strict=True):
            self.add_column(label, key=key, width=width)
        self._widths = widths
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
        """Show the task's steps: cells change in place; the table is rebuilt (keeping the
        selected step) for another task, other steps, or a value wider than its column."""
        if secrets is not None:
            self.secrets = secrets
        self.steps = {s["name"]: s for s in steps}
        templates = worker_templates(steps)  # their clones have rows; the graph keeps them
        cells = {
            s["name"]: step_cells(s, now_ms, self.secrets, self.reveal)
            for s in steps
            if s["name"] not in templates
        }
        widths = [
            max([cell_len(label), *(cell_width(row[i]) for row in cells.values())])
            for i, (_, label) in enumerate(COLUMNS)
        ]
        same_rows = task_uuid == self.task_uuid and list(cells) == list(self._shown)
        if same_rows and all(w <= old for w, old in zip(widths, self._widths, strict=True)):
            for name, row in cells.items():
                for (column, _), before, after in zip(COLUMNS, self._shown[name], row, strict=True):
                    if before != after:
                        self.update_cell(name, column, after)
                self._shown[name] = row
            return
        keep = self.selected_step if task_uuid == self.task_uuid else None
        self.task_uuid = task_uuid
        self._set_columns(widths)
        for name, row in cells.items():
            self.add_row(*row, key=name)
            self._shown[name] = row
        if keep in self._shown:
            self.move_cursor(row=self.get_row_index(keep), scroll=False)

    def tick(self, now_ms: int) -> None:
        """Move the retry countdowns and running durations on."""
        live = ("waiting_for_retry", "in_progress")
        if any(step.get("current_state") in live for step in self.steps.values()):
            self.show(self.task_uuid or "", list(self.steps.values()), now_ms)

    def reset(self) -> None:
        self._set_columns(self._widths)
        self.steps = {}
        self.task_uuid = None
