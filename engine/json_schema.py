"""A small JSON Schema subset, enough to check a task context against a template's input_schema.

Supported: type (one or a list), required, properties, additionalProperties, items, enum,
const, minimum/maximum (and their exclusive forms), minLength/maxLength, pattern,
minItems/maxItems, allOf/anyOf/oneOf. Other keywords (format, $ref …) are not checked: the
engine and the handlers validate again, so this only catches mistakes early in the editor.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

TYPE_CHECKS = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool))
        or (isinstance(v, float) and v.is_integer())
    ),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def _json_type(value: Any) -> str:
    for name in ("null", "boolean", "integer", "number", "string", "array", "object"):
        if TYPE_CHECKS[name](value):
            return name
    return type(value).__name__


def schema_errors(value: Any, schema: Mapping[str, Any] | None, path: str = "$") -> list[str]:
    """Every way ``value`` breaks ``schema``, as ``path: what is wrong`` lines."""
    if not schema or not isinstance(schema, Mapping):
        return []
    errors: list[str] = []
    wanted = schema.get("type")
    if wanted is not None:
        names = wanted if isinstance(wanted, list) else [wanted]
        if not any(TYPE_CHECKS.get(n, lambda v: True)(value) for n in names):
            return [f"{path}: expected {' or '.join(names)}, got {_json_type(value)}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: must be one of {', '.join(map(repr, schema['enum']))}")
    if "const" in schema and value != schema["const"]:
        errors.append(f"{path}: must be {schema['const']!r}")
    errors += _number_errors(value, schema, path)
    errors += _string_errors(value, schema, path)
    if isinstance(value, dict):
        errors += _object_errors(value, schema, path)
    if isinstance(value, list):
        errors += _array_errors(value, schema, path)
    errors += _combination_errors(value, schema, path)
    return errors


def _number_errors(value: Any, schema: Mapping[str, Any], path: str) -> list[str]:
    if not TYPE_CHECKS["number"](value):
        return []
    errors = []
    if "minimum" in schema and value < schema["minimum"]:
        errors.append(f"{path}: must be at least {schema['minimum']}")
    if "maximum" in schema and value > schema["maximum"]:
        errors.append(f"{path}: must be at most {schema['maximum']}")
    low = schema.get("exclusiveMinimum")
    if isinstance(low, int | float) and not isinstance(low, bool) and value <= low:
        errors.append(f"{path}: must be more than {low}")
    high = schema.get("exclusiveMaximum")
    if isinstance(high, int | float) and not isinstance(high, bool) and value >= high:
        errors.append(f"{path}: must be less than {high}")
    return errors


def _string_errors(value: Any, schema: Mapping[str, Any], path: str) -> list[str]:
    if not isinstance(value, str):
        return []
    errors = []
    if "minLength" in schema and len(value) < schema["minLength"]:
        errors.append(f"{path}: must be at least {schema['minLength']} characters")
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        errors.append(f"{path}: must be at most {schema['maxLength']} characters")
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        try:
            if re.search(pattern, value) is None:
                errors.append(f"{path}: must match {pattern}")
        except re.error:
            pass  # a pattern Python cannot read is the template's problem, not the operator's
    return errors


def _object_errors(value: dict[str, Any], schema: Mapping[str, Any], path: str) -> list[str]:
    errors = [
        f"{path}: missing required property '{name}'"
        for name in schema.get("required") or []
        if name not in value
    ]
    properties = schema.get("properties") or {}
    extra = schema.get("additionalProperties", True)
    for key, item in value.items():
        child = f"{path}.{key}"
        if key in properties:
            errors += schema_errors(item, properties[key], child)
        elif extra is False:
            errors.append(f"{path}: unexpected property '{key}'")
        elif isinstance(extra, Mapping):
            errors += schema_errors(item, extra, child)
    return errors


def _array_errors(value: list[Any], schema: Mapping[str, Any], path: str) -> list[str]:
    errors = []
    if "minItems" in schema and len(value) < schema["minItems"]:
        errors.append(f"{path}: needs at least {schema['minItems']} items")
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        errors.append(f"{path}: takes at most {schema['maxItems']} items")
    items = schema.get("items")
    if isinstance(items, Mapping):
        for i, item in enumerate(value):
            errors += schema_errors(item, items, f"{path}[{i}]")
    return errors


def _combination_errors(value: Any, schema: Mapping[str, Any], path: str) -> list[str]:
    errors = []
    for sub in schema.get("allOf") or []:
        errors += schema_errors(value, sub, path)
    any_of = schema.get("anyOf")
    if any_of and all(schema_errors(value, sub, path) for sub in any_of):
        errors.append(f"{path}: matches none of the allowed shapes (anyOf)")
    one_of = schema.get("oneOf")
    if one_of and sum(not schema_errors(value, sub, path) for sub in one_of) != 1:
        errors.append(f"{path}: must match exactly one of the allowed shapes (oneOf)")
    return errors


def example_for(schema: Mapping[str, Any] | None, top: bool = True) -> Any:
    """A starting document for the editor: every top-level property (the operator sees what
    the template accepts), required ones below, one element in each array, placeholders."""
    if not schema or not isinstance(schema, Mapping):
        return {}
    if "default" in schema:
        return schema["default"]
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    if isinstance(kind, list):  # ["null", "string"]: a placeholder of the non-null type
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties") or {}
        names = list(properties) if top else list(schema.get("required") or [])
        names += [n for n in schema.get("required") or [] if n not in names]
        return {name: example_for(properties.get(name), top=False) for name in names}
    if kind == "array":
        items = schema.get("items")
        return [example_for(items, top=False)] if isinstance(items, Mapping) and items else []
    return {"string": "", "integer": 0, "number": 0, "boolean": False}.get(str(kind))
