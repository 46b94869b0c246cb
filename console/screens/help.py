"""The ``?`` screen: every key, the state glyphs, and where to find the rest."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from console.formatting import STEP_STATE_LOOK, TASK_STATE_LOOK
from console.widgets.step_detail import SCROLL_BINDINGS

KEYS = (
    ("/", "search: words in context values, errors, ids, names; code: step: state: ctx.KEY:"),
    ("enter", "in the filter: keep it; on a task: its steps; on a step: its detail"),
    ("tab / shift+tab", "next / previous pane (tasks, steps, graph, step)"),
    ("j / k, ↓ / ↑", "next / previous row in every list; scroll the step pane and this help"),
    ("home / end / pgup / pgdn", "first / last row, a page up / down"),
    ("z", "zoom: the focused pane fills the screen (z or esc: back)"),
    ("n", "new task from a template"),
    ("r", "retry (reset) the selected failed step; on a step waiting for its retry: run it now"),
    ("R", "retry every failed step of the task"),
    ("m", "resolve the selected step manually"),
    ("c", "complete the selected step with results (JSON editor)"),
    ("x / g / E", "cancel / give up (task blocked) / edit the context and retry the failed"),
    (
        "F",
        "failures grouped by cause (enter: a group's tasks; space: mark; R / g / m: act"
        " on the marked after a preview; h: handled ones too)",
    ),
    ("G", "grid: a template's newest tasks × steps (t / T: template; enter: open the task)"),
    ("v", "reveal / mask sensitive context values"),
    ("space", "pause / resume the embedded worker"),
    ("s", "sort the task list by the next column"),
    ("e", "in the graph: unfold / fold the clones of batch steps"),
    ("click a column", "sort the task list by it (again: reverse)"),
    ("esc", "back one pane (step → steps → tasks); in the filter box: clear it"),
    ("?", "this help"),
    ("ctrl+p", "command palette: every action by name"),
    ("q", "quit"),
)


def help_table() -> Table:
    table = Table(box=None, show_header=False, pad_edge=False, expand=True)
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column(ratio=1, overflow="fold")
    for key, what in KEYS:
        table.add_row(key, what)
    return table


def legend(title: str, looks: dict[str, Any]) -> Text:
    text = Text(f"{title}\n", style="bold")
    for state, (glyph, style) in looks.items():
        text.append(f"  {glyph} {state}\n", style=style)
    return text


def legends() -> Table:
    """Task and step states side by side, each with its glyph and colour."""
    table = Table.grid(padding=(0, 4))
    table.add_row(
        legend("Task states", dict(TASK_STATE_LOOK)), legend("Step states", dict(STEP_STATE_LOOK))
    )
    return table


class HelpBox(VerticalScroll, can_focus=True):
    """The help's text: it wraps to the box, and scrolls (↓/↑, j/k) when the terminal is short."""

    BINDINGS: ClassVar[list[BindingType]] = SCROLL_BINDINGS


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def on_mount(self) -> None:
        self.query_one(HelpBox).focus()

    def compose(self) -> ComposeResult:
        with HelpBox(classes="dialog wide", id="help"):
            yield Static(Text("Keys  (↓/↑ or j/k scroll, esc closes)", style="bold underline"))
            yield Static(help_table())
            yield Static(Text(""))
            yield Static(legends())
            yield Static(
                Text(
                    "Destructive actions ask for a reason, recorded with your name in each "
                    "step's transition history (step detail pane).",
                    style="dim",
                )
            )
            yield Static(
                Text(
                    "attempts 2/3: the step's latest attempt is its 2nd run since it was "
                    "created (the number its audit rows, the CLI and the JSON 'attempt' give); "
                    "it may run up to attempt 3. A retry (r) allows max_attempts more runs.",
                    style="dim",
                )
            )
            yield Static(
                Text(
                    "In the graph, steps created at run time: dimmed = not created yet, "
                    'struck through = a decision did not choose it, one box "name ×n" = the '
                    "clones of a batch step (e unfolds them).",
                    style="dim",
                )
            )
