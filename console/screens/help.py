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

KEYS = (
    ("/", "filter tasks by text; state:NAME (or a state name) filters by state"),
    ("enter", "open the task: focus its steps"),
    ("tab / shift+tab", "next / previous pane"),
    ("home / end / pgup / pgdn", "first / last task, a page up / down"),
    ("n", "new task from a template"),
    ("r", "retry (reset) the selected failed step"),
    ("R", "retry every failed step of the task"),
    ("m", "resolve the selected step manually"),
    ("c", "complete the selected step with results (JSON editor)"),
    ("x", "cancel the task"),
    ("g", "give up on a task blocked by failures"),
    ("v", "reveal / mask sensitive context values"),
    ("space", "pause / resume the embedded worker"),
    ("s", "sort the task list by the next column"),
    ("e", "in the graph: unfold / fold the clones of batch steps"),
    ("click a column", "sort the task list by it (again: reverse)"),
    ("esc", "close the filter; back to the task list"),
    ("?", "this help"),
    ("ctrl+p", "command palette: every action by name"),
    ("q", "quit"),
)


def help_table() -> Table:
    table = Table(box=None, show_header=False, pad_edge=False)
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
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


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog wide"):
            yield Static(Text("Keys", style="bold underline"))
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
                    "In the graph, steps created at run time: dimmed = not created yet, "
                    'struck through = a decision did not choose it, one box "name ×n" = the '
                    "clones of a batch step (e unfolds them).",
                    style="dim",
                )
            )
