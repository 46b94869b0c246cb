"""What the loader reports: errors that stop a template, warnings that do not."""

from __future__ import annotations

from dataclasses import dataclass

LINE_BREAKS = {ord(c): repr(c)[1:-1] for c in "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"}


def one_line(text: str) -> str:
    """``text`` with line breaks escaped: a name from the YAML may carry them."""
    return text.translate(LINE_BREAKS)


def _where(source: str, line: int | None) -> str:
    return f"{one_line(source)}:{line}" if line else one_line(source)


class TemplateError(Exception):
    """A template that cannot be used; ``str()`` is ``file:line: what is wrong; how to fix``."""

    def __init__(self, source: str, line: int | None, message: str) -> None:
        self.source = source
        self.line = line
        self.message = one_line(message)
        super().__init__(f"{_where(source, line)}: {self.message}")


class TemplateNotFound(TemplateError, KeyError):
    """No template with that namespace, name and version; its text is the message alone."""

    def __init__(self, source: str, line: int | None, message: str) -> None:
        super().__init__(source, line, message)
        self.args = (self.message,)  # what KeyError handlers print

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class TemplateWarning:
    source: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{_where(self.source, self.line)}: warning: {one_line(self.message)}"
