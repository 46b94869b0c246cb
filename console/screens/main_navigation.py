"""Moving about the main screen: the filter box, the panes in order, and the small-terminal
layout where one pane group is shown at a time (list, then task, then step)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual import events
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Input

from console.screens.grid import GridScreen

if TYPE_CHECKING:
    from textual.screen import Screen

NARROW_WIDTH = 120  # below this the panes take turns: the step table needs ~110 columns
PANES = ("tasks", "steps", "dag", "step-detail")  # tab order; the filter box is not in it
VIEW_OF_PANE = {"tasks": "list", "filter": "list", "steps": "task", "dag": "task"}
BACK = {"step-detail": "steps", "dag": "steps", "steps": "tasks"}
VIEWS = ("list", "task", "step")

NAVIGATION_BINDINGS: list[BindingType] = [
    Binding("tab", "next_pane", "Next pane", show=False),
    Binding("shift+tab", "previous_pane", "Previous pane", show=False),
    Binding("z", "zoom", "Zoom", show=False),
    Binding("escape", "back", "Back", show=False),
]


class Navigation:
    """Mixed into MainScreen (a Screen): focus, the filter box and the narrow layout.

    Not a DOMNode, so MainScreen lists NAVIGATION_BINDINGS and routes ``@on`` messages."""

    if TYPE_CHECKING:
        focused: Widget | None
        maximized: Widget | None

        def query_one(self, selector: Any, expect_type: Any = None) -> Any: ...
        def minimize(self) -> None: ...
        def keep_selected(self, task_uuid: str) -> None: ...
        def refresh_tasks(self) -> Any: ...

        pending_select: str | None
        current_task: dict[str, Any] | None

        @property
        def screen(self) -> Screen[Any]: ...

    # the layout -------------------------------------------------------------------------------
    def on_resize(self, event: events.Resize) -> None:
        self._node.set_class(event.size.width < NARROW_WIDTH, "narrow")

    @property
    def _node(self) -> Widget:
        return cast(Widget, self)

    @property
    def narrow(self) -> bool:
        return self._node.has_class("narrow")

    def show_view(self, view: str) -> None:
        """Which pane group the narrow layout shows (the wide one shows them all)."""
        for name in VIEWS:
            self._node.set_class(name == view, f"view-{name}")

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """The narrow layout shows the pane that has the focus, however it got it."""
        pane = self.pane_of(event.widget)
        if pane is not None:
            self.show_view(VIEW_OF_PANE.get(pane, "step"))

    def pane_of(self, widget: Widget | None) -> str | None:
        while widget is not None:
            if widget.id in (*PANES, "filter"):
                return widget.id
            parent = widget.parent
            widget = parent if isinstance(parent, Widget) else None
        return None

    def focus_pane(self, pane: str) -> None:
        self.show_view(VIEW_OF_PANE.get(pane, "step"))  # first shown: a hidden one takes no focus
        self.query_one(f"#{pane}").focus()

    def action_next_pane(self, step: int = 1) -> None:
        current = self.pane_of(self.focused)
        at = PANES.index(current) if current in PANES else -1
        if self.maximized is not None:
            self.minimize()
        self.focus_pane(PANES[(at + step) % len(PANES)])

    def action_previous_pane(self) -> None:
        self.action_next_pane(-1)

    def action_zoom(self) -> None:
        """z: the focused pane fills the screen; z (or esc) again brings the others back."""
        if self.maximized is not None:
            self.minimize()
            return
        pane = self.pane_of(self.focused)
        if pane in PANES:  # set directly: containers (graph, step) refuse Screen.maximize
            self.maximized = self.query_one(f"#{pane}")

    def step_opened(self) -> None:
        """enter on a step: its detail (MainScreen routes DataTable.RowSelected here)."""
        self.focus_pane("step-detail")

    # the grid ---------------------------------------------------------------------------------
    def action_grid(self) -> None:
        """G: the newest tasks of the selected task's template × their steps."""
        self.screen.app.push_screen(GridScreen(self.current_task), self.open_from_grid)

    def open_from_grid(self, task_uuid: str | None) -> None:
        """The task chosen in the grid, selected (listed even outside the filter) with its
        steps focused; one not loaded yet is selected when the list next reads it."""
        if task_uuid is None:
            return
        self.keep_selected(task_uuid)
        if not self.query_one("#tasks").has_row(task_uuid):
            self.pending_select = task_uuid
            self.refresh_tasks()
        self.focus_pane("steps")

    # the filter ---------------------------------------------------------------------------------
    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.set_class(True, "open")
        box.can_focus = True
        self.focus_pane("filter")

    def filter_kept(self) -> None:
        """enter keeps the filter: the box stays shown but leaves the tab cycle, so keys
        typed later go to the panes, never into the kept filter."""
        box = self.query_one("#filter", Input)
        box.can_focus = False
        if not box.value.strip():
            box.set_class(False, "open")
        self.focus_pane("tasks")

    def action_back(self) -> None:
        """esc moves the focus back one pane (step → steps → tasks); in the filter box it
        clears and closes the filter, the one place where esc changes what is listed."""
        pane = self.pane_of(self.focused)
        if pane == "filter":
            box = self.query_one("#filter", Input)
            box.value = ""
            box.set_class(False, "open")
            box.can_focus = False  # the box's Changed message then clears the list's filter
        self.focus_pane(BACK.get(pane or "", "tasks"))
