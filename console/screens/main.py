"""The main screen: task list, live DAG, steps and step detail of the selected task."""

from __future__ import annotations

from typing import Any, ClassVar, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input

from console.formatting import NOT_CREATED
from console.host import ConsoleHost
from console.masking import secret_values
from console.messages import (
    ActionFailed,
    ActionSucceeded,
    StepAuditLoaded,
    TaskLoaded,
    TasksRefreshed,
)
from console.screens.action_rules import attempt_outcome
from console.screens.cursors import apply_cursor_blink
from console.screens.main_actions import OperatorActions, one_line
from console.screens.main_navigation import NAVIGATION_BINDINGS, Navigation
from console.screens.task_search import TaskSearch
from console.step_order import first_step_needing_attention, steps_in_order
from console.widgets.dag_view import DagView
from console.widgets.header import ConsoleHeader
from console.widgets.step_detail import StepDetail, published_events, step_detail_renderable
from console.widgets.steps_table import StepsTable
from console.widgets.task_table import TaskTable
from engine.literal import literal

LIST_LIMIT = 10_000  # the newest tasks loaded at start; tasks created later join the list
FIRST_PAGE = 100  # read first, so the first screen does not wait for the whole list
FIRST_PAGE_ONLY = -1  # the cursor of that first page: the feed starts after the whole list


