"""Everything about one step: inputs, dependency results, results, error, transitions.

Every value from the task is shown whole (the pane wraps and scrolls), as text, with control
characters made visible (``engine.literal``) and secrets masked unless revealed.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from console.formatting import clock_text, error_class, step_state_text
from console.masking import displayed_json, secret_values, shown_text
from console.widgets.steps_table import current_error
from engine.attempt_history import Attempt, AttemptHistory, attempt_history
from engine.events import queries
from engine.literal import literal, visible
from engine.masking import masked


def _json(value: Any, reveal: bool, secrets: tuple[str, ...]) -> RenderableType:
    if value is None:
        return Text("  (none)", style="dim")
    return Syntax(
        visible(displayed_json(value, reveal, secrets), multiline=True),
        "json",
        theme="ansi_dark",
        background_color="default",
        word_wrap=True,
    )


def _heading(title: str) -> Text:
    return Text(f"\n{title}", style="bold underline")


def transitions_table(
    transitions: list[dict[str, Any]], secrets: tuple[str, ...] = (), reveal: bool = False
) -> Table:
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    for name in ("at", "from → to", "attempt", "by", "reason"):
        table.add_column(name, overflow="fold")
    previous_day = ""
    for row in transitions:
        at = clock_text(row.get("at"))
        day, _, time_of_day = at.partition(" ")
        shown_at = time_of_day if day == previous_day else at  # the date once per day
        previous_day = day
        table.add_row(
            shown_at,
            literal(f"{row.get('from_state') or '∅'} → {row.get('to_state')}"),
            str(row.get("attempt") or ""),
            literal(row.get("by")),
            literal(shown_text(row.get("reason"), reveal, secrets)),
        )
    return table


def _time_of_day(ms: int | None) -> str:
    """``09:07:38.769``: the time of day (UTC, as the audit shows it) without the date."""
    return clock_text(ms).partition(" ")[2].rstrip("Z")


def _took(ms: int | None) -> str:
    if ms is None:
        return "running"
    return f"{ms} ms" if ms < 10_000 else f"{ms / 1000:.1f} s"


def _outcome(attempt: Attempt) -> Text:
    text = step_state_text(attempt.outcome) if attempt.outcome != "running" else Text("▶ running")
    if attempt.ended_by:
        text.append_text(literal(f" by {attempt.ended_by}"))
    return text


def _attempt_error(attempt: Attempt) -> Text:
    """The class and code on a line, the message under them."""
    if attempt.error_type is None:
        return Text()
    klass = attempt.error_class
    text = Text(klass, style="bold red" if klass == "PERMANENT" else "bold yellow")
    text.append_text(literal(f" {attempt.error_code or attempt.error_type}"))
    if attempt.message:
        text.append("\n")
        text.append_text(literal(attempt.message))
    return text


def _backoff(attempt: Attempt) -> str:
    if attempt.backoff_ms is None:
        return ""
    return f"{attempt.backoff_ms} ms\n{attempt.backoff_rule or ''}".rstrip()


def attempts_table(history: AttemptHistory) -> Table:
    """One row per attempt (and per operator action, where it happened): when it started,
    how long it took, where it ran, how it ended, its error and the backoff chosen (its rule
    under it)."""
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    for name in ("#", "started", "took", "worker", "outcome"):
        table.add_column(name, overflow="fold", no_wrap=name != "worker")
    table.add_column("error", overflow="fold", ratio=3)
    backoffs = any(a.backoff_ms is not None for a in history.attempts)
    if backoffs:  # else the column would only narrow the errors
        table.add_column("backoff", overflow="fold", ratio=2)
    for row in history.rows():
        cells: list[RenderableType]
        if isinstance(row, Attempt):
            cells = [
                str(row.number),
                _time_of_day(row.started_at),
                _took(row.duration_ms),
                literal(row.worker),
                _outcome(row),
                _attempt_error(row),
                _backoff(row),
            ]
        else:
            action = Text(f"↺ {row.action.replace('_', ' ')}", style="bold")
            cells = ["", _time_of_day(row.at), "", literal(row.by), action, literal(row.reason), ""]
        table.add_row(*cells[: 7 if backoffs else 6])
    return table


def attempts_renderables(
    step: dict[str, Any],
    transitions: list[dict[str, Any]],
    secrets: tuple[str, ...],
    reveal: bool = False,
) -> list[RenderableType]:
    """The step's attempt history from its audit, secrets masked unless ``reveal``."""
    history = attempt_history(transitions if reveal else masked(transitions, secrets), step)
    parts: list[RenderableType] = [_heading("attempts"), literal(history.headline, "bold")]
    if history.attempts or history.actions:
        parts.append(attempts_table(history))
    return parts


