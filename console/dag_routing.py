"""Routing of the edges between two adjacent layers of a DagLayout into connector rows.

Between two layers, parents with the same set of children form one bundle: one horizontal
run joining every parent's exit column to every child's entry column. A connected run means
"each of these parents feeds each of these children", so bundles never touch: each parent
exits at its own column, a child entered by several bundles gets one entry column per bundle,
and an exit column is never the entry column of another bundle. Runs that would overlap go on
separate rows; where a run crosses another bundle's vertical, the vertical is drawn over it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from console.dag_layout import DagLayout, PlacedNode


@dataclass(frozen=True)
class Run:
    """One bundle's connector: exits from the layer above, entries into the layer below."""

    row: int
    exits: tuple[int, ...]
    entries: tuple[int, ...]

    @property
    def left(self) -> int:
        return min(self.exits + self.entries)

    @property
    def right(self) -> int:
        return max(self.exits + self.entries)


@dataclass(frozen=True)
class Band:
    """The connector rows between layer ``i`` and layer ``i + 1``."""

    rows: int
    runs: tuple[Run, ...]


@dataclass(frozen=True)
class RoutedDag:
    layout: DagLayout
    bands: tuple[Band, ...]


def _children(edges: tuple[tuple[str, str], ...]) -> dict[str, list[str]]:
    """Each node's children, in edge order, once for all bands (a band reads its own nodes')."""
    children: dict[str, list[str]] = {}
    for a, b in edges:
        children.setdefault(a, []).append(b)
    return children


def _bundles(
    upper: tuple[PlacedNode, ...], children: dict[str, list[str]]
) -> list[tuple[list[str], list[str]]]:
    """(parents, children) groups in the order of the upper layer; a group's children in the
    order of their first edge."""
    groups: dict[frozenset[str], tuple[list[str], list[str]]] = {}
    for node in upper:
        kids = children.get(node.key)
        if kids:
            group = frozenset(kids)
            if group not in groups:
                groups[group] = ([], list(dict.fromkeys(kids)))
            groups[group][0].append(node.key)
    return list(groups.values())


def _interior(node: PlacedNode) -> range:
    """Columns where an edge may enter a node: inside the brackets of a box."""
    if node.width <= 2:
        return range(node.x, node.right + 1)
    return range(node.x + 1, node.right)


def _entry_columns(
    lower: list[PlacedNode],
    bundles: list[tuple[list[str], list[str]]],
    exit_of: dict[str, int],
) -> tuple[list[PlacedNode], dict[tuple[int, str], int]]:
    """Entry column per (bundle, child), shifting lower nodes right when a node has no room."""
    exit_bundle = {exit_of[p]: i for i, (parents, _) in enumerate(bundles) for p in parents}
    wanted: dict[str, list[tuple[float, int]]] = {}
    for i, (parents, kids) in enumerate(bundles):
        target = sum(exit_of[p] for p in parents) / len(parents)
        for kid in kids:
            wanted.setdefault(kid, []).append((target, i))
    parents_of = {kid: parents for parents, kids in bundles for kid in kids}
    nodes = list(lower)
    entry: dict[tuple[int, str], int] = {}
    index = 0
    while index < len(nodes):
        node = nodes[index]
        targets = sorted(wanted.get(node.key, []))
        if len(targets) == 1:
            targets = [
                (_single_target(node, [exit_of[p] for p in parents_of[node.key]]), targets[0][1])
            ]
        chosen = _choose_entries(node, targets, exit_bundle)
        if chosen is None:
            nodes[index:] = [replace(n, x=n.x + 1) for n in nodes[index:]]
            continue
        entry.update({(i, node.key): column for i, column in chosen.items()})
        index += 1
    return nodes, entry


def _single_target(node: PlacedNode, exits: list[int]) -> float:
    """A straight drop from a parent right above when there is one, else the box's centre."""
    above = [c for c in exits if c in _interior(node)]
    return min(above, key=lambda c: abs(c - node.centre)) if above else node.centre


def _choose_entries(
    node: PlacedNode, wanted: list[tuple[float, int]], exit_bundle: dict[int, int]
) -> dict[int, int] | None:
    """Left-to-right entry columns nearest each bundle's centre, or None if they do not fit."""
    chosen: dict[int, int] = {}
    floor = -1
    for target, bundle in wanted:
        free = [c for c in _interior(node) if c > floor and exit_bundle.get(c, bundle) == bundle]
        if not free:
            return None
        column = min(free, key=lambda c: (abs(c - target), c))
        chosen[bundle] = column
        floor = column
    return chosen


def _rows_for(spans: list[tuple[int, int]]) -> list[int]:
    """Interval partitioning: a span shares a row only with spans a blank column apart."""
    rows: list[int] = [0] * len(spans)
    last_right: list[int] = []
    for i in sorted(range(len(spans)), key=lambda i: spans[i]):
        left, right = spans[i]
        for row, end in enumerate(last_right):
            if left > end + 1:
                rows[i], last_right[row] = row, right
                break
        else:
            rows[i] = len(last_right)
            last_right.append(right)
    return rows


def routed(layout: DagLayout) -> RoutedDag:
    """Route every band top to bottom; lower layers may move right to make room."""
    layers = list(layout.layers)
    bands: list[Band] = []
    children = _children(layout.edges)
    for i in range(len(layers) - 1):
        upper = layers[i]
        bundles = _bundles(upper, children)
        exit_of = {n.key: n.centre for n in upper}
        lower, entry = _entry_columns(list(layers[i + 1]), bundles, exit_of)
        layers[i + 1] = tuple(lower)
        spans_of = [
            (
                tuple(exit_of[p] for p in parents),
                tuple(entry[(b, kid)] for kid in kids),
            )
            for b, (parents, kids) in enumerate(bundles)
        ]
        rows = _rows_for([(min(e + n), max(e + n)) for e, n in spans_of])
        runs = tuple(Run(row, e, n) for row, (e, n) in zip(rows, spans_of, strict=True))
        bands.append(Band(max(rows, default=-1) + 1, runs))
    return RoutedDag(DagLayout(tuple(layers), layout.edges), tuple(bands))
