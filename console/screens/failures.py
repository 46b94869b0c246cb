"""The failures view (``F``): outstanding failed steps grouped by template, step, error class
and code; a group's tasks (``enter``); marks (``space``); bulk retry, give up and resolve
(``R`` ``g`` ``m``) after a preview and one reason, as one audited batch with progress.

The screen's result is the task to open in the main screen (``enter`` on a task), or None.
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

from console import failure_cells as cells
from console.host import ConsoleHost
from console.screens.confirm import ReasonModal
from console.screens.main_actions import one_line
from console.widgets.task_table import LIST_BINDINGS
from engine.literal import literal

ACTION_WORDS = {"retry": "Retry", "give_up": "Give up", "resolve": "Resolve"}
# (action on the failures screen, palette title, what it does)
FAILURES_PALETTE = (
    ("mark", "Mark / unmark", "Mark the group or task under the cursor for a bulk action"),
    ("act('retry')", "Retry marked failures", "Retry every marked failed step, one batch"),
    ("act('give_up')", "Give up marked failures", "Give up the tasks of the marked failures"),
    ("act('resolve')", "Resolve marked failures", "Resolve every marked failed step"),
    ("toggle_handled", "Show / hide handled failures", "Handled failures too, or only open ones"),
)
TASK_ROWS_LIMIT = 2_000  # a group's tasks listed; the action still takes them all


@dataclass
class FailuresLoaded(Message):
    """The groups as the engine gave them (or why it could not)."""

    groups: list[dict[str, Any]]
    include_handled: bool
    problem: str = ""


@dataclass
class PreviewReady(Message):
    """What a bulk action would do, computed before asking for its reason."""

    action: str
    targets: list[tuple[str, str]]
    text: str


@dataclass
class BatchProgress(Message):
    """Failed steps acted on so far in the running batch."""

    done: int
    total: int


@dataclass
class BatchDone(Message):
    """The batch's outcomes (or the one line saying why it did not run)."""

    text: str
    failed: bool = False


class FailureTable(DataTable[Any]):
    """A table of the view: j/k, home/end as in every list of the console."""

    BINDINGS: ClassVar[list[BindingType]] = LIST_BINDINGS


