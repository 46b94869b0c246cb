"""Layered layout of a task template's step graph, for drawing it in a terminal.

Steps go in layers by longest path from the roots; an edge that skips layers gets one
routing point (a "dummy" node) per skipped layer so every edge joins adjacent layers. A few
barycentre sweeps order each layer to reduce crossings, then each layer is placed in columns
as close as possible to its neighbours (least squares under the no-overlap constraint), so
chains come out straight.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

GAP = 2  # blank columns between two boxes of one layer
SWEEPS = 4  # barycentre down+up sweeps; more rarely helps for graphs of a few dozen steps
PLACEMENT_PASSES = 3


@dataclass(frozen=True)
class PlacedNode:
    """A step's box (or an edge's routing point) at its layer and columns."""

    key: str
    layer: int
    x: int
    width: int
    is_dummy: bool = False

    @property
    def right(self) -> int:
        """The last column the node occupies."""
        return self.x + self.width - 1

    @property
    def centre(self) -> int:
        return self.x + self.width // 2


@dataclass(frozen=True)
class DagLayout:
    """Layers of placed nodes, top to bottom, and the edges between adjacent layers."""

    layers: tuple[tuple[PlacedNode, ...], ...]
    edges: tuple[tuple[str, str], ...]

    @property
    def width(self) -> int:
        return max((n.right + 1 for layer in self.layers for n in layer), default=0)

    def node(self, key: str) -> PlacedNode:
        for layer in self.layers:
            for node in layer:
                if node.key == key:
                    return node
        raise KeyError(key)


def acyclic_dependencies(steps: Sequence[tuple[str, Sequence[str]]]) -> dict[str, tuple[str, ...]]:
    """Each step's known dependencies, minus duplicates, self-loops and edges closing a cycle."""
    declared: dict[str, tuple[str, ...]] = {}
    for name, deps in steps:
        declared.setdefault(name, tuple(deps))
    kept: dict[str, dict[str, None]] = {name: {} for name in declared}  # ordered, no repeats
    visiting: set[str] = set()
    done: set[str] = set()

    def visit(name: str) -> None:
        visiting.add(name)
        for dep in declared[name]:
            if dep not in declared or dep in kept[name] or dep in visiting:
                continue
            kept[name][dep] = None
            if dep not in done:
                visit(dep)
        visiting.discard(name)
        done.add(name)

    for name in declared:
        if name not in done:
            visit(name)
    return {name: tuple(deps) for name, deps in kept.items()}


def longest_path_layers(deps: Mapping[str, Sequence[str]]) -> dict[str, int]:
    """Layer 0 for roots, otherwise one below the deepest dependency."""
    layers: dict[str, int] = {}

    def layer_of(name: str) -> int:
        if name not in layers:
            layers[name] = 1 + max((layer_of(d) for d in deps[name]), default=-1)
        return layers[name]

    for name in deps:
        layer_of(name)
    return layers


def crossings(upper: Sequence[str], lower: Sequence[str], edges: Sequence[tuple[str, str]]) -> int:
    """How many pairs of edges cross between two ordered adjacent layers: pairs whose ends are
    in opposite orders above and below. Counted as inversions (edges sorted by their upper
    end, then their lower one), in O(E log E): a layer of thousands of steps is common."""
    up = {k: i for i, k in enumerate(upper)}
    low = {k: i for i, k in enumerate(lower)}
    ends = [b for _, b in sorted((up[a], low[b]) for a, b in edges if a in up and b in low)]
    seen = [0] * (len(lower) + 1)  # a Fenwick tree of the lower ends counted so far
    count = 0
    for done, b in enumerate(ends):
        at_most_b, i = 0, b + 1
        while i > 0:
            at_most_b += seen[i]
            i -= i & -i
        count += done - at_most_b  # earlier edges that land strictly right of this one
        i = b + 1
        while i < len(seen):
            seen[i] += 1
            i += i & -i
    return count


def _with_routing_points(
    deps: Mapping[str, Sequence[str]], layer_of: dict[str, int]
) -> tuple[list[list[str]], list[tuple[str, str]]]:
    """Layers in declaration order with dummy keys added, and edges between adjacent layers."""
    depth = max(layer_of.values(), default=-1) + 1
    layers: list[list[str]] = [[] for _ in range(depth)]
    for name in deps:
        layers[layer_of[name]].append(name)
    edges: list[tuple[str, str]] = []
    for name, parents in deps.items():
        for parent in parents:
            previous = parent
            for layer in range(layer_of[parent] + 1, layer_of[name]):
                dummy = f"{parent}\x00{name}\x00{layer}"
                layers[layer].append(dummy)
                edges.append((previous, dummy))
                previous = dummy
            edges.append((previous, name))
    return layers, edges


def _barycentre_order(
    layer: list[str], neighbour_pos: Mapping[str, int], adjacency: Mapping[str, list[str]]
) -> list[str]:
    def key(item: tuple[int, str]) -> float:
        index, node = item
        near = [neighbour_pos[n] for n in adjacency.get(node, ()) if n in neighbour_pos]
        return sum(near) / len(near) if near else float(index)

    return [node for _, node in sorted(enumerate(layer), key=key)]


