"""Everything about one step: inputs, dependency results, results, error, transitions."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from console.formatting import clock_text, error_class, step_state_text
from console.masking import displayed_json


def _json(value: Any, reveal: bool) -> RenderableType:
    if value is None:
        return Text("  (none)", style="dim")
    return Syntax(
        displayed_json(value, reveal), "json", theme="ansi_dark", background_color="default"
    )


def _heading(title: str) -> Text:
    return Text(f"\n{title}", style="bold underline")


def transitions_table(transitions: list[dict[str, Any]]) -> Table:
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    for name in ("at", "from → to", "attempt", "by", "reason"):
        table.add_column(name, overflow="fold")
    for row in transitions:
        table.add_row(
            clock_text(row.get("at")),
            f"{row.get('from_state') or '∅'} → {row.get('to_state')}",
            str(row.get("attempt") or ""),
            str(row.get("by") or ""),
            str(row.get("reason") or ""),
        )
    return table


def step_detail_renderable(
    task: dict[str, Any],
    step: dict[str, Any],
    transitions: list[dict[str, Any]] | None,
    reveal: bool = False,
) -> RenderableType:
    """The detail pane's content; sensitive context values stay masked unless ``reveal``."""
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
    by_name = {s["name"]: s for s in task.get("steps", [])}
    parts += [_heading("inputs (task context)"), _json(task.get("context"), reveal)]
    deps = step.get("dependencies") or []
    parts.append(_heading("dependency results"))
    if not deps:
        parts.append(Text("  (no dependencies)", style="dim"))
    for dep in deps:
        parts += [
            Text(f"  {dep}", style="bold"),
            _json(by_name.get(dep, {}).get("results"), reveal),
        ]
    parts += [_heading("results"), _json(step.get("results"), reveal)]
    error = step.get("error")
    if error:
        parts.append(_heading("error"))
        line = Text()
        line.append(error_class(error), style="bold red")
        line.append(f"  {error.get('error_type')}  {error.get('error_code') or ''}")
        if error.get("retry_after"):
            line.append(f"  Retry-After {error['retry_after']:g} s")
        parts += [line, Text(str(error.get("message") or ""))]
        if error.get("traceback"):
            parts.append(Text(str(error["traceback"]).rstrip(), style="dim"))
    parts.append(_heading("transitions"))
    if transitions is None:
        parts.append(Text("  loading…", style="dim"))
    elif not transitions:
        parts.append(Text("  (none yet)", style="dim"))
    else:
        parts.append(transitions_table(transitions))
    return Group(*parts)


class StepDetail(VerticalScroll, can_focus=True):
    DEFAULT_CSS = "StepDetail > Static { width: 1fr; height: auto; }"

    def compose(self):
        yield Static(Text("select a step", style="dim"), id="step-detail-body")

    shown: RenderableType | None = None

    def show(self, renderable: RenderableType) -> None:
        self.shown = renderable
        self.query_one("#step-detail-body", Static).update(renderable)
