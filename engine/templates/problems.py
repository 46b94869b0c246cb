"""Template files a catalog could not load, kept so that only their own templates fail.

A process that runs every template (a worker, the task list) loads the valid files and keeps
each invalid one as a ``TemplateProblem``: reported once, and quoted by the error of any
request for a template it may define. ``tasker template validate`` stays the strict check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.templates.errors import TemplateError, TemplateNotFound
from engine.templates.yaml_lines import parse_yaml

Identity = tuple[str, str, str | None]  # namespace, name, version (None: not readable)


@dataclass
class TemplateProblem:
    """An invalid template file, and which template it defines when that much is readable."""

    error: TemplateError
    defines: Identity | None
    reported: bool = False

    def __str__(self) -> str:
        return str(self.error)

    def may_define(self, namespace: str, name: str, version: str | None) -> bool:
        """Whether a request for this template may have meant this file's."""
        if self.defines is None:
            return False
        ns, n, v = self.defines
        return (ns, n) == (namespace, name) and (version is None or v in (None, version))


class TemplateUnavailable(TemplateNotFound):
    """The template asked for is in a file that could not be loaded; the message quotes it."""


_TOP_LEVEL = re.compile(r"""^(name|namespace_name|version):[ \t]*["']?([^"'#\s]+)""", re.M)


def identity_of(path: Path) -> Identity | None:
    """The namespace, name and version an invalid file declares, if its YAML says so (or,
    when it is not YAML at all, its top-level ``name:`` lines do)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    try:
        data: Any = parse_yaml(text).data
    except Exception:  # not YAML, or too big to be: read the top-level lines alone
        data = {}
        for key, value in _TOP_LEVEL.findall(text):
            data.setdefault(key, value)
    if not isinstance(data, dict):
        return None
    namespace, name, version = (data.get(k) for k in ("namespace_name", "name", "version"))
    if not isinstance(namespace, str) or not isinstance(name, str):
        return None
    return namespace, name, None if version is None else str(version)


def unavailable(wanted: str, problems: list[TemplateProblem]) -> TemplateUnavailable:
    """The error for a request ``problems`` (each may define it, the first quoted) explain."""
    first = problems[0]
    first.reported = True
    more = f" (and {len(problems) - 1} more such files)" if len(problems) > 1 else ""
    return TemplateUnavailable(
        wanted,
        None,
        f"template {wanted} could not be loaded{more}: {first.error}",
    )


def unread_note(problems: list[TemplateProblem], namespace: str) -> str:
    """What a not-found message adds when some files could not be loaded: one of them (one
    that names no template, or one of the same namespace, first) may have defined it."""
    if not problems:
        return ""
    first = min(problems, key=lambda p: 0 if p.defines is None else 1 + (p.defines[0] != namespace))
    first.reported = True
    count = f"{len(problems)} template files" if len(problems) > 1 else "a template file"
    return f"; {count} could not be loaded, such as {first.error}"
