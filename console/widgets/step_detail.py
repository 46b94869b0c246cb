"""Everything about one step: inputs, dependency results, results, error, transitions."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from console.formatting import clock_text, error_class, step_state_text
from console.masking import displayed_json, masked_text, secret_values
from engine.events import queries


def _json(value: Any, reveal: bool, secrets: tuple[str, ...]) -> RenderableType:
    if value is None:
        return Text("  (none)", style="dim")
    return Syntax(
        masked_text(displayed_json(value, reveal), secrets),
        "json",
        theme="ansi_dark",
        background_color="default",
    )


def _heading(title: str) -> Text:
    return Text(f"\n{title}", style="bold underline")


def transitions_table(transitions: list[dict[str, Any]], secrets: tuple[str, ...] = ()) -> Table:
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
            f"{row.get('from_state') or '∅'} → {row.get('to_state')}",
            str(row.get("attempt") or ""),
            str(row.get("by") or ""),
            masked_text(str(row.get("reason") or ""), secrets),
        )
    return table


def error_renderables(error: dict[str, Any], secrets: tuple[str, ...]) -> list[RenderableType]:
    """The error's class, type, code and Retry-After; its message; its traceback if any."""
    line = Text()
    klass = error_class(error)
    line.append(klass, style="bold red" if klass == "PERMANENT" else "bold yellow")
    line.append(f"  {error.get('error_type')}  {error.get('error_code') or ''}")
    if error.get("retry_after"):
        line.append(f"  Retry-After {error['retry_after']:g} s")
    parts: list[RenderableType] = [
        _heading("error"),
        line,
        Text(masked_text(str(error.get("message") or ""), secrets)),
    ]
    if error.get("traceback"):
        traceback = masked_text(str(error["traceback"]).rstrip(), secrets)
        parts.append(Text(traceback, style="dim"))
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
    events: list[dict[str, Any]], secrets: tuple[str, ...]
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
            Text(str(event.get("name"))),
            str(event.get("delivery_mode")),
            Text(str(event.get("state")), style=EVENT_STATE_STYLE.get(str(event.get("state")), "")),
            summary,
            Text(masked_text(str(event.get("last_error") or ""), secrets)),
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

    Sensitive context values stay masked unless ``reveal``, also where a message quotes them.
    """
    secrets = () if reveal else secret_values(task.get("context"))
    title = Text()
    title.append(step["name"], style="bold")
    title.append("  ")
    title.append_text(step_state_text(step.get("current_state", "not_created")))
    if step.get("handler"):
        title.append(f"  handler {step['handler']}", style="dim")
    parts: list[RenderableType] = [title, Text(f"task {task.get('task_uuid', '')}", style="dim")]
    if "current_state" not in step:
        parts.append(Text("not created: a decision step has not chosen this branch", style="dim"))
        return Group(*parts)
    if step.get("error"):
        parts += error_renderables(step["error"], secrets)
    parts += [_heading("results"), _json(step.get("results"), reveal, secrets)]
    if events:  # only a step that published some: most steps publish nothing
        parts += events_renderables(events, secrets)
    parts.append(_heading("transitions"))
    if transitions is None:
        parts.append(Text("  loading…", style="dim"))
    elif not transitions:
        parts.append(Text("  (none yet)", style="dim"))
    else:
        parts.append(transitions_table(transitions, secrets))
    by_name = {s["name"]: s for s in task.get("steps", [])}
    deps = step.get("dependencies") or []
    parts.append(_heading("dependency results"))
    if not deps:
        parts.append(Text("  (no dependencies)", style="dim"))
    for dep in deps:
        parts += [
            Text(f"  {dep}", style="bold"),
            _json(by_name.get(dep, {}).get("results"), reveal, secrets),
        ]
    parts += [_heading("inputs (task context)"), _json(task.get("context"), reveal, secrets)]
    return Group(*parts)


class StepDetail(VerticalScroll, can_focus=True):
    DEFAULT_CSS = "StepDetail > Static { width: 1fr; height: auto; }"

    def compose(self) -> ComposeResult:
        yield Static(Text("select a step", style="dim"), id="step-detail-body")

    shown: RenderableType | None = None

    def show(self, renderable: RenderableType) -> None:
        self.shown = renderable
        self.query_one("#step-detail-body", Static).update(renderable)
