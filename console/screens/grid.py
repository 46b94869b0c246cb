"""The grid (``G``): the newest tasks of one template as rows, its steps as columns, each cell
the step's state as a glyph in its colour, each column titled with its failures ("✗12/40").

It reads ``engine.task_grid`` (one read for every row) at the console's poll interval and
redraws only when something changed. ``enter`` closes it with the task under the cursor,
which the main screen then selects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from console.formatting import STEP_STATE_LOOK, age_text, short_uuid, step_look, task_look
from console.grid_model import Grid, GridCell, build_grid, rows_that_fit
from console.host import ConsoleHost
from engine.literal import visible

TASK_COLUMN = "task"
NAME_WIDTH = 16  # a column's step name is clipped to this, so eight steps fit 160 columns
FAILED_CELL = "bold white on red"  # a failure stands out at a glance, in colour and glyph


@dataclass
class GridLoaded(Message):
    """The grid's rows were read."""

    key: tuple[str, str]
    tasks: list[dict[str, Any]]


@dataclass
class GridUnavailable(Message):
    """The grid's rows could not be read (one line why)."""

    text: str


def template_choices(templates: Any) -> list[tuple[str, str, list[str]]]:
    """(namespace, name, step names) per template name, the last version listed winning."""
    found: dict[tuple[str, str], list[str]] = {}
    for t in templates:
        found[(t.namespace_name, t.name)] = [s.name for s in t.steps]
    return [(ns, name, steps) for (ns, name), steps in sorted(found.items())]


def legend_text(title: str, grid: Grid | None) -> Text:
    """The template and what is shown on one line, the glyphs of the cells on the next."""
    text = Text()
    text.append(f" {visible(title)} ", style="bold reverse")
    if grid is not None:
        tasks = "task" if len(grid.rows) == 1 else "tasks"
        text.append(f"  newest {len(grid.rows)} {tasks} × {len(grid.columns)} steps", style="dim")
        text.append("   ✗n/N: failed in n of the N tasks", style="dim")
    text.append("\n")
    for state, (glyph, style) in STEP_STATE_LOOK.items():
        if state == "enqueued":
            continue  # drawn as pending
        text.append(" ")
        text.append(f"{glyph} {state}", style=FAILED_CELL if state == "error" else style)
    text.append("  ✓2: two clones", style="dim")
    return text


def column_label(grid: Grid, column: int) -> Text:
    name = visible(grid.columns[column], limit=NAME_WIDTH)
    failures = grid.failures(column)
    label = Text(name + "\n")
    label.append(grid.column_count_text(column), style="bold red" if failures else "dim")
    return label


def cell_text(cell: GridCell) -> Text:
    glyph, style = step_look(cell.state)
    if cell.failed:
        style = FAILED_CELL
    many = f"{len(cell.steps)}" if len(cell.steps) > 1 else ""
    return Text(f" {glyph}{many} ", style=style, justify="center")


def cell_description(row_uuid: str, column: str, cell: GridCell) -> Text:
    """The status line under the grid for the cell under the cursor."""
    glyph, style = step_look(cell.state)
    text = Text(f" task …{short_uuid(row_uuid)} · {visible(column)} · ")
    text.append(f"{glyph} {cell.state}", style=style)
    if cell.error_code or cell.error_type:
        text.append(f" · {visible(cell.error_code or '-', limit=60)}", style="bold")
        text.append(f" ({visible(cell.error_type or '?')})")
    attempts = max((s.get("attempts") or 0 for s in cell.steps), default=0)
    if cell.steps:
        text.append(f" · attempts {attempts}")
    if cell.states_summary():
        text.append(f" · {cell.states_summary()}", style="dim")
    text.append("   enter: open the task", style="dim")
    return text


