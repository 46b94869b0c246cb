"""Printing results: JSON for scripts, compact tables for people.

Task data is printed by the rule of ``engine.literal``: as text, never Rich markup, with
control characters shown visibly; a table cell longer than ``CELL_LIMIT`` characters is
clipped with ``…`` (``--json`` prints every value whole, with JSON's own escapes).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from engine.literal import literal, visible
from engine.templates import TemplateCatalog

CELL_LIMIT = 500  # characters of one value in a table: a 10 kB message stays a few lines
CONTEXT_LIMIT = 2000  # characters of a task's context on one (wrapped) line

STATE_STYLE = {
    "complete": "green",
    "resolved_manually": "green",
    "error": "red",
    "blocked_by_failures": "red",
    "cancelled": "bright_black",
    "waiting_for_retry": "yellow",
    "in_progress": "cyan",
    "steps_in_process": "cyan",
    "pending": "white",
    "waiting_for_dependencies": "white",
}


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


def console() -> Console:
    return Console(highlight=False, soft_wrap=False)


def styled(state: str | None) -> Text:
    """A state in its colour (as text: a state is data too)."""
    if not state:
        return Text()
    return literal(state, STATE_STYLE.get(state, "white"))


def say(*parts: object) -> None:
    """Print a line of task data: each part shown literally, ``Text`` parts keep their style."""
    line = Text()
    for part in parts:
        line.append_text(part if isinstance(part, Text) else literal(part))
    console().print(line)


def clipped(text: str, limit: int) -> str:
    """``text``, or its first ``limit`` characters and how to see the rest."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters; --json shows all)"


def plain_line(text: object) -> None:
    """``print`` for a line that holds task data: control characters shown visibly."""
    print(visible(text))


def clock_text(ms: int | None) -> str:
    if ms is None:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ms / 1000))


def table(columns: Sequence[str], rows: Sequence[Sequence[Any]], title: str | None = None) -> None:
    out = Table(title=title, box=None, header_style="bold", pad_edge=False)
    for column in columns:
        out.add_column(column)
    for row in rows:
        out.add_row(*(cell(v) for v in row))
    console().print(out)


def cell(value: object) -> Text:
    """A table cell: ``Text`` as given (clipped), anything else shown literally."""
    if isinstance(value, Text):
        if len(value.plain) > CELL_LIMIT:
            value = value[: CELL_LIMIT - 1] + Text("…")
        return value
    return literal(value, limit=CELL_LIMIT)


def report_template_problems(catalog: TemplateCatalog) -> None:
    """Each invalid template file not yet reported, once, as ``file:line: message``."""
    for problem in catalog.unreported_problems():
        print(visible(f"{problem} (template not loaded)"), file=sys.stderr)
