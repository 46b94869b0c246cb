"""Reduce a pydantic model's JSON Schema to the plain shape Tasker templates use.

``result_schema`` / ``input_schema`` blocks in the shipped templates are compared with the
models through this reduction: object ``required`` lists, property names, JSON types and the
properties of nested objects and array items.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


def simple_schema(model: type[BaseModel], *, descriptions: bool = False) -> dict[str, Any]:
    """The reduced schema; with ``descriptions`` the fields' descriptions are kept (for
    writing templates; comparisons ignore them)."""
    full = model.model_json_schema()
    return _reduce(full, full.get("$defs", {}), descriptions)


def _reduce(
    node: dict[str, Any], defs: dict[str, Any], descriptions: bool = False
) -> dict[str, Any]:
    reduced = _reduce_type(node, defs, descriptions)
    if descriptions and node.get("description") and reduced:
        reduced["description"] = node["description"]
    return reduced


def _reduce_type(node: dict[str, Any], defs: dict[str, Any], descriptions: bool) -> dict[str, Any]:
    if "$ref" in node:
        return _reduce(defs[node["$ref"].split("/")[-1]], defs, descriptions)
    if "anyOf" in node:
        options = [_reduce(option, defs, descriptions) for option in node["anyOf"]]
        concrete = [option for option in options if option.get("type") != "null"]
        reduced = dict(concrete[0]) if len(concrete) == 1 else {"type": sorted(_types(concrete))}
        if len(concrete) < len(options):
            reduced["type"] = sorted({*_types([reduced]), "null"})
        return reduced
    kind = node.get("type")
    if kind == "object" and "properties" in node:
        return {
            "type": "object",
            "required": list(node.get("required", [])),
            "properties": {
                name: _reduce(sub, defs, descriptions) for name, sub in node["properties"].items()
            },
        }
    if kind == "array":
        items = node.get("items")
        if not items:
            return {"type": "array"}
        return {"type": "array", "items": _reduce(items, defs, descriptions)}
    return {"type": kind} if kind else {}


def _types(options: list[dict[str, Any]]) -> set[str]:
    found: set[str] = set()
    for option in options:
        kind = option.get("type")
        found.update(kind if isinstance(kind, list) else [kind] if kind else [])
    return found


def template_shape(schema: dict[str, Any] | None) -> dict[str, Any]:
    """The same reduction applied to a schema written in a template (descriptions dropped)."""
    if not schema:
        return {}
    kind = schema.get("type")
    shape: dict[str, Any] = {"type": sorted(kind) if isinstance(kind, list) else kind}
    if "properties" in schema:
        shape["required"] = list(schema.get("required", []))
        shape["properties"] = {n: template_shape(s) for n, s in schema["properties"].items()}
    if schema.get("items"):
        shape["items"] = template_shape(schema["items"])
    return shape if kind else {}
