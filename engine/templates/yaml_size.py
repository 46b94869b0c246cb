"""How big and how deep a parsed YAML document is, measured on its node tree before it is
built into Python values (building a bomb, or a deep document, is what must not happen).

An alias (``*name``) shares its anchor's node, so a small file can expand to billions of
values; a plain file can only be as big as it is, but a 10,000-step template is still more
than a template should hold. Both get a message that says which it is. Nesting is limited as
stored JSON is (``json_limits.MAX_NESTING``): the definition is kept as JSON and its values
reach handlers.
"""

from __future__ import annotations

from typing import Any

import yaml

from engine.json_limits import MAX_NESTING

MAX_VALUES = 100_000  # once aliases are expanded; the largest known real template has ~1,100


class TooManyValues(Exception):
    """A document of more than MAX_VALUES values: an "alias bomb" that would take gigabytes
    to store or serialise however small the file, or simply a template far too large."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


class TooDeep(Exception):
    """A document nested past MAX_NESTING levels (or past what the parser can follow)."""

    def __init__(self, line: int | None) -> None:
        super().__init__(
            f"it is nested too deeply: more than {MAX_NESTING} levels of mappings and lists; "
            "flatten it"
        )
        self.line = line


def check_size(root: yaml.Node) -> None:
    """Raise ``TooManyValues`` or ``TooDeep`` for a document the engine will not build."""
    sizes, heights = _measure(root)
    if sizes[id(root)] > MAX_VALUES:
        raise TooManyValues(root.start_mark.line + 1, _too_many(root, len(sizes)))
    if heights[id(root)] > MAX_NESTING:
        raise TooDeep(_deepest_line(root, heights))


def _too_many(root: yaml.Node, distinct: int) -> str:
    if distinct <= MAX_VALUES:
        return (
            f"its aliases expand to over {MAX_VALUES} values; write the values out, or use "
            "fewer nested aliases (*name)"
        )
    steps = _steps(root)
    said = f" ({steps} steps)" if steps is not None else ""
    return (
        f"it holds {distinct} values{said}, over the limit of {MAX_VALUES} for one template; "
        "split the workflow into smaller templates"
    )


def _steps(root: yaml.Node) -> int | None:
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if getattr(key, "value", None) == "steps" and isinstance(value, yaml.SequenceNode):
                return len(value.value)
    return None


def _measure(root: yaml.Node) -> tuple[dict[int, int], dict[int, int]]:
    """Each node's value count with every alias expanded (capped past MAX_VALUES) and its
    height (levels of mappings and lists down to its deepest leaf), each node sized once.

    A node that contains itself counts once, and adds no depth, where it recurs (building it
    fails later, with the schema's message)."""
    sizes: dict[int, int] = {}
    heights: dict[int, int] = {}
    open_nodes: set[int] = set()
    scalars: set[int] = set()  # leaves below the root: size 1, height 0, not stacked
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if children_done:
            sizes[id(node)] = min(1 + sum(sizes.get(id(c), 1) for c in children), MAX_VALUES + 1)
            if _is_collection(node):
                below = max((heights.get(id(c), 0) for c in children), default=0)
                heights[id(node)] = min(below + 1, MAX_NESTING + 2)
            else:
                heights[id(node)] = 0
            open_nodes.discard(id(node))
            continue
        open_nodes.add(id(node))
        stack.append((node, True))
        for child in children:
            if isinstance(child, yaml.ScalarNode):
                scalars.add(id(child))
            elif id(child) not in sizes and id(child) not in open_nodes:
                stack.append((child, False))
    for leaf in scalars:  # counted as distinct values; their size and height are the defaults
        sizes.setdefault(leaf, 1)
    return sizes, heights


def _is_collection(node: yaml.Node) -> bool:
    return isinstance(node, yaml.SequenceNode | yaml.MappingNode)


def _deepest_line(root: yaml.Node, heights: dict[int, int]) -> int:
    """The line where the document passes MAX_NESTING levels, down its deepest path."""
    node, depth = root, 1
    while depth <= MAX_NESTING:
        children = [c for c in _children(node) if _is_collection(c)]
        if not children:
            break
        node = max(children, key=lambda c: heights.get(id(c), 0))
        depth += 1
    return int(node.start_mark.line) + 1


def _children(node: yaml.Node) -> list[Any]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []
