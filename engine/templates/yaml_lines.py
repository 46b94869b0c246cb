"""Safe YAML parsing that also knows where each key sits, so errors can say ``file:line``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from engine.templates.yaml_size import TooDeep, TooManyValues, check_size

Path = tuple[Any, ...]
__all__ = ["ParsedYaml", "TooDeep", "TooManyValues", "line_of", "parse_yaml"]


@dataclass
class ParsedYaml:
    """The loaded data plus ``{path: 1-based line}`` for every mapping key and sequence item."""

    data: Any
    lines: dict[Path, int] = field(default_factory=dict)
    scalars: dict[Path, str] = field(default_factory=dict)  # the source text of scalar values
    duplicates: list[tuple[Path, int, int]] = field(default_factory=list)  # (path, line, first)


# libyaml's parser when PyYAML was built with it (its wheels are): the same safe loading, about
# ten times faster, which is most of opening an engine over a templates folder. A document it
# rejects is parsed again by the pure-Python parser, whose messages are the ones we show.
_FAST_LOADER = getattr(yaml, "CSafeLoader", None)


def parse_yaml(text: str) -> ParsedYaml:
    """Parse one YAML document with PyYAML's safe loader (what ``yaml.safe_load`` does).

    The node tree is walked *before* construction because construction flattens ``<<`` merge
    keys in place, which would make overridden merged keys look like duplicates.
    Raises ``yaml.YAMLError`` on a syntax problem, ``TooManyValues`` on an alias bomb or a
    document far too big, ``TooDeep`` past ``MAX_NESTING`` levels.
    """
    if _FAST_LOADER is not None:
        try:
            return _parse_with(_FAST_LOADER, text)
        except yaml.YAMLError:
            pass  # the pure-Python parser says what is wrong, in the words users know
    return _parse_with(yaml.SafeLoader, text)


def _parse_with(loader_class: Any, text: str) -> ParsedYaml:
    loader = loader_class(text)
    try:
        try:
            root = loader.get_single_node()
        except RecursionError:  # the pure-Python composer recurses per level (libyaml: 1000)
            mark = getattr(loader, "get_mark", None)
            raise TooDeep(mark().line + 1 if mark is not None else None) from None
        parsed = ParsedYaml(data=None)
        if root is not None:
            check_size(root)
            _walk(root, parsed)
            parsed.data = loader.construct_document(root)
        return parsed
    finally:
        loader.dispose()


def _walk(root: yaml.Node, parsed: ParsedYaml) -> None:
    seen: set[int] = set()  # anchors make the node graph shared (even cyclic)
    stack: list[tuple[Path, yaml.Node]] = [((), root)]
    while stack:
        path, node = stack.pop()
        parsed.lines.setdefault(path, node.start_mark.line + 1)
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            parsed.scalars[path] = node.value
        elif isinstance(node, yaml.MappingNode):
            first_line: dict[str, int] = {}
            for key, value in node.value:
                if not isinstance(key, yaml.ScalarNode) or key.value == "<<":
                    continue
                line = key.start_mark.line + 1
                sub = (*path, key.value)
                if key.value in first_line:
                    parsed.duplicates.append((sub, line, first_line[key.value]))
                    continue
                first_line[key.value] = line
                parsed.lines[sub] = line
                if key.tag.endswith(":int"):  # pydantic reports `1:` as the key 1
                    parsed.lines.setdefault((*path, _int(key.value)), line)
                _visit(sub, value, stack, parsed, seen)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                sub = (*path, index)
                parsed.lines.setdefault(sub, item.start_mark.line + 1)
                _visit(sub, item, stack, parsed, seen)


def _visit(
    path: Path,
    node: yaml.Node,
    stack: list[tuple[Path, yaml.Node]],
    parsed: ParsedYaml,
    seen: set[int],
) -> None:
    """A scalar at once (most nodes are: not stacked), anything else later."""
    if not isinstance(node, yaml.ScalarNode):
        stack.append((path, node))
    elif id(node) not in seen:
        seen.add(id(node))
        parsed.scalars[path] = node.value


def _int(text: str) -> int | str:
    try:
        return int(text.replace("_", ""), 0)
    except ValueError:
        return text


def line_of(lines: dict[Path, int], path: Path) -> int | None:
    """The line of ``path``, or of its nearest parent that has one."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())
