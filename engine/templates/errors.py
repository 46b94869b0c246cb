"""What the loader reports: errors that stop a template, warnings that do not."""

from __future__ import annotations

from dataclasses import dataclass


def _where(source: str, line: int | None) -> str:
    return f"{source}:{line}" if line else source


class TemplateError(Exception):
    """A template that cannot be used; ``str()`` is ``file:line: what is wrong; how to fix``."""

    def __init__(self, source: str, line: int | None, message: str) -> None:
        super().__init__(f"{_where(source, line)}: {message}")
        self.source = source
        self.line = line
        self.message = message


class TemplateNotFound(TemplateError, KeyError):
    """No template with that namespace, name and version."""

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class TemplateWarning:
    source: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{_where(self.source, self.line)}: warning: {self.message}"