def error_renderables(
    error: dict[str, Any], secrets: tuple[str, ...], reveal: bool = False
) -> list[RenderableType]:
    """The error's class, type, code and Retry-After; its message; its traceback if any."""
    line = Text()
    klass = error_class(error)
    line.append(klass, style="bold red" if klass == "PERMANENT" else "bold yellow")
    line.append(visible(f"  {error.get('error_type')}  {error.get('error_code') or ''}"))
    if error.get("retry_after"):
        line.append(f"  Retry-After {error['retry_after']:g} s")
    parts: list[RenderableType] = [
        _heading("error"),
        line,
        literal(shown_text(error.get("message"), reveal, secrets), multiline=True),
    ]
    if error.get("traceback"):
        traceback = shown_text(str(error["traceback"]).rstrip(), reveal, secrets)
        parts.append(literal(traceback, "dim", multiline=True))
    return parts


async def published_events(engine: Any, task_uuid: str, step_name: str) -> list[dict[str, Any]]:
    """The domain events a step published, oldest first (none from an engine without a local
    database, such as a remote Tasker API)."""
    store = getattr(engine, "store", None)
    if store is None or not hasattr(store, "list_events"):
        return []
    return await queries.step_events(store, task_uuid, step_name)


EVENT_STATE_STYLE = {"delivered": "green", "failed": "bold red", "pending": "yellow"}


def events_renderables(
    events: list[dict[str, Any]], secrets: tuple[str, ...], reveal: bool = False
) -> list[RenderableType]:
    """The domain events the step published: name, mode, delivery state, subscribers' results."""
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    for name in ("event", "mode", "state", "deliveries", "last error"):
        table.add_column(name, overflow="fold")
    for event in events:
        deliveries = event.get("deliveries") or []
        ok = sum(1 for d in deliveries if d.get("outcome") == "delivered")
        summary = f"{ok} ok" + (f", {len(deliveries) - ok} failed" if len(deliveries) > ok else "")
        table.add_row(
            literal(event.get("name")),
            str(event.get("delivery_mode")),
            Text(str(event.get("state")), style=EVENT_STATE_STYLE.get(str(event.get("state")), "")),
            summary,
            literal(shown_text(event.get("last_error"), reveal, secrets)),
        )
    return [_heading("events"), table]


def step_detail_renderable(
    task: dict[str, Any],
    step: dict[str, Any],
    transitions: list[dict[str, Any]] | None,
    reveal: bool = False,
    events: list[dict[str, Any]] | None = None,
) -> RenderableType:
    """The detail pane's content: what went wrong first, then the audit, then the data.

    Secrets stay masked unless ``reveal``, also where a message quotes them: those of the
    context and those of any step's results (``engine.masking``).
    """
    secrets = () if reveal else secret_values(task)
    title = Text()
    title.append_text(literal(step["name"], "bold"))
    title.append("  ")
    title.append_text(step_state_text(step.get("current_state", "not_created")))
    if step.get("handler"):
        title.append_text(literal(f"  handler {step['handler']}", "dim"))
    parts: list[RenderableType] = [title, Text(f"task {task.get('task_uuid', '')}", style="dim")]
    if "current_state" not in step:
        parts.append(Text("not created: a decision step has not chosen this branch", style="dim"))
        return Group(*parts)
    if current_error(step):
        parts += error_renderables(current_error(step), secrets, reveal)
    if transitions:
        parts += attempts_renderables(step, transitions, secrets, reveal)
    parts += [_heading("results"), _json(step.get("results"), reveal, secrets)]
    if events:  # only a step that published some: most steps publish nothing
        parts += events_renderables(events, secrets, reveal)
    parts.append(_heading("transitions"))
    if transitions is None:
        parts.append(Text("  loading…", style="dim"))
    elif not transitions:
        parts.append(Text("  (none yet)", style="dim"))
    else:
        parts.append(transitions_table(transitions, secrets, reveal))
    by_name = {s["name"]: s for s in task.get("steps", [])}
    deps = step.get("dependencies") or []
    parts.append(_heading("dependency results"))
    if not deps:
        parts.append(Text("  (no dependencies)", style="dim"))
    for dep in deps:
        parts += [
            literal(f"  {dep}", "bold"),
            _json(by_name.get(dep, {}).get("results"), reveal, secrets),
        ]
    parts += [_heading("inputs (task context)"), _json(task.get("context"), reveal, secrets)]
    return Group(*parts)


# A scrolling pane: j/k a line down/up, home/end to its top and bottom.
SCROLL_BINDINGS: list[BindingType] = [
    Binding("j", "scroll_down", "Down", show=False),
    Binding("k", "scroll_up", "Up", show=False),
]


class StepDetail(VerticalScroll, can_focus=True):
    DEFAULT_CSS = "StepDetail > Static { width: 1fr; height: auto; }"
    BINDINGS: ClassVar[list[BindingType]] = SCROLL_BINDINGS

    def compose(self) -> ComposeResult:
        yield Static(Text("select a step", style="dim"), id="step-detail-body")

    shown: RenderableType | None = None

    def show(self, renderable: RenderableType) -> None:
        self.shown = renderable
        self.query_one("#step-detail-body", Static).update(renderable)
