"""Loading one template file: safe YAML, the pydantic schema, then graph checks and warnings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from engine.templates import checks
from engine.templates.errors import TemplateError, TemplateWarning
from engine.templates.models import TaskTemplate
from engine.templates.yaml_lines import line_map, line_of

REQUIRED_FIXES = {
    "name": "add a top-level 'name:' (e.g. name: order_processing)",
    "namespace_name": "add a top-level 'namespace_name:' (e.g. namespace_name: ecommerce)",
    "version": "add a top-level 'version:' (e.g. version: 1.0.0)",
    "callable": "give the handler a 'callable:' naming the registered handler",
    "handler": "give the step a 'handler:' with a 'callable:'",
    "worker_template": "name the batch_worker step in batch_config.worker_template",
}
# Keys real Tasker templates carry that Tasker's own model ignores.
KNOWN_IGNORED = {
    "task_handler",
    "loaded_from",
    "named_steps",
    "default_context",
    "default_options",
    "custom_events",
    "schema",
}


@dataclass(frozen=True)
class LoadedTemplate:
    template: TaskTemplate
    warnings: list[TemplateWarning] = field(default_factory=list)


def load_template(path: str | Path, *, environment: str | None = None) -> LoadedTemplate:
    """Load and check one template file; raises TemplateError with ``file:line`` on a problem."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise TemplateError(source, None, f"cannot read the file: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise TemplateError(source, None, "is not UTF-8 text; save it as UTF-8") from None
    return load_template_text(text, source, environment=environment)


def load_template_text(
    text: str, source: str = "<string>", *, environment: str | None = None
) -> LoadedTemplate:
    try:
        data = yaml.safe_load(text)
        lines = line_map(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        if mark is not None and mark.index >= len(text.rstrip()):
            # Ran off the end of the file: the unclosed thing started at the context mark.
            mark = getattr(exc, "context_mark", None) or mark
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise TemplateError(
            source,
            mark.line + 1 if mark else None,
            f"YAML syntax error: {problem}; fix the indentation or quoting there",
        ) from None
    if not isinstance(data, dict):
        raise TemplateError(
            source,
            1,
            "a task template must be a YAML mapping with name, namespace_name, version and steps",
        )
    try:
        template = TaskTemplate.model_validate({**data, "source_path": source})
    except ValidationError as exc:
        raise _schema_error(exc, source, lines) from None
    raw_steps = data.get("steps") if isinstance(data.get("steps"), list) else None
    for path, message in checks.graph_errors(template, raw_steps):
        raise TemplateError(source, line_of(lines, path), message)
    warnings = [
        TemplateWarning(source, line_of(lines, path), message)
        for path, message in [*_unknown_keys(template), *checks.range_warnings(template)]
    ]
    if environment:
        template = template.resolved_for(environment)
    return LoadedTemplate(template, warnings)


def _schema_error(exc: ValidationError, source: str, lines: dict) -> TemplateError:
    first = exc.errors()[0]
    path = tuple(first["loc"])
    field_name = str(path[-1]) if path else "template"
    if first["type"] == "missing":
        where = ".".join(str(p) for p in path)
        fix = REQUIRED_FIXES.get(field_name, f"add '{field_name}'")
        return TemplateError(source, line_of(lines, path[:-1]), f"missing {where}; {fix}")
    where = ".".join(str(p) for p in path)
    return TemplateError(
        source,
        line_of(lines, path),
        f"{where}: {first['msg']} (got {first.get('input')!r}); fix the value",
    )


def _unknown_keys(template: TaskTemplate) -> list[checks.Finding]:
    found: list[checks.Finding] = []

    def note(path: tuple[Any, ...], keys: list[str], what: str) -> None:
        if keys:
            ignored = [k for k in keys if k in KNOWN_IGNORED]
            text = f"unknown keys in {what}, ignored: {', '.join(keys)}"
            if ignored and len(ignored) == len(keys):
                text = f"keys Tasker ignores in {what}: {', '.join(keys)}"
            found.append(((*path, keys[0]), text))

    note((), template.unknown_keys(), "the template")
    for i, step in enumerate(template.steps):
        note(("steps", i), step.unknown_keys(), f"step '{step.name}'")
        note(("steps", i, "handler"), step.handler.unknown_keys(), f"step '{step.name}' handler")
        note(("steps", i, "retry"), step.retry.unknown_keys(), f"step '{step.name}' retry")
    return found