class FailuresScreen(Screen[str | None]):
    DEFAULT_CSS = """
    FailuresScreen #failures-title, FailuresScreen #failures-status { height: 1; padding: 0 1; }
    FailuresScreen DataTable { height: 1fr; border: round $primary-darken-2; }
    FailuresScreen DataTable:focus { border: round $primary; }
    FailuresScreen #failure-detail { height: 8; padding: 0 1; border: round $primary-darken-2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "app.help", "Help"),
        Binding("escape", "back", "Back"),
        Binding("space", "mark", "Mark"),
        Binding("R", "act('retry')", "Retry marked"),
        Binding("g", "act('give_up')", "Give up marked"),
        Binding("m", "act('resolve')", "Resolve marked"),
        Binding("h", "toggle_handled", "Handled"),
        Binding("F", "back", "Close", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.groups: list[dict[str, Any]] = []
        self.include_handled = False
        self.open_group: str | None = None  # the group whose tasks are listed
        self.marked_groups: set[str] = set()
        self.marked_tasks: set[tuple[str, str]] = set()
        self.loaded_once = False
        self.busy = False  # a batch is running
        self._cursor: int | None = None
        self._reading = False

    @property
    def host(self) -> ConsoleHost:
        return cast("ConsoleHost", self.app)

    def compose(self) -> ComposeResult:
        yield Static("", id="failures-title")
        groups = FailureTable(id="failure-groups", cursor_type="row")
        tasks = FailureTable(id="failure-tasks", cursor_type="row")
        for table, columns in ((groups, cells.GROUP_COLUMNS), (tasks, cells.TASK_COLUMNS)):
            for key, label in columns:
                table.add_column(label, key=key)
        yield groups
        yield tasks
        yield Static("", id="failure-detail")
        yield Static("", id="failures-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#failure-tasks").display = False
        self.query_one("#failure-groups").border_title = "groups · enter: their tasks"
        self.query_one("#failure-tasks").border_title = "tasks · enter: open the task"
        self.query_one("#failure-detail").border_title = "group"
        self.query_one("#failures-title", Static).update("failures · loading…")
        self.query_one("#failure-groups").focus()
        self.load()
        self.set_interval(self.host.poll_s, self.poll)

    # data in ------------------------------------------------------------------------------
    def poll(self) -> None:
        """Read again when anything changed (the change feed), as the task list does; a read
        still on its way is left to finish (over HTTP one may take longer than a poll)."""
        if not self._reading:
            self.read(check_feed=True)

    def load(self) -> None:
        self.read(check_feed=False)

    @work(exclusive=True, group="failures")
    async def read(self, check_feed: bool) -> None:
        engine = self.host.engine
        handled = self.include_handled
        self._reading = True
        try:
            cursor = await engine.change_cursor()
            if check_feed and cursor == self._cursor:
                return
            groups = await engine.failures(include_handled=handled)
            # Only a finished read counts the feed as seen: a read cancelled on its way (a
            # toggle's, replaced by a poll's) must leave the next poll to read again.
            self._cursor = cursor
        except Exception as exc:  # a refused read is one line on screen; the next poll retries
            self.post_message(FailuresLoaded([], handled, one_line(exc)))
            return
        finally:
            self._reading = False
        self.post_message(FailuresLoaded(groups, handled))

    @on(FailuresLoaded)
    def failures_loaded(self, message: FailuresLoaded) -> None:
        if message.include_handled != self.include_handled:
            return  # read before the toggle: the next read answers
        title = self.query_one("#failures-title", Static)
        if message.problem:
            title.update(literal(f"failures · {message.problem}", "red"))
            return
        self.groups = message.groups
        self.loaded_once = True
        known = {g["group"] for g in self.groups}
        self.marked_groups &= known
        if self.open_group not in known:
            self.open_group = None
        self.show_tables()

    def show_tables(self) -> None:
        title = cells.title(self.groups, self.include_handled)
        group = self.group(self.open_group)
        if group is not None:
            title += f" · {group['step']} {group['error_code']}: enter opens a task, esc back"
        elif not self.groups:
            title += " · nothing has failed" if self.include_handled else " · none outstanding"
        self.query_one("#failures-title", Static).update(literal(title, "bold"))
        now = self.host.now_ms()
        groups = self.query_one("#failure-groups", DataTable)
        rows = [
            (g["group"], cells.group_cells(g, g["group"] in self.marked_groups, now,
                                           self.include_handled))
            for g in self.groups
        ]  # fmt: skip
        _fill(groups, rows)
        tasks = self.query_one("#failure-tasks", DataTable)
        groups.display = group is None
        tasks.display = group is not None
        if group is not None:
            listed = cells.group_tasks(group, self.include_handled)[:TASK_ROWS_LIMIT]
            _fill(tasks, [
                (t["task_uuid"], cells.task_cells(
                    t, (t["task_uuid"], group["step"]) in self.marked_tasks, now))
                for t in listed
            ])  # fmt: skip

        self.show_detail()

    def show_detail(self) -> None:
        shown = self.group(self.open_group)
        if shown is None:
            under = self.under_cursor()
            shown = self.group(under if isinstance(under, str) else None)
        detail = cells.group_detail(shown, self.host.now_ms())
        self.query_one("#failure-detail", Static).update(detail)

    @on(DataTable.RowHighlighted, "#failure-groups")
    def group_highlighted(self) -> None:
        self.show_detail()

    def group(self, group_id: str | None) -> dict[str, Any] | None:
        return next((g for g in self.groups if g["group"] == group_id), None)

    # keys ---------------------------------------------------------------------------------
    def under_cursor(self) -> tuple[str, str] | str | None:
        """The group id, or the (task_uuid, step), the cursor is on."""
        group = self.group(self.open_group)
        table = self.query_one("#failure-tasks" if group else "#failure-groups", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if key is None:
            return None
        return (key, group["step"]) if group is not None else key

    @on(DataTable.RowSelected, "#failure-groups")
    def group_opened(self, event: DataTable.RowSelected) -> None:
        self.open_group = event.row_key.value
        self.show_tables()
        self.query_one("#failure-tasks").focus()

    @on(DataTable.RowSelected, "#failure-tasks")
    def task_opened(self, event: DataTable.RowSelected) -> None:
        self.dismiss(event.row_key.value)

    def action_back(self) -> None:
        if self.open_group is not None:
            self.open_group = None
            self.show_tables()
            self.query_one("#failure-groups").focus()
        else:
            self.dismiss(None)

    def action_mark(self) -> None:
        chosen = self.under_cursor()
        if chosen is None:
            return
        if isinstance(chosen, str):
            self.marked_groups ^= {chosen}
        else:
            self.marked_tasks ^= {chosen}
        self.show_tables()
        table = self.query_one("#failure-tasks" if self.open_group else "#failure-groups")
        cast(DataTable, table).action_cursor_down()  # type: ignore[type-arg]

    def action_toggle_handled(self) -> None:
        self.include_handled = not self.include_handled  # the title says which
        self.load()

    def action_act(self, action: str) -> None:
        if self.busy:
            self.notify("a batch is still running", severity="warning")
            return
        chosen = cells.targets(
            self.groups, self.marked_groups, self.marked_tasks, self.under_cursor()
        )
        if not chosen:
            self.notify("nothing outstanding to act on here: mark groups or tasks with space")
            return
        self.preview(action, chosen)

    @work(exclusive=True, group="failure-preview")
    async def preview(self, action: str, chosen: list[tuple[str, str]]) -> None:
        try:
            shown = await self.host.engine.failure_preview(action, chosen)
        except Exception as exc:
            self.post_message(BatchDone(one_line(exc), failed=True))
            return
        self.post_message(PreviewReady(action, chosen, shown["text"]))

    @on(PreviewReady)
    def ask_reason(self, message: PreviewReady) -> None:
        word = ACTION_WORDS[message.action]
        modal = ReasonModal(
            f"{word} {len(message.targets)} failed steps",
            f"{message.text}. One reason is audited with every action of the batch.",
            word,
        )

        def run(reason: str | None) -> None:
            if reason:
                self.busy = True
                self.run_batch(message.action, message.targets, reason)

        self.app.push_screen(modal, run)

    @work(exclusive=True, group="failure-batch")
    async def run_batch(self, action: str, chosen: list[tuple[str, str]], reason: str) -> None:
        def progress(done: int, total: int) -> None:
            self.post_message(BatchProgress(done, total))

        try:
            batch = await self.host.engine.act_on_failures(
                action, chosen, reason, self.host.operator, progress
            )
        except Exception as exc:
            self.post_message(BatchDone(one_line(exc), failed=True))
            return
        counts = ", ".join(f"{n} {what}" for what, n in sorted(batch["counts"].items()))
        self.post_message(BatchDone(f"{ACTION_WORDS[action]}: {counts} (batch {batch['batch']})"))

    @on(BatchProgress)
    def show_progress(self, message: BatchProgress) -> None:
        status = self.query_one("#failures-status", Static)
        status.update(Text(f"working… {message.done}/{message.total}", style="bold yellow"))

    @on(BatchDone)
    def batch_done(self, message: BatchDone) -> None:
        self.busy = False
        self.query_one("#failures-status", Static).update(literal(message.text))
        self.notify(message.text, severity="error" if message.failed else "information")
        if not message.failed:
            self.marked_groups.clear()
            self.marked_tasks.clear()
            self.host.wake_worker()
        self.load()


def _fill(table: DataTable[Any], rows: list[tuple[str, list[Any]]]) -> None:
    """Replace the table's rows, the cursor kept on the same key when it is still there."""
    kept = None
    if table.row_count:
        kept = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
    table.clear()
    for key, values in rows:
        table.add_row(*values, key=key)
    if kept is not None and table.is_valid_row_index(0):
        keys = [key for key, _ in rows]
        if kept in keys:
            table.move_cursor(row=keys.index(kept))
