"""Pydantic's validation errors, said in the template's own words with a fix."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from engine.templates.findings import step_label

# Missing key → how to add it.
MISSING_FIXES = {
    "name": "add 'name:'",
    "namespace_name": "add a top-level 'namespace_name:' (e.g. namespace_name: ecommerce)",
    "version": "add a top-level 'version:' (e.g. version: 1.0.0)",
    "handler": "add 'handler:' with a 'callable:' naming its registered handler",
    "callable": "add 'callable:' naming the registered handler",
    "worker_template": "name the batch_worker step it clones",
}
TOP_NAME_FIX = "add a top-level 'name:' (e.g. name: order_processing)"
MAPPING_TYPES = {"model_type", "dict_type", "model_attributes_type"}


def schema_error(exc: ValidationError, data: dict[str, Any]) -> tuple[tuple[Any, ...], str]:
    """The YAML path and the one-line message for the first of pydantic's errors."""
    error = exc.errors()[0]
    path = tuple(error["loc"])
    subject, rest = _describe(path, data)
    if error["type"] == "missing":
        key = str(path[-1])
        fix = TOP_NAME_FIX if path == ("name",) else MISSING_FIXES.get(key, f"add '{key}:'")
        if path[0] == "environments" and key == "name":
            fix = "add 'name:' with a step name, or ALL for every step"
        owner = " ".join(p for p in (subject, ".".join(rest[:-1])) if p)
        where = f"{owner} has no {key}" if owner else f"missing {key}"
        return path[:-1], f"{where}; {fix}"
    if error["type"] == "invalid_key" or path[-1:] == ("[key]",):
        path = path[:-1] if path[-1:] == ("[key]",) else path
        subject, rest = _describe(path, data)
        owner = " ".join(p for p in (subject, ".".join(rest[:-1])) if p)
        key = f"{owner} key" if owner else "key"
        return path, f"{key} {path[-1]!r} is not text; quote it ('{path[-1]}':) or remove it"
    if error["type"] in MAPPING_TYPES:
        problem = "should be a mapping (key: value lines)"
    else:
        message = str(error["msg"])
        problem = message[:1].lower() + message[1:]
    field = ".".join(rest)
    name = " ".join(p for p in (subject, field) if p) or "the template"
    shown = repr(error.get("input"))
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    return path, " ".join(f"{name} is {shown}: {problem}; fix the value".split())


def _describe(path: tuple[Any, ...], data: dict[str, Any]) -> tuple[str, list[str]]:
    """Split an error path into who it is about (a step, an override) and the field under it."""
    if len(path) >= 2 and path[0] == "steps" and isinstance(path[1], int):
        raw = _item(data.get("steps"), path[1])
        return step_label(raw.get("name"), path[1]), [str(p) for p in path[2:]]
    if len(path) >= 4 and path[0] == "environments" and path[2] == "steps":
        env, index = path[1], path[3]
        overrides = _item(data.get("environments"), env).get("steps")
        name = _item(overrides, index).get("name") if isinstance(index, int) else None
        who = f"of '{name}'" if name else f"{index + 1 if isinstance(index, int) else index}"
        return f"environments.{env} override {who}", [str(p) for p in path[4:]]
    return "", [str(p) for p in path]


def _item(container: Any, key: Any) -> dict[str, Any]:
    """``container[key]`` when it is a mapping, else an empty one (the data may be malformed)."""
    try:
        value = container[key]
    except (KeyError, IndexError, TypeError):
        return {}
    return value if isinstance(value, dict) else {}
