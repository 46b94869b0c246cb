"""The live DAG pane: the task's step graph, scrolling sideways when wider than the pane."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.text import Text
from textual.containers import ScrollableContainer
from textual.geometry import Region
from textual.widgets import Static

from console.dag_render import DagPicture, dag_picture


class DagView(ScrollableContainer, can_focus=True):
    """Draws steps (name, dependencies) coloured by state, with the selected step highlighted."""

    DEFAULT_CSS = """
    DagView { overflow: auto auto; }
    DagView > Static { width: auto; height: auto; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.picture: DagPicture | None = None
        self._drawn: tuple = ()

    def compose(self):
        yield Static(Text("select a task"), id="dag-picture")

    def show(
        self,
        steps: Sequence[tuple[str, Sequence[str]]],
        states: Mapping[str, str],
        selected: str | None,
    ) -> None:
        drawn = (tuple((n, tuple(d)) for n, d in steps), tuple(sorted(states.items())), selected)
        if drawn == self._drawn:
            return  # nothing changed: skip the repaint
        self._drawn = drawn
        self.picture = dag_picture(steps, states, selected)
        self.query_one("#dag-picture", Static).update(
            Text("\n").join(self.picture.lines) if self.picture.lines else Text("no steps")
        )
        box = self.picture.boxes.get(selected or "")
        if box is not None:
            row, x, width = box
            self.call_after_refresh(self.scroll_to_region, Region(x, row, width, 1), animate=False)

    def clear(self, message: str = "select a task") -> None:
        self._drawn = ()
        self.picture = None
        self.query_one("#dag-picture", Static).update(Text(message, style="dim"))
