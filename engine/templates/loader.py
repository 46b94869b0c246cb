"""Loading one template file: safe YAML, the pydantic schema, then errors and warnings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from engine.templates import advice, ranges, unknown_keys, validate
from engine.templates.cycle_collection import cycle_collection_paused
from engine.templates.errors import TemplateError, TemplateWarning
from engine.templates.findings import Finding
from engine.templates.models import TaskTemplate
from engine.templates.schema_errors import schema_error
from engine.templates.yaml_lines import ParsedYaml, TooDeep, TooManyValues, line_of, parse_yaml


@dataclass(frozen=True)
class LoadedTemplate:
    template: TaskTemplate
    warnings: list[TemplateWarning] = field(default_factory=list)


def load_template(path: str | Path, *, environment: str | None = None) -> LoadedTemplate:
    """Load and check one template file; raises TemplateError with ``file:line`` on a problem."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise TemplateError(source, None, "is not UTF-8 text; save it as UTF-8") from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise TemplateError(source, None, f"cannot read the file: {reason}") from None
    return load_template_text(text, source, environment=environment)


def load_template_text(
    text: str, source: str = "<string>", *, environment: str | None = None
) -> LoadedTemplate:
    """Load and check one template's YAML text; ``source`` names it in messages."""
    with cycle_collection_paused():
        return _load(text, source, environment)


def _load(text: str, source: str, environment: str | None) -> LoadedTemplate:
    parsed = _parse(text, source)
    data = parsed.data
    if data is None:
        raise TemplateError(
            source, None, "is empty; a task template needs name, namespace_name, version and steps"
        )
    if not isinstance(data, dict):
        raise TemplateError(
            source,
            line_of(parsed.lines, ()),
            "a task template must be a YAML mapping with name, namespace_name, version and steps",
        )
    _raise_first(validate.document_errors(parsed), source, parsed)
    try:
        template = TaskTemplate.model_validate(
            {**data, "version": _version_text(parsed), "source_path": source}
        )
    except ValidationError as exc:
        path, message = schema_error(exc, data)
        raise TemplateError(source, line_of(parsed.lines, path), message) from None
    _raise_first(validate.template_errors(template, data), source, parsed)
    findings = [
        *unknown_keys.unknown_key_warnings(template),
        *ranges.range_warnings(template),
        *advice.shape_warnings(template),
    ]
    warnings = [TemplateWarning(source, _line(f, parsed), f.message) for f in findings]
    warnings.sort(key=lambda w: w.line or 0)
    if environment:
        template = template.resolved_for(environment)
    return LoadedTemplate(template, warnings)


def _parse(text: str, source: str) -> ParsedYaml:
    try:
        return parse_yaml(text)
    except (TooManyValues, TooDeep) as exc:
        raise TemplateError(source, exc.line, str(exc)) from None
    except yaml.YAMLError as exc:
        line, message = _yaml_problem(exc, text)
        raise TemplateError(source, line, message) from None


def _yaml_problem(exc: yaml.YAMLError, text: str) -> tuple[int | None, str]:
    """The line and the one-line message for a YAML syntax error."""
    mark = getattr(exc, "problem_mark", None)
    context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    line = mark.line + 1 if mark else None
    fix = "fix the indentation or quoting there"
    if mark is not None and mark.index >= len(text.rstrip()):
        # Ran off the end: point at where the unclosed thing starts, else at the last line.
        fix = "a bracket or quote is not closed; close it"
        if context_mark is not None and context_mark.index < len(text.rstrip()):
            line = context_mark.line + 1
        else:
            line = len(text.rstrip().splitlines())
    if isinstance(exc, yaml.constructor.ConstructorError) and "unhashable" in problem:
        fix = "keys must be plain text; rewrite that key"
    elif isinstance(exc, yaml.constructor.ConstructorError):
        fix = "templates are plain YAML; remove the tag"
    elif isinstance(exc, yaml.composer.ComposerError) and "single document" in str(exc):
        fix = "a template file holds one YAML document; remove the extra '---'"
    said = f"{context}, {problem}" if context and isinstance(exc, yaml.MarkedYAMLError) else problem
    return line, f"YAML syntax error: {' '.join(said.split())}; {fix}"


def _version_text(parsed: ParsedYaml) -> Any:
    """``version: 1.10`` is a float to YAML; keep what the author wrote."""
    version = parsed.data.get("version")
    if isinstance(version, int | float) and not isinstance(version, bool):
        return parsed.scalars.get(("version",), str(version))
    return version


def _line(finding: Finding, parsed: ParsedYaml) -> int | None:
    return finding.line or line_of(parsed.lines, finding.path)


def _raise_first(findings: list[Finding], source: str, parsed: ParsedYaml) -> None:
    """Raise the finding that comes first in the file, if any."""
    if findings:
        first = min(findings, key=lambda f: _line(f, parsed) or 0)
        raise TemplateError(source, _line(first, parsed), first.message)
