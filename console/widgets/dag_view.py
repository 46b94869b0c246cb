"""The live DAG pane: the task's step graph, scrolling sideways when wider than the pane."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import ScrollableContainer
from textual.geometry import Region
from textual.widgets import Static

from console.dag_dynamic import DynamicView, dynamic_view
from console.dag_render import DagPicture, dag_picture


class DagView(ScrollableContainer, can_focus=True):
    """Draws steps (name, dependencies) coloured by state, with the selected step highlighted.

    Steps created at run time (``console.dag_dynamic``): steps not created yet are dimmed,
    branches a decision skipped are struck through, and batch worker clones fold into one
    box per batch; ``e`` unfolds them all (selecting a clone unfolds its own batch)."""

    DEFAULT_CSS = """
    DagView { overflow: auto auto; }
    DagView > Static { width: auto; height: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("e", "toggle_batches", "Expand batches")]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.picture: DagPicture | None = None
        self.view: DynamicView | None = None
        self.batches_expanded = False
        self._drawn: tuple[Any, ...] = ()
        self._shown: tuple[Any, ...] = ()

    def compose(self) -> ComposeResult:
        yield Static(Text("select a task"), id="dag-picture")

    def show(
        self,
        steps: Sequence[tuple[str, Sequence[str]]],
        states: Mapping[str, str],
        selected: str | None,
        template_of: Mapping[str, str],
    ) -> None:
        """``template_of``: each batch worker clone's template step."""
        self._shown = (steps, states, selected, template_of)
        drawn = (
            tuple((n, tuple(d)) for n, d in steps),
            tuple(sorted(states.items())),
            selected,
            tuple(sorted(template_of.items())),
            self.batches_expanded,
        )
        if drawn == self._drawn:
            return  # nothing changed: skip the repaint
        self._drawn = drawn
        self.view = dynamic_view(steps, states, self.batches_expanded, selected, template_of)
        selected = self.view.shown_as(selected)
        self.picture = dag_picture(self.view.steps, self.view.states, selected, self.view.labels)
        self.query_one("#dag-picture", Static).update(
            Text("\n").join(self.picture.lines) if self.picture.lines else Text("no steps")
        )
        box = self.picture.boxes.get(selected or "")
        if box is not None:
            row, x, width = box
            self.call_after_refresh(self.scroll_to_region, Region(x, row, width, 1), animate=False)

    def action_toggle_batches(self) -> None:
        """Unfold every batch group into its worker clones, or fold them back."""
        self.batches_expanded = not self.batches_expanded
        if self._shown:
            self.show(*self._shown)

    def clear(self, message: str = "select a task") -> None:
        self._drawn = ()
        self._shown = ()
        self.picture = None
        self.query_one("#dag-picture", Static).update(Text(message, style="dim"))