class GridTable(DataTable[Text]):
    """The grid's table: ``enter`` opens the task under the cursor, and the footer says so."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open task"),
    ]


class GridScreen(Screen[str | None]):
    """Dismissed with the uuid of the task to open, or None."""

    DEFAULT_CSS = """
    GridScreen #grid-legend { height: auto; background: $panel; }
    GridScreen #grid { height: 1fr; }
    GridScreen #grid-cell { height: auto; max-height: 2; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "app.help", "Help"),
        Binding("escape,q", "close", "Back"),
        Binding("t", "next_template", "Next template"),
        Binding("T", "next_template(-1)", "Previous template", show=False),
    ]

    def __init__(self, task: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.first_task = task
        self.choices: list[tuple[str, str, list[str]]] = []
        self.chosen = 0
        self.grid: Grid | None = None
        self.shown: list[dict[str, Any]] | None = None
        self._reading = False  # a slow read (over HTTP) is let finish, not restarted each poll

    @property
    def console_app(self) -> ConsoleHost:
        return cast("ConsoleHost", self.app)

    def compose(self) -> ComposeResult:
        yield Static(id="grid-legend")
        yield GridTable(id="grid", cursor_type="cell", header_height=2)
        yield Static(id="grid-cell")
        yield Footer()

    def on_mount(self) -> None:
        self.choices = template_choices(self.console_app.engine.templates())
        if self.first_task is not None:
            wanted = (self.first_task["namespace"], self.first_task["name"])
            self.chosen = next(
                (n for n, (ns, name, _) in enumerate(self.choices) if (ns, name) == wanted), 0
            )
        self.query_one(GridTable).focus()
        self.show_legend()
        self.reload()
        self.set_interval(self.console_app.poll_s, self.poll)

    @property
    def key(self) -> tuple[str, str] | None:
        if not self.choices:
            return None
        namespace, name, _ = self.choices[self.chosen]
        return namespace, name

    def show_legend(self) -> None:
        key = self.key
        title = f"grid · {key[0]}/{key[1]}" if key else "grid · no templates"
        self.query_one("#grid-legend", Static).update(legend_text(title, self.grid))

    def poll(self) -> None:
        if not self._reading:
            self.reload()

    @work(exclusive=True, group="grid")
    async def reload(self) -> None:
        key = self.key
        if key is None:
            return
        limit = rows_that_fit(self.size.height or 48)
        self._reading = True
        try:
            tasks = await self.console_app.engine.task_grid(key[0], key[1], limit)
        except Exception as exc:  # a locked database, or a server that cannot be reached
            text = visible(" ".join(str(exc).split()) or type(exc).__name__, limit=200)
            self.post_message(GridUnavailable(f"could not read the grid: {text}"))
            return
        finally:
            self._reading = False
        self.post_message(GridLoaded(key, tasks))

    @on(GridUnavailable)
    def grid_unavailable(self, message: GridUnavailable) -> None:
        self.query_one("#grid-cell", Static).update(Text(f" {message.text}", style="red"))

    @on(GridLoaded)
    def grid_loaded(self, message: GridLoaded) -> None:
        if message.key != self.key or message.tasks == self.shown:
            return  # another template was chosen meanwhile, or nothing changed
        self.shown = message.tasks
        self.grid = build_grid(message.tasks, self.choices[self.chosen][2])
        self.show_grid(self.grid)
        self.show_legend()

    def show_grid(self, grid: Grid) -> None:
        table = self.query_one(GridTable)
        row, column = table.cursor_coordinate if table.row_count else grid.first_failure()
        if table.row_count:  # the cursor stays on its task when newer tasks come in above it
            under = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            row = next((n for n, r in enumerate(grid.rows) if r.task_uuid == under), row)
        table.clear(columns=True)
        table.add_column(Text("task\n"), key=TASK_COLUMN)
        for n, name in enumerate(grid.columns):
            table.add_column(column_label(grid, n), key=f"step:{name}")
        now = self.console_app.now_ms()
        for task in grid.rows:
            glyph, style = task_look(task.status)
            label = Text(f"{glyph} …{short_uuid(task.task_uuid)} ", style=style)
            label.append(age_text(task.created_at, now), style="dim")
            table.add_row(label, *(cell_text(c) for c in task.cells), key=task.task_uuid)
        if grid.rows:
            table.move_cursor(
                row=min(row, len(grid.rows) - 1), column=min(max(column, 1), len(grid.columns))
            )
        else:
            self.query_one("#grid-cell", Static).update(
                Text(" no tasks of this template yet", style="dim")
            )
        self.describe_cursor()

    @on(DataTable.CellHighlighted)
    def cell_highlighted(self) -> None:
        self.describe_cursor()

    def cursor_cell(self) -> tuple[str, str, GridCell] | None:
        """(task uuid, column, cell) under the cursor, or None on the task column."""
        table = self.query_one(GridTable)
        grid = self.grid
        row, column = table.cursor_coordinate
        if grid is None or not 0 <= row < len(grid.rows) or not 1 <= column <= len(grid.columns):
            return None
        task = grid.rows[row]
        return task.task_uuid, grid.columns[column - 1], task.cells[column - 1]

    def describe_cursor(self) -> None:
        under = self.cursor_cell()
        if under is not None:
            self.query_one("#grid-cell", Static).update(cell_description(*under))

    @on(DataTable.CellSelected)
    def open_task(self) -> None:
        table = self.query_one(GridTable)
        if self.grid is None or not self.grid.rows:
            self.notify("no task here to open")
            return
        self.dismiss(self.grid.rows[min(table.cursor_row, len(self.grid.rows) - 1)].task_uuid)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_next_template(self, step: int = 1) -> None:
        if not self.choices:
            self.notify("no templates are loaded")
            return
        self.chosen = (self.chosen + step) % len(self.choices)
        self.grid, self.shown = None, None
        self.query_one(GridTable).clear(columns=True)
        self.show_legend()
        self.reload()