class MainScreen(OperatorActions, Navigation, TaskSearch, Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "app.help", "Help"),  # first: the footer never loses them
        Binding("q", "app.quit", "Quit"),
        Binding("slash", "filter", "Find"),
        Binding("n", "new_task", "New"),
        Binding("r", "retry_step", "Retry"),
        Binding("R", "retry_all", "Retry all"),
        Binding("m", "resolve_step", "Resolve"),
        Binding("c", "complete_step", "Complete"),
        Binding("x", "cancel_task", "Cancel"),
        Binding("g", "give_up", "Give up"),
        Binding("E", "edit_context", "Edit"),
        Binding("F", "app.failures", "Failures"),
        Binding("G", "grid", "Grid"),
        Binding("v", "toggle_reveal", "Reveal", show=False),
        Binding("space", "toggle_worker", "Pause"),
        Binding("s", "sort", "Sort", show=False),
        *NAVIGATION_BINDINGS,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.cursor: int | None = None
        self.current_task: dict[str, Any] | None = None
        self.selected_step: str | None = None
        self.transitions: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.step_events: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.reveal = False
        self.pending_select: str | None = None
        self.last_counts: dict[str, int] = {}
        self.watched: dict[tuple[str, str], dict[str, Any]] = {}
        self.loaded_once = False  # until the first read, "no tasks" would be a guess
        self._refreshing = False

    @property
    def console_app(self) -> ConsoleHost:
        return cast("ConsoleHost", self.app)

    def compose(self) -> ComposeResult:
        yield ConsoleHeader(id="header")
        yield Input(
            placeholder="search: words, code:CODE step:NAME state:NAME ctx.KEY:VALUE"
            "   (enter: keep, esc: clear)",
            id="filter",
        )
        yield TaskTable(id="tasks")
        yield StepsTable(id="steps")
        with Horizontal(id="body"):
            yield DagView(id="dag")
            yield StepDetail(id="step-detail")
        yield Footer()

    def on_mount(self) -> None:
        apply_cursor_blink(self)
        self.query_one("#tasks").border_title = "tasks · loading…"  # counts once loaded
        self.query_one("#dag").border_title = "graph"
        self.query_one("#steps").border_title = "steps"
        self.query_one("#step-detail").border_title = "step"
        self.query_one("#filter").can_focus = False  # only while being typed in
        self.show_view("list")
        self.query_one(TaskTable).focus()
        self.show_header({})
        self.refresh_tasks()
        self.set_interval(self.console_app.poll_s, self.poll)
        self.set_interval(self.console_app.tick_s, self.tick)

    # data in ----------------------------------------------------------------------------------
    def poll(self) -> None:
        if not self._refreshing:
            self.refresh_tasks()

    @work(exclusive=True, group="tasks")
    async def refresh_tasks(self) -> None:
        """First the newest LIST_LIMIT tasks; then only the rows that changed since."""
        engine = self.console_app.engine
        self._refreshing = True
        try:
            if self.cursor is None:
                cursor = await engine.change_cursor()
                first = await engine.list_tasks(limit=FIRST_PAGE)
                if len(first) == FIRST_PAGE:  # a screenful now, the rest in a second read
                    counts = await engine.task_counts()
                    self.post_message(TasksRefreshed(first, counts, True, set(), FIRST_PAGE_ONLY))
                    rows = await engine.list_tasks(limit=LIST_LIMIT)
                else:
                    rows = first
                complete, changed = True, set()
            else:
                cursor, changed_list = await engine.changes_since(self.cursor)
                if not changed_list:
                    return
                changed, complete = set(changed_list), False
                rows = await engine.task_summaries(changed_list)
            counts = await engine.task_counts()
        except Exception as exc:  # a locked or vanished database: say so, keep polling
            self.post_message(ActionFailed(f"could not read the database: {one_line(exc)}"))
            return
        finally:
            self._refreshing = False
        self.post_message(TasksRefreshed(rows, counts, complete, changed, cursor))

    @on(TasksRefreshed)
    def tasks_refreshed(self, message: TasksRefreshed) -> None:
        if message.cursor != FIRST_PAGE_ONLY:
            self.cursor = max(self.cursor or 0, message.cursor)
        table = self.query_one(TaskTable)
        table.show(message.rows, self.console_app.now_ms(), message.complete)
        self.loaded_once = True
        self.query_one(ConsoleHeader).throughput.observe(message.rows, self.console_app.now_ms())
        self.show_header(message.counts)
        self.show_list_title()
        if self.pending_select and table.has_row(self.pending_select):
            table.move_cursor(row=table.get_row_index(self.pending_select))
            self.pending_select = None
        selected = table.selected_uuid
        shown = self.current_task["task_uuid"] if self.current_task else None
        if (shown is not None and selected != shown) or selected is None:
            self.follow_selection(selected)  # the shown task left the (filtered) list
        elif message.complete or selected in message.changed or shown is None:
            self.load_task(selected)
        if message.changed or message.complete:
            self.search_again()

    def show_list_title(self) -> None:
        """``tasks 12``, ``tasks 3 of 12 match "state:blocked"``, or how many are loaded."""
        table = self.query_one(TaskTable)
        if not self.loaded_once:
            table.border_title = "tasks · loading…"
            return
        total = sum(self.last_counts.values())
        loaded = len(table.rows_by_uuid)
        title = f"tasks {loaded:,}" if loaded >= total else f"tasks: newest {loaded:,} of {total:,}"
        if table.query_text:
            title += f" · {table.match_count:,} match “{table.query_text}”"
            kept = table.kept
            if kept and table.has_row(kept) and not table.row_matches(kept):
                title += " · +1 acted on"
        table.border_title = literal(self.search_title(title))  # typed text, never markup

    def show_header(self, counts: dict[str, int]) -> None:
        self.last_counts = counts
        self.query_one(ConsoleHeader).show(
            self.console_app.db_label,
            self.console_app.worker_text(),
            counts,
            self.reveal,
            loading=not self.loaded_once,
            now_ms=self.console_app.now_ms(),
        )

    @work(exclusive=True, group="task")
    async def load_task(self, uuid: str) -> None:
        try:
            task = await self.console_app.engine.get_task(uuid)
        except Exception as exc:
            self.post_message(ActionFailed(one_line(exc)))
            return
        self.post_message(TaskLoaded(task))

    @work(exclusive=True, group="audit")
    async def load_audit(self, task_uuid: str, step: str) -> None:
        try:
            rows = await self.console_app.engine.step_audit(task_uuid, step)
            events = await published_events(self.console_app.engine, task_uuid, step)
        except Exception as exc:
            self.post_message(ActionFailed(one_line(exc)))
            return
        self.post_message(StepAuditLoaded(task_uuid, step, rows, events))

    @on(TaskLoaded)
    def task_loaded(self, message: TaskLoaded) -> None:
        task = message.task
        if task["task_uuid"] != self.query_one(TaskTable).selected_uuid:
            return  # the operator moved on while it loaded
        switched = self.current_task is None or self.current_task["task_uuid"] != task["task_uuid"]
        self.current_task = task
        self.announce_attempts(task)
        steps = self.display_steps(task)
        table = self.query_one(StepsTable)
        table.show(task["task_uuid"], steps, self.console_app.now_ms(), self.secrets(task))
        if switched:
            first = first_step_needing_attention(steps)
            if first is not None:
                table.move_cursor(row=table.get_row_index(first), scroll=True)
        if switched or self.selected_step not in table.steps:
            self.selected_step = table.selected_step
        self.show_dag()
        self.show_step()
        if self.selected_step and "current_state" in table.steps[self.selected_step]:
            self.load_audit(task["task_uuid"], self.selected_step)
        self.refresh_bindings()

    def announce_attempts(self, task: dict[str, Any]) -> None:
        """Tell the operator what the next attempt of a step they acted on came to."""
        for step in task.get("steps", []):
            key = (task["task_uuid"], step["name"])
            if key in self.watched:
                text = attempt_outcome(self.watched[key], step)
                if text is not None:
                    del self.watched[key]
                    failed = step.get("current_state") == "error"
                    self.notify(
                        text,
                        severity="error" if failed else "information",
                        timeout=10,
                        markup=False,
                    )

    @on(StepAuditLoaded)
    def audit_loaded(self, message: StepAuditLoaded) -> None:
        self.transitions[(message.task_uuid, message.step_name)] = message.transitions
        self.step_events[(message.task_uuid, message.step_name)] = message.events
        self.show_step()

    # what is shown -----------------------------------------------------------------------------
    def display_steps(self, task: dict[str, Any]) -> list[dict[str, Any]]:
        return steps_in_order(task.get("steps", []), self.console_app.template_steps(task))

    def show_dag(self) -> None:
        if self.current_task is None:
            return
        steps = self.query_one(StepsTable).steps
        self.query_one(DagView).show(
            [(name, s.get("dependencies") or []) for name, s in steps.items()],
            {name: s.get("current_state", NOT_CREATED) for name, s in steps.items()},
            self.selected_step,
            {name: s["template_step"] for name, s in steps.items() if s.get("template_step")},
        )

    def show_step(self) -> None:
        detail = self.query_one(StepDetail)
        steps = self.query_one(StepsTable).steps
        selected = self.selected_step
        if self.current_task is None or selected is None or selected not in steps:
            return
        key = (self.current_task["task_uuid"], selected)
        detail.show(
            step_detail_renderable(
                self.current_task,
                steps[selected],
                self.transitions.get(key),
                self.reveal,
                self.step_events.get(key),
            )
        )

    def tick(self) -> None:
        self.query_one(StepsTable).tick(self.console_app.now_ms())
        self.query_one(TaskTable).refresh_ages(self.console_app.now_ms())
        self.query_one(ConsoleHeader).tick(self.console_app.now_ms())

    # selection and navigation --------------------------------------------------------------
    @on(DataTable.RowHighlighted, "#tasks")
    def task_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.follow_selection(event.row_key.value)

    def keep_selected(self, task_uuid: str) -> None:
        """The acted-on task stays listed (even outside the filter) and selected."""
        table = self.query_one(TaskTable)
        table.keep(task_uuid)
        if table.has_row(task_uuid) and table.selected_uuid != task_uuid:
            table.move_cursor(row=table.get_row_index(task_uuid))

    def follow_selection(self, uuid: str | None) -> None:
        """Show the task under the list's cursor (another one after a filter or a sort)."""
        shown = self.current_task["task_uuid"] if self.current_task else None
        if uuid != shown or (uuid is None and self.query_one(StepsTable).task_uuid):
            self.current_task = None
            self.selected_step = None
            self.query_one(StepsTable).reset()
            self.query_one(DagView).clear("loading…" if uuid else "no task selected")
            self.query_one(StepDetail).show(Text(""))
            if uuid:
                self.load_task(uuid)
        self.refresh_bindings()

    @on(DataTable.RowSelected, "#tasks")
    def task_opened(self) -> None:
        self.focus_pane("steps")

    @on(DataTable.RowSelected, "#steps")
    def step_selected(self) -> None:
        self.step_opened()

    @on(DataTable.RowHighlighted, "#steps")
    def step_highlighted(self, event: DataTable.RowHighlighted) -> None:
        name = event.row_key.value
        if name == self.selected_step or event.cursor_row != event.data_table.cursor_row:
            return  # unchanged, or stale: the table was rebuilt and the cursor moved on
        self.selected_step = name
        self.show_dag()
        self.show_step()
        step = self.query_one(StepsTable).steps.get(name or "", {})
        if self.current_task and name and "current_state" in step:
            self.load_audit(self.current_task["task_uuid"], name)
        self.refresh_bindings()

    @on(DataTable.HeaderSelected, "#tasks")
    def sort_tasks(self, event: DataTable.HeaderSelected) -> None:
        self.query_one(TaskTable).sort_by(str(event.column_key.value))

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.search_typed(event.value)

    @on(Input.Submitted, "#filter")
    def filter_submitted(self) -> None:
        self.filter_kept()

    def action_sort(self) -> None:
        """Sort the task list by the next column (s again moves on; a column header click
        on the same column reverses)."""
        table = self.query_one(TaskTable)
        table.sort_by(table.next_sort_column())
        self.notify(f"tasks sorted by {table.sort_description()}")

    def secrets(self, task: dict[str, Any]) -> tuple[str, ...]:
        """The task's secrets (its context's and its steps' results') to mask in messages,
        none while revealed."""
        return () if self.reveal else secret_values(task)

    def action_toggle_reveal(self) -> None:
        self.reveal = not self.reveal
        self.notify("sensitive values shown" if self.reveal else "sensitive values masked")
        self.show_header(self.last_counts)  # the header says so for as long as they show
        table = self.query_one(StepsTable)
        table.reveal = self.reveal
        if self.current_task is not None:
            steps = list(table.steps.values())
            table.show(
                table.task_uuid or "",
                steps,
                self.console_app.now_ms(),
                self.secrets(self.current_task),
            )
        self.show_step()

    # results of actions ---------------------------------------------------------------------
    @on(ActionSucceeded)
    def action_succeeded(self, message: ActionSucceeded) -> None:
        self.notify(message.text)
        if message.task_uuid:
            table = self.query_one(TaskTable)
            table.keep(message.task_uuid)  # a created task too, whatever the filter
            if table.has_row(message.task_uuid):
                table.move_cursor(row=table.get_row_index(message.task_uuid))
                self.load_task(message.task_uuid)
            else:
                self.pending_select = message.task_uuid
        self.refresh_tasks()

    @on(ActionFailed)
    def action_failed(self, message: ActionFailed) -> None:
        self.notify(message.text, severity="error", timeout=8)
