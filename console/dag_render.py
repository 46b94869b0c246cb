"""Draw a task's step graph as Rich text: ``[✓ name]`` boxes in layers, box-drawing edges.

Lines come out at the graph's natural width, never wrapped: a view wider than its pane
scrolls sideways instead of breaking boxes apart.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter

from rich.cells import cell_len
from rich.text import Text

from console.dag_dynamic import DAG_LOOK
from console.dag_layout import layered_layout
from console.dag_routing import Band, RoutedDag, routed
from console.formatting import step_look
from engine.literal import visible

UP, DOWN, LEFT, RIGHT = 1, 2, 4, 8
GLYPHS = {
    UP | DOWN: "│",
    LEFT | RIGHT: "─",
    DOWN | RIGHT: "┌",
    DOWN | LEFT: "┐",
    UP | RIGHT: "└",
    UP | LEFT: "┘",
    UP | DOWN | RIGHT: "├",
    UP | DOWN | LEFT: "┤",
    DOWN | LEFT | RIGHT: "┬",
    UP | LEFT | RIGHT: "┴",
    UP | DOWN | LEFT | RIGHT: "┼",
    UP: "│",
    DOWN: "│",
    LEFT: "─",
    RIGHT: "─",
}
EDGE_STYLE = "grey50"
NAME_WIDTH = 40  # a longer step name is clipped in its box; the step pane shows it whole
SELECTED_STYLE = "reverse bold"


@dataclass(frozen=True)
class DagPicture:
    """The drawn lines and where each step's box is: (line, first column, width)."""

    lines: tuple[Text, ...]
    boxes: Mapping[str, tuple[int, int, int]]

    @property
    def width(self) -> int:
        return max((line.cell_len for line in self.lines), default=0)

    def plain(self) -> str:
        return "\n".join(line.plain.rstrip() for line in self.lines)


def look(state: str) -> tuple[str, str]:
    """The glyph and style of a box: a step state's, or a DAG-only one (skipped)."""
    return DAG_LOOK.get(state) or step_look(state)


def box_label(name: str, state: str, width: int = 0) -> str:
    """``[✓ name]``, padded inside the brackets to ``width`` cells; the name shown literally."""
    glyph, _ = look(state)
    inner = f"{glyph} {visible(name, limit=NAME_WIDTH)}"
    return f"[{inner}{' ' * max(0, width - cell_len(inner) - 2)}]"


def _band_cells(band: Band) -> dict[tuple[int, int], dict[int, int]]:
    """Direction bits per (row, column), kept apart per run so crossings can be told."""
    cells: dict[tuple[int, int], dict[int, int]] = {}

    def mark(row: int, col: int, run: int, bits: int) -> None:
        owner = cells.setdefault((row, col), {})
        owner[run] = owner.get(run, 0) | bits

    for i, run in enumerate(band.runs):
        for col in run.exits:
            for row in range(run.row):
                mark(row, col, i, UP | DOWN)
            mark(run.row, col, i, UP)
        for col in run.entries:
            for row in range(run.row + 1, band.rows):
                mark(row, col, i, UP | DOWN)
            mark(run.row, col, i, DOWN)
        left, right = run.left, run.right  # each a min/max over the run's columns: once
        for col in range(left, right + 1):
            mark(run.row, col, i, (LEFT if col > left else 0) | (RIGHT if col < right else 0))
    return cells


def _glyph(owners: dict[int, int]) -> str:
    if len(owners) == 1:
        return GLYPHS.get(next(iter(owners.values())), " ")
    # Two runs meet only where one's vertical crosses the other's horizontal: a bridge.
    return "│"


class _Canvas:
    def __init__(self, width: int) -> None:
        self.width = width
        self.rows: list[list[tuple[str, str]]] = []

    def new_row(self) -> int:
        self.rows.append([(" ", "")] * self.width)
        return len(self.rows) - 1

    def put(self, row: int, col: int, text: str, style: str) -> None:
        for offset, char in enumerate(text):
            self.rows[row][col + offset] = (char, style)

    def lines(self) -> tuple[Text, ...]:
        out = []
        for cells in self.rows:
            line = Text(no_wrap=True, overflow="ignore", end="")
            for style, run in groupby(cells, key=itemgetter(1)):  # a run of one style at once
                line.append("".join(char for char, _ in run), style or None)
            line.rstrip()
            out.append(line)
        return tuple(out)


Connectors = tuple[tuple[tuple[int, int, str], ...], ...]  # per band: (row, column, glyph)


@functools.lru_cache(maxsize=8)
def _routing(
    shape: tuple[tuple[str, tuple[str, ...]], ...], widths: tuple[int, ...]
) -> tuple[RoutedDag, Connectors]:
    """The layout, the edges' routing and the connector glyphs of steps whose boxes have these
    widths: the same while only the selection or a state of the same width changes, so moving
    through the steps of a task of thousands does not lay it out again at each key."""
    width_of = dict(zip((name for name, _ in shape), widths, strict=True))
    routing = routed(layered_layout(shape, width_of.__getitem__))
    connectors = tuple(
        tuple((r, col, _glyph(owners)) for (r, col), owners in _band_cells(band).items())
        for band in routing.bands
    )
    return routing, connectors


def dag_picture(
    steps: Sequence[tuple[str, Sequence[str]]],
    states: Mapping[str, str] | None = None,
    selected: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> DagPicture:
    """Draw steps given as (name, dependency names); states default to pending, and a box
    shows ``labels[name]`` when given (a batch group's ``process ×4``) instead of the name."""
    states = states or {}
    labels = labels or {}
    shape = tuple((name, tuple(deps)) for name, deps in steps)
    widths = tuple(
        cell_len(box_label(labels.get(name, name), states.get(name, "pending")))
        for name, _ in shape
    )
    routing, connectors = _routing(shape, widths)
    canvas = _Canvas(routing.layout.width)
    boxes: dict[str, tuple[int, int, int]] = {}
    for i, layer in enumerate(routing.layout.layers):
        row = canvas.new_row()
        for node in layer:
            if node.is_dummy:
                canvas.put(row, node.x, "│", EDGE_STYLE)
                continue
            state = states.get(node.key, "pending")
            style = look(state)[1]
            if node.key == selected:
                style = f"{style} {SELECTED_STYLE}"
            label = box_label(labels.get(node.key, node.key), state, node.width)
            canvas.put(row, node.x, label, style)
            boxes[node.key] = (row, node.x, node.width)
        if i < len(routing.bands):
            band = routing.bands[i]
            first = len(canvas.rows)
            for _ in range(band.rows):
                canvas.new_row()
            for r, col, glyph in connectors[i]:
                canvas.put(first + r, col, glyph, EDGE_STYLE)
    return DagPicture(canvas.lines(), boxes)
