"""Printing results: JSON for scripts, compact tables for people."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from engine.templates import TemplateCatalog

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


def styled(state: str | None) -> str:
    if not state:
        return ""
    return f"[{STATE_STYLE.get(state, 'white')}]{state}[/]"


def clock_text(ms: int | None) -> str:
    if ms is None:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ms / 1000))


def table(columns: Sequence[str], rows: Sequence[Sequence[Any]], title: str | None = None) -> None:
    out = Table(title=title, box=None, header_style="bold", pad_edge=False)
    for column in columns:
        out.add_column(column)
    for row in rows:
        out.add_row(*("" if v is None else str(v) for v in row))
    console().print(out)


def report_template_problems(catalog: TemplateCatalog) -> None:
    """Each invalid template file not yet reported, once, as ``file:line: message``."""
    for problem in catalog.unreported_problems():
        print(f"{problem} (template not loaded)", file=sys.stderr)