def ordered_layers(layers: list[list[str]], edges: Sequence[tuple[str, str]]) -> list[list[str]]:
    """Barycentre sweeps down and up; the ordering with the fewest crossings wins."""
    parents: dict[str, list[str]] = {}
    children: dict[str, list[str]] = {}
    for a, b in edges:
        children.setdefault(a, []).append(b)
        parents.setdefault(b, []).append(a)

    layer_of = {key: i for i, layer in enumerate(layers) for key in layer}
    below: list[list[tuple[str, str]]] = [[] for _ in layers]  # edges by their upper layer
    for a, b in edges:
        if a in layer_of:
            below[layer_of[a]].append((a, b))

    def total(order: list[list[str]]) -> int:
        return sum(crossings(order[i], order[i + 1], below[i]) for i in range(len(order) - 1))

    order = [list(layer) for layer in layers]
    best, best_count = [list(layer) for layer in order], total(order)
    for _ in range(SWEEPS):
        for i in range(1, len(order)):
            pos = {k: j for j, k in enumerate(order[i - 1])}
            order[i] = _barycentre_order(order[i], pos, parents)
        for i in range(len(order) - 2, -1, -1):
            pos = {k: j for j, k in enumerate(order[i + 1])}
            order[i] = _barycentre_order(order[i], pos, children)
        count = total(order)
        if count < best_count:
            best, best_count = [list(layer) for layer in order], count
        if best_count == 0:
            break
    return best


def _isotonic(values: Sequence[float]) -> list[float]:
    """Closest non-decreasing sequence in least squares (pool adjacent violators)."""
    blocks: list[list[float]] = []
    for value in values:
        blocks.append([value, 1.0])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            total, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
    return [total / count for total, count in blocks for _ in range(int(count))]


def placed_columns(widths: Sequence[int], wanted_x: Sequence[float]) -> list[int]:
    """Left columns keeping the order and a GAP between boxes, nearest to the wanted ones."""
    offsets, offset = [], 0
    for width in widths:
        offsets.append(offset)
        offset += width + GAP
    shifted = _isotonic([w - o for w, o in zip(wanted_x, offsets, strict=True)])
    return [math.floor(s + 0.5) + o for s, o in zip(shifted, offsets, strict=True)]


def _place(
    order: list[list[str]], widths: Mapping[str, int], edges: Sequence[tuple[str, str]]
) -> dict[str, int]:
    parents: dict[str, list[str]] = {}
    children: dict[str, list[str]] = {}
    for a, b in edges:
        children.setdefault(a, []).append(b)
        parents.setdefault(b, []).append(a)
    x: dict[str, int] = {}
    for layer in order:
        placed = 0
        for key in layer:
            x[key] = placed
            placed += widths[key] + GAP

    def settle(layer: list[str], neighbours: Mapping[str, list[str]]) -> None:
        wanted = []
        for key in layer:
            near = neighbours.get(key, [])
            if near:
                centre = sum(x[n] + widths[n] // 2 for n in near) / len(near)
                wanted.append(centre - widths[key] // 2)
            else:
                wanted.append(float(x[key]))
        for key, column in zip(
            layer, placed_columns([widths[k] for k in layer], wanted), strict=True
        ):
            x[key] = column

    for _ in range(PLACEMENT_PASSES):
        for layer in order[1:]:
            settle(layer, parents)
        for layer in reversed(order[:-1]):
            settle(layer, children)
    left = min(x.values(), default=0)
    return {key: column - left for key, column in x.items()}


def entry_counts(order: list[list[str]], edges: Sequence[tuple[str, str]]) -> dict[str, int]:
    """How many distinct edge bundles enter each node (parents grouped by equal child sets)."""
    children: dict[str, set[str]] = {}
    for a, b in edges:
        children.setdefault(a, set()).add(b)
    bundles: dict[str, set[frozenset[str]]] = {}
    for kids in children.values():
        bundle = frozenset(kids)  # once per parent, not once per child
        for kid in kids:
            bundles.setdefault(kid, set()).add(bundle)
    return {key: len(bundles.get(key, ())) for layer in order for key in layer}


def layered_layout(
    steps: Sequence[tuple[str, Sequence[str]]],
    label_width: Callable[[str], int] = lambda name: len(name) + 4,
) -> DagLayout:
    """Lay out steps given as (name, dependency names) in declaration order."""
    deps = acyclic_dependencies(steps)
    layers, edges = _with_routing_points(deps, longest_path_layers(deps))
    order = ordered_layers(layers, edges)
    entries = entry_counts(order, edges)
    widths = {
        key: 1 if key not in deps else max(label_width(key), 2 * entries[key] + 1)
        for layer in order
        for key in layer
    }
    x = _place(order, widths, edges)
    placed = tuple(
        tuple(PlacedNode(key, i, x[key], widths[key], key not in deps) for key in layer)
        for i, layer in enumerate(order)
    )
    return DagLayout(placed, tuple(edges))
